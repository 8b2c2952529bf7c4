// Session affinity: a request carrying a key (a conversation or user id) goes to the same
// deployment as every other request with that key, so the provider's prompt cache is hit.
//
// Weighted rendezvous (highest random weight) hashing: each eligible member scores
// -weight / ln(u), u in (0, 1) being a hash of (key, member name); the highest score wins, so
// each member receives keys in proportion to its weight. When a member becomes ineligible only
// the keys it held move (each to its own runner-up); when one is added it takes about
// weight / total of the keys, from every other member alike. Nothing is stored per key, and
// routers with the same deployments map a key alike (the hash is fixed, not per process).
//
// With a load factor c >= 1 (Mirrokni, Thorup and Zadimoghaddam, "Consistent Hashing with Bounded
// Loads", SODA 2018, https://arxiv.org/abs/1608.01350, whose imbalance constant is about 1.25;
// Envoy's hash_balance_factor; HAProxy's hash-balance-factor) a member
// whose in-flight count has reached ceil(c * (in flight + 1) * weight / total weight) is passed
// over for the key's next choice, so one hot key cannot overload a deployment.
#pragma once

#include <cstdint>
#include <string_view>

#include "core/strategies/strategy.hpp"

namespace llmroute {

// 64-bit hash of a key or a deployment name: FNV-1a, then a murmur3 finaliser for avalanche.
// Stable across processes and platforms.
uint64_t AffinityHash(std::string_view bytes);

struct Affinity {
  bool active = false;     // the request carries a key
  uint64_t key_hash = 0;   // AffinityHash(key)
  double load_factor = 0;  // 0: unbounded; otherwise >= 1

  // A uniform number in [0, 1) derived from the key alone, so that the priority tier a key lands
  // in is as stable as the deployment it lands on.
  double TierDraw() const;
};

// The eligible member the key prefers (bounded by the load factor when it is set).
uint32_t AffinityPick(const TierView &tier, const Eligible &eligible, const Affinity &affinity);

}  // namespace llmroute
