#include "kiln/js_errors.h"

#include <string>

namespace kiln {

Napi::Error toJsError(Napi::Env env, const Failure& failure) {
  std::string message = failure.what();
  if (!failure.hint().empty()) message += " Hint: " + failure.hint();
  Napi::Error error = Napi::Error::New(env, message);
  error.Set("code", Napi::String::New(env, failure.code()));
  if (!failure.hint().empty()) error.Set("hint", Napi::String::New(env, failure.hint()));
  // KilnError's layer context, so a Program error names the op and its layer to TypeScript too.
  if (failure.layer().index >= 0) {
    Napi::Object layer = Napi::Object::New(env);
    layer.Set("name", Napi::String::New(env, failure.layer().name));
    layer.Set("kind", Napi::String::New(env, failure.layer().kind));
    layer.Set("index", Napi::Number::New(env, static_cast<double>(failure.layer().index)));
    error.Set("layer", layer);
  }
  return error;
}

Failure currentFailure() {
  try {
    throw;
  } catch (const Failure& failure) {
    return failure;
  } catch (const std::bad_alloc&) {
    return Failure("RUNTIME_ERROR", "native code ran out of host memory",
                   "use smaller inputs (batch size, image size) or free memory held elsewhere");
  } catch (const std::exception& e) {
    return Failure("INTERNAL", std::string("native code failed: ") + e.what(),
                   "this is a kiln bug: please report it with the inputs that caused it");
  } catch (...) {
    return Failure("INTERNAL", "native code failed with an unknown exception",
                   "this is a kiln bug: please report it with the inputs that caused it");
  }
}

}  // namespace kiln
