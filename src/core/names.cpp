#include "core/names.hpp"

#include <string>

namespace llmroute {

namespace {

// Length of the UTF-8 sequence starting at s[i], or 0 when it is malformed (overlong forms,
// surrogates and code points above U+10FFFF included).
size_t Utf8SequenceLength(std::string_view s, size_t i) {
  const auto byte = [&](size_t k) { return static_cast<unsigned char>(s[k]); };
  const unsigned char lead = byte(i);
  if (lead < 0x80) return 1;
  size_t length = 0;
  unsigned char min_second = 0x80, max_second = 0xBF;
  if (lead >= 0xC2 && lead <= 0xDF) {
    length = 2;
  } else if (lead >= 0xE0 && lead <= 0xEF) {
    length = 3;
    if (lead == 0xE0) min_second = 0xA0;
    if (lead == 0xED) max_second = 0x9F;
  } else if (lead >= 0xF0 && lead <= 0xF4) {
    length = 4;
    if (lead == 0xF0) min_second = 0x90;
    if (lead == 0xF4) max_second = 0x8F;
  } else {
    return 0;
  }
  if (i + length > s.size()) return 0;
  if (byte(i + 1) < min_second || byte(i + 1) > max_second) return 0;
  for (size_t k = 2; k < length; ++k) {
    if (byte(i + k) < 0x80 || byte(i + k) > 0xBF) return 0;
  }
  return length;
}

}  // namespace

Status ValidateName(std::string_view name, std::string_view what) {
  if (name.empty()) return {Code::kInvalidArgument, std::string(what) + " is empty"};
  if (name.size() > kNameMax) {
    return {Code::kInvalidArgument, std::string(what) + " is " + std::to_string(name.size()) +
                                        " bytes long; the limit is " + std::to_string(kNameMax)};
  }
  for (size_t i = 0; i < name.size();) {
    const size_t length = Utf8SequenceLength(name, i);
    if (length == 0) {
      return {Code::kInvalidArgument,
              std::string(what) + " is not valid UTF-8 (at byte " + std::to_string(i) + ")"};
    }
    const auto c = static_cast<unsigned char>(name[i]);
    if (length == 1 && (c < 0x20 || c == 0x7F)) {
      return {
          Code::kInvalidArgument,
          std::string(what) + " contains a control character (at byte " + std::to_string(i) + ")"};
    }
    i += length;
  }
  return Status::Ok();
}

bool IsPattern(std::string_view pattern) {
  return pattern.find_first_of("*?") != std::string_view::npos;
}

bool GlobMatch(std::string_view pattern, std::string_view text) {
  // Iterative matcher with single-star backtracking: linear in practice, no recursion.
  size_t p = 0, t = 0;
  size_t star = std::string_view::npos, star_text = 0;
  while (t < text.size()) {
    if (p < pattern.size() && (pattern[p] == '?' || pattern[p] == text[t])) {
      ++p;
      ++t;
    } else if (p < pattern.size() && pattern[p] == '*') {
      star = p++;
      star_text = t;
    } else if (star != std::string_view::npos) {
      p = star + 1;
      t = ++star_text;
    } else {
      return false;
    }
  }
  while (p < pattern.size() && pattern[p] == '*') ++p;
  return p == pattern.size();
}

}  // namespace llmroute
