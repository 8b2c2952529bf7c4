#include "core/limits/quota.hpp"

#include <algorithm>
#include <mutex>
#include <string>

#include "core/clock.hpp"

namespace llmroute {

namespace {

Status CheckRemaining(int64_t value, const char *field) {
  if (value < -1 || value > kQuotaRemainingMax) {
    return {Code::kInvalidArgument,
            std::string(field) + " must be in 0.." + std::to_string(kQuotaRemainingMax) +
                ", or -1 when not announced (got " + std::to_string(value) + ")"};
  }
  return Status::Ok();
}

Status CheckReset(int64_t value, const char *field) {
  if (value < 0) {
    return {Code::kInvalidArgument, std::string(field) +
                                        " lies in the past: it is the time from now until the "
                                        "count resets, > 0, or 0 when not announced (got " +
                                        std::to_string(value) + ")"};
  }
  if (value > kQuotaResetMaxMs) {
    return {Code::kInvalidArgument, std::string(field) + " must be at most " +
                                        std::to_string(kQuotaResetMaxMs) + " ms (366 days; got " +
                                        std::to_string(value) + ")"};
  }
  return Status::Ok();
}

}  // namespace

int64_t QuotaAnnouncement::ExhaustedResetNs() const {
  int64_t used_up = 0;
  if (remaining_requests == 0) used_up = std::max(used_up, requests_reset_ns);
  if (remaining_tokens == 0) used_up = std::max(used_up, tokens_reset_ns);
  if (used_up > 0) return used_up;
  // Nothing announced used up: the 429's cause is unknown, so the nearest reset decides (a
  // burst's 429 that carries a far daily reset must not hold the deployment out for hours).
  if (requests_reset_ns > 0 && tokens_reset_ns > 0)
    return std::min(requests_reset_ns, tokens_reset_ns);
  return std::max(requests_reset_ns, tokens_reset_ns);
}

Status ValidateQuotaReport(int64_t remaining_requests, int64_t remaining_tokens,
                           int64_t requests_reset_ms, int64_t tokens_reset_ms) {
  if (Status s = CheckRemaining(remaining_requests, "quota_remaining_requests"); !s.ok()) return s;
  if (Status s = CheckRemaining(remaining_tokens, "quota_remaining_tokens"); !s.ok()) return s;
  if (Status s = CheckReset(requests_reset_ms, "quota_requests_reset_ms"); !s.ok()) return s;
  return CheckReset(tokens_reset_ms, "quota_tokens_reset_ms");
}

void DeploymentQuota::Announce(const QuotaAnnouncement &a, int64_t now_ns,
                               int64_t default_hold_ns) {
  if (!a.any()) return;
  std::lock_guard<SpinLock> lock(lock_);
  ExpireLocked(now_ns);
  if (a.remaining_requests >= 0) {
    requests_ = a.remaining_requests;
    requests_reset_at_ns_ =
        now_ns + (a.requests_reset_ns > 0 ? a.requests_reset_ns : default_hold_ns);
  }
  if (a.remaining_tokens >= 0) {
    tokens_ = a.remaining_tokens;
    tokens_reset_at_ns_ = now_ns + (a.tokens_reset_ns > 0 ? a.tokens_reset_ns : default_hold_ns);
  }
  active_.store(true, std::memory_order_release);
}

bool DeploymentQuota::Exhaust(int64_t until_ns) {
  std::lock_guard<SpinLock> lock(lock_);
  active_.store(true, std::memory_order_release);
  if (exhausted_until_ns_ >= until_ns) return false;
  exhausted_until_ns_ = until_ns;
  ++exhaustions_;
  return true;
}

void DeploymentQuota::ExpireLocked(int64_t now_ns) {
  // A count is valid until its reset; at the reset the provider's window starts over and the
  // next response announces the new count.
  if (requests_ >= 0 && now_ns >= requests_reset_at_ns_) requests_ = -1;
  if (tokens_ >= 0 && now_ns >= tokens_reset_at_ns_) tokens_ = -1;
  if (exhausted_until_ns_ != 0 && now_ns >= exhausted_until_ns_) exhausted_until_ns_ = 0;
}

bool DeploymentQuota::AdmitsLocked(int64_t tokens) const {
  if (exhausted_until_ns_ != 0) return false;
  if (requests_ == 0) return false;
  if (tokens_ >= 0 && tokens_ < std::max<int64_t>(tokens, 1)) return false;
  return true;
}

bool DeploymentQuota::Admits(int64_t now_ns, int64_t tokens) {
  std::lock_guard<SpinLock> lock(lock_);
  ExpireLocked(now_ns);
  return AdmitsLocked(tokens);
}

bool DeploymentQuota::TryTake(int64_t now_ns, int64_t tokens) {
  std::lock_guard<SpinLock> lock(lock_);
  ExpireLocked(now_ns);
  if (!AdmitsLocked(tokens)) return false;
  if (requests_ > 0) --requests_;
  if (tokens_ > 0) tokens_ -= std::min(tokens_, tokens);
  return true;
}

void DeploymentQuota::GiveBack(int64_t tokens) {
  std::lock_guard<SpinLock> lock(lock_);
  if (requests_ >= 0) ++requests_;
  if (tokens_ >= 0) tokens_ = std::min(kQuotaRemainingMax, tokens_ + tokens);
}

double DeploymentQuota::Headroom(int64_t now_ns, int64_t tokens) {
  std::lock_guard<SpinLock> lock(lock_);
  ExpireLocked(now_ns);
  double headroom = -1;
  if (requests_ >= 0) headroom = static_cast<double>(requests_);
  // Tokens count in requests of this size; with the size unknown they cannot be compared with
  // requests, and count alone only when no request count is announced.
  if (tokens_ >= 0 && (tokens > 0 || headroom < 0)) {
    const double by_tokens =
        static_cast<double>(tokens_) / static_cast<double>(std::max<int64_t>(tokens, 1));
    headroom = headroom < 0 ? by_tokens : std::min(headroom, by_tokens);
  }
  return headroom;
}

int64_t DeploymentQuota::NsUntilAdmits(int64_t now_ns, int64_t tokens) {
  std::lock_guard<SpinLock> lock(lock_);
  ExpireLocked(now_ns);
  int64_t until = now_ns;
  if (exhausted_until_ns_ != 0) until = std::max(until, exhausted_until_ns_);
  if (requests_ == 0) until = std::max(until, requests_reset_at_ns_);
  if (tokens_ >= 0 && tokens_ < std::max<int64_t>(tokens, 1)) {
    until = std::max(until, tokens_reset_at_ns_);
  }
  return until - now_ns;
}

QuotaView DeploymentQuota::View(int64_t now_ns) {
  std::lock_guard<SpinLock> lock(lock_);
  ExpireLocked(now_ns);
  QuotaView view;
  view.remaining_requests = requests_;
  view.remaining_tokens = tokens_;
  if (requests_ >= 0) view.requests_reset_ms = CeilMsUntil(requests_reset_at_ns_, now_ns);
  if (tokens_ >= 0) view.tokens_reset_ms = CeilMsUntil(tokens_reset_at_ns_, now_ns);
  if (exhausted_until_ns_ != 0) view.exhausted_ms = CeilMsUntil(exhausted_until_ns_, now_ns);
  view.exhaustions = exhaustions_;
  return view;
}

}  // namespace llmroute
