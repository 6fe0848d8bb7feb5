// A failure that native code reports to JavaScript: a stable code (the names of KilnError's
// ErrorCode), what went wrong, and what the user should do about it. Worker threads throw it;
// only the main thread turns it into a JS exception or a rejected promise.
#pragma once

#include <cstdint>
#include <stdexcept>
#include <string>

namespace kiln {

// The layer a failure is about (KilnError's `layer`: name, kind, index); index < 0 = none.
struct FailureLayer {
  std::string name;
  std::string kind;
  int64_t index = -1;
};

class Failure : public std::runtime_error {
 public:
  Failure(std::string code, const std::string& message, std::string hint = {}, FailureLayer layer = {})
      : std::runtime_error(message), code_(std::move(code)), hint_(std::move(hint)), layer_(std::move(layer)) {}

  const std::string& code() const { return code_; }
  const std::string& hint() const { return hint_; }
  const FailureLayer& layer() const { return layer_; }

 private:
  std::string code_;
  std::string hint_;
  FailureLayer layer_;
};

// Bad argument from JavaScript: names the function and the argument.
[[noreturn]] inline void failArgument(const std::string& where, const std::string& message,
                                      const std::string& hint = {}) {
  throw Failure("INVALID_ARGUMENT", where + ": " + message, hint);
}

}  // namespace kiln
