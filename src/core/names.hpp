// Validation of the names the router is given, and model pattern matching.
#pragma once

#include <cstddef>
#include <string_view>

#include "core/status.hpp"

namespace llmroute {

constexpr size_t kNameMax = 256;  // bytes, as LLMR_NAME_MAX
constexpr size_t kListMax = 1024;

// Ok when `name` is non-empty, at most kNameMax bytes, valid UTF-8 and free of control
// characters. `what` names the argument in the message ("deployment name").
Status ValidateName(std::string_view name, std::string_view what);

// True when the pattern contains glob metacharacters ('*' or '?').
bool IsPattern(std::string_view pattern);

// Glob match with '*' (any run, including empty) and '?' (one byte). "*" matches everything.
bool GlobMatch(std::string_view pattern, std::string_view text);

}  // namespace llmroute
