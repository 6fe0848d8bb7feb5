#include "nvrtc_library.h"

#include <dlfcn.h>

#include <cstdlib>
#include <mutex>

#include "kiln/failure.h"

namespace kiln::cuda {

struct NvrtcLoader {
  NvrtcLibrary library;
  std::string error;
  bool ok = false;

  NvrtcLoader() {
    std::vector<std::string> candidates;
    if (const char* path = std::getenv("KILN_NVRTC_PATH")) candidates.emplace_back(path);
    for (const char* name : {"libnvrtc.so.13", "libnvrtc.so.12", "libnvrtc.so"}) candidates.emplace_back(name);
    void* handle = nullptr;
    for (const std::string& c : candidates) {
      handle = dlopen(c.c_str(), RTLD_NOW | RTLD_LOCAL);
      if (handle != nullptr) {
        library.path_ = c;
        break;
      }
    }
    if (handle == nullptr) {
      error = "libnvrtc could not be loaded (tried KILN_NVRTC_PATH, libnvrtc.so.13, libnvrtc.so.12, libnvrtc.so): install the CUDA toolkit's NVRTC or set KILN_NVRTC_PATH";
      return;
    }
    auto sym = [&](const char* name) {
      void* p = dlsym(handle, name);
      if (p == nullptr) error = std::string("libnvrtc lacks ") + name;
      return p;
    };
    library.create_ = reinterpret_cast<decltype(library.create_)>(sym("nvrtcCreateProgram"));
    library.destroy_ = reinterpret_cast<decltype(library.destroy_)>(sym("nvrtcDestroyProgram"));
    library.compile_ = reinterpret_cast<decltype(library.compile_)>(sym("nvrtcCompileProgram"));
    library.logSize_ = reinterpret_cast<decltype(library.logSize_)>(sym("nvrtcGetProgramLogSize"));
    library.log_ = reinterpret_cast<decltype(library.log_)>(sym("nvrtcGetProgramLog"));
    library.cubinSize_ = reinterpret_cast<decltype(library.cubinSize_)>(sym("nvrtcGetCUBINSize"));
    library.cubin_ = reinterpret_cast<decltype(library.cubin_)>(sym("nvrtcGetCUBIN"));
    library.errorString_ = reinterpret_cast<decltype(library.errorString_)>(sym("nvrtcGetErrorString"));
    auto version = reinterpret_cast<int (*)(int*, int*)>(sym("nvrtcVersion"));
    if (!error.empty()) return;
    version(&library.major_, &library.minor_);
    ok = true;
  }
};

namespace {
NvrtcLoader& loader() {
  static NvrtcLoader instance;  // loaded once, on first use
  return instance;
}
}  // namespace

const NvrtcLibrary* NvrtcLibrary::get() { return loader().ok ? &loader().library : nullptr; }
std::string NvrtcLibrary::loadError() { return loader().error; }

NvrtcResult NvrtcLibrary::compile(const std::string& source, const std::string& name, int arch,
                                  const std::vector<std::string>& options) const {
  Program program = nullptr;
  auto check = [&](int status, const char* call) {
    if (status != 0) throw Failure("CUDA_ERROR", std::string(call) + " failed: " + errorString_(status), "check the CUDA C source and options");
  };
  check(create_(&program, source.c_str(), name.c_str(), 0, nullptr, nullptr), "nvrtcCreateProgram");
  std::vector<std::string> all = {"--gpu-architecture=sm_" + std::to_string(arch)};
  all.insert(all.end(), options.begin(), options.end());
  std::vector<const char*> argv;
  for (const std::string& o : all) argv.push_back(o.c_str());
  const int compiled = compile_(program, static_cast<int>(argv.size()), argv.data());
  NvrtcResult result;
  size_t logSize = 0;
  if (logSize_(program, &logSize) == 0 && logSize > 1) {
    result.log.resize(logSize);
    log_(program, result.log.data());
    result.log.resize(logSize - 1);
  }
  if (compiled != 0) {
    destroy_(&program);
    throw Failure("INVALID_ARGUMENT", "compiling '" + name + "' with NVRTC failed: " + errorString_(compiled) + "\n" + result.log,
                  "fix the CUDA C source (the compiler log is above)");
  }
  size_t size = 0;
  check(cubinSize_(program, &size), "nvrtcGetCUBINSize");
  result.cubin.resize(size);
  check(cubin_(program, result.cubin.data()), "nvrtcGetCUBIN");
  destroy_(&program);
  return result;
}

}  // namespace kiln::cuda
