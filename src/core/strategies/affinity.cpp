#include "core/strategies/affinity.hpp"

#include <cmath>

namespace llmroute {

namespace {

uint64_t Finalise(uint64_t h) {
  // murmur3's fmix64.
  h ^= h >> 33;
  h *= 0xff51afd7ed558ccdULL;
  h ^= h >> 33;
  h *= 0xc4ceb9fe1a85ec53ULL;
  h ^= h >> 33;
  return h;
}

// Uniform in (0, 1): never 0, so the logarithm below is finite and negative.
double Unit(uint64_t h) {
  return (static_cast<double>(h >> 11) + 0.5) * 0x1.0p-53;
}

// The rendezvous score of one member for one key. With equal weights -w / ln(u) orders members
// as u itself does, so the logarithm is skipped (same choices, cheaper).
double Score(uint64_t key_hash, const Member &member, bool equal_weights) {
  const double u = Unit(Finalise(key_hash ^ member.name_hash));
  return equal_weights ? u : -static_cast<double>(member.weight) / std::log(u);
}

bool EqualWeights(const TierView &tier, const Eligible &eligible) {
  uint32_t weight = 0;
  for (uint32_t i = 0; i < tier.size; ++i) {
    if (!eligible[i]) continue;
    if (weight != 0 && tier.members[i].weight != weight) return false;
    weight = tier.members[i].weight;
  }
  return true;
}

// The eligible member with the highest score below (score, index) `below` in the order "higher
// score first, then lower index"; `first` asks for the very highest.
uint32_t NextBest(const TierView &tier, const Eligible &eligible, uint64_t key_hash,
                  bool equal_weights, bool first, double below_score, uint32_t below_index,
                  double *score_out) {
  uint32_t best = tier.size;
  double best_score = 0;
  for (uint32_t i = 0; i < tier.size; ++i) {
    if (!eligible[i]) continue;
    const double score = Score(key_hash, tier.members[i], equal_weights);
    if (!first && (score > below_score || (score == below_score && i <= below_index))) continue;
    if (best == tier.size || score > best_score) {
      best = i;
      best_score = score;
    }
  }
  *score_out = best_score;
  return best;
}

}  // namespace

uint64_t AffinityHash(std::string_view bytes) {
  uint64_t h = 0xcbf29ce484222325ULL;
  for (const char c : bytes) {
    h ^= static_cast<unsigned char>(c);
    h *= 0x100000001b3ULL;
  }
  return Finalise(h);
}

double Affinity::TierDraw() const {
  return static_cast<double>(Finalise(key_hash ^ 0x9e3779b97f4a7c15ULL) >> 11) * 0x1.0p-53;
}

uint32_t AffinityPick(const TierView &tier, const Eligible &eligible, const Affinity &affinity) {
  const bool equal = EqualWeights(tier, eligible);
  double score = 0;
  uint32_t chosen = NextBest(tier, eligible, affinity.key_hash, equal, true, 0, 0, &score);
  if (affinity.load_factor <= 0 || eligible.count() == 1) return chosen;
  // Bounded load: walk the key's preference order until a member is under its capacity. The
  // capacities add up to at least (in flight + 1) > in flight, so some member is under its own.
  int64_t in_flight = 0;
  double total_weight = 0;
  for (uint32_t i = 0; i < tier.size; ++i) {
    if (!eligible[i]) continue;
    in_flight += tier.members[i].state->InFlight();
    total_weight += tier.members[i].weight;
  }
  const uint32_t first = chosen;
  while (chosen != tier.size) {
    const Member &member = tier.members[chosen];
    const double capacity = std::ceil(affinity.load_factor * static_cast<double>(in_flight + 1) *
                                      member.weight / total_weight);
    if (static_cast<double>(member.state->InFlight()) < capacity) return chosen;
    chosen = NextBest(tier, eligible, affinity.key_hash, equal, false, score, chosen, &score);
  }
  return first;  // in-flight counts moved under us; the key's own choice is as good as any
}

}  // namespace llmroute
