#include "report.hpp"

#include <algorithm>
#include <cstdio>
#include <iomanip>
#include <sstream>

#include <nlohmann/json.hpp>

namespace sim {

std::string Fixed(double v, int decimals) {
  char buf[64];
  std::snprintf(buf, sizeof buf, "%.*f", decimals, v);
  return buf;
}

std::string Ms(double v) {
  return v < 0 ? "-" : Fixed(v, 0);
}

namespace {

std::string Percent(int64_t part, int64_t whole) {
  if (whole <= 0) return "-";
  return Fixed(100.0 * static_cast<double>(part) / static_cast<double>(whole), 1) + "%";
}

bool AnyPrice(const Scenario &s) {
  return std::any_of(s.deployments.begin(), s.deployments.end(),
                     [](const DeploymentInfo &d) { return d.HasPrice(); });
}

size_t NameWidth(const Scenario &s) {
  size_t w = 10;
  for (const DeploymentInfo &d : s.deployments) w = std::max(w, d.name.size());
  return w;
}

}  // namespace

void PrintRunTable(std::ostream &out, const Scenario &scenario, const RunResult &run) {
  const bool naive = run.label.rfind("naive", 0) == 0;
  const bool priced = AnyPrice(scenario);
  out << "== " << run.label << ": " << run.requests << " requests, " << run.failed << " failed ("
      << Percent(run.succeeded, run.requests) << " ok), client latency p50 "
      << Ms(Percentile(run.client_latencies, 0.5)) << " ms, p99 "
      << Ms(Percentile(run.client_latencies, 0.99)) << " ms";
  if (priced) out << ", cost " << Fixed(run.cost, 2);
  out << "\n";
  const int nw = static_cast<int>(NameWidth(scenario));
  out << "  " << std::left << std::setw(nw) << "deployment" << std::right << std::setw(7) << "share"
      << std::setw(9) << "attempts" << std::setw(9) << "success" << std::setw(8) << "p50 ms"
      << std::setw(8) << "p99 ms" << std::setw(8) << "retries" << std::setw(10) << "fallbacks";
  if (naive) {
    out << std::setw(12) << "marked down";
  } else {
    out << std::setw(7) << "opened" << std::setw(10) << "half-open" << std::setw(7) << "closed";
  }
  if (priced) out << std::setw(9) << "cost";
  out << "\n";
  for (size_t i = 0; i < scenario.deployments.size(); ++i) {
    const DeploymentResult &d = run.deployments[i];
    out << "  " << std::left << std::setw(nw) << scenario.deployments[i].name << std::right
        << std::setw(7) << Percent(d.attempts, run.attempts) << std::setw(9) << d.attempts
        << std::setw(9) << Percent(d.successes, d.attempts) << std::setw(8)
        << Ms(Percentile(d.latencies, 0.5)) << std::setw(8) << Ms(Percentile(d.latencies, 0.99))
        << std::setw(8) << d.retries << std::setw(10) << d.fallbacks;
    if (naive) {
      out << std::setw(12) << (d.opened > 0 ? "yes" : "no");
    } else {
      out << std::setw(7) << d.opened << std::setw(10) << d.half_opened << std::setw(7) << d.closed;
    }
    if (priced) out << std::setw(9) << Fixed(d.cost, 2);
    out << "\n";
  }
  out << "  " << run.attempts << " attempts, " << run.failed_attempts << " failed, " << run.retries
      << " retries, " << run.fallbacks << " fallbacks";
  if (run.failed_no_provider > 0) {
    out << "; " << run.failed_no_provider << " requests found no available deployment";
  }
  if (run.quota_429s > 0) out << "; " << run.quota_429s << " 429s from used-up quotas";
  if (run.hedges > 0) {
    out << "; " << run.hedges << " hedges (" << run.hedge_wins << " answered first, "
        << run.hedges_cancelled << " losers cancelled)";
  }
  if (run.stalls_before_first_byte + run.stalls_mid_stream > 0) {
    out << "\n  stalls: " << run.stalls_before_first_byte << " before the first byte, "
        << run.stalls_mid_stream << " mid-stream; " << run.hung << " attempts hung to the timeout, "
        << run.truncated << " streams truncated at the timeout, " << run.stall_failovers
        << " first-byte failovers, " << run.stalled_endings
        << " stalled endings (LLMR_ERR_STREAM_STALLED); TTFT p99 "
        << Ms(Percentile(run.client_ttfts, 0.99)) << " ms";
  }
  out << "\n";
  if (!run.consistency_error.empty()) out << "  INCONSISTENT: " << run.consistency_error << "\n";
}

void PrintComparison(std::ostream &out, const Scenario &scenario,
                     const std::vector<RunResult> &runs) {
  size_t lw = 18;
  for (const DeploymentInfo &d : scenario.deployments) lw = std::max(lw, d.name.size() + 8);
  size_t cw = 12;
  for (const RunResult &r : runs) cw = std::max(cw, r.label.size() + 2);
  const int iw = static_cast<int>(lw), icw = static_cast<int>(cw);
  auto row = [&](const std::string &name, auto value) {
    out << "  " << std::left << std::setw(iw) << name << std::right;
    for (const RunResult &r : runs) out << std::setw(icw) << value(r);
    out << "\n";
  };
  out << "== side by side (" << scenario.name << ")\n";
  row("", [](const RunResult &r) { return r.label; });
  row("requests", [](const RunResult &r) { return std::to_string(r.requests); });
  row("failed requests", [](const RunResult &r) { return std::to_string(r.failed); });
  row("success ratio", [](const RunResult &r) {
    return r.requests > 0
               ? Fixed(100.0 * static_cast<double>(r.succeeded) / static_cast<double>(r.requests),
                       2) +
                     "%"
               : std::string("-");
  });
  row("client p50 ms", [](const RunResult &r) { return Ms(Percentile(r.client_latencies, 0.5)); });
  row("client p99 ms", [](const RunResult &r) { return Ms(Percentile(r.client_latencies, 0.99)); });
  row("failed attempts", [](const RunResult &r) { return std::to_string(r.failed_attempts); });
  if (std::any_of(scenario.upstreams.begin(), scenario.upstreams.end(),
                  [](const Upstream &u) { return u.quota.active(); })) {
    row("quota 429s", [](const RunResult &r) { return std::to_string(r.quota_429s); });
  }
  row("retries", [](const RunResult &r) { return std::to_string(r.retries); });
  row("fallbacks", [](const RunResult &r) { return std::to_string(r.fallbacks); });
  if (scenario.client.hedge_after_ms > 0) {
    row("attempts", [](const RunResult &r) { return std::to_string(r.attempts); });
    row("hedges (won)", [](const RunResult &r) {
      return std::to_string(r.hedges) + " (" + std::to_string(r.hedge_wins) + ")";
    });
  }
  if (std::any_of(runs.begin(), runs.end(), [](const RunResult &r) {
        return r.stalls_before_first_byte + r.stalls_mid_stream > 0;
      })) {
    row("stalls (pre / mid)", [](const RunResult &r) {
      return std::to_string(r.stalls_before_first_byte) + " / " +
             std::to_string(r.stalls_mid_stream);
    });
    row("hung attempts", [](const RunResult &r) { return std::to_string(r.hung); });
    row("silent truncations", [](const RunResult &r) { return std::to_string(r.truncated); });
    row("stall failovers", [](const RunResult &r) { return std::to_string(r.stall_failovers); });
    row("stalled endings", [](const RunResult &r) { return std::to_string(r.stalled_endings); });
    row("TTFT p50 ms", [](const RunResult &r) { return Ms(Percentile(r.client_ttfts, 0.5)); });
    row("TTFT p99 ms", [](const RunResult &r) { return Ms(Percentile(r.client_ttfts, 0.99)); });
  }
  row("trips / marked down", [](const RunResult &r) {
    int64_t n = 0;
    for (const DeploymentResult &d : r.deployments) n += d.opened;
    return std::to_string(n);
  });
  if (AnyPrice(scenario)) row("cost", [](const RunResult &r) { return Fixed(r.cost, 2); });
  for (size_t i = 0; i < scenario.deployments.size(); ++i) {
    row("share " + scenario.deployments[i].name,
        [i](const RunResult &r) { return Percent(r.deployments[i].attempts, r.attempts); });
  }
}

std::string SummaryJson(const Scenario &scenario, uint64_t seed,
                        const std::vector<std::string> &run_names,
                        const std::vector<RunResult> &runs) {
  using Json = nlohmann::ordered_json;
  Json root;
  root["scenario"] = scenario.name;
  root["seed"] = seed;
  root["duration_s"] = scenario.duration_s;
  root["bucket_s"] = scenario.bucket_s;
  Json names = Json::array();
  for (const DeploymentInfo &d : scenario.deployments) names.push_back(d.name);
  root["deployments"] = names;
  Json faults = Json::array();
  for (const Upstream &u : scenario.upstreams) {
    for (const UpstreamEvent &e : u.events) {
      faults.push_back({{"deployment", u.name},
                        {"from_s", e.from_s},
                        {"to_s", e.to_s},
                        {"label", e.label},
                        {"fault", e.is_fault}});
    }
  }
  root["events"] = faults;
  Json jruns = Json::array();
  for (size_t k = 0; k < runs.size(); ++k) {
    const RunResult &r = runs[k];
    Json j;
    j["run"] = run_names[k];
    j["label"] = r.label;
    j["requests"] = r.requests;
    j["succeeded"] = r.succeeded;
    j["failed"] = r.failed;
    j["failed_no_provider"] = r.failed_no_provider;
    j["quota_429s"] = r.quota_429s;
    j["attempts"] = r.attempts;
    j["failed_attempts"] = r.failed_attempts;
    j["retries"] = r.retries;
    j["fallbacks"] = r.fallbacks;
    j["hedges"] = r.hedges;
    j["hedge_wins"] = r.hedge_wins;
    j["stalls_before_first_byte"] = r.stalls_before_first_byte;
    j["stalls_mid_stream"] = r.stalls_mid_stream;
    j["hung"] = r.hung;
    j["truncated"] = r.truncated;
    j["stall_failovers"] = r.stall_failovers;
    j["stalled_endings"] = r.stalled_endings;
    j["ttft_p99_ms"] = Percentile(r.client_ttfts, 0.99);
    j["cost"] = r.cost;
    j["client_p50_ms"] = Percentile(r.client_latencies, 0.5);
    j["client_p99_ms"] = Percentile(r.client_latencies, 0.99);
    j["consistent"] = r.consistency_error.empty();
    Json deps = Json::array();
    for (size_t i = 0; i < r.deployments.size(); ++i) {
      const DeploymentResult &d = r.deployments[i];
      deps.push_back({{"name", scenario.deployments[i].name},
                      {"attempts", d.attempts},
                      {"successes", d.successes},
                      {"retries", d.retries},
                      {"fallbacks", d.fallbacks},
                      {"p50_ms", Percentile(d.latencies, 0.5)},
                      {"p99_ms", Percentile(d.latencies, 0.99)},
                      {"opened", d.opened},
                      {"half_opened", d.half_opened},
                      {"closed", d.closed},
                      {"cost", d.cost},
                      {"bucket_attempts", d.bucket_attempts}});
    }
    j["deployments"] = deps;
    j["bucket_requests"] = r.bucket_requests;
    j["bucket_failed"] = r.bucket_failed;
    Json transitions = Json::array();
    for (const Transition &t : r.transitions) {
      transitions.push_back(
          {{"t_s", t.t_s},
           {"deployment", scenario.deployments[static_cast<size_t>(t.deployment)].name},
           {"to", t.to == BandState::kOpen       ? "open"
                  : t.to == BandState::kHalfOpen ? "half_open"
                                                 : "closed"}});
    }
    j["transitions"] = transitions;
    jruns.push_back(j);
  }
  root["runs"] = jruns;
  return root.dump(1) + "\n";
}

}  // namespace sim
