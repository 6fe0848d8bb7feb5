// NVRTC, loaded at run time with dlopen: kiln compiles without NVRTC's headers or library and
// offers run-time compilation wherever libnvrtc is installed (the CUDA toolkit, or the
// nvidia-cuda-nvrtc wheel). KILN_NVRTC_PATH names a specific library file.
#pragma once

#include <cstddef>
#include <string>
#include <vector>

namespace kiln::cuda {

struct NvrtcResult {
  std::vector<char> cubin;
  std::string log;
};

class NvrtcLibrary {
 public:
  // The process-wide library, or nullptr when none could be loaded (see loadError()).
  static const NvrtcLibrary* get();
  static std::string loadError();

  std::string path() const { return path_; }
  int version() const { return major_ * 1000 + minor_ * 10; }
  // Compiles `source` to a CUBIN for sm_<arch>; throws INVALID_ARGUMENT with the compiler log
  // when compilation fails.
  NvrtcResult compile(const std::string& source, const std::string& name, int arch, const std::vector<std::string>& options) const;

 private:
  using Program = void*;
  int (*create_)(Program*, const char*, const char*, int, const char* const*, const char* const*) = nullptr;
  int (*destroy_)(Program*) = nullptr;
  int (*compile_)(Program, int, const char* const*) = nullptr;
  int (*logSize_)(Program, size_t*) = nullptr;
  int (*log_)(Program, char*) = nullptr;
  int (*cubinSize_)(Program, size_t*) = nullptr;
  int (*cubin_)(Program, char*) = nullptr;
  const char* (*errorString_)(int) = nullptr;
  std::string path_;
  int major_ = 0, minor_ = 0;
  friend struct NvrtcLoader;
};

}  // namespace kiln::cuda
