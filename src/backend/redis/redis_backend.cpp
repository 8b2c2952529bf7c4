// The Redis backend: a handshake (AUTH, SELECT, SCRIPT LOAD, INFO) on connection, then one
// pipeline of EVALSHA calls per exchange, one per deployment (sync_script.hpp).
#include "redis_backend.hpp"

#include <algorithm>
#include <string>
#include <vector>

#include "core/shared_state/redis_url.hpp"
#include "redis_connection.hpp"
#include "sync_script.hpp"

namespace llmroute::redis {

namespace {

using Failure = BackendResult::Failure;

class RedisBackend final : public SharedStateBackend {
 public:
  RedisBackend(RedisEndpoint endpoint, const SharedStateConfig &config)
      : endpoint_(std::move(endpoint)), config_(config), described_(RedactRedisUrl(config.url)) {}

  BackendResult Connect(std::string *server_id) override {
    if (BackendResult r =
            connection_.Connect(endpoint_.host, endpoint_.port, config_.connect_timeout_ns);
        !r.ok()) {
      return r;
    }
    std::vector<std::vector<std::string>> commands;
    if (endpoint_.has_password) {
      if (endpoint_.user.empty()) {
        commands.push_back({"AUTH", endpoint_.password});
      } else {
        commands.push_back({"AUTH", endpoint_.user, endpoint_.password});
      }
    }
    if (endpoint_.db != 0) commands.push_back({"SELECT", std::to_string(endpoint_.db)});
    commands.push_back({"SCRIPT", "LOAD", kSyncScript});
    commands.push_back({"INFO", "server"});
    std::vector<Value> replies;
    if (BackendResult r = connection_.Run(commands, &replies, config_.command_timeout_ns);
        !r.ok()) {
      connection_.Close();
      return r;
    }
    size_t i = 0;
    if (endpoint_.has_password) {
      if (replies[i].type == Value::Type::kError) {
        return Refused("Redis at " + described_ + " refused the credentials: " + replies[i].text);
      }
      ++i;
    }
    if (endpoint_.db != 0) {
      if (replies[i].type == Value::Type::kError) {
        return Refused("Redis at " + described_ + " cannot select database " +
                       std::to_string(endpoint_.db) + ": " + replies[i].text);
      }
      ++i;
    }
    const Value &script = replies[i++];
    if (script.type == Value::Type::kError) {
      if (script.text.rfind("NOAUTH", 0) == 0) {
        return Refused("Redis at " + described_ + " requires a password (" + script.text +
                       "); give it in the URL: redis://:password@host:port");
      }
      return Refused("Redis at " + described_ +
                     " refused the synchronisation script: " + script.text);
    }
    if (script.type != Value::Type::kString) {
      return Refused(described_ + " answered SCRIPT LOAD without a script id: not Redis?");
    }
    sha_ = script.text;
    server_id->clear();
    const Value &info = replies[i];
    if (info.type == Value::Type::kString) {
      const size_t at = info.text.find("run_id:");
      if (at != std::string::npos) {
        const size_t end = info.text.find_first_of("\r\n", at);
        *server_id = info.text.substr(at + 7, end == std::string::npos ? end : end - at - 7);
      }
    }
    return {};
  }

  BackendResult Exchange(const std::vector<SyncRequest> &requests,
                         std::vector<SyncReply> *replies) override {
    std::vector<std::vector<std::string>> commands;
    commands.reserve(requests.size());
    for (const SyncRequest &r : requests) {
      std::vector<std::string> command{"EVALSHA",
                                       sha_,
                                       "2",
                                       config_.key_prefix + "breaker:" + r.deployment,
                                       config_.key_prefix + "usage:" + r.deployment,
                                       std::to_string(static_cast<int>(r.op)),
                                       std::to_string(r.known_generation),
                                       std::to_string(r.cooldown_ms),
                                       std::to_string(r.trips_in_row),
                                       std::to_string(r.rpm_limit),
                                       std::to_string(r.tpm_limit)};
      // Each second's usage under its own age (sync_script.hpp).
      for (const UsageSecond &second : r.usage) {
        command.push_back(std::to_string(second.age_s));
        command.push_back(std::to_string(second.requests));
        command.push_back(std::to_string(second.tokens));
      }
      commands.push_back(std::move(command));
    }
    // A router without deployments still checks that Redis is there.
    if (commands.empty()) commands.push_back({"PING"});
    std::vector<Value> values;
    if (BackendResult r = connection_.Run(commands, &values, config_.command_timeout_ns); !r.ok()) {
      return r;
    }
    replies->clear();
    if (requests.empty()) return {};
    replies->reserve(values.size());
    for (size_t i = 0; i < values.size(); ++i) {
      const Value &v = values[i];
      if (v.type == Value::Type::kError) {
        // NOSCRIPT (SCRIPT FLUSH), a key of another type under our prefix, OOM, ...: the caller
        // reconnects, which loads the script again.
        return {Failure::kRejected, "Redis at " + described_ + " failed the exchange for '" +
                                        requests[i].deployment + "': " + v.text};
      }
      if (v.type != Value::Type::kArray || v.elements.size() != 8) {
        return {Failure::kRejected, "Redis at " + described_ + " answered the exchange with " +
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

  void Disconnect() override { connection_.Close(); }
  void Interrupt() override { connection_.Interrupt(); }
  std::string Describe() const override { return described_; }

 private:
  BackendResult Refused(std::string message) {
    connection_.Close();
    return {Failure::kRejected, std::move(message)};
  }

  const RedisEndpoint endpoint_;
  const SharedStateConfig config_;
  const std::string described_;
  Connection connection_;
  std::string sha_;
};

}  // namespace

Status CreateBackend(const SharedStateConfig &config, std::unique_ptr<SharedStateBackend> *out) {
  RedisEndpoint endpoint;
  if (Status s = ParseRedisUrl(config.url, &endpoint); !s.ok()) {
    return {Code::kInvalidArgument,
            "option shared_state_url '" + RedactRedisUrl(config.url) + "': " + s.message()};
  }
  *out = std::make_unique<RedisBackend>(std::move(endpoint), config);
  return Status::Ok();
}

}  // namespace llmroute::redis
