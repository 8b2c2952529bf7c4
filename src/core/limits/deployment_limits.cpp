#include "core/limits/deployment_limits.hpp"

#include <algorithm>
#include <mutex>

#include "core/clock.hpp"
#include "core/shared_state/shared_state_config.hpp"

namespace llmroute {

namespace {
constexpr int64_t kNsPerSecond = 1'000'000'000;

// An out-of-range priority counts as the lowest class.
uint32_t ClassIndex(uint32_t priority) {
  return std::min(priority, kPriorityCount - 1);
}
}  // namespace

void DeploymentLimits::Configure(uint32_t rpm, uint64_t tpm, uint32_t max_in_flight,
                                 const std::vector<ReserveLevel> &reserve) {
  const auto rpm_usable = UsablePerClass(rpm, reserve);
  const auto tpm_usable = UsablePerClass(tpm, reserve);
  const auto in_flight_usable = UsablePerClass(max_in_flight, reserve);
  bool reserves = false;
  for (uint32_t p = 0; p < kPriorityCount; ++p) {
    rpm_usable_[p].store(rpm_usable[p], std::memory_order_relaxed);
    tpm_usable_[p].store(tpm_usable[p], std::memory_order_relaxed);
    in_flight_usable_[p].store(in_flight_usable[p], std::memory_order_relaxed);
    reserves = reserves || rpm_usable[p] != rpm || tpm_usable[p] != tpm ||
               in_flight_usable[p] != max_in_flight;
  }
  reserves_.store(reserves, std::memory_order_relaxed);
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

bool DeploymentLimits::AdmitsLocked(int64_t now_ns, int64_t in_flight, uint32_t priority,
                                    bool *wake) {
  const int64_t now_s = now_ns / kNsPerSecond;
  const uint32_t p = ClassIndex(priority);
  const uint32_t max_in_flight = max_in_flight_.load(std::memory_order_relaxed);
  if (max_in_flight != 0 &&
      static_cast<uint64_t>(in_flight) >= in_flight_usable_[p].load(std::memory_order_relaxed)) {
    return false;
  }
  const uint32_t rpm = rpm_.load(std::memory_order_relaxed);
  if (rpm != 0 && SumLocked(now_s, [](const Bucket &b) { return b.requests; }) >=
                      rpm_usable_[p].load(std::memory_order_relaxed)) {
    return false;
  }
  const uint64_t tpm = tpm_.load(std::memory_order_relaxed);
  if (tpm != 0 && SumLocked(now_s, [](const Bucket &b) { return b.tokens; }) >=
                      tpm_usable_[p].load(std::memory_order_relaxed)) {
    return false;
  }
  const FleetLink *fleet = fleet_.load(std::memory_order_acquire);
  return fleet == nullptr || !fleet->Active() || FleetAdmitsLocked(now_ns, *fleet, p, wake);
}

bool DeploymentLimits::FleetAdmitsLocked(int64_t now_ns, const FleetLink &fleet, uint32_t priority,
                                         bool *wake) const {
  if (const uint32_t rpm = rpm_.load(std::memory_order_relaxed); rpm != 0) {
    const uint64_t mine = unsynced_.requests + transit_.requests;
    // The class's threshold; the batch below stays a share of the full rpm (the fleet's
    // overshoot bound, docs/fleet.md, does not change).
    if (fleet_requests_ + mine >= rpm_usable_[priority].load(std::memory_order_relaxed)) {
      // Full as of the last exchange; once the fleet's window has moved on, ask again.
      if (now_ns >= fleet_requests_free_ns_) *wake = true;
      return false;
    }
    if (mine >= RateBatch(rpm, fleet.rate_batch())) {
      *wake = true;  // this instance's batch is used up until the next exchange
      return false;
    }
  }
  if (const uint64_t tpm = tpm_.load(std::memory_order_relaxed); tpm != 0) {
    if (fleet_tokens_ + unsynced_.tokens + transit_.tokens >=
        tpm_usable_[priority].load(std::memory_order_relaxed)) {
      if (now_ns >= fleet_tokens_free_ns_) *wake = true;
      return false;
    }
  }
  return true;
}

void DeploymentLimits::Wake(bool wake) const {
  if (!wake) return;
  if (FleetLink *fleet = fleet_.load(std::memory_order_acquire)) fleet->RequestSync();
}

bool DeploymentLimits::Admits(int64_t now_ns, int64_t in_flight, uint32_t priority) {
  bool wake = false;
  bool admits;
  {
    std::lock_guard<SpinLock> lock(lock_);
    admits = AdmitsLocked(now_ns, in_flight, priority, &wake);
  }
  Wake(wake);
  return admits;
}

bool DeploymentLimits::RefusedByReserve(int64_t now_ns, int64_t in_flight, uint32_t priority) {
  if (!Reserves() || ClassIndex(priority) == 0) return false;
  bool wake = false;
  std::lock_guard<SpinLock> lock(lock_);
  return !AdmitsLocked(now_ns, in_flight, priority, &wake) &&
         AdmitsLocked(now_ns, in_flight, 0, &wake);
}

bool DeploymentLimits::TryAdmit(int64_t now_ns, int64_t in_flight, uint32_t priority) {
  bool wake = false;
  {
    std::lock_guard<SpinLock> lock(lock_);
    if (AdmitsLocked(now_ns, in_flight, priority, &wake)) {
      CurrentLocked(now_ns / kNsPerSecond).requests += 1;
      if (fleet_.load(std::memory_order_relaxed) != nullptr) unsynced_.requests += 1;
      return true;
    }
  }
  Wake(wake);
  return false;
}

void DeploymentLimits::AddTokens(int64_t now_ns, int64_t tokens) {
  if (tokens <= 0) return;
  std::lock_guard<SpinLock> lock(lock_);
  CurrentLocked(now_ns / kNsPerSecond).tokens += static_cast<uint64_t>(tokens);
  if (fleet_.load(std::memory_order_relaxed) != nullptr) {
    unsynced_.tokens += static_cast<uint64_t>(tokens);
  }
}

int64_t DeploymentLimits::MsUntilCapacity(int64_t now_ns, int64_t in_flight, uint32_t priority) {
  const int64_t now_s = now_ns / kNsPerSecond;
  const uint32_t p = ClassIndex(priority);
  bool wake = false;
  int64_t fleet_ms = 0;
  const uint32_t rpm = rpm_.load(std::memory_order_relaxed);
  const uint64_t tpm = tpm_.load(std::memory_order_relaxed);
  const uint64_t rpm_usable = rpm_usable_[p].load(std::memory_order_relaxed);
  const uint64_t tpm_usable = tpm_usable_[p].load(std::memory_order_relaxed);
  // A reserve that keeps all of a limit from this class: no window frees it.
  if ((rpm != 0 && rpm_usable == 0) || (tpm != 0 && tpm_usable == 0) ||
      (max_in_flight_.load(std::memory_order_relaxed) != 0 &&
       in_flight_usable_[p].load(std::memory_order_relaxed) == 0)) {
    return -1;
  }
  std::unique_lock<SpinLock> lock(lock_);
  if (AdmitsLocked(now_ns, in_flight, p, &wake)) return 0;
  if (const FleetLink *fleet = fleet_.load(std::memory_order_acquire);
      fleet != nullptr && fleet->Active()) {
    fleet_ms = FleetMsUntilCapacityLocked(now_ns, *fleet, p);
  }
  int64_t seconds = 0;
  if (rpm != 0) {
    seconds = std::max(seconds, SecondsUntilBelowLocked(
                                    now_s, rpm_usable, [](const Bucket &b) { return b.requests; }));
  }
  if (tpm != 0) {
    seconds = std::max(seconds, SecondsUntilBelowLocked(now_s, tpm_usable,
                                                        [](const Bucket &b) { return b.tokens; }));
  }
  // Bucket boundaries are whole seconds: subtract what of the current second has passed.
  const int64_t ms = seconds * 1000 - (now_ns % kNsPerSecond) / kNsPerMs;
  lock.unlock();
  Wake(wake);
  // At the in-flight limit: as soon as a call completes.
  return std::max<int64_t>({ms, fleet_ms, 1});
}

int64_t DeploymentLimits::FleetMsUntilCapacityLocked(int64_t now_ns, const FleetLink &fleet,
                                                     uint32_t priority) const {
  auto until = [&](int64_t free_ns) { return std::max<int64_t>(1, CeilMsUntil(free_ns, now_ns)); };
  int64_t ms = 0;
  if (const uint32_t rpm = rpm_.load(std::memory_order_relaxed); rpm != 0) {
    const uint64_t mine = unsynced_.requests + transit_.requests;
    if (fleet_requests_ + mine >= rpm_usable_[priority].load(std::memory_order_relaxed)) {
      ms = std::max(ms, until(fleet_requests_free_ns_));
    } else if (mine >= RateBatch(rpm, fleet.rate_batch())) {
      ms = std::max<int64_t>(ms, 1);  // the next exchange is on its way
    }
  }
  if (const uint64_t tpm = tpm_.load(std::memory_order_relaxed); tpm != 0) {
    if (fleet_tokens_ + unsynced_.tokens + transit_.tokens >=
        tpm_usable_[priority].load(std::memory_order_relaxed)) {
      ms = std::max(ms, until(fleet_tokens_free_ns_));
    }
  }
  return ms;
}

DeploymentLimits::Usage DeploymentLimits::TakeUnsynced(int64_t now_ns, bool whole_window,
                                                       std::vector<UsageSecond> *seconds) {
  const int64_t now_s = now_ns / kNsPerSecond;
  std::lock_guard<SpinLock> lock(lock_);
  const uint64_t requests = SumLocked(now_s, [](const Bucket &b) { return b.requests; });
  const uint64_t tokens = SumLocked(now_s, [](const Bucket &b) { return b.tokens; });
  unsynced_.requests += transit_.requests;  // normally nothing is in transit here
  unsynced_.tokens += transit_.tokens;
  transit_.requests = whole_window ? requests : std::min(unsynced_.requests, requests);
  transit_.tokens = whole_window ? tokens : std::min(unsynced_.tokens, tokens);
  unsynced_ = Usage{};
  if (seconds != nullptr) SpreadLocked(now_s, transit_, seconds);
  return transit_;
}

void DeploymentLimits::SpreadLocked(int64_t now_s, Usage amount,
                                    std::vector<UsageSecond> *seconds) const {
  // The amount never exceeds the window's sums (TakeUnsynced caps it), so it is spread in full.
  for (int64_t s = now_s; s > now_s - kSeconds && s >= 0; --s) {
    if (amount.requests == 0 && amount.tokens == 0) break;
    const Bucket &bucket = buckets_[static_cast<size_t>(s % kSeconds)];
    if (bucket.second != s) continue;
    UsageSecond second;
    // It happened in [s, s + 1) and it is now in [now_s, now_s + 1): at least now_s - s - 1
    // whole seconds ago (fleet_link.hpp).
    second.age_s = std::max<int64_t>(now_s - s - 1, 0);
    second.requests = std::min(amount.requests, bucket.requests);
    second.tokens = std::min(amount.tokens, bucket.tokens);
    amount.requests -= second.requests;
    amount.tokens -= second.tokens;
    if (second.requests != 0 || second.tokens != 0) seconds->push_back(second);
  }
}

void DeploymentLimits::ApplyFleet(uint64_t requests, uint64_t tokens, int64_t requests_free_ms,
                                  int64_t tokens_free_ms, int64_t now_ns) {
  std::lock_guard<SpinLock> lock(lock_);
  fleet_requests_ = requests;
  fleet_tokens_ = tokens;
  fleet_requests_free_ns_ = now_ns + std::max<int64_t>(requests_free_ms, 0) * kNsPerMs;
  fleet_tokens_free_ns_ = now_ns + std::max<int64_t>(tokens_free_ms, 0) * kNsPerMs;
  transit_ = Usage{};
}

void DeploymentLimits::FleetFailed() {
  std::lock_guard<SpinLock> lock(lock_);
  unsynced_.requests += transit_.requests;
  unsynced_.tokens += transit_.tokens;
  transit_ = Usage{};
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
