#include "core/limits/deployment_limits.hpp"

#include <algorithm>
#include <mutex>

#include "core/clock.hpp"

namespace llmroute {

namespace {
constexpr int64_t kNsPerSecond = 1'000'000'000;
}  // namespace

void DeploymentLimits::Configure(uint32_t rpm, uint64_t tpm, uint32_t max_in_flight) {
  rpm_.store(rpm, std::memory_order_relaxed);
  tpm_.store(tpm, std::memory_order_relaxed);
  max_in_flight_.store(max_in_flight, std::memory_order_relaxed);
  active_.store(rpm != 0 || tpm != 0 || max_in_flight != 0, std::memory_order_release);
}

DeploymentLimits::Bucket &DeploymentLimits::CurrentLocked(int64_t now_s) {
  Bucket &bucket = buckets_[static_cast<size_t>(now_s % kSeconds)];
  if (bucket.second != now_s) bucket = Bucket{now_s, 0, 0};
  return bucket;
}

template <typename F>
uint64_t DeploymentLimits::SumLocked(int64_t now_s, F field) const {
  uint64_t sum = 0;
  for (const Bucket &bucket : buckets_) {
    if (bucket.second > now_s - kSeconds && bucket.second <= now_s) sum += field(bucket);
  }
  return sum;
}

template <typename F>
int64_t DeploymentLimits::SecondsUntilBelowLocked(int64_t now_s, uint64_t limit, F field) const {
  uint64_t total = SumLocked(now_s, field);
  // Buckets leave the window oldest first; the one of second s leaves at s + 60.
  for (int64_t s = now_s - kSeconds + 1; s <= now_s && total >= limit; ++s) {
    const Bucket &bucket = buckets_[static_cast<size_t>(s % kSeconds)];
    if (bucket.second != s) continue;
    total -= field(bucket);
    if (total < limit) return s + kSeconds - now_s;
  }
  return total < limit ? 0 : kSeconds;
}

bool DeploymentLimits::AdmitsLocked(int64_t now_s, int64_t in_flight) {
  const uint32_t max_in_flight = max_in_flight_.load(std::memory_order_relaxed);
  if (max_in_flight != 0 && in_flight >= max_in_flight) return false;
  const uint32_t rpm = rpm_.load(std::memory_order_relaxed);
  if (rpm != 0 && SumLocked(now_s, [](const Bucket &b) { return b.requests; }) >= rpm) {
    return false;
  }
  const uint64_t tpm = tpm_.load(std::memory_order_relaxed);
  return tpm == 0 || SumLocked(now_s, [](const Bucket &b) { return b.tokens; }) < tpm;
}

bool DeploymentLimits::Admits(int64_t now_ns, int64_t in_flight) {
  std::lock_guard<SpinLock> lock(lock_);
  return AdmitsLocked(now_ns / kNsPerSecond, in_flight);
}

bool DeploymentLimits::TryAdmit(int64_t now_ns, int64_t in_flight) {
  const int64_t now_s = now_ns / kNsPerSecond;
  std::lock_guard<SpinLock> lock(lock_);
  if (!AdmitsLocked(now_s, in_flight)) return false;
  CurrentLocked(now_s).requests += 1;
  return true;
}

void DeploymentLimits::AddTokens(int64_t now_ns, int64_t tokens) {
  if (tokens <= 0) return;
  std::lock_guard<SpinLock> lock(lock_);
  CurrentLocked(now_ns / kNsPerSecond).tokens += static_cast<uint64_t>(tokens);
}

int64_t DeploymentLimits::MsUntilCapacity(int64_t now_ns, int64_t in_flight) {
  const int64_t now_s = now_ns / kNsPerSecond;
  std::lock_guard<SpinLock> lock(lock_);
  if (AdmitsLocked(now_s, in_flight)) return 0;
  int64_t seconds = 0;
  if (const uint32_t rpm = rpm_.load(std::memory_order_relaxed); rpm != 0) {
    seconds = std::max(seconds,
                       SecondsUntilBelowLocked(now_s, rpm, [](const Bucket &b) { return b.requests; }));
  }
  if (const uint64_t tpm = tpm_.load(std::memory_order_relaxed); tpm != 0) {
    seconds = std::max(seconds,
                       SecondsUntilBelowLocked(now_s, tpm, [](const Bucket &b) { return b.tokens; }));
  }
  // Bucket boundaries are whole seconds: subtract what of the current second has passed.
  const int64_t ms = seconds * 1000 - (now_ns % kNsPerSecond) / kNsPerMs;
  return std::max<int64_t>(ms, 1);  // at the in-flight limit: as soon as a call completes
}

uint64_t DeploymentLimits::RequestsInWindow(int64_t now_ns) {
  std::lock_guard<SpinLock> lock(lock_);
  return SumLocked(now_ns / kNsPerSecond, [](const Bucket &b) { return b.requests; });
}

uint64_t DeploymentLimits::TokensInWindow(int64_t now_ns) {
  std::lock_guard<SpinLock> lock(lock_);
  return SumLocked(now_ns / kNsPerSecond, [](const Bucket &b) { return b.tokens; });
}

}  // namespace llmroute
