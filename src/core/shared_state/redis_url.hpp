// Redis URLs: redis://[[user]:password@]host[:port][/db], as redis-cli, redis-py and LiteLLM's
// redis_url accept them. User and password may be percent-encoded; an IPv6 host is written in
// brackets (redis://[::1]:6379).
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "core/status.hpp"

namespace llmroute {

struct RedisEndpoint {
  std::string host;
  uint16_t port = 6379;
  std::string user;      // empty: the default user (AUTH password)
  std::string password;  // empty: no AUTH
  bool has_password = false;
  uint32_t db = 0;
};

// Parses `url`. On failure the message says what is wrong ("the port must be ..."), without
// the URL; callers name the option and show the URL with RedactRedisUrl().
Status ParseRedisUrl(std::string_view url, RedisEndpoint *out);

// The URL for messages and logs, password replaced by "***".
std::string RedactRedisUrl(std::string_view url);

}  // namespace llmroute
