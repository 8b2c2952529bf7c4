#include "core/shared_state/shared_state_config.hpp"

#include <algorithm>
#include <cmath>

#include "core/shared_state/redis_url.hpp"

namespace llmroute {

namespace {

constexpr int64_t kMaxTimeoutNs = 3'600'000 * kNsPerMs;  // one hour

Status Bad(const std::string &field, const std::string &why) {
  return {Code::kInvalidArgument, "option " + field + " " + why};
}

}  // namespace

Status SharedStateConfig::Validate() const {
  if (!enabled()) return Status::Ok();
  RedisEndpoint endpoint;
  if (Status s = ParseRedisUrl(url, &endpoint); !s.ok()) {
    return {Code::kInvalidArgument,
            "option shared_state_url '" + RedactRedisUrl(url) + "': " + s.message()};
  }
  if (key_prefix.size() > 256) return Bad("shared_state_key_prefix", "is longer than 256 bytes");
  if (sync_interval_ns < 10 * kNsPerMs || sync_interval_ns > kMaxTimeoutNs) {
    return Bad("shared_state_sync_interval_ms", "must be in 10..3600000");
  }
  if (connect_timeout_ns < kNsPerMs || connect_timeout_ns > kMaxTimeoutNs) {
    return Bad("shared_state_connect_timeout_ms", "must be in 1..3600000");
  }
  if (command_timeout_ns < kNsPerMs || command_timeout_ns > kMaxTimeoutNs) {
    return Bad("shared_state_command_timeout_ms", "must be in 1..3600000");
  }
  if (!(rate_batch > 0 && rate_batch <= 1)) {
    return Bad("shared_state_rate_batch", "must be in (0, 1]");
  }
  return Status::Ok();
}

uint64_t RateBatch(uint64_t limit, double rate_batch) {
  const double batch = std::floor(static_cast<double>(limit) * rate_batch);
  if (!(batch >= 1)) return 1;
  if (batch >= static_cast<double>(limit)) return std::max<uint64_t>(limit, 1);
  return static_cast<uint64_t>(batch);
}

}  // namespace llmroute
