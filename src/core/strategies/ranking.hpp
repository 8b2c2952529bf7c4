// Rank helpers: order a tier's eligible members by keys read once per member.
//
// Why keys are read up front: the keys (in-flight counts, EWMAs, failure ratios) are atomics that
// other threads update while a ranking sorts. A comparator that re-reads them is not a strict weak
// ordering, and std::sort / std::stable_sort may then read outside the range they sort (their
// unguarded insertion step relies on the ordering): ThreadSanitizer caught exactly that in
// llmr_router_fallbacks racing reports. Ties with a tolerance ("prices equal up to rounding") are
// not transitive either, so they are resolved by grouping after an exact sort, never inside one.
#pragma once

#include <algorithm>
#include <cstdint>
#include <vector>

#include "core/strategies/strategy.hpp"

namespace llmroute {

struct RankKey {
  double primary;
  double secondary;
  uint32_t index;
};

// Appends the eligible members' indices to `order`, ascending by primary(i) then (where
// within_tie(best_of_group, primary) holds) by secondary(i); equal keys keep member order.
// Reads primary and secondary once per eligible member.
template <typename Primary, typename WithinTie, typename Secondary>
void AppendRanked(uint32_t size, const Eligible &eligible, std::vector<uint32_t> &order,
                  Primary primary, WithinTie within_tie, Secondary secondary) {
  std::vector<RankKey> keys;
  keys.reserve(eligible.count());
  for (uint32_t i = 0; i < size; ++i) {
    if (eligible[i]) keys.push_back({primary(i), secondary(i), i});
  }
  std::stable_sort(keys.begin(), keys.end(),
                   [](const RankKey &a, const RankKey &b) { return a.primary < b.primary; });
  // Each group starts at the best remaining primary and holds what ties with it, as Pick() ties
  // members with the best; within a group the secondary key decides.
  for (auto begin = keys.begin(); begin != keys.end();) {
    auto end = begin + 1;
    while (end != keys.end() && within_tie(begin->primary, end->primary)) ++end;
    std::stable_sort(begin, end,
                     [](const RankKey &a, const RankKey &b) { return a.secondary < b.secondary; });
    for (auto it = begin; it != end; ++it) order.push_back(it->index);
    begin = end;
  }
}

// Appends the eligible members' indices to `order`, ascending by key(i) (read once per member);
// equal keys keep member order.
template <typename Key>
void AppendRankedBy(uint32_t size, const Eligible &eligible, std::vector<uint32_t> &order,
                    Key key) {
  AppendRanked(
      size, eligible, order, key, [](double, double) { return false; },
      [](uint32_t) { return 0.0; });
}

}  // namespace llmroute
