// Candidate lists on the stack, for the strategies that look at every member of a tier.
//
// The latency-, ratio- and price-based strategies used to walk a tier's eligibility bitset four
// times per pick (the prior, the fastest, who is within the buffer, the chosen one), following
// each member's pointer to its own cache line every time, with branches no predictor learns.
// For tiers up to kBufferedMembers they now read each value once into a compact array and pick
// from an index list built without branches: two short passes. Reading once also keeps the passes
// consistent while other threads' reports move the values. Larger tiers compare two random
// members instead (latency_scores.hpp).
#pragma once

#include <array>
#include <cstdint>

#include "core/strategies/strategy.hpp"

namespace llmroute {

// Tiers of this size or smaller are picked from stack arrays: the scan's size
// (latency_scores.hpp's kScanMembers).
constexpr uint32_t kBufferedMembers = 16;

// Member indices, in member order.
struct Candidates {
  std::array<uint32_t, kBufferedMembers> index;  // the first `count` are set
  uint32_t count = 0;

  // The eligible members of a tier of at most kBufferedMembers.
  static Candidates Of(uint32_t size, const Eligible &eligible) {
    Candidates c;
    for (uint32_t i = 0; i < size; ++i) {
      c.index[c.count] = i;
      c.count += eligible[i] ? 1 : 0;
    }
    return c;
  }
};

// value(k) for every candidate k (index.index[k]), read once.
struct CandidateValues {
  std::array<double, kBufferedMembers> value;
};

// The candidates whose value keep(value) holds, in order; built without branches.
template <typename Keep>
Candidates Filter(const Candidates &in, const CandidateValues &values, Keep keep) {
  Candidates out;
  for (uint32_t k = 0; k < in.count; ++k) {
    out.index[out.count] = in.index[k];
    out.count += keep(values.value[k]) ? 1 : 0;
  }
  return out;
}

}  // namespace llmroute
