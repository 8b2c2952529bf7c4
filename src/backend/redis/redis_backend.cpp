// The Redis backend: finds the server (the URL's, the master a Sentinel names, or the cluster
// node serving the key prefix's slot), makes a handshake on it (AUTH, SELECT, SCRIPT LOAD, the
// store's id), then sends one pipeline of EVALSHA calls per exchange, one per deployment
// (sync_script.hpp), following Redis Cluster's MOVED and ASK redirections.
#include "redis_backend.hpp"

#include <algorithm>
#include <random>
#include <string>
#include <vector>

#include "core/shared_state/redis_url.hpp"
#include "redis_connection.hpp"
#include "sync_script.hpp"

namespace llmroute::redis {

namespace {

using Failure = BackendResult::Failure;

// Redirections followed for one command before giving up (a cluster that keeps moving a slot
// is resharding: the next exchange tries again).
constexpr int kMaxRedirects = 5;

std::string RandomId() {
  std::random_device device;
  std::uniform_int_distribution<uint64_t> dist;
  const uint64_t value = dist(device) ^ (static_cast<uint64_t>(device()) << 32);
  char text[17];
  std::snprintf(text, sizeof text, "%016llx", static_cast<unsigned long long>(value));
  return text;
}

// "MOVED 3999 127.0.0.1:6381" or "ASK 3999 127.0.0.1:6381": the target, false otherwise.
bool ParseRedirect(const Value &v, std::string_view kind, RedisHost *target) {
  if (v.type != Value::Type::kError) return false;
  const std::string &text = v.text;
  if (text.size() <= kind.size() || text.compare(0, kind.size(), kind) != 0 ||
      text[kind.size()] != ' ') {
    return false;
  }
  const size_t space = text.find(' ', kind.size() + 1);
  if (space == std::string::npos) return false;
  const std::string address = text.substr(space + 1);
  const size_t colon = address.rfind(':');
  if (colon == std::string::npos || colon == 0) return false;
  std::string host = address.substr(0, colon);
  if (host.size() > 2 && host.front() == '[' && host.back() == ']') {
    host = host.substr(1, host.size() - 2);
  }
  const int port = std::atoi(address.c_str() + colon + 1);
  if (port <= 0 || port > 65535) return false;
  target->host = std::move(host);
  target->port = static_cast<uint16_t>(port);
  return true;
}

class RedisBackend final : public SharedStateBackend {
 public:
  RedisBackend(RedisEndpoint endpoint, const SharedStateConfig &config)
      : endpoint_(std::move(endpoint)),
        config_(config),
        described_(RedactRedisUrl(config.url)),
        // In a cluster every key of the prefix carries it as a hash tag, so that they all live in
        // one slot and each script touches one slot (https://redis.io/docs/latest/operate/oss_and_
        // stack/reference/cluster-spec/#hash-tags). A single server or a Sentinel master keeps
        // the plain prefix, so fleets already running keep their keys.
        keys_(endpoint_.topology == RedisTopology::kCluster ? "{" + config.key_prefix + "}"
                                                            : config.key_prefix) {}

  BackendResult Connect(std::string *server_id) override {
    connection_.Close();
    server_.clear();
    BackendResult result;
    switch (endpoint_.topology) {
      case RedisTopology::kSingle:
        result = ConnectTo({endpoint_.host, endpoint_.port}, server_id);
        break;
      case RedisTopology::kSentinel:
        result = ConnectSentinelMaster(server_id);
        break;
      case RedisTopology::kCluster:
        result = ConnectCluster(server_id);
        break;
    }
    if (!result.ok()) {
      connection_.Close();
      server_.clear();
    }
    return result;
  }

  BackendResult Exchange(const std::vector<SyncRequest> &requests,
                         std::vector<SyncReply> *replies) override {
    replies->clear();
    // A router without deployments still checks that Redis is there.
    if (requests.empty()) {
      std::vector<Value> values;
      return connection_.Run({{"PING"}}, &values, config_.command_timeout_ns);
    }
    std::vector<std::vector<std::string>> commands;
    commands.reserve(requests.size());
    for (const SyncRequest &r : requests) commands.push_back(Command(r));
    std::vector<Value> values;
    if (BackendResult r = RunFollowingRedirects(commands, &values); !r.ok()) return r;
    replies->reserve(values.size());
    for (size_t i = 0; i < values.size(); ++i) {
      const Value &v = values[i];
      if (v.type == Value::Type::kError) {
        // NOSCRIPT (SCRIPT FLUSH), READONLY (a master demoted to replica after a failover),
        // CLUSTERDOWN, a key of another type under our prefix, OOM, ...: the caller reconnects,
        // which finds the master again and loads the script again.
        return {Failure::kUnreachable, "Redis at " + Where() + " failed the exchange for '" +
                                           requests[i].deployment + "': " + v.text};
      }
      if (v.type != Value::Type::kArray || v.elements.size() != 8) {
        return {Failure::kRejected, "Redis at " + Where() + " answered the exchange with " +
                                        "something other than 8 integers"};
      }
      auto at = [&](size_t k) { return v.elements[k].integer; };
      SyncReply reply;
      reply.generation = static_cast<uint64_t>(std::max<int64_t>(at(0), 0));
      reply.open = at(1) != 0;
      reply.remaining_ms = std::max<int64_t>(at(2), 0);
      reply.trips_in_row = static_cast<uint32_t>(std::clamp<int64_t>(at(3), 0, 62));
      reply.requests = static_cast<uint64_t>(std::max<int64_t>(at(4), 0));
      reply.tokens = static_cast<uint64_t>(std::max<int64_t>(at(5), 0));
      reply.requests_free_ms = std::max<int64_t>(at(6), 0);
      reply.tokens_free_ms = std::max<int64_t>(at(7), 0);
      replies->push_back(reply);
    }
    return {};
  }

  void Disconnect() override {
    connection_.Close();
    server_.clear();
  }
  void Interrupt() override {
    connection_.Interrupt();
    side_.Interrupt();
  }
  std::string Describe() const override { return described_; }
  std::string Server() const override { return server_; }
  int Topology() const override { return static_cast<int>(endpoint_.topology); }

 private:
  std::string Where() const { return server_.empty() ? described_ : server_; }

  std::vector<std::string> Command(const SyncRequest &r) const {
    std::vector<std::string> command{"EVALSHA",
                                     sha_,
                                     "2",
                                     keys_ + "breaker:" + r.deployment,
                                     keys_ + "usage:" + r.deployment,
                                     std::to_string(static_cast<int>(r.op)),
                                     std::to_string(r.known_generation),
                                     std::to_string(r.cooldown_ms),
                                     std::to_string(r.trips_in_row),
                                     std::to_string(r.rpm_limit),
                                     std::to_string(r.tpm_limit)};
    if (!r.usage.empty()) {
      command.push_back(r.instance);
      command.push_back(std::to_string(r.usage_seq));
      // Each second's usage under its own age (sync_script.hpp).
      for (const UsageSecond &second : r.usage) {
        command.push_back(std::to_string(second.age_s));
        command.push_back(std::to_string(second.requests));
        command.push_back(std::to_string(second.tokens));
      }
    }
    return command;
  }

  // Runs the pipeline on the current node. Commands answered MOVED (the slot has a new owner:
  // a cluster failover or resharding) are sent again to the new owner, which becomes the
  // current node; commands answered ASK (the slot is migrating) go once to the node named, after
  // ASKING. A redirected command was not executed, so sending it again counts nothing twice.
  BackendResult RunFollowingRedirects(const std::vector<std::vector<std::string>> &commands,
                                      std::vector<Value> *values) {
    if (BackendResult r = connection_.Run(commands, values, config_.command_timeout_ns); !r.ok()) {
      return r;
    }
    for (int hop = 0; hop < kMaxRedirects; ++hop) {
      std::vector<size_t> moved, asked;
      RedisHost moved_to, asked_to, target;
      for (size_t i = 0; i < values->size(); ++i) {
        if (ParseRedirect((*values)[i], "MOVED", &target)) {
          moved.push_back(i);
          moved_to = target;
        } else if (ParseRedirect((*values)[i], "ASK", &target)) {
          asked.push_back(i);
          asked_to = target;
        }
      }
      if (moved.empty() && asked.empty()) return {};
      if (!moved.empty()) {
        std::string ignored;
        if (BackendResult r = ConnectTo(moved_to, &ignored); !r.ok()) return r;
        std::vector<std::vector<std::string>> again;
        for (size_t i : moved) again.push_back(Command(commands[i]));
        std::vector<Value> answers;
        if (BackendResult r = connection_.Run(again, &answers, config_.command_timeout_ns);
            !r.ok()) {
          return r;
        }
        for (size_t k = 0; k < moved.size(); ++k) (*values)[moved[k]] = std::move(answers[k]);
      }
      if (!asked.empty()) {
        // The importing node may not have the script: EVAL with its text.
        std::vector<std::vector<std::string>> again;
        if (endpoint_.has_password) again.push_back(AuthCommand());
        for (size_t i : asked) {
          again.push_back({"ASKING"});
          std::vector<std::string> eval = commands[i];
          eval[0] = "EVAL";
          eval[1] = kSyncScript;
          again.push_back(std::move(eval));
        }
        if (BackendResult r =
                side_.Connect(asked_to.host, asked_to.port, config_.connect_timeout_ns);
            !r.ok()) {
          return r;
        }
        std::vector<Value> answers;
        BackendResult r = side_.Run(again, &answers, config_.command_timeout_ns);
        side_.Close();
        if (!r.ok()) return r;
        const size_t skip = endpoint_.has_password ? 1 : 0;
        for (size_t k = 0; k < asked.size(); ++k) {
          (*values)[asked[k]] = std::move(answers[skip + 2 * k + 1]);
        }
      }
    }
    return {Failure::kUnreachable, "Redis Cluster at " + described_ + " kept redirecting after " +
                                       std::to_string(kMaxRedirects) + " hops (resharding?)"};
  }

  // A command again, with the script id of the node now current (the same SHA1 of the same
  // text everywhere; ConnectTo has just loaded the script there).
  std::vector<std::string> Command(const std::vector<std::string> &command) const {
    std::vector<std::string> copy = command;
    if (!copy.empty() && copy[0] == "EVALSHA") copy[1] = sha_;
    return copy;
  }

  std::vector<std::string> AuthCommand() const {
    if (endpoint_.user.empty()) return {"AUTH", endpoint_.password};
    return {"AUTH", endpoint_.user, endpoint_.password};
  }

  // Connects to one data node and makes the handshake; on success it is the current node.
  // A cluster node that does not serve the prefix's slot answers the handshake's
  // SET with MOVED, which is followed (up to kMaxRedirects).
  BackendResult ConnectTo(RedisHost node, std::string *server_id) {
    for (int hop = 0;; ++hop) {
      const std::string where = FormatHostPort(node.host, node.port);
      if (BackendResult r = connection_.Connect(node.host, node.port, config_.connect_timeout_ns);
          !r.ok()) {
        return r;
      }
      std::vector<std::vector<std::string>> commands;
      if (endpoint_.has_password) commands.push_back(AuthCommand());
      if (endpoint_.db != 0) commands.push_back({"SELECT", std::to_string(endpoint_.db)});
      const size_t role_at = commands.size();
      // Sentinel's client guidelines: check that the node named is still a master
      // (https://redis.io/docs/latest/develop/reference/sentinel-clients/).
      if (endpoint_.topology == RedisTopology::kSentinel) commands.push_back({"ROLE"});
      const size_t script_at = commands.size();
      commands.push_back({"SCRIPT", "LOAD", kSyncScript});
      // The store's identity: set once, kept by replicas and failovers, gone when the data is
      // (a server restarted empty), which is what decides resending the whole window.
      commands.push_back({"SET", keys_ + "store-id", RandomId(), "NX"});
      commands.push_back({"GET", keys_ + "store-id"});
      std::vector<Value> replies;
      if (BackendResult r = connection_.Run(commands, &replies, config_.command_timeout_ns);
          !r.ok()) {
        connection_.Close();
        return r;
      }
      const std::string at = "Redis at " + (endpoint_.topology == RedisTopology::kSingle
                                                ? described_
                                                : described_ + " (node " + where + ")");
      size_t i = 0;
      if (endpoint_.has_password) {
        if (replies[i].type == Value::Type::kError) {
          return Refused(at + " refused the credentials: " + replies[i].text);
        }
        ++i;
      }
      if (endpoint_.db != 0) {
        if (replies[i].type == Value::Type::kError) {
          return Refused(at + " cannot select database " + std::to_string(endpoint_.db) + ": " +
                         replies[i].text);
        }
        ++i;
      }
      if (i == role_at && role_at != script_at) {
        const Value &role = replies[i];
        if (role.type == Value::Type::kArray && !role.elements.empty() &&
            role.elements[0].text != "master") {
          connection_.Close();
          return {Failure::kUnreachable, "the sentinels named " + where + " as master of '" +
                                             endpoint_.master_name + "' but it is a " +
                                             role.elements[0].text + " (a failover in progress?)"};
        }
        i = script_at;
      }
      const Value &script = replies[i];
      if (script.type == Value::Type::kError) {
        if (script.text.rfind("NOAUTH", 0) == 0) {
          return Refused(at + " requires a password (" + script.text +
                         "); give it in the URL: redis://:password@host:port");
        }
        return Refused(at + " refused the synchronisation script: " + script.text);
      }
      if (script.type != Value::Type::kString) {
        return Refused(described_ + " answered SCRIPT LOAD without a script id: not Redis?");
      }
      const Value &set = replies[i + 1];
      RedisHost target;
      if (ParseRedirect(set, "MOVED", &target)) {
        connection_.Close();
        if (hop + 1 >= kMaxRedirects) {
          return {Failure::kUnreachable,
                  "Redis Cluster at " + described_ + " kept redirecting the key prefix's slot"};
        }
        node = target;
        continue;
      }
      const Value &id = replies[i + 2];
      if (set.type == Value::Type::kError || id.type == Value::Type::kError) {
        connection_.Close();
        // CLUSTERDOWN (a master lost and its slots not covered), READONLY (a replica), OOM.
        const Value &error = set.type == Value::Type::kError ? set : id;
        return {Failure::kUnreachable, at + " cannot be written: " + error.text};
      }
      sha_ = script.text;
      *server_id = id.type == Value::Type::kString ? id.text : std::string();
      server_ = where;
      current_node_ = node;
      return {};
    }
  }

  // Asks the sentinels, in order, which node is the master, starting with the one that answered
  // last (Sentinel's client guidelines), then connects to it.
  BackendResult ConnectSentinelMaster(std::string *server_id) {
    const size_t n = endpoint_.hosts.size();
    std::string unreachable, unknown;
    size_t answered = 0;
    for (size_t k = 0; k < n; ++k) {
      const size_t index = (first_sentinel_ + k) % n;
      const RedisHost &sentinel = endpoint_.hosts[index];
      const std::string where = FormatHostPort(sentinel.host, sentinel.port);
      if (BackendResult r = side_.Connect(sentinel.host, sentinel.port, config_.connect_timeout_ns);
          !r.ok()) {
        if (r.failure == Failure::kInterrupted) return r;
        unreachable += (unreachable.empty() ? "" : "; ") + r.message;
        continue;
      }
      std::vector<Value> replies;
      BackendResult r = side_.Run({{"SENTINEL", "get-master-addr-by-name", endpoint_.master_name}},
                                  &replies, config_.command_timeout_ns);
      side_.Close();
      if (!r.ok()) {
        if (r.failure == Failure::kInterrupted) return r;
        unreachable += (unreachable.empty() ? "" : "; ") + where + ": " + r.message;
        continue;
      }
      const Value &reply = replies[0];
      if (reply.type == Value::Type::kNil ||
          (reply.type == Value::Type::kArray && reply.elements.empty())) {
        ++answered;
        unknown += (unknown.empty() ? "" : ", ") + where;
        continue;
      }
      if (reply.type != Value::Type::kArray || reply.elements.size() != 2) {
        unreachable += (unreachable.empty() ? "" : "; ") + where + " is not a sentinel (" +
                       (reply.type == Value::Type::kError ? reply.text : "unexpected reply") + ")";
        continue;
      }
      const int port = std::atoi(reply.elements[1].text.c_str());
      if (port <= 0 || port > 65535) {
        unreachable += (unreachable.empty() ? "" : "; ") + where + " named a master without port";
        continue;
      }
      first_sentinel_ = index;
      BackendResult connected =
          ConnectTo({reply.elements[0].text, static_cast<uint16_t>(port)}, server_id);
      if (!connected.ok() && connected.failure == Failure::kUnreachable) {
        connected.message = "the master of '" + endpoint_.master_name + "' (per sentinel " + where +
                            "): " + connected.message;
      }
      return connected;
    }
    if (answered == n) {
      // Every sentinel answered and none knows the name: a configuration error.
      return {Failure::kRejected, "no sentinel of " + described_ + " knows a master named '" +
                                      endpoint_.master_name + "' (asked " + unknown + ")"};
    }
    return {Failure::kUnreachable, "no sentinel of " + described_ + " named the master of '" +
                                       endpoint_.master_name + "': " + unreachable +
                                       (unknown.empty() ? "" : "; unknown to " + unknown)};
  }

  // The node that served the prefix's slot last, then the seed nodes in order; each may redirect
  // to the slot's owner (ConnectTo).
  BackendResult ConnectCluster(std::string *server_id) {
    std::vector<RedisHost> candidates;
    if (!current_node_.host.empty()) candidates.push_back(current_node_);
    candidates.insert(candidates.end(), endpoint_.hosts.begin(), endpoint_.hosts.end());
    std::string errors;
    for (const RedisHost &node : candidates) {
      BackendResult r = ConnectTo(node, server_id);
      if (r.ok()) return r;
      if (r.failure != Failure::kUnreachable) return r;
      errors += (errors.empty() ? "" : "; ") + r.message;
    }
    return {Failure::kUnreachable,
            "no node of Redis Cluster " + described_ + " serves the key prefix's slot: " + errors};
  }

  BackendResult Refused(std::string message) {
    connection_.Close();
    return {Failure::kRejected, std::move(message)};
  }

  const RedisEndpoint endpoint_;
  const SharedStateConfig config_;
  const std::string described_;
  const std::string keys_;  // the key prefix, hash-tagged in a cluster
  Connection connection_;   // to the current data node
  Connection side_;         // to a sentinel, or to the node of an ASK redirection
  std::string sha_;
  std::string server_;      // "host:port" of the current data node, "" when not connected
  RedisHost current_node_;  // the last node connected to: tried first next time
  size_t first_sentinel_ = 0;
};

}  // namespace

Status CreateBackend(const SharedStateConfig &config, std::unique_ptr<SharedStateBackend> *out) {
  RedisEndpoint endpoint;
  if (Status s = ParseRedisUrl(config.url, &endpoint); !s.ok()) {
    return {Code::kInvalidArgument,
            "option shared_state_url '" + RedactRedisUrl(config.url) + "': " + s.message()};
  }
  if (endpoint.tls) {
    // hiredis serves only as the protocol codec here (redis_connection.hpp): the connection is
    // this library's own non-blocking socket, so hiredis's TLS (hiredis_ssl, 1.0 and later; the
    // 0.14 of Debian 12 has none) could not be used even where it exists. TLS would take OpenSSL
    // in Connection; until then a local TLS tunnel does the job (docs/fleet.md, "TLS").
    return {Code::kInvalidArgument,
            "option shared_state_url '" + RedactRedisUrl(config.url) +
                "': TLS (rediss://) is not supported by this build; run a local TLS tunnel "
                "(stunnel, docs/fleet.md) and give its plain redis:// address"};
  }
  if (endpoint.topology == RedisTopology::kCluster &&
      (config.key_prefix.empty() || config.key_prefix.front() == '}')) {
    // "{}" or "{}..." is no hash tag: the keys would spread over slots.
    return {Code::kInvalidArgument,
            "option shared_state_key_prefix: with Redis Cluster the prefix becomes the keys' hash "
            "tag ({prefix}) and must be non-empty and not start with '}'"};
  }
  *out = std::make_unique<RedisBackend>(std::move(endpoint), config);
  return Status::Ok();
}

}  // namespace llmroute::redis
