// A deployment's quota as its provider announces it on every response: requests and tokens
// remaining, and when each count resets (OpenAI's and Azure OpenAI's x-ratelimit-remaining-* and
// x-ratelimit-reset-*, https://platform.openai.com/docs/guides/rate-limits; Anthropic's
// anthropic-ratelimit-*-remaining and -reset, https://docs.anthropic.com/en/api/rate-limits).
//
// The router keeps the last announcement until its reset and
//  - takes each pick out of it (one request, the pick's expected tokens), so that the picks made
//    between two responses cannot overrun what the provider said was left;
//  - does not pick the deployment while the announced remaining cannot take the request;
//  - gives the strategy-independent headroom (how many such requests are left) to the
//    headroom-weighted choice within a tier;
//  - holds a quota exhaustion (a 429 whose reset is beyond the horizon: a daily cap) until its
//    reset, with no probe before it.
// The next response's announcement replaces the count (the provider's word wins over our
// bookkeeping). Only deployments that have received an announcement pay for any of this; the
// lock is per deployment and held for a few comparisons.
#pragma once

#include <atomic>
#include <cstdint>

#include "core/spin_lock.hpp"
#include "core/status.hpp"

namespace llmroute {

// The quota part of one report. Remaining counts: -1 = not announced. Resets: nanoseconds from
// the report until the count resets, 0 = not announced.
struct QuotaAnnouncement {
  int64_t remaining_requests = -1;
  int64_t remaining_tokens = -1;
  int64_t requests_reset_ns = 0;
  int64_t tokens_reset_ns = 0;

  bool any() const {
    return remaining_requests >= 0 || remaining_tokens >= 0 || requests_reset_ns > 0 ||
           tokens_reset_ns > 0;
  }
  // The latest reset announced for a count that is used up (or, when none is at zero, the
  // earliest announced): when a 429 carrying this announcement stops applying.
  int64_t ExhaustedResetNs() const;
};

// Largest remaining count a report may carry (10^15: far above any provider's daily quota, low
// enough that no sum of them overflows) and the furthest reset (366 days: monthly caps fit).
constexpr int64_t kQuotaRemainingMax = 1'000'000'000'000'000;
constexpr int64_t kQuotaResetMaxMs = 366LL * 24 * 3600 * 1000;

// Checks the report's values (in ms, as the C API carries them); the message names the field.
Status ValidateQuotaReport(int64_t remaining_requests, int64_t remaining_tokens,
                           int64_t requests_reset_ms, int64_t tokens_reset_ms);

// What health and statistics show of a deployment's quota at one moment.
struct QuotaView {
  int64_t remaining_requests = -1;  // -1: not announced (or its reset passed)
  int64_t remaining_tokens = -1;
  int64_t requests_reset_ms = 0;  // until the count resets; 0 when not announced
  int64_t tokens_reset_ms = 0;
  int64_t exhausted_ms = 0;  // > 0: a quota exhaustion holds the deployment out this long
  int64_t exhaustions = 0;   // lifetime count of quota exhaustions
};

class DeploymentQuota {
 public:
  // Whether anything was ever announced: until then picks skip this object.
  bool Active() const { return active_.load(std::memory_order_acquire); }

  // Replaces the announced counts with `a` (those it does not carry stay as they were). A count
  // without a reset holds for `default_hold_ns`.
  void Announce(const QuotaAnnouncement &a, int64_t now_ns, int64_t default_hold_ns);
  // A quota exhaustion: no pick until `until_ns`. Returns false (and changes nothing) when one
  // already holds at least that long.
  bool Exhaust(int64_t until_ns);

  // Whether a request of `tokens` expected tokens (0: unknown, then at least one token must be
  // left) fits what is left now. Read-only.
  bool Admits(int64_t now_ns, int64_t tokens);
  // Like Admits, and takes the request out of the counts when it fits.
  bool TryTake(int64_t now_ns, int64_t tokens);
  // Gives back what TryTake took, when the pick did not go ahead after all.
  void GiveBack(int64_t tokens);
  // How many requests of `tokens` expected tokens the announced counts leave room for; negative
  // when nothing is announced now (the choice then gives the deployment the tier's mean).
  double Headroom(int64_t now_ns, int64_t tokens);
  // Nanoseconds until Admits could become true (the reset of what is missing); 0 when it is true.
  int64_t NsUntilAdmits(int64_t now_ns, int64_t tokens);

  QuotaView View(int64_t now_ns);

 private:
  // Drops the counts whose reset has passed.
  void ExpireLocked(int64_t now_ns);
  bool AdmitsLocked(int64_t tokens) const;

  std::atomic<bool> active_{false};
  SpinLock lock_;
  // Guarded by lock_. -1: not announced.
  int64_t requests_ = -1;
  int64_t tokens_ = -1;
  int64_t requests_reset_at_ns_ = 0;
  int64_t tokens_reset_at_ns_ = 0;
  int64_t exhausted_until_ns_ = 0;
  int64_t exhaustions_ = 0;
};

}  // namespace llmroute
