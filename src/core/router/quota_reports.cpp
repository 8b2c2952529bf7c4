// The report side of announced quotas (limits/quota.hpp): keeping a provider's announcement, and
// telling a quota exhaustion (a daily cap: reset hours away) from a burst's 429.
//
// A 429 whose quota resets within the horizon is a burst: the breaker handles it as before (its
// Retry-After sets a cooldown, capped by breaker_cooldown_max_ms). One whose reset lies beyond
// the horizon is a quota exhaustion: the deployment is held out until that reset, uncapped, with
// no probe before it (probing a deployment the provider said is out for hours only buys more
// 429s: LiteLLM issue #32620 reports hours of traffic sent into such a provider), and the breaker
// is left alone, so that the deployment is back in fully at the reset.
#include "core/router.hpp"

namespace llmroute {

bool Router::ApplyQuotaReport(DeploymentState &state, const ReportInput &report, int64_t now_ns) {
  QuotaAnnouncement announced;
  announced.remaining_requests = report.quota_remaining_requests;
  announced.remaining_tokens = report.quota_remaining_tokens;
  announced.requests_reset_ns = report.quota_requests_reset_ms * kNsPerMs;  // <= 366 days
  announced.tokens_reset_ns = report.quota_tokens_reset_ms * kNsPerMs;
  if (!announced.any()) return false;
  quota_announced_.store(true, std::memory_order_release);
  DeploymentQuota &quota = state.quota();
  quota.Announce(announced, now_ns, options_.quota_horizon_ns);
  if (report.outcome != Outcome::kRateLimited) return false;
  const int64_t reset_ns = announced.ExhaustedResetNs();
  if (reset_ns <= options_.quota_horizon_ns) return false;
  if (quota.Exhaust(now_ns + reset_ns)) {
    Event event;
    event.kind = EventKind::kQuotaExhausted;
    event.deployment = state.name();
    event.cooldown_ms = CeilMsUntil(now_ns + reset_ns, now_ns);
    Emit(event);
  }
  return true;
}

}  // namespace llmroute
