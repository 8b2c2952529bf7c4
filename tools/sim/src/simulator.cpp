#include "simulator.hpp"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <memory>
#include <queue>
#include <stdexcept>

#include "rng.hpp"

namespace sim {

double Percentile(std::vector<double> values, double q) {
  if (values.empty()) return -1;
  const size_t n = values.size();
  size_t rank = static_cast<size_t>(std::ceil(q * static_cast<double>(n)));
  rank = std::clamp<size_t>(rank, 1, n);
  std::nth_element(values.begin(), values.begin() + static_cast<std::ptrdiff_t>(rank - 1),
                   values.end());
  return values[rank - 1];
}

namespace {

constexpr int64_t kNsPerMs = 1000000;

bool Retryable(llmr_outcome o) {
  // As llmr_router_call() does: the deployment's fault, another one may do better.
  return o == LLMR_OUTCOME_RATE_LIMITED || o == LLMR_OUTCOME_SERVER_ERROR ||
         o == LLMR_OUTCOME_TIMEOUT || o == LLMR_OUTCOME_CONNECTION_ERROR;
}

class Simulation {
 public:
  Simulation(const Scenario &scenario, const std::string &run, uint64_t seed,
             const ProgressFn &progress)
      : sc_(scenario), progress_(progress) {
    uint64_t s = seed;
    arrivals_ = Rng(SplitMix64(s));
    client_ = Rng(SplitMix64(s));
    const uint64_t router_seed = SplitMix64(s);
    for (size_t i = 0; i < sc_.deployments.size(); ++i) upstream_rng_.emplace_back(SplitMix64(s));
    std::string name = run;
    stall_timeouts_ = StripSuffix(name, kStallTimeoutsSuffix) &&
                      (sc_.client.first_byte_timeout_ms > 0 || sc_.client.idle_timeout_ms > 0);
    if (name == "naive") {
      backend_ = MakeNaiveBackend(sc_, &now_ns_, router_seed);
    } else {
      std::string strategy = name;
      const std::string blind = kQuotaBlindSuffix;
      const bool quota_blind =
          strategy.size() > blind.size() &&
          strategy.compare(strategy.size() - blind.size(), blind.size(), blind) == 0;
      if (quota_blind) strategy.resize(strategy.size() - blind.size());
      const std::string hedged = kHedgedSuffix;
      hedging_ = sc_.client.hedge_after_ms > 0 && strategy.size() > hedged.size() &&
                 strategy.compare(strategy.size() - hedged.size(), hedged.size(), hedged) == 0;
      if (strategy.size() > hedged.size() &&
          strategy.compare(strategy.size() - hedged.size(), hedged.size(), hedged) == 0) {
        strategy.resize(strategy.size() - hedged.size());
      }
      hedge_tokens_ = sc_.client.hedge_budget_max_tokens;
      backend_ = MakeLlmrouteBackend(sc_, strategy == "llmroute" ? "" : strategy, &now_ns_,
                                     router_seed, quota_blind);
    }
    quota_.resize(sc_.deployments.size());
    buckets_ = static_cast<size_t>(std::ceil(sc_.duration_s / sc_.bucket_s - 1e-9));
    if (buckets_ == 0) buckets_ = 1;
    in_flight_.assign(sc_.deployments.size(), 0);
    result_.label = backend_->Label() + (hedging_ ? ", hedged" : "") +
                    (stall_timeouts_ ? ", stall timeouts" : "");
    result_.deployments.resize(sc_.deployments.size());
    for (DeploymentResult &d : result_.deployments) {
      d.bucket_attempts.assign(buckets_, 0);
      d.bucket_latencies.resize(buckets_);
    }
    result_.bucket_requests.assign(buckets_, 0);
    result_.bucket_failed.assign(buckets_, 0);
    result_.bucket_client_latencies.resize(buckets_);
    mix_total_ = 0;
    for (const MixEntry &m : sc_.mix) mix_total_ += m.weight;
  }

  RunResult Run() {
    const auto wall_start = std::chrono::steady_clock::now();
    ScheduleNextArrival(0);
    uint64_t processed = 0;
    while (!queue_.empty()) {
      const Event e = queue_.top();
      queue_.pop();
      now_ns_ = e.t_ns;
      switch (e.kind) {
        case Kind::kArrival:
          Arrive();
          break;
        case Kind::kAttemptEnd:
          EndAttempt(e.request);
          break;
        case Kind::kRetry:
          StartAttempt(e.request);
          break;
        case Kind::kHedge:
          MaybeHedge(e.request, e.serial);
          break;
      }
      if (progress_ && (++processed & 1023) == 0) progress_(Seconds(), result_.requests);
    }
    Finish();
    result_.wall_seconds =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - wall_start).count();
    return std::move(result_);
  }

 private:
  enum class Kind { kArrival, kAttemptEnd, kRetry, kHedge };
  struct Event {
    int64_t t_ns;
    uint64_t seq;
    Kind kind;
    uint32_t request;
    uint64_t serial = 0;  // kHedge: the request's serial (its slot may have been reused)
    bool operator>(const Event &o) const { return t_ns != o.t_ns ? t_ns > o.t_ns : seq > o.seq; }
  };
  struct Request {
    size_t mix = 0;
    int64_t arrival_ns = 0;
    int attempts = 0;
    std::vector<int> tried;
    PickResult pick;
    llmr_outcome outcome = LLMR_OUTCOME_SUCCESS;
    double latency_ms = 0;
    int64_t retry_after_ms = 0;
    bool quota_429 = false;  // refused by the upstream's used-up quota
    // Streams: when the attempt started, its first byte after start (-1: none), and whether it
    // ended after that first byte (committed: the client already has part of the answer).
    int64_t start_ns = 0;
    double first_byte_ms = -1;
    bool committed = false;
    // Hedged runs: a request's first attempt and its hedge are two Request slots, each other's
    // sibling while both run; a cancelled loser keeps its slot until its end event passes.
    uint64_t serial = 0;
    bool in_flight = false;
    bool is_hedge = false;
    bool cancelled = false;
    int64_t sibling = -1;
  };
  /** An upstream's quota window (scenario.hpp, Quota): which window, and what it used. */
  struct QuotaWindow {
    int64_t index = -1;
    int64_t requests = 0;
    int64_t tokens = 0;
  };

  double Seconds() const { return static_cast<double>(now_ns_) / 1e9; }
  size_t Bucket() const {
    const double b = std::floor(Seconds() / sc_.bucket_s);
    return b < 0 ? 0 : std::min(buckets_ - 1, static_cast<size_t>(b));
  }

  void Push(int64_t t_ns, Kind kind, uint32_t request, uint64_t serial = 0) {
    queue_.push(Event{t_ns, seq_++, kind, request, serial});
  }

  /** The hedge delay passed: hedge request `id` if its first attempt is still out, and the
   * budget (the library's token bucket, hedge_budget.hpp) allows. */
  void MaybeHedge(uint32_t id, uint64_t serial) {
    {
      const Request &r = requests_[id];
      if (r.serial != serial || !r.in_flight || r.attempts != 1 || r.sibling >= 0) return;
    }
    if (hedge_tokens_ < 1) return;
    hedge_tokens_ -= 1;
    Request h;
    h.mix = requests_[id].mix;
    h.arrival_ns = requests_[id].arrival_ns;
    h.tried = requests_[id].tried;
    h.serial = ++serials_;
    h.is_hedge = true;
    h.sibling = id;
    const uint32_t hid = NewSlot(std::move(h));
    requests_[id].sibling = hid;
    ++result_.hedges;
    StartAttempt(hid);
  }

  uint32_t NewSlot(Request r) {
    uint32_t id;
    if (free_.empty()) {
      id = static_cast<uint32_t>(requests_.size());
      requests_.push_back(std::move(r));
    } else {
      id = free_.back();
      free_.pop_back();
      requests_[id] = std::move(r);
    }
    return id;
  }

  /** Poisson arrivals with a piecewise-constant rate, by thinning at the maximum rate. */
  void ScheduleNextArrival(int64_t from_ns) {
    const double max_rate = sc_.MaxRate();
    double t = static_cast<double>(from_ns) / 1e9;
    for (;;) {
      t += arrivals_.Exponential(max_rate);
      if (t >= sc_.duration_s) return;
      if (arrivals_.Uniform() * max_rate < sc_.RateAt(t)) break;
    }
    Push(static_cast<int64_t>(t * 1e9), Kind::kArrival, 0);
  }

  void Arrive() {
    Request r;
    r.arrival_ns = now_ns_;
    double x = arrivals_.Uniform() * mix_total_;
    r.mix = sc_.mix.size() - 1;
    for (size_t i = 0; i < sc_.mix.size(); ++i) {
      x -= sc_.mix[i].weight;
      if (x < 0) {
        r.mix = i;
        break;
      }
    }
    // Finished requests leave their slot to new ones, so memory follows the requests in flight.
    r.serial = ++serials_;
    const uint64_t serial = r.serial;
    const uint32_t id = NewSlot(std::move(r));
    ++result_.requests;
    ++result_.bucket_requests[Bucket()];
    if (hedging_) {
      hedge_tokens_ = std::min(sc_.client.hedge_budget_max_tokens,
                               hedge_tokens_ + sc_.client.hedge_budget_ratio);
    }
    StartAttempt(id);
    if (hedging_ && requests_[id].serial == serial && requests_[id].in_flight) {
      Push(now_ns_ + static_cast<int64_t>(sc_.client.hedge_after_ms * kNsPerMs), Kind::kHedge, id,
           serial);
    }
    ScheduleNextArrival(now_ns_);
  }

  void StartAttempt(uint32_t id) {
    Request &r = requests_[id];
    const MixEntry &m = sc_.mix[r.mix];
    PickResult p = backend_->Pick(m.model, r.tried, m.input_tokens, m.output_tokens);
    if (p.status != LLMR_OK && r.is_hedge && r.attempts == 0) {
      // No other deployment to hedge on: the token goes back, the first attempt goes on alone.
      hedge_tokens_ += 1;
      --result_.hedges;
      requests_[static_cast<size_t>(r.sibling)].sibling = -1;
      FreeRequest(id);
      return;
    }
    if (p.status != LLMR_OK) {
      ++result_.failed_no_provider;  // nothing eligible (all cooling down or at their limits)
      Fail();
      FreeRequest(id);
      return;
    }
    const bool is_retry = r.attempts > 0;
    ++r.attempts;
    if (std::find(r.tried.begin(), r.tried.end(), p.deployment) == r.tried.end()) {
      r.tried.push_back(p.deployment);
    }
    const auto d = static_cast<size_t>(p.deployment);
    DeploymentResult &dr = result_.deployments[d];
    ++dr.attempts;
    ++dr.bucket_attempts[Bucket()];
    ++result_.attempts;
    if (is_retry) {
      ++dr.retries;
      ++result_.retries;
    }
    if (p.model != m.model) {
      ++dr.fallbacks;
      ++result_.fallbacks;
    }

    // The upstream answers.
    const Behaviour b = sc_.upstreams[d].At(Seconds());
    Rng &rng = upstream_rng_[d];
    r.retry_after_ms = 0;
    r.quota_429 = false;
    r.start_ns = now_ns_;
    r.first_byte_ms = -1;
    r.committed = false;
    const Quota &quota = sc_.upstreams[d].quota;
    if (quota.active() && !TakeQuota(d, m.input_tokens + m.output_tokens)) {
      r.outcome = LLMR_OUTCOME_RATE_LIMITED;  // the quota is used up until the window ends
      r.retry_after_ms = quota.retry_after ? QuotaResetMs(d) : 0;
      r.quota_429 = true;
      r.latency_ms = b.error_latency_ms * (0.5 + rng.Uniform());
      ++result_.quota_429s;
    } else if (b.max_concurrency > 0 && in_flight_[d] >= b.max_concurrency) {
      r.outcome = LLMR_OUTCOME_RATE_LIMITED;  // over capacity: 429 at once
      r.retry_after_ms = b.over_capacity_retry_after_ms;
      r.latency_ms = b.error_latency_ms * (0.5 + rng.Uniform());
    } else if (rng.Chance(b.error_rate)) {
      r.outcome = b.error_kind;
      r.latency_ms = b.error_kind == LLMR_OUTCOME_TIMEOUT
                         ? sc_.client.timeout_ms
                         : b.error_latency_ms * (0.5 + rng.Uniform());
      if (b.error_kind == LLMR_OUTCOME_RATE_LIMITED) r.retry_after_ms = b.retry_after_ms;
    } else if (rng.Chance(b.rate_limit_rate)) {
      r.outcome = LLMR_OUTCOME_RATE_LIMITED;
      r.retry_after_ms = b.retry_after_ms;
      r.latency_ms = b.error_latency_ms * (0.5 + rng.Uniform());
    } else {
      r.outcome = LLMR_OUTCOME_SUCCESS;
      r.latency_ms = rng.LognormalP50P99(b.latency_p50_ms, b.latency_p99_ms) * b.latency_multiplier;
      if (r.latency_ms > sc_.client.timeout_ms) {
        r.outcome = LLMR_OUTCOME_TIMEOUT;
        r.latency_ms = sc_.client.timeout_ms;
      } else {
        Stream(b, rng, r);
      }
    }
    ++in_flight_[d];
    r.in_flight = true;
    r.pick = std::move(p);
    Push(now_ns_ + std::max<int64_t>(1, static_cast<int64_t>(r.latency_ms * kNsPerMs)),
         Kind::kAttemptEnd, id);
  }

  /** A successful answer of r.latency_ms streams: its first byte after first_byte_share of it,
   * unless the upstream stalls (before the first byte, or at a uniform point after it). The client
   * sees a stall only by silence: without the stall timeouts it waits until timeout_ms from the
   * attempt's start; with them the watch ends the attempt first_byte_timeout_ms after its start
   * (no first byte yet: a healthy but slow first byte too) or idle_timeout_ms after the last
   * chunk, as llmr_call_check() would. A stalled attempt is a timeout to the router
   * (attempt_runner.hpp); committed (after the first byte) it cannot be retried. Chunks are taken
   * to come more often than idle_timeout_ms while a stream flows. */
  void Stream(const Behaviour &b, Rng &rng, Request &r) {
    const double total = r.latency_ms;
    const double first = total * b.first_byte_share;
    double stall_at = -1;  // ms after the start at which nothing more arrives; -1: no stall
    bool before_first = false;
    if (rng.Chance(b.stall_first_byte_rate)) {
      before_first = true;
      stall_at = 0;
      ++result_.stalls_before_first_byte;
    } else if (rng.Chance(b.stall_mid_stream_rate)) {
      stall_at = first + rng.Uniform() * (total - first);
      ++result_.stalls_mid_stream;
    }
    const double fbt = stall_timeouts_ ? sc_.client.first_byte_timeout_ms : 0;
    const double idle = stall_timeouts_ ? sc_.client.idle_timeout_ms : 0;
    const double timeout = sc_.client.timeout_ms;
    if (before_first || (fbt > 0 && first > fbt)) {
      // No first byte yet: the first-byte watch, else the client's timeout, ends it.
      r.outcome = LLMR_OUTCOME_TIMEOUT;
      if (fbt > 0 && fbt < timeout) {
        r.latency_ms = fbt;
        ++result_.stall_failovers;
      } else {
        r.latency_ms = timeout;
        ++result_.hung;
      }
      return;
    }
    r.first_byte_ms = first;
    if (stall_at < 0) return;  // flows to the end
    r.outcome = LLMR_OUTCOME_TIMEOUT;
    r.committed = true;
    if (idle > 0 && stall_at + idle < timeout) {
      r.latency_ms = stall_at + idle;
      ++result_.stalled_endings;
    } else {
      r.latency_ms = timeout;
      ++result_.truncated;
    }
  }

  /** The client got its first byte on this attempt: arrival to that byte. */
  void RecordFirstByte(const Request &r) {
    if (r.first_byte_ms < 0) return;
    result_.client_ttfts.push_back(static_cast<double>(r.start_ns - r.arrival_ns) / kNsPerMs +
                                   r.first_byte_ms);
  }

  void EndAttempt(uint32_t id) {
    Request &r = requests_[id];
    r.in_flight = false;
    if (r.cancelled) {  // a hedged request's loser: cancelled when the other answered
      FreeRequest(id);
      return;
    }
    const MixEntry &m = sc_.mix[r.mix];
    const auto d = static_cast<size_t>(r.pick.deployment);
    --in_flight_[d];
    backend_->Report(r.pick, r.outcome, r.latency_ms, r.retry_after_ms, m.input_tokens,
                     r.outcome == LLMR_OUTCOME_SUCCESS ? m.output_tokens : 0,
                     Announced(d, r.quota_429));
    DeploymentResult &dr = result_.deployments[d];
    ++dr.outcomes[static_cast<size_t>(r.outcome)];
    if (r.outcome == LLMR_OUTCOME_SUCCESS) {
      ++dr.successes;
      dr.latencies.push_back(r.latency_ms);
      dr.bucket_latencies[Bucket()].push_back(r.latency_ms);
      const double price = sc_.deployments[d].Price(m.input_tokens, m.output_tokens);
      dr.cost += price;
      result_.cost += price;
      ++result_.succeeded;
      if (r.sibling >= 0) {
        // The other attempt loses: cancelled, not reported (its end event is ignored).
        Request &loser = requests_[static_cast<size_t>(r.sibling)];
        backend_->Cancel(loser.pick);
        --in_flight_[static_cast<size_t>(loser.pick.deployment)];
        loser.cancelled = true;
        loser.sibling = -1;
        ++result_.hedges_cancelled;
        if (r.is_hedge) ++result_.hedge_wins;
      }
      RecordFirstByte(r);
      const double client_ms = static_cast<double>(now_ns_ - r.arrival_ns) / kNsPerMs;
      result_.client_latencies.push_back(client_ms);
      result_.bucket_client_latencies[Bucket()].push_back(client_ms);
      FreeRequest(id);
      return;
    }
    ++result_.failed_attempts;
    if (r.sibling >= 0) {
      // The other attempt of the hedged request is still out: it carries the request on.
      requests_[static_cast<size_t>(r.sibling)].sibling = -1;
      FreeRequest(id);
      return;
    }
    if (r.committed) {
      // Part of the answer already went to the client: no retry (llmr_router_call ends the call).
      RecordFirstByte(r);
      Fail();
      FreeRequest(id);
      return;
    }
    if (Retryable(r.outcome) && r.attempts < sc_.client.max_attempts) {
      // Full jitter: uniform in [0, min(max, base * 2^(retry - 1))].
      const double cap = std::min(sc_.client.backoff_max_ms,
                                  sc_.client.backoff_base_ms * std::ldexp(1.0, r.attempts - 1));
      const double backoff_ms = client_.Uniform() * cap;
      Push(now_ns_ + static_cast<int64_t>(backoff_ms * kNsPerMs), Kind::kRetry, id);
      return;
    }
    Fail();
    FreeRequest(id);
  }

  /** Rolls deployment d's quota window forward to now. */
  QuotaWindow &Window(size_t d) {
    const Quota &q = sc_.upstreams[d].quota;
    const auto index = static_cast<int64_t>(std::floor(Seconds() / q.window_s));
    QuotaWindow &w = quota_[d];
    if (w.index != index) w = QuotaWindow{index, 0, 0};
    return w;
  }

  /** Counts a request of `tokens` against d's quota; false when it does not fit. */
  bool TakeQuota(size_t d, int64_t tokens) {
    const Quota &q = sc_.upstreams[d].quota;
    QuotaWindow &w = Window(d);
    if (q.requests > 0 && w.requests >= q.requests) return false;
    if (q.tokens > 0 && w.tokens + tokens > q.tokens) return false;
    ++w.requests;
    w.tokens += tokens;
    return true;
  }

  /** Milliseconds until d's quota window ends (at least 1). */
  int64_t QuotaResetMs(size_t d) {
    const Quota &q = sc_.upstreams[d].quota;
    const double end_s = static_cast<double>(Window(d).index + 1) * q.window_s;
    return std::max<int64_t>(1, static_cast<int64_t>(std::ceil((end_s - Seconds()) * 1000)));
  }

  /** What d's response announces about its quota (nothing without an announcing quota; only the
   * quota's own 429s with "on_429"). */
  QuotaReport Announced(size_t d, bool quota_429) {
    QuotaReport out;
    const Quota &q = sc_.upstreams[d].quota;
    if (!q.active() || !q.announce || (q.announce_only_429 && !quota_429)) return out;
    const QuotaWindow &w = Window(d);
    const int64_t reset_ms = QuotaResetMs(d);
    if (q.requests > 0) {
      out.remaining_requests = std::max<int64_t>(0, q.requests - w.requests);
      out.requests_reset_ms = reset_ms;
    }
    if (q.tokens > 0) {
      out.remaining_tokens = std::max<int64_t>(0, q.tokens - w.tokens);
      out.tokens_reset_ms = reset_ms;
    }
    return out;
  }

  void Fail() {
    ++result_.failed;
    ++result_.bucket_failed[Bucket()];
  }

  void FreeRequest(uint32_t id) { free_.push_back(id); }

  void Finish() {
    result_.transitions = backend_->Transitions();
    const BackendStats s = backend_->Stats();
    for (size_t i = 0; i < result_.deployments.size(); ++i) {
      DeploymentResult &d = result_.deployments[i];
      d.opened = s.opened[i];
      d.half_opened = s.half_opened[i];
      d.closed = s.closed[i];
      if (s.picks[i] != d.attempts && result_.consistency_error.empty()) {
        result_.consistency_error = "deployment " + sc_.deployments[i].name +
                                    ": the router counted " + std::to_string(s.picks[i]) +
                                    " picks, the simulator " + std::to_string(d.attempts) +
                                    " attempts";
      }
    }
  }

  const Scenario &sc_;
  ProgressFn progress_;
  std::unique_ptr<Backend> backend_;
  int64_t now_ns_ = 0;
  uint64_t seq_ = 0;
  Rng arrivals_, client_;
  std::vector<Rng> upstream_rng_;
  std::vector<int64_t> in_flight_;
  std::vector<QuotaWindow> quota_;
  double mix_total_ = 0;
  size_t buckets_ = 1;
  std::priority_queue<Event, std::vector<Event>, std::greater<Event>> queue_;
  std::vector<Request> requests_;
  std::vector<uint32_t> free_;
  RunResult result_;
  bool hedging_ = false;
  bool stall_timeouts_ = false;
  double hedge_tokens_ = 0;
  uint64_t serials_ = 0;
};

}  // namespace

RunResult Simulate(const Scenario &scenario, const std::string &run, uint64_t seed,
                   const ProgressFn &progress) {
  Simulation s(scenario, run, seed, progress);
  return s.Run();
}

}  // namespace sim
