#include "core/shared_state/redis_url.hpp"

#include <cctype>

namespace llmroute {

namespace {

constexpr std::string_view kForm = "redis://[[user]:password@]host[:port][/db]";

bool StartsWithNoCase(std::string_view text, std::string_view prefix) {
  if (text.size() < prefix.size()) return false;
  for (size_t i = 0; i < prefix.size(); ++i) {
    if (std::tolower(static_cast<unsigned char>(text[i])) != prefix[i]) return false;
  }
  return true;
}

int HexValue(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

bool PercentDecode(std::string_view in, std::string *out) {
  out->clear();
  for (size_t i = 0; i < in.size(); ++i) {
    if (in[i] != '%') {
      out->push_back(in[i]);
      continue;
    }
    if (i + 2 >= in.size()) return false;
    const int high = HexValue(in[i + 1]);
    const int low = HexValue(in[i + 2]);
    if (high < 0 || low < 0) return false;
    out->push_back(static_cast<char>(high * 16 + low));
    i += 2;
  }
  return true;
}

// Digits only, at most `max`.
bool ParseNumber(std::string_view text, uint64_t max, uint64_t *out) {
  if (text.empty() || text.size() > 10) return false;
  uint64_t value = 0;
  for (char c : text) {
    if (c < '0' || c > '9') return false;
    value = value * 10 + static_cast<uint64_t>(c - '0');
  }
  if (value > max) return false;
  *out = value;
  return true;
}

Status Bad(std::string_view, const std::string &why) {
  return {Code::kInvalidArgument, why + " (expected " + std::string(kForm) + ")"};
}

}  // namespace

std::string RedactRedisUrl(std::string_view url) {
  const size_t scheme_end = url.find("://");
  if (scheme_end == std::string_view::npos) return std::string(url);
  const size_t authority_begin = scheme_end + 3;
  size_t authority_end = url.find_first_of("/?", authority_begin);
  if (authority_end == std::string_view::npos) authority_end = url.size();
  const std::string_view authority = url.substr(authority_begin, authority_end - authority_begin);
  const size_t at = authority.rfind('@');
  if (at == std::string_view::npos) return std::string(url);
  const std::string_view userinfo = authority.substr(0, at);
  const size_t colon = userinfo.find(':');
  std::string redacted(url.substr(0, authority_begin));
  redacted += colon == std::string_view::npos ? std::string("***")
                                              : std::string(userinfo.substr(0, colon)) + ":***";
  redacted += url.substr(authority_begin + at);
  return redacted;
}

Status ParseRedisUrl(std::string_view url, RedisEndpoint *out) {
  *out = RedisEndpoint{};
  if (StartsWithNoCase(url, "rediss://")) {
    return Bad(url,
               "TLS (rediss://) is not supported; reach Redis over a private network or a "
               "TLS tunnel");
  }
  if (StartsWithNoCase(url, "unix://") || StartsWithNoCase(url, "redis+unix://")) {
    return Bad(url, "Unix sockets are not supported; use a TCP address");
  }
  if (!StartsWithNoCase(url, "redis://")) return Bad(url, "the scheme must be redis://");
  std::string_view rest = url.substr(8);
  for (char c : rest) {
    if (static_cast<unsigned char>(c) < 0x20 || c == 0x7f || c == ' ') {
      return Bad(url, "it contains spaces or control characters");
    }
  }
  if (rest.find_first_of("?#") != std::string_view::npos) {
    return Bad(url, "query parameters and fragments are not supported");
  }
  const size_t slash = rest.find('/');
  std::string_view authority = rest.substr(0, slash);
  std::string_view path = slash == std::string_view::npos ? std::string_view{} : rest.substr(slash);

  if (const size_t at = authority.rfind('@'); at != std::string_view::npos) {
    const std::string_view userinfo = authority.substr(0, at);
    authority = authority.substr(at + 1);
    const size_t colon = userinfo.find(':');
    if (colon == std::string_view::npos) {
      return Bad(url,
                 "a user needs a password after a colon (redis://user:password@host, or "
                 "redis://:password@host for the default user)");
    }
    if (!PercentDecode(userinfo.substr(0, colon), &out->user) ||
        !PercentDecode(userinfo.substr(colon + 1), &out->password)) {
      return Bad(url, "the user or password has a malformed %-escape");
    }
    out->has_password = true;
  }

  std::string_view port_text;
  if (!authority.empty() && authority.front() == '[') {
    const size_t close = authority.find(']');
    if (close == std::string_view::npos) return Bad(url, "an IPv6 host lacks its closing ']'");
    out->host = std::string(authority.substr(1, close - 1));
    const std::string_view after = authority.substr(close + 1);
    if (!after.empty()) {
      if (after.front() != ':') return Bad(url, "unexpected text after the IPv6 host");
      port_text = after.substr(1);
      if (port_text.empty()) return Bad(url, "the port after ':' is empty");
    }
  } else {
    const size_t colon = authority.find(':');
    out->host = std::string(authority.substr(0, colon));
    if (colon != std::string_view::npos) {
      port_text = authority.substr(colon + 1);
      if (port_text.empty()) return Bad(url, "the port after ':' is empty");
    }
  }
  if (out->host.empty()) return Bad(url, "the host is missing");
  if (!port_text.empty()) {
    uint64_t port = 0;
    if (!ParseNumber(port_text, 65535, &port) || port == 0) {
      return Bad(url,
                 "the port must be a number in 1..65535 (got '" + std::string(port_text) + "')");
    }
    out->port = static_cast<uint16_t>(port);
  }
  if (path.size() > 1) {
    uint64_t db = 0;
    if (!ParseNumber(path.substr(1), 1'000'000, &db)) {
      return Bad(url, "the database after '/' must be a number (got '" +
                          std::string(path.substr(1)) + "')");
    }
    out->db = static_cast<uint32_t>(db);
  }
  return Status::Ok();
}

}  // namespace llmroute
