#pragma once
// Errors while bringing the engine up. Exceptions are fine here (setup, not the data
// path); apps/ prints what() as the one line a user sees, then exits non-zero.
// Every message says what failed, why, and how to fix it.
#include <stdexcept>
#include <string>

namespace slip::dataplane {

class SetupError : public std::runtime_error {
public:
    explicit SetupError(const std::string& what_why_fix) : std::runtime_error(what_why_fix) {}
};

}  // namespace slip::dataplane
