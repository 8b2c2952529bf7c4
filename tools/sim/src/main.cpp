// llmroute-sim: runs a scenario through the real library with a simulated clock and shows why
// routing matters. Uses only the public C API of llmroute (plus nlohmann/json for the files).
//
//   llmroute-sim tools/sim/scenarios/outage-and-recovery.json --compare naive,round_robin
//
// See tools/sim/README.md.
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <iostream>
#include <string>
#include <vector>

#include <llmroute/llmroute.h>

#include "backend.hpp"
#include "engine_report.hpp"
#include "engine_scenario.hpp"
#include "matrix.hpp"
#include "report.hpp"
#include "scenario.hpp"
#include "simulator.hpp"

namespace {

const char kUsage[] =
    "usage: llmroute-sim SCENARIO.json [options]\n"
    "       llmroute-sim --matrix SCENARIO.json... [options]\n"
    "\n"
    "Runs SCENARIO through llmroute with a simulated clock: prints a table per run and writes\n"
    "an SVG chart (traffic share, latency, breaker state and failures over time).\n"
    "\n"
    "  --strategy NAME     one run. NAME: naive (the seed's router: round robin, a failed\n"
    "                      deployment never comes back), llmroute (the strategy of the scenario's\n"
    "                      configuration), or an llmroute strategy: round_robin, weighted,\n"
    "                      weighted_random, latency, availability, least_loaded, peak_ewma, cost,\n"
    "                      engine_aware (self-hosted engines; without load reports or\n"
    "                      prefixes here it balances on calls in flight); an llmroute NAME\n"
    "                      ending in /quota-blind reports without the quotas upstreams\n"
    "                      announce (round_robin/quota-blind); ending in /hedged, the\n"
    "                      client hedges (client.hedge_after_ms; round_robin/hedged);\n"
    "                      ending in /stall-timeouts, the client applies the stall\n"
    "                      timeouts (client.first_byte_timeout_ms, idle_timeout_ms)\n"
    "  --compare A,B,...   several runs on the same scenario, side by side (table and chart)\n"
    "                      (default: the scenario's \"compare\" list, else llmroute)\n"
    "  --seed N            random seed (default: the scenario's); same seed, same run\n"
    "  --duration S        simulate S seconds instead of the scenario's duration_s\n"
    "  --svg FILE          the chart (default: NAME.svg, NAME being the scenario's name)\n"
    "  --no-svg            do not write a chart\n"
    "  --json FILE         also write a machine-readable summary\n"
    "  --progress          show a progress line on stderr even when it is not a terminal\n"
    "  --no-progress       never show it (default: shown when stderr is a terminal)\n"
    "  --quiet             print only the side-by-side table (and the chart's path)\n"
    "  --matrix            every llmroute strategy (or the --compare list) on every SCENARIO:\n"
    "                      prints a Markdown table (failed requests, client p50/p99, retries,\n"
    "                      breaker trips, cost); --svg FILE (default matrix.svg) draws it,\n"
    "                      --json FILE writes it for tools/sim/test/check_matrix.py\n"
    "  --version, --help\n"
    "\n"
    "An engine scenario (a file with \"engine_sim\": self-hosted engine replicas with KV caches,\n"
    "shared-prefix sessions; shared-prefix.json) runs llmroute strategies, each optionally\n"
    "followed by +session (the session id as affinity key) or +session-bounded (with\n"
    "affinity_load_factor 1.25), and prints TTFT, cache hit rate and throughput per run.\n";

int Usage(const std::string &error) {
  std::fprintf(stderr, "llmroute-sim: %s\n\n%s", error.c_str(), kUsage);
  return 2;
}

std::vector<std::string> Split(const std::string &s) {
  std::vector<std::string> out;
  size_t start = 0;
  while (start <= s.size()) {
    const size_t comma = s.find(',', start);
    const std::string item =
        s.substr(start, comma == std::string::npos ? std::string::npos : comma - start);
    if (!item.empty()) out.push_back(item);
    if (comma == std::string::npos) break;
    start = comma + 1;
  }
  return out;
}

bool ValidRun(const std::string &run) {
  // "<strategy>/quota-blind": llmroute without the quotas upstreams announce (backend.hpp).
  std::string name = run;
  sim::StripSuffix(name, sim::kStallTimeoutsSuffix);
  const std::string hedged = sim::kHedgedSuffix;
  if (name.size() > hedged.size() &&
      name.compare(name.size() - hedged.size(), hedged.size(), hedged) == 0) {
    name.resize(name.size() - hedged.size());
  }
  const std::string blind = sim::kQuotaBlindSuffix;
  if (name.size() > blind.size() &&
      name.compare(name.size() - blind.size(), blind.size(), blind) == 0) {
    name.resize(name.size() - blind.size());
    if (name == "naive") return false;
  }
  if (name == "naive" || name == "llmroute") return true;
  llmr_strategy s;
  return llmr_strategy_from_str(name.c_str(), &s) == LLMR_OK && s != LLMR_STRATEGY_DEFAULT;
}

bool WriteFile(const std::string &path, const std::string &data) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out << data;
  out.close();
  return static_cast<bool>(out);
}

/** The progress line: rewritten in place on a terminal, one line per second otherwise. */
class Progress {
 public:
  Progress(bool enabled, bool tty) : enabled_(enabled), tty_(tty) {}

  void Update(const std::string &run, size_t index, size_t count, double sim_s, double total_s,
              int64_t requests) {
    if (!enabled_) return;
    const auto now = std::chrono::steady_clock::now();
    const double interval = tty_ ? 0.1 : 1.0;
    if (std::chrono::duration<double>(now - last_).count() < interval) return;
    last_ = now;
    std::fprintf(stderr, "%s  simulating %s (%zu/%zu): %.0f of %.0f s, %lld requests%s",
                 tty_ ? "\r\033[K" : "", run.c_str(), index + 1, count, sim_s, total_s,
                 static_cast<long long>(requests), tty_ ? "" : "\n");
    std::fflush(stderr);
    shown_ = true;
  }

  void Clear() {
    if (enabled_ && tty_ && shown_) std::fprintf(stderr, "\r\033[K");
    shown_ = false;
  }

 private:
  bool enabled_, tty_, shown_ = false;
  std::chrono::steady_clock::time_point last_{};
};

/** --matrix: every strategy of `runs` (default: all) on every scenario, each with its own seed
 * unless `seed` >= 0. */
int RunMatrix(const std::vector<std::string> &paths, std::vector<std::string> runs, long long seed,
              double duration, bool no_svg, const std::string &svg_arg,
              const std::string &json_path) {
  if (paths.empty()) return Usage("--matrix needs at least one scenario");
  if (runs.empty()) runs = sim::AllStrategies();
  for (const std::string &r : runs) {
    if (!ValidRun(r) || r == "naive" || r == "llmroute") {
      return Usage("--matrix runs llmroute strategies only (got '" + r + "')");
    }
  }
  std::vector<sim::MatrixRow> rows;
  bool consistent = true;
  for (const std::string &path : paths) {
    if (sim::IsEngineScenario(path)) {  // its own figures (TTFT, cache hits): run it alone
      std::fprintf(stderr, "llmroute-sim: %s: an engine scenario, not part of the matrix\n",
                   path.c_str());
      continue;
    }
    sim::MatrixRow row;
    try {
      row.scenario = sim::LoadScenario(path);
    } catch (const std::exception &e) {
      std::fprintf(stderr, "llmroute-sim: %s: %s\n", path.c_str(), e.what());
      return 1;
    }
    if (duration > 0) row.scenario.duration_s = duration;
    row.seed = seed >= 0 ? static_cast<uint64_t>(seed) : row.scenario.seed;
    for (const std::string &run : runs) {
      try {
        row.cells.push_back(
            sim::CellOf(run, sim::Simulate(row.scenario, run, row.seed, [](double, int64_t) {})));
      } catch (const std::exception &e) {
        std::fprintf(stderr, "llmroute-sim: %s, %s: %s\n", path.c_str(), run.c_str(), e.what());
        return 1;
      }
      consistent = consistent && row.cells.back().consistent;
    }
    rows.push_back(std::move(row));
  }
  std::cout << sim::MatrixMarkdown(rows);
  if (!no_svg) {
    const std::string svg = svg_arg.empty() ? "matrix.svg" : svg_arg;
    if (!WriteFile(svg, sim::MatrixSvg(rows))) {
      std::fprintf(stderr, "llmroute-sim: cannot write %s\n", svg.c_str());
      return 1;
    }
    std::cout << "\nchart: " << svg << "\n";
  }
  if (!json_path.empty() && !WriteFile(json_path, sim::MatrixJson(rows))) {
    std::fprintf(stderr, "llmroute-sim: cannot write %s\n", json_path.c_str());
    return 1;
  }
  if (!consistent) {
    std::fprintf(stderr, "llmroute-sim: the router's statistics disagree with the simulation\n");
    return 3;
  }
  return 0;
}

}  // namespace

int main(int argc, char **argv) {
  std::string scenario_path, svg_path, json_path;
  std::vector<std::string> runs, matrix_paths;
  bool no_svg = false, quiet = false, matrix = false;
  int progress_flag = -1;  // -1: when stderr is a terminal
  long long seed = -1;
  double duration = -1;

  for (int i = 1; i < argc; ++i) {
    const std::string a = argv[i];
    auto value = [&](const char *what) -> std::string {
      if (i + 1 >= argc) {
        std::fprintf(stderr, "llmroute-sim: %s needs a value\n", what);
        std::exit(2);
      }
      return argv[++i];
    };
    if (a == "--help" || a == "-h") {
      std::fputs(kUsage, stdout);
      return 0;
    } else if (a == "--version") {
      std::printf("llmroute-sim (llmroute %s)\n", llmr_version_string());
      return 0;
    } else if (a == "--strategy") {
      runs = {value("--strategy")};
    } else if (a == "--compare") {
      runs = Split(value("--compare"));
    } else if (a == "--seed") {
      const std::string v = value("--seed");
      char *end = nullptr;
      seed = std::strtoll(v.c_str(), &end, 10);
      if (end == v.c_str() || *end != '\0' || seed < 0) return Usage("bad --seed: " + v);
    } else if (a == "--duration") {
      const std::string v = value("--duration");
      char *end = nullptr;
      duration = std::strtod(v.c_str(), &end);
      if (end == v.c_str() || *end != '\0' || !(duration >= 1)) {
        return Usage("bad --duration: " + v);
      }
    } else if (a == "--svg") {
      svg_path = value("--svg");
    } else if (a == "--no-svg") {
      no_svg = true;
    } else if (a == "--json") {
      json_path = value("--json");
    } else if (a == "--progress") {
      progress_flag = 1;
    } else if (a == "--no-progress") {
      progress_flag = 0;
    } else if (a == "--quiet") {
      quiet = true;
    } else if (a == "--matrix") {
      matrix = true;
    } else if (!a.empty() && a[0] == '-') {
      return Usage("unknown option " + a);
    } else if (matrix || !scenario_path.empty()) {
      matrix_paths.push_back(a);  // several are an error unless --matrix (checked below)
    } else if (scenario_path.empty()) {
      scenario_path = a;
    }
  }
  if (matrix) {
    if (!scenario_path.empty()) matrix_paths.insert(matrix_paths.begin(), scenario_path);
    return RunMatrix(matrix_paths, runs, seed, duration, no_svg, svg_path, json_path);
  }
  if (!matrix_paths.empty()) {
    return Usage("one scenario at a time (got " + scenario_path + " and " + matrix_paths[0] +
                 "); --matrix takes several");
  }
  if (scenario_path.empty()) return Usage("no scenario given");
  if (sim::IsEngineScenario(scenario_path)) {
    return sim::EngineMain(scenario_path, runs, seed, duration, svg_path, no_svg, json_path, quiet);
  }

  sim::Scenario scenario;
  try {
    scenario = sim::LoadScenario(scenario_path);
  } catch (const std::exception &e) {
    std::fprintf(stderr, "llmroute-sim: %s: %s\n", scenario_path.c_str(), e.what());
    return 1;
  }
  if (duration > 0) scenario.duration_s = duration;
  const uint64_t run_seed = seed >= 0 ? static_cast<uint64_t>(seed) : scenario.seed;
  if (runs.empty()) runs = scenario.default_runs;
  if (runs.empty()) runs = {"llmroute"};
  for (const std::string &r : runs) {
    if (!ValidRun(r)) return Usage("unknown strategy '" + r + "'");
  }
  if (svg_path.empty()) svg_path = scenario.name + ".svg";

  const bool tty = isatty(STDERR_FILENO) != 0;
  Progress progress(progress_flag == 1 || (progress_flag == -1 && tty), tty);

  std::cout << "llmroute-sim " << llmr_version_string() << ": " << scenario.name << " ("
            << scenario.duration_s << " s simulated, " << scenario.rate_per_s
            << " requests/s, seed " << run_seed << ")\n";
  if (!scenario.description.empty() && !quiet) std::cout << scenario.description << "\n";
  std::cout << "\n";

  std::vector<sim::RunResult> results;
  bool consistent = true;
  for (size_t k = 0; k < runs.size(); ++k) {
    try {
      results.push_back(sim::Simulate(scenario, runs[k], run_seed, [&](double t, int64_t requests) {
        progress.Update(runs[k], k, runs.size(), t, scenario.duration_s, requests);
      }));
    } catch (const std::exception &e) {
      progress.Clear();
      std::fprintf(stderr, "llmroute-sim: %s: %s\n", runs[k].c_str(), e.what());
      return 1;
    }
    progress.Clear();
    consistent = consistent && results.back().consistency_error.empty();
    if (!quiet) {
      sim::PrintRunTable(std::cout, scenario, results.back());
      std::cout << "\n";
    }
  }
  if (results.size() > 1 || quiet) {
    sim::PrintComparison(std::cout, scenario, results);
    std::cout << "\n";
  }

  if (!no_svg) {
    if (!WriteFile(svg_path, sim::RenderSvg(scenario, run_seed, results))) {
      std::fprintf(stderr, "llmroute-sim: cannot write %s\n", svg_path.c_str());
      return 1;
    }
    std::cout << "chart: " << svg_path << "\n";
  }
  if (!json_path.empty()) {
    if (!WriteFile(json_path, sim::SummaryJson(scenario, run_seed, runs, results))) {
      std::fprintf(stderr, "llmroute-sim: cannot write %s\n", json_path.c_str());
      return 1;
    }
    if (!quiet) std::cout << "summary: " << json_path << "\n";
  }
  if (!consistent) {
    std::fprintf(stderr, "llmroute-sim: the router's statistics disagree with the simulation\n");
    return 3;
  }
  return 0;
}
