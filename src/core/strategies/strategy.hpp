// The strategy interface: given one priority tier of a model's deployments and which of them are
// eligible, choose one (Pick) or order them by preference (Rank, for fallbacks).
//
// Strategies are stateless singletons; what they remember between picks (a rotation cursor, a
// weighted schedule, cumulative weights) lives in the tier's TierState inside the immutable
// snapshot, built once by Prepare() when the snapshot is built, so picks only read it (and bump
// an atomic cursor).
#pragma once

#include <algorithm>
#include <array>
#include <atomic>
#include <cstdint>
#include <vector>

#include "core/clock.hpp"
#include "core/deployment.hpp"
#include "core/engine/engine_config.hpp"
#include "core/option_defaults.hpp"
#include "core/random.hpp"
#include "core/thread_slot.hpp"

namespace llmroute {

// Values equal llmr_strategy's (static_assert in src/capi/enum_ties.cpp).
enum class StrategyKind : uint8_t {
  kDefault = 0,
  kRoundRobin = 1,
  kWeighted = 2,
  kWeightedRandom = 3,
  kLatency = 4,
  kAvailability = 5,
  kLeastLoaded = 6,
  kPeakEwma = 7,
  kCost = 8,
  kEngineAware = 9,
};
constexpr int kStrategyKindCount = 10;

// Most deployments one router holds; bounds the eligibility set kept on the stack.
constexpr uint32_t kMaxDeployments = 4096;

struct Member {
  DeploymentState *state;
  uint32_t weight;
  const DeploymentSpec *spec = nullptr;  // owned by the snapshot holding this member
  uint64_t name_hash = 0;                // AffinityHash(name), for rendezvous hashing
};

// The rotation position of a tier: one cursor shared by every thread, so that a caller's
// sequential picks rotate exactly whichever thread each runs on. A Go host's goroutine moves
// between OS threads, and with a cursor per thread slot (as Envoy keeps a round-robin index per
// worker) its sequential requests went A B B B A A B A A B (issue 17): rotation is the contract of
// round robin, so it is not traded for the cache line a shared cursor costs when several threads
// pick from one tier at once (one atomic add on its own line; callgrind counts in BENCHMARKS.md).
// It starts at a random place, so that routers do not move over the same deployments in
// lockstep.
class RotationCursor {
 public:
  // The next position.
  uint64_t Advance() { return position_.fetch_add(1, std::memory_order_relaxed); }
  // Where the next Advance() starts.
  uint64_t Peek() const { return position_.load(std::memory_order_relaxed); }
  // Sets the start, start() called once.
  template <typename Start>
  void Seed(Start start) {
    position_.store(start(), std::memory_order_relaxed);
  }

 private:
  alignas(64) std::atomic<uint64_t> position_{0};
};

// Mutable per-tier routing state, owned by the snapshot.
struct TierState {
  RotationCursor cursor;                       // rotation position (round robin, weighted)
  alignas(64) std::vector<uint32_t> schedule;  // weighted: member indices, smoothly interleaved
  std::vector<uint64_t> cumulative;            // weighted random: running sums of weights
};

struct TierView {
  const Member *members;
  uint32_t size;
  TierState *state;
};

// Which members of a tier may be picked. "All" costs nothing to build: the common case.
class Eligible {
 public:
  static Eligible All(uint32_t size) {
    Eligible e;
    e.all_ = true;
    e.size_ = size;
    e.count_ = size;
    return e;
  }
  static Eligible None(uint32_t size) {
    Eligible e;
    e.size_ = size;
    std::fill_n(e.words_.begin(), (size + 63) / 64, 0);
    return e;
  }
  bool all() const { return all_; }
  uint32_t size() const { return size_; }
  uint32_t count() const { return count_; }
  bool operator[](uint32_t i) const { return all_ || ((words_[i / 64] >> (i % 64)) & 1U); }
  void Set(uint32_t i) {
    if (!(*this)[i]) ++count_;
    words_[i / 64] |= uint64_t{1} << (i % 64);
  }
  void Clear(uint32_t i);
  // Index of the k-th (0-based) eligible member; k < count().
  uint32_t Nth(uint32_t k) const;

 private:
  bool all_ = false;
  uint32_t size_ = 0;
  uint32_t count_ = 0;
  std::array<uint64_t, kMaxDeployments / 64> words_;
};

struct StrategyParams {
  double latency_buffer = option_defaults::latency_buffer;
  double latency_prior_ms = option_defaults::latency_prior_ms;
  // A latency sample older than this is stale: see strategies/latency.cpp. The router sets it to
  // the breaker's window (the span of history that health decisions count).
  int64_t latency_stale_ns = 30'000'000'000;
  SlowStartConfig slow_start;
  PeakEwmaConfig peak_ewma;
  EngineAwareConfig engine;  // engine_aware (strategies/engine_aware.cpp)
};

struct PickEnv {
  RandomSource &rng;
  const StrategyParams &params;
  const Clock &clock;
  int64_t now_ns = -1;         // read lazily: the fast path never needs the clock
  int64_t coarse_now_ns = -1;  // likewise, for CoarseNow()
  bool slow_start = false;     // a ramp may be running: see strategies/slow_start_weights.hpp
  // The request's expected token counts (0 = unknown), for the cost strategy.
  int64_t input_tokens = 0;
  int64_t output_tokens = 0;
  // The request's prompt prefix block hashes (llmr_prefix_hashes), for engine_aware.
  const uint64_t *prefix_hashes = nullptr;
  uint32_t prefix_hash_count = 0;

  int64_t Now() {
    if (now_ns < 0) now_ns = clock.NowNs();
    return now_ns;
  }
  // For estimates that decay over seconds (Clock::CoarseNowNs): the exact time if this pick
  // already read it, else the coarse one.
  int64_t CoarseNow() {
    if (now_ns >= 0) return now_ns;
    if (coarse_now_ns < 0) coarse_now_ns = clock.CoarseNowNs();
    return coarse_now_ns;
  }
};

class Strategy {
 public:
  virtual ~Strategy() = default;
  // Builds the tier's state once, when the snapshot is built.
  virtual void Prepare(const Member *members, uint32_t size, TierState &state,
                       RandomSource &rng) const;
  // Returns the chosen member's index; requires eligible.count() > 0.
  virtual uint32_t Pick(const TierView &tier, const Eligible &eligible, PickEnv &env) const = 0;
  // Appends the eligible members' indices, most preferred first.
  virtual void Rank(const TierView &tier, const Eligible &eligible, PickEnv &env,
                    std::vector<uint32_t> &order) const = 0;
};

// The singleton for a kind; kDefault is not a strategy (the caller resolves it first).
const Strategy &StrategyFor(StrategyKind kind);

// Each strategy file defines one of these.
const Strategy &RoundRobinStrategy();
const Strategy &WeightedStrategy();
const Strategy &WeightedRandomStrategy();
// Fills state.cumulative, the running sums of the weights weighted_random's picks search;
// weighted prepares them too, for its weighted-random fallback.
void PrepareCumulativeWeights(const Member *members, uint32_t size, TierState &state);
const Strategy &LatencyStrategy();
const Strategy &AvailabilityStrategy();
const Strategy &LeastLoadedStrategy();
const Strategy &PeakEwmaStrategy();
const Strategy &CostStrategy();
const Strategy &EngineAwareStrategy();
// What engine_aware's Pick and Rank maximise, for each eligible member of `tier` (written at its
// index in `merits`, which has tier.size entries; the others are left alone): the weighted
// queue, KV-cache and prefix-match score, or minus the load when the tier is imbalanced. For
// Router::Explain, so that an explanation scores as the pick does.
void EngineAwareMerits(const TierView &tier, const Eligible &eligible, PickEnv &env,
                       double *merits);

}  // namespace llmroute
