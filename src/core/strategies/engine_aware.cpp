// Engine aware: for self-hosted inference engines (vLLM, SGLang, TGI), score each eligible
// deployment by what its engine reports and by how much of the request's prompt prefix it was
// recently sent, and take the best; unless the load is imbalanced, then take the least loaded.
//
// The scorers and their default weights are the Gateway API Inference Extension / llm-d endpoint
// picker's default profile (queue-scorer 2, kv-cache-utilization-scorer 2, prefix-cache-scorer 3;
// https://gateway-api-inference-extension.sigs.k8s.io/ and llm-d-inference-scheduler's
// config/charts/epplib/templates/_config.yaml), each score in 0..1:
//   queue   (max q - q) / (max q - min q) over the tier's candidates, 1 when all are equal;
//           q = the engine's waiting requests plus this router's calls in flight that the
//           report cannot have counted yet (max(waiting, in flight - running)), so that picks
//           between two scrapes do not herd onto the replica that looked idle at the last one;
//           without a fresh report, q = calls in flight
//   kv      1 - KV-cache utilisation; 0.5 (neutral) without a fresh report
//   prefix  matched blocks / blocks of the request (PrefixIndex::Match); 0 without hashes
// Ties go to a random one of the best (the max-score picker shuffles first).
//
// The guard is SGLang's cache-aware policy's
// (https://docs.sglang.ai/advanced_features/router.html): with load L = max(waiting + running, in
// flight) (in flight alone without a fresh report), when max L - min L > balance_abs_threshold and
// max L > balance_rel_threshold x min L, cache affinity gives way and the least loaded candidate is
// chosen.
#include <algorithm>
#include <vector>

#include "core/strategies/candidates.hpp"
#include "core/strategies/ranking.hpp"

namespace llmroute {

namespace {

struct Reading {
  double queue;
  double load;
  double kv_score;
  double prefix;
};

Reading Read(const Member &member, PickEnv &env, int64_t now) {
  const EngineAwareConfig &config = env.params.engine;
  DeploymentState &state = *member.state;
  const auto in_flight = static_cast<double>(state.InFlight());
  const EngineLoadView load = state.engine_load().Read(now, config.load_stale_ns);
  Reading r{};
  if (load.fresh) {
    const auto waiting = static_cast<double>(load.waiting);
    const auto running = static_cast<double>(load.running);
    r.queue = std::max(waiting, in_flight - running);
    r.load = std::max(waiting + running, in_flight);
    r.kv_score = 1.0 - load.kv_utilization;
  } else {
    r.queue = in_flight;
    r.load = in_flight;
    r.kv_score = 0.5;
  }
  if (env.prefix_hash_count > 0) {
    const size_t matched = state.prefix_index().Match(env.prefix_hashes, env.prefix_hash_count, now,
                                                      config.prefix_index_ttl_ns);
    r.prefix = static_cast<double>(matched) / static_cast<double>(env.prefix_hash_count);
  }
  return r;
}

struct Spread {
  double min_queue, max_queue, min_load, max_load;
};

Spread SpreadOf(const Reading *readings, uint32_t count) {
  Spread s{readings[0].queue, readings[0].queue, readings[0].load, readings[0].load};
  for (uint32_t k = 1; k < count; ++k) {
    s.min_queue = std::min(s.min_queue, readings[k].queue);
    s.max_queue = std::max(s.max_queue, readings[k].queue);
    s.min_load = std::min(s.min_load, readings[k].load);
    s.max_load = std::max(s.max_load, readings[k].load);
  }
  return s;
}

bool Imbalanced(const Spread &s, const EngineAwareConfig &config) {
  return s.max_load - s.min_load > config.balance_abs_threshold &&
         s.max_load > config.balance_rel_threshold * s.min_load;
}

double Score(const Reading &r, const Spread &s, const EngineAwareConfig &config) {
  const double range = s.max_queue - s.min_queue;
  const double queue = range > 0 ? (s.max_queue - r.queue) / range : 1.0;
  return config.weight_queue * queue + config.weight_kv * r.kv_score +
         config.weight_prefix * r.prefix;
}

// The value to maximise for candidate k: the score, or under imbalance minus the load.
double Merit(const Reading &r, const Spread &s, bool imbalanced, const EngineAwareConfig &config) {
  return imbalanced ? -r.load : Score(r, s, config);
}

// The eligible members of a tier, each read once: on the stack for tiers of up to
// kBufferedMembers, on the heap beyond (rare: a tier of over 256 replicas).
struct Readings {
  Candidates candidates;
  std::array<Reading, kBufferedMembers> stack;
  std::vector<Reading> heap;
  std::vector<uint32_t> heap_index;
  const Reading *reading = nullptr;
  const uint32_t *index = nullptr;
  uint32_t count = 0;

  Readings(const TierView &tier, const Eligible &eligible, PickEnv &env) {
    const int64_t now = env.CoarseNow();
    if (tier.size <= kBufferedMembers) {
      candidates = Candidates::Of(tier.size, eligible);
      count = candidates.count;
      for (uint32_t k = 0; k < count; ++k) {
        stack[k] = Read(tier.members[candidates.index[k]], env, now);
      }
      reading = stack.data();
      index = candidates.index.data();
      return;
    }
    for (uint32_t i = 0; i < tier.size; ++i) {
      if (!eligible[i]) continue;
      heap_index.push_back(i);
      heap.push_back(Read(tier.members[i], env, now));
    }
    count = static_cast<uint32_t>(heap.size());
    reading = heap.data();
    index = heap_index.data();
  }
};

class EngineAware final : public Strategy {
 public:
  uint32_t Pick(const TierView &tier, const Eligible &eligible, PickEnv &env) const override {
    const Readings r(tier, eligible, env);
    const Reading *readings = r.reading;
    const uint32_t *index = r.index;
    const uint32_t count = r.count;
    const EngineAwareConfig &config = env.params.engine;
    const Spread spread = SpreadOf(readings, count);
    const bool imbalanced = Imbalanced(spread, config);
    // From a random start, so that equal candidates share the traffic.
    const auto start = static_cast<uint32_t>(env.rng.Next() % count);
    uint32_t best = start;
    double best_merit = Merit(readings[start], spread, imbalanced, config);
    for (uint32_t step = 1; step < count; ++step) {
      uint32_t k = start + step;
      if (k >= count) k -= count;
      const double merit = Merit(readings[k], spread, imbalanced, config);
      if (merit > best_merit) {
        best_merit = merit;
        best = k;
      }
    }
    return index[best];
  }

  void Rank(const TierView &tier, const Eligible &eligible, PickEnv &env,
            std::vector<uint32_t> &order) const override {
    const Readings r(tier, eligible, env);
    const Reading *readings = r.reading;
    const uint32_t *index = r.index;
    const uint32_t count = r.count;
    const EngineAwareConfig &config = env.params.engine;
    const Spread spread = SpreadOf(readings, count);
    const bool imbalanced = Imbalanced(spread, config);
    std::vector<std::pair<double, uint32_t>> ranked;
    ranked.reserve(count);
    for (uint32_t k = 0; k < count; ++k) {
      ranked.emplace_back(-Merit(readings[k], spread, imbalanced, config), index[k]);
    }
    std::stable_sort(ranked.begin(), ranked.end(),
                     [](const auto &a, const auto &b) { return a.first < b.first; });
    for (const auto &entry : ranked) order.push_back(entry.second);
  }
};

}  // namespace

void EngineAwareMerits(const TierView &tier, const Eligible &eligible, PickEnv &env,
                       double *merits) {
  const Readings r(tier, eligible, env);
  const EngineAwareConfig &config = env.params.engine;
  const Spread spread = SpreadOf(r.reading, r.count);
  const bool imbalanced = Imbalanced(spread, config);
  for (uint32_t k = 0; k < r.count; ++k) {
    merits[r.index[k]] = Merit(r.reading[k], spread, imbalanced, config);
  }
}

const Strategy &EngineAwareStrategy() {
  static const EngineAware instance;
  return instance;
}

}  // namespace llmroute
