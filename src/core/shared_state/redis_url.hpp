// Redis URLs, in the forms well-known clients accept:
//
//   redis://[[user]:password@]host[:port][/db]        one server (redis-cli, redis-py, LiteLLM's
//   rediss://...                                      redis_url); rediss: the same over TLS
//   redis-sentinel://[[user]:password@]host[:port][,host[:port]...][/db]#master
//                                                     a master monitored by Sentinel, found by
//                                                     asking the sentinels listed (Lettuce's form,
//                                                     https://redis.github.io/lettuce/user-guide/
//                                                     connecting-redis/#uri-syntax; port 26379)
//   redis-cluster://[[user]:password@]host[:port][,host[:port]...]
//                                                     Redis Cluster, from these seed nodes (the
//                                                     host list of Lettuce's form; redis-py's
//                                                     RedisCluster startup_nodes)
//
// User and password may be percent-encoded; an IPv6 host is written in brackets
// (redis://[::1]:6379). The credentials are the data nodes': sentinels are asked without AUTH.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "core/status.hpp"

namespace llmroute {

enum class RedisTopology : uint8_t {
  kSingle = 0,    // one server at host:port
  kSentinel = 1,  // the master named master_name, as the sentinels in `hosts` say
  kCluster = 2,   // Redis Cluster; `hosts` are seed nodes
};

struct RedisHost {
  std::string host;
  uint16_t port = 6379;
};

struct RedisEndpoint {
  RedisTopology topology = RedisTopology::kSingle;
  bool tls = false;  // rediss://
  // kSingle: the server. Otherwise the first of `hosts`.
  std::string host;
  uint16_t port = 6379;
  // Every host of the URL, in order (one for kSingle), at most kMaxHosts.
  std::vector<RedisHost> hosts;
  std::string master_name;  // kSentinel
  std::string user;         // empty: the default user (AUTH password)
  std::string password;     // empty: no AUTH
  bool has_password = false;
  uint32_t db = 0;  // always 0 for kCluster (a cluster has only database 0)

  static constexpr size_t kMaxHosts = 16;
};

// Parses `url`. On failure the message says what is wrong ("the port must be ..."), without
// the URL; callers name the option and show the URL with RedactRedisUrl().
Status ParseRedisUrl(std::string_view url, RedisEndpoint *out);

// The URL for messages and logs, password replaced by "***".
std::string RedactRedisUrl(std::string_view url);

// "host:port", IPv6 hosts in brackets.
std::string FormatHostPort(const std::string &host, uint16_t port);

}  // namespace llmroute
