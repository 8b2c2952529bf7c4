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
  size_t authority_end = url.find_first_of("/?#", authority_begin);
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

namespace {

struct Scheme {
  std::string_view prefix;
  RedisTopology topology;
  bool tls;
  uint16_t default_port;
  std::string_view form;
};

constexpr Scheme kSchemes[] = {
    {"redis://", RedisTopology::kSingle, false, 6379, kForm},
    {"rediss://", RedisTopology::kSingle, true, 6379,
     "rediss://[[user]:password@]host[:port][/db]"},
    {"redis-sentinel://", RedisTopology::kSentinel, false, 26379,
     "redis-sentinel://[[user]:password@]host[:port][,host[:port]...][/db]#master"},
    {"rediss-sentinel://", RedisTopology::kSentinel, true, 26379,
     "rediss-sentinel://[[user]:password@]host[:port][,host[:port]...][/db]#master"},
    {"redis-cluster://", RedisTopology::kCluster, false, 6379,
     "redis-cluster://[[user]:password@]host[:port][,host[:port]...]"},
    {"rediss-cluster://", RedisTopology::kCluster, true, 6379,
     "rediss-cluster://[[user]:password@]host[:port][,host[:port]...]"},
};

Status BadIn(const Scheme &scheme, const std::string &why) {
  return {Code::kInvalidArgument, why + " (expected " + std::string(scheme.form) + ")"};
}

// One "host[:port]" or "[v6]:port" of the authority.
Status ParseHost(const Scheme &scheme, std::string_view text, RedisHost *out) {
  out->port = scheme.default_port;
  std::string_view port_text;
  if (!text.empty() && text.front() == '[') {
    const size_t close = text.find(']');
    if (close == std::string_view::npos) return BadIn(scheme, "an IPv6 host lacks its closing ']'");
    out->host = std::string(text.substr(1, close - 1));
    const std::string_view after = text.substr(close + 1);
    if (!after.empty()) {
      if (after.front() != ':') return BadIn(scheme, "unexpected text after the IPv6 host");
      port_text = after.substr(1);
      if (port_text.empty()) return BadIn(scheme, "the port after ':' is empty");
    }
  } else {
    const size_t colon = text.find(':');
    out->host = std::string(text.substr(0, colon));
    if (colon != std::string_view::npos) {
      port_text = text.substr(colon + 1);
      if (port_text.empty()) return BadIn(scheme, "the port after ':' is empty");
    }
  }
  if (out->host.empty()) return BadIn(scheme, "the host is missing");
  if (!port_text.empty()) {
    uint64_t port = 0;
    if (!ParseNumber(port_text, 65535, &port) || port == 0) {
      return BadIn(scheme,
                   "the port must be a number in 1..65535 (got '" + std::string(port_text) + "')");
    }
    out->port = static_cast<uint16_t>(port);
  }
  return Status::Ok();
}

}  // namespace

std::string FormatHostPort(const std::string &host, uint16_t port) {
  return (host.find(':') != std::string::npos ? "[" + host + "]" : host) + ":" +
         std::to_string(port);
}

Status ParseRedisUrl(std::string_view url, RedisEndpoint *out) {
  *out = RedisEndpoint{};
  if (StartsWithNoCase(url, "unix://") || StartsWithNoCase(url, "redis+unix://")) {
    return Bad(url, "Unix sockets are not supported; use a TCP address");
  }
  const Scheme *scheme = nullptr;
  for (const Scheme &candidate : kSchemes) {
    if (StartsWithNoCase(url, candidate.prefix)) scheme = &candidate;
  }
  if (scheme == nullptr) {
    return Bad(url,
               "the scheme must be redis://, rediss://, redis-sentinel:// or redis-cluster://");
  }
  out->topology = scheme->topology;
  out->tls = scheme->tls;
  std::string_view rest = url.substr(scheme->prefix.size());
  for (char c : rest) {
    if (static_cast<unsigned char>(c) < 0x20 || c == 0x7f || c == ' ') {
      return BadIn(*scheme, "it contains spaces or control characters");
    }
  }
  if (rest.find('?') != std::string_view::npos) {
    return BadIn(*scheme, "query parameters are not supported");
  }
  // The fragment names a Sentinel master (Lettuce's #sentinelMasterId); nothing else has one.
  if (const size_t hash = rest.find('#'); hash != std::string_view::npos) {
    if (scheme->topology != RedisTopology::kSentinel) {
      return BadIn(*scheme, "fragments are not supported");
    }
    if (!PercentDecode(rest.substr(hash + 1), &out->master_name)) {
      return BadIn(*scheme, "the master name has a malformed %-escape");
    }
    rest = rest.substr(0, hash);
  }
  if (scheme->topology == RedisTopology::kSentinel && out->master_name.empty()) {
    return BadIn(*scheme, "the master name is missing after '#'");
  }
  const size_t slash = rest.find('/');
  std::string_view authority = rest.substr(0, slash);
  std::string_view path = slash == std::string_view::npos ? std::string_view{} : rest.substr(slash);

  if (const size_t at = authority.rfind('@'); at != std::string_view::npos) {
    const std::string_view userinfo = authority.substr(0, at);
    authority = authority.substr(at + 1);
    const size_t colon = userinfo.find(':');
    if (colon == std::string_view::npos) {
      return BadIn(*scheme,
                   "a user needs a password after a colon (redis://user:password@host, or "
                   "redis://:password@host for the default user)");
    }
    if (!PercentDecode(userinfo.substr(0, colon), &out->user) ||
        !PercentDecode(userinfo.substr(colon + 1), &out->password)) {
      return BadIn(*scheme, "the user or password has a malformed %-escape");
    }
    out->has_password = true;
  }

  for (size_t begin = 0;;) {
    const size_t comma = authority.find(',', begin);
    const std::string_view one = authority.substr(
        begin, comma == std::string_view::npos ? std::string_view::npos : comma - begin);
    if (scheme->topology == RedisTopology::kSingle && comma != std::string_view::npos) {
      return BadIn(*scheme, "one host only; several are for redis-sentinel:// or redis-cluster://");
    }
    RedisHost host;
    if (Status s = ParseHost(*scheme, one, &host); !s.ok()) return s;
    out->hosts.push_back(std::move(host));
    if (out->hosts.size() > RedisEndpoint::kMaxHosts) {
      return BadIn(*scheme, "at most " + std::to_string(RedisEndpoint::kMaxHosts) + " hosts");
    }
    if (comma == std::string_view::npos) break;
    begin = comma + 1;
  }
  out->host = out->hosts.front().host;
  out->port = out->hosts.front().port;
  if (path.size() > 1) {
    uint64_t db = 0;
    if (!ParseNumber(path.substr(1), 1'000'000, &db)) {
      return BadIn(*scheme, "the database after '/' must be a number (got '" +
                                std::string(path.substr(1)) + "')");
    }
    if (scheme->topology == RedisTopology::kCluster && db != 0) {
      return BadIn(*scheme, "Redis Cluster has only database 0");
    }
    out->db = static_cast<uint32_t>(db);
  }
  return Status::Ok();
}

}  // namespace llmroute
