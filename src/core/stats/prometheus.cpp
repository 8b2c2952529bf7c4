// The Prometheus text exposition (format 0.0.4) of a RouterStats.
//
// Naming follows https://prometheus.io/docs/practices/naming/: the llmroute_ prefix, base units
// (seconds), counters ending in _total, one family per quantity with labels for the dimensions
// (deployment, model, outcome, state), and every family grouped under its HELP and TYPE lines.
#include <charconv>
#include <cmath>
#include <string_view>

#include "core/enum_names.hpp"
#include "core/stats/router_stats.hpp"

namespace llmroute {

namespace {

class Writer {
 public:
  explicit Writer(std::string &out) : out_(out) {}

  void Family(std::string_view name, std::string_view type, std::string_view help) {
    out_ += "# HELP ";
    out_ += name;
    out_ += ' ';
    for (const char c : help) {  // HELP text escapes backslash and newline
      if (c == '\\') {
        out_ += "\\\\";
      } else if (c == '\n') {
        out_ += "\\n";
      } else {
        out_ += c;
      }
    }
    out_ += "\n# TYPE ";
    out_ += name;
    out_ += ' ';
    out_ += type;
    out_ += '\n';
  }

  // A sample: name{label="value",...} value. `labels` alternate names and values.
  template <size_t N>
  void Sample(std::string_view name, const std::array<std::string_view, N> &labels, double value) {
    static_assert(N % 2 == 0, "labels come in name/value pairs");
    out_ += name;
    if constexpr (N > 0) {
      out_ += '{';
      for (size_t i = 0; i < N; i += 2) {
        if (i > 0) out_ += ',';
        out_ += labels[i];
        out_ += "=\"";
        Escape(labels[i + 1]);
        out_ += '"';
      }
      out_ += '}';
    }
    out_ += ' ';
    Number(value);
    out_ += '\n';
  }

  void Number(double value) {
    if (std::isnan(value)) {
      out_ += "NaN";
    } else if (std::isinf(value)) {
      out_ += value > 0 ? "+Inf" : "-Inf";
    } else {
      char buffer[64];
      const auto result = std::to_chars(buffer, buffer + sizeof buffer, value);
      out_.append(buffer, result.ptr);
    }
  }

 private:
  // Label values escape backslash, double quote and newline.
  void Escape(std::string_view value) {
    for (const char c : value) {
      if (c == '\\') {
        out_ += "\\\\";
      } else if (c == '"') {
        out_ += "\\\"";
      } else if (c == '\n') {
        out_ += "\\n";
      } else {
        out_ += c;
      }
    }
  }

  std::string &out_;
};

std::string SecondsLabel(double ms) {
  char buffer[64];
  const auto result = std::to_chars(buffer, buffer + sizeof buffer, ms / 1000.0);
  return std::string(buffer, result.ptr);
}

using L2 = std::array<std::string_view, 2>;
using L4 = std::array<std::string_view, 4>;

}  // namespace

std::string RenderPrometheus(const RouterStats &stats) {
  std::string out;
  out.reserve(1024 + stats.deployments.size() * 6144 + stats.models.size() * 160);
  Writer w(out);
  const auto &deployments = stats.deployments;

  w.Family("llmroute_deployment_picks_total", "counter",
           "Requests routed to the deployment (picks, including call attempts).");
  for (const auto &d : deployments) {
    w.Sample("llmroute_deployment_picks_total", L2{"deployment", d.name},
             static_cast<double>(d.picks));
  }

  w.Family("llmroute_deployment_requests_total", "counter",
           "Requests the deployment finished, by outcome; cancelled: given back without one.");
  for (const auto &d : deployments) {
    for (int o = 0; o < kOutcomeCount; ++o) {
      w.Sample("llmroute_deployment_requests_total",
               L4{"deployment", d.name, "outcome", OutcomeName(static_cast<Outcome>(o))},
               static_cast<double>(d.outcomes[o]));
    }
    w.Sample("llmroute_deployment_requests_total", L4{"deployment", d.name, "outcome", "cancelled"},
             static_cast<double>(d.cancels));
  }

  w.Family("llmroute_deployment_in_flight", "gauge", "Requests picked and not yet reported.");
  for (const auto &d : deployments) {
    w.Sample("llmroute_deployment_in_flight", L2{"deployment", d.name},
             static_cast<double>(d.in_flight));
  }

  w.Family("llmroute_deployment_tokens_total", "counter",
           "Tokens the deployment processed, as reported, by type (input or output).");
  for (const auto &d : deployments) {
    w.Sample("llmroute_deployment_tokens_total", L4{"deployment", d.name, "type", "input"},
             static_cast<double>(d.input_tokens));
    w.Sample("llmroute_deployment_tokens_total", L4{"deployment", d.name, "type", "output"},
             static_cast<double>(d.output_tokens));
  }

  w.Family("llmroute_deployment_latency_ewma_seconds", "gauge",
           "Moving average of latency (time to first token when reported) that routing uses; "
           "absent before the first sample.");
  for (const auto &d : deployments) {
    if (d.ewma_latency_ms < 0) continue;
    w.Sample("llmroute_deployment_latency_ewma_seconds", L2{"deployment", d.name},
             d.ewma_latency_ms / 1000.0);
  }

  w.Family("llmroute_deployment_latency_seconds", "histogram",
           "Latency of successful requests (total, as reported).");
  for (const auto &d : deployments) {
    for (size_t e = 0; e < LatencyHistogram::kEdgesMs.size(); ++e) {
      const std::string le = SecondsLabel(LatencyHistogram::kEdgesMs[e]);
      w.Sample("llmroute_deployment_latency_seconds_bucket", L4{"deployment", d.name, "le", le},
               static_cast<double>(d.latency.CountAtOrBelowEdge(e)));
    }
    w.Sample("llmroute_deployment_latency_seconds_bucket", L4{"deployment", d.name, "le", "+Inf"},
             static_cast<double>(d.latency.count));
    w.Sample("llmroute_deployment_latency_seconds_sum", L2{"deployment", d.name},
             d.latency.sum_ms / 1000.0);
    w.Sample("llmroute_deployment_latency_seconds_count", L2{"deployment", d.name},
             static_cast<double>(d.latency.count));
  }

  w.Family("llmroute_deployment_breaker_state", "gauge",
           "Circuit breaker state: 1 for the current state (closed, open, half_open), else 0.");
  for (const auto &d : deployments) {
    for (const BreakerState s :
         {BreakerState::kClosed, BreakerState::kOpen, BreakerState::kHalfOpen}) {
      w.Sample("llmroute_deployment_breaker_state",
               L4{"deployment", d.name, "state", BreakerStateName(s)}, d.state == s ? 1.0 : 0.0);
    }
  }

  w.Family("llmroute_deployment_breaker_transitions_total", "counter",
           "Circuit breaker transitions, by the state entered (open, half_open, closed).");
  for (const auto &d : deployments) {
    w.Sample("llmroute_deployment_breaker_transitions_total",
             L4{"deployment", d.name, "to", "open"}, static_cast<double>(d.opened));
    w.Sample("llmroute_deployment_breaker_transitions_total",
             L4{"deployment", d.name, "to", "half_open"}, static_cast<double>(d.half_opened));
    w.Sample("llmroute_deployment_breaker_transitions_total",
             L4{"deployment", d.name, "to", "closed"}, static_cast<double>(d.closed));
  }

  w.Family("llmroute_deployment_eligible", "gauge",
           "1 when a pick could choose the deployment now (breaker and override), else 0.");
  for (const auto &d : deployments) {
    w.Sample("llmroute_deployment_eligible", L2{"deployment", d.name}, d.eligible ? 1.0 : 0.0);
  }

  w.Family("llmroute_deployment_cooldown_remaining_seconds", "gauge",
           "Time until the open breaker's cooldown ends; 0 when not open.");
  for (const auto &d : deployments) {
    w.Sample("llmroute_deployment_cooldown_remaining_seconds", L2{"deployment", d.name},
             static_cast<double>(d.cooldown_remaining_ms) / 1000.0);
  }

  // Announced quotas (limits/quota.hpp): the counts only while one is announced, so that a
  // deployment whose provider says nothing has no sample rather than a made-up value.
  w.Family("llmroute_deployment_quota_remaining", "gauge",
           "Requests or tokens the provider announced remaining until the reset, less the picks "
           "since (type requests or tokens); only while announced.");
  for (const auto &d : deployments) {
    if (d.quota.remaining_requests >= 0) {
      w.Sample("llmroute_deployment_quota_remaining", L4{"deployment", d.name, "type", "requests"},
               static_cast<double>(d.quota.remaining_requests));
    }
    if (d.quota.remaining_tokens >= 0) {
      w.Sample("llmroute_deployment_quota_remaining", L4{"deployment", d.name, "type", "tokens"},
               static_cast<double>(d.quota.remaining_tokens));
    }
  }
  w.Family("llmroute_deployment_quota_reset_seconds", "gauge",
           "Time until the announced count resets (type requests or tokens); only while "
           "announced.");
  for (const auto &d : deployments) {
    if (d.quota.remaining_requests >= 0) {
      w.Sample("llmroute_deployment_quota_reset_seconds",
               L4{"deployment", d.name, "type", "requests"},
               static_cast<double>(d.quota.requests_reset_ms) / 1000.0);
    }
    if (d.quota.remaining_tokens >= 0) {
      w.Sample("llmroute_deployment_quota_reset_seconds",
               L4{"deployment", d.name, "type", "tokens"},
               static_cast<double>(d.quota.tokens_reset_ms) / 1000.0);
    }
  }
  w.Family("llmroute_deployment_quota_exhausted_seconds", "gauge",
           "Time until a quota exhaustion (a 429 whose reset lies beyond quota_horizon_ms) ends; "
           "0 when none holds.");
  for (const auto &d : deployments) {
    w.Sample("llmroute_deployment_quota_exhausted_seconds", L2{"deployment", d.name},
             static_cast<double>(d.quota.exhausted_ms) / 1000.0);
  }
  w.Family("llmroute_deployment_quota_exhaustions_total", "counter",
           "Quota exhaustions: 429s whose announced reset lay beyond quota_horizon_ms.");
  for (const auto &d : deployments) {
    w.Sample("llmroute_deployment_quota_exhaustions_total", L2{"deployment", d.name},
             static_cast<double>(d.quota.exhaustions));
  }

  w.Family("llmroute_model_picks_total", "counter",
           "Requests routed for the model (after alias resolution).");
  for (const auto &m : stats.models) {
    w.Sample("llmroute_model_picks_total", L2{"model", m.model}, static_cast<double>(m.picks));
  }

  w.Family("llmroute_model_fallbacks_total", "counter",
           "Calls that moved on from the model to a model of its fallback chains.");
  for (const auto &m : stats.models) {
    w.Sample("llmroute_model_fallbacks_total", L2{"model", m.model},
             static_cast<double>(m.fallbacks));
  }

  w.Family("llmroute_model_hedges_total", "counter",
           "Hedges llmr_router_call started for the model (beside a slow first attempt).");
  for (const auto &m : stats.models) {
    w.Sample("llmroute_model_hedges_total", L2{"model", m.model}, static_cast<double>(m.hedges));
  }
  w.Family("llmroute_model_hedge_wins_total", "counter",
           "Hedged calls of the model that a hedge won (the first attempt was cancelled).");
  for (const auto &m : stats.models) {
    w.Sample("llmroute_model_hedge_wins_total", L2{"model", m.model},
             static_cast<double>(m.hedge_wins));
  }
  // Every class is written, refused or not, so that a rate() over it starts at 0.
  w.Family("llmroute_pick_refusals_total", "counter",
           "Picks refused as rate limited, by priority class (0 highest); reason reserve: some "
           "deployment had room only in the share its reserve keeps for higher priorities; "
           "reason limit: every limit was full.");
  static constexpr std::array<std::string_view, kPriorityCount> kPriorityLabels = {"0", "1", "2",
                                                                                   "3"};
  for (uint32_t p = 0; p < kPriorityCount; ++p) {
    w.Sample("llmroute_pick_refusals_total",
             L4{"priority", kPriorityLabels[p], "reason", "reserve"},
             static_cast<double>(stats.refused_by_reserve[p]));
    w.Sample("llmroute_pick_refusals_total", L4{"priority", kPriorityLabels[p], "reason", "limit"},
             static_cast<double>(stats.refused_at_limit[p]));
  }

  w.Family("llmroute_config_applied_total", "counter", "Configurations applied.");
  w.Sample("llmroute_config_applied_total", std::array<std::string_view, 0>{},
           static_cast<double>(stats.configs_applied));
  w.Family("llmroute_config_rejected_total", "counter",
           "Configurations rejected (nothing of them was applied).");
  w.Sample("llmroute_config_rejected_total", std::array<std::string_view, 0>{},
           static_cast<double>(stats.configs_rejected));
  return out;
}

}  // namespace llmroute
