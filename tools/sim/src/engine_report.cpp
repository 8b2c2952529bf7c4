#include "engine_report.hpp"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <fstream>
#include <functional>
#include <iostream>
#include <sstream>

#include <nlohmann/json.hpp>

#include "report.hpp"
#include "scenario.hpp"
#include "simulator.hpp"

namespace sim {

namespace {

const char *const kPalette[] = {"#4e79a7", "#f28e2b", "#59a14f", "#e15759", "#76b7b2",
                                "#edc948", "#b07aa1", "#ff9da7", "#9c755f", "#bab0ac"};

const char *Colour(size_t i) {
  return kPalette[i % (sizeof kPalette / sizeof kPalette[0])];
}

std::string F1(double v) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.1f", v);
  return buf;
}

double NiceCeil(double v) {
  if (!(v > 0)) return 1;
  const double p = std::pow(10.0, std::floor(std::log10(v)));
  for (double m : {1.0, 2.0, 2.5, 5.0, 10.0}) {
    if (v <= m * p) return m * p;
  }
  return 10 * p;
}

std::string MsLabel(double ms) {
  char buf[32];
  if (ms >= 10000) {
    std::snprintf(buf, sizeof buf, "%.0f s", ms / 1000);
  } else if (ms >= 1000) {
    std::snprintf(buf, sizeof buf, "%.1f s", ms / 1000);
  } else {
    std::snprintf(buf, sizeof buf, "%.0f ms", ms);
  }
  return buf;
}

bool WriteFile(const std::string &path, const std::string &data) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out << data;
  out.close();
  return static_cast<bool>(out);
}

/** max / min of the per-replica request counts (1 = even). */
double Imbalance(const EngineRunResult &r) {
  if (r.replica_requests.empty()) return 1;
  const auto [lo, hi] = std::minmax_element(r.replica_requests.begin(), r.replica_requests.end());
  return *lo > 0 ? static_cast<double>(*hi) / static_cast<double>(*lo) : 0;
}

}  // namespace

void PrintEngineComparison(std::ostream &out, const EngineScenario &sc,
                           const std::vector<EngineRunResult> &runs) {
  char line[512];
  std::snprintf(line, sizeof line, "%-28s %8s %9s %9s %9s %9s %8s %10s %8s %9s\n", "run",
                "requests", "TTFT p50", "TTFT p90", "TTFT p99", "e2e p50", "hit rate", "out tok/s",
                "req/s", "max/min");
  out << line;
  for (const EngineRunResult &r : runs) {
    std::snprintf(
        line, sizeof line, "%-28s %8lld %9s %9s %9s %9s %7.1f%% %10.0f %8.2f %9.2f\n",
        r.run.c_str(), static_cast<long long>(r.requests),
        MsLabel(Percentile(r.ttft_ms, 0.5)).c_str(), MsLabel(Percentile(r.ttft_ms, 0.9)).c_str(),
        MsLabel(Percentile(r.ttft_ms, 0.99)).c_str(), MsLabel(Percentile(r.e2e_ms, 0.5)).c_str(),
        100 * r.HitRate(), r.OutputTokensPerS(),
        static_cast<double>(r.window_completed) / std::max(1e-9, r.window_s), Imbalance(r));
    out << line;
  }
  out << "(figures over the requests that arrived in [" << sc.warmup_s << " s, " << sc.duration_s
      << " s); hit rate: prompt tokens the engine found in its KV cache; out tok/s and req/s: "
         "finished in that window; max/min: requests per replica)\n";
}

std::string EngineSummaryJson(const EngineScenario &sc, uint64_t seed,
                              const std::vector<EngineRunResult> &runs) {
  nlohmann::ordered_json doc;
  doc["scenario"] = sc.name;
  doc["kind"] = "engine";
  doc["seed"] = seed;
  doc["duration_s"] = sc.duration_s;
  doc["warmup_s"] = sc.warmup_s;
  doc["replicas"] = sc.replicas;
  nlohmann::ordered_json list = nlohmann::ordered_json::array();
  for (const EngineRunResult &r : runs) {
    nlohmann::ordered_json j;
    j["run"] = r.run;
    j["sessions"] = r.sessions;
    j["requests"] = r.requests;
    j["all_requests"] = r.all_requests;
    j["pick_failures"] = r.pick_failures;
    j["ttft_p50_ms"] = Percentile(r.ttft_ms, 0.5);
    j["ttft_p90_ms"] = Percentile(r.ttft_ms, 0.9);
    j["ttft_p99_ms"] = Percentile(r.ttft_ms, 0.99);
    j["e2e_p50_ms"] = Percentile(r.e2e_ms, 0.5);
    j["e2e_p90_ms"] = Percentile(r.e2e_ms, 0.9);
    j["prompt_tokens"] = r.prompt_tokens;
    j["cached_tokens"] = r.cached_tokens;
    j["cache_hit_rate"] = r.HitRate();
    j["output_tokens_per_s"] = r.OutputTokensPerS();
    j["completed_per_s"] = static_cast<double>(r.window_completed) / std::max(1e-9, r.window_s);
    j["replica_requests"] = r.replica_requests;
    j["load_reports"] = r.load_reports;
    j["drained_s"] = r.drained_s;
    j["consistent"] = r.consistency_error.empty();
    list.push_back(j);
  }
  doc["runs"] = list;
  return doc.dump(2) + "\n";
}

std::string RenderEngineSvg(const EngineScenario &sc, uint64_t seed,
                            const std::vector<EngineRunResult> &runs) {
  // Three panels: TTFT p50 and p90 per run (bars), cache hit rate and output throughput per run
  // (bars), TTFT p90 over time per run (lines, by arrival bucket).
  const double W = 1060, H = 430, top = 70, plot_h = 280;
  const double p1x = 60, p1w = 300, p2x = 430, p2w = 240, p3x = 740, p3w = 290;
  std::ostringstream s;
  s << "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"" << W << "\" height=\"" << H
    << "\" viewBox=\"0 0 " << W << " " << H << "\" font-family=\"sans-serif\" font-size=\"11\">\n";
  s << "<rect width=\"100%\" height=\"100%\" fill=\"white\"/>\n";
  s << "<text x=\"" << p1x << "\" y=\"22\" font-size=\"15\" font-weight=\"bold\">"
    << XmlEscape(sc.name) << ": " << sc.replicas << " engine replicas, "
    << F1(sc.session_rate_per_s) << " sessions/s (seed " << seed << ")</text>\n";
  s << "<text x=\"" << p1x << "\" y=\"40\" fill=\"#555\">figures over arrivals in ["
    << F1(sc.warmup_s) << " s, " << F1(sc.duration_s)
    << " s); TTFT = arrival to first token</text>\n";
  const size_t n = runs.size();
  auto y_of = [&](double v, double max) { return top + plot_h - plot_h * std::min(1.0, v / max); };
  auto axis = [&](double x, double w, double max, const std::string &title,
                  const std::function<std::string(double)> &label) {
    s << "<text x=\"" << x << "\" y=\"" << top - 12 << "\" font-weight=\"bold\">"
      << XmlEscape(title) << "</text>\n";
    for (int t = 0; t <= 4; ++t) {
      const double v = max * t / 4, y = y_of(v, max);
      s << "<line x1=\"" << x << "\" x2=\"" << x + w << "\" y1=\"" << F1(y) << "\" y2=\"" << F1(y)
        << "\" stroke=\"#e5e5e5\"/>\n";
      s << "<text x=\"" << x - 4 << "\" y=\"" << F1(y + 4) << "\" text-anchor=\"end\">"
        << XmlEscape(label(v)) << "</text>\n";
    }
    s << "<line x1=\"" << x << "\" x2=\"" << x << "\" y1=\"" << top << "\" y2=\"" << top + plot_h
      << "\" stroke=\"#888\"/>\n";
  };
  auto run_label = [&](double x, double y, size_t i) {
    s << "<text transform=\"translate(" << F1(x) << "," << F1(y) << ") rotate(30)\" fill=\""
      << Colour(i) << "\">" << XmlEscape(runs[i].run) << "</text>\n";
  };

  // Panel 1: TTFT p50 (light) and p90 (full) per run.
  double max_ttft = 1;
  for (const EngineRunResult &r : runs) max_ttft = std::max(max_ttft, Percentile(r.ttft_ms, 0.9));
  max_ttft = NiceCeil(max_ttft);
  axis(p1x, p1w, max_ttft, "TTFT p50 (light) and p90", MsLabel);
  const double g1 = p1w / static_cast<double>(std::max<size_t>(1, n));
  for (size_t i = 0; i < n; ++i) {
    const double p50 = Percentile(runs[i].ttft_ms, 0.5), p90 = Percentile(runs[i].ttft_ms, 0.9);
    const double x = p1x + g1 * static_cast<double>(i) + g1 * 0.15, bw = g1 * 0.35;
    s << "<rect x=\"" << F1(x) << "\" y=\"" << F1(y_of(p50, max_ttft)) << "\" width=\"" << F1(bw)
      << "\" height=\"" << F1(top + plot_h - y_of(p50, max_ttft)) << "\" fill=\"" << Colour(i)
      << "\" fill-opacity=\"0.45\"><title>" << XmlEscape(runs[i].run) << " p50 " << MsLabel(p50)
      << "</title></rect>\n";
    s << "<rect x=\"" << F1(x + bw) << "\" y=\"" << F1(y_of(p90, max_ttft)) << "\" width=\""
      << F1(bw) << "\" height=\"" << F1(top + plot_h - y_of(p90, max_ttft)) << "\" fill=\""
      << Colour(i) << "\"><title>" << XmlEscape(runs[i].run) << " p90 " << MsLabel(p90)
      << "</title></rect>\n";
    s << "<text x=\"" << F1(x + bw * 1.5) << "\" y=\"" << F1(y_of(p90, max_ttft) - 4)
      << "\" text-anchor=\"middle\">" << MsLabel(p90) << "</text>\n";
    run_label(x, top + plot_h + 14, i);
  }

  // Panel 2: cache hit rate (bars, left axis 0..100%) with the output throughput written in.
  axis(p2x, p2w, 100, "prompt tokens from the KV cache",
       [](double v) { return F1(v).substr(0, F1(v).size() - 2) + "%"; });
  const double g2 = p2w / static_cast<double>(std::max<size_t>(1, n));
  for (size_t i = 0; i < n; ++i) {
    const double hit = 100 * runs[i].HitRate();
    const double x = p2x + g2 * static_cast<double>(i) + g2 * 0.2, bw = g2 * 0.6;
    s << "<rect x=\"" << F1(x) << "\" y=\"" << F1(y_of(hit, 100)) << "\" width=\"" << F1(bw)
      << "\" height=\"" << F1(top + plot_h - y_of(hit, 100)) << "\" fill=\"" << Colour(i)
      << "\"><title>" << XmlEscape(runs[i].run) << " hit rate " << F1(hit) << "%</title></rect>\n";
    s << "<text x=\"" << F1(x + bw / 2) << "\" y=\"" << F1(y_of(hit, 100) - 16)
      << "\" text-anchor=\"middle\">" << F1(hit) << "%</text>\n";
    s << "<text x=\"" << F1(x + bw / 2) << "\" y=\"" << F1(y_of(hit, 100) - 4)
      << "\" text-anchor=\"middle\" fill=\"#555\">" << std::lround(runs[i].OutputTokensPerS())
      << " tok/s</text>\n";
    run_label(x, top + plot_h + 14, i);
  }

  // Panel 3: TTFT p90 per arrival bucket.
  const size_t buckets = runs.empty() ? 0 : runs[0].bucket_ttft_ms.size();
  double max_t = 1;
  for (const EngineRunResult &r : runs) {
    for (const std::vector<double> &b : r.bucket_ttft_ms)
      max_t = std::max(max_t, Percentile(b, 0.9));
  }
  max_t = NiceCeil(max_t);
  axis(p3x, p3w, max_t, "TTFT p90 over time (by arrival)", MsLabel);
  auto x_of = [&](size_t b) {
    return p3x +
           p3w * (static_cast<double>(b) + 0.5) / static_cast<double>(std::max<size_t>(1, buckets));
  };
  for (size_t i = 0; i < n; ++i) {
    std::string points;
    for (size_t b = 0; b < buckets; ++b) {
      const double v = Percentile(runs[i].bucket_ttft_ms[b], 0.9);
      if (v < 0) continue;
      points += F1(x_of(b)) + "," + F1(y_of(v, max_t)) + " ";
    }
    s << "<polyline fill=\"none\" stroke=\"" << Colour(i) << "\" stroke-width=\"1.6\" points=\""
      << points << "\"><title>" << XmlEscape(runs[i].run) << "</title></polyline>\n";
    s << "<rect x=\"" << p3x + 10 << "\" y=\"" << F1(top + 6 + 14 * static_cast<double>(i))
      << "\" width=\"10\" height=\"10\" fill=\"" << Colour(i) << "\"/><text x=\"" << p3x + 24
      << "\" y=\"" << F1(top + 15 + 14 * static_cast<double>(i)) << "\">" << XmlEscape(runs[i].run)
      << "</text>\n";
  }
  s << "<line x1=\"" << p3x << "\" x2=\"" << p3x + p3w << "\" y1=\"" << top + plot_h << "\" y2=\""
    << top + plot_h << "\" stroke=\"#888\"/>\n";
  for (int t = 0; t <= 4; ++t) {
    const double sec = sc.duration_s * t / 4;
    s << "<text x=\"" << F1(p3x + p3w * t / 4) << "\" y=\"" << top + plot_h + 14
      << "\" text-anchor=\"middle\">" << std::lround(sec) << " s</text>\n";
  }
  s << "</svg>\n";
  return s.str();
}

int EngineMain(const std::string &path, std::vector<std::string> runs, long long seed,
               double duration, std::string svg_path, bool no_svg, const std::string &json_path,
               bool quiet) {
  EngineScenario sc;
  try {
    sc = LoadEngineScenario(path);
  } catch (const std::exception &e) {
    std::fprintf(stderr, "llmroute-sim: %s: %s\n", path.c_str(), e.what());
    return 1;
  }
  if (duration > 0) {
    sc.duration_s = duration;
    sc.warmup_s = std::min(sc.warmup_s, duration / 2);
  }
  const uint64_t run_seed = seed >= 0 ? static_cast<uint64_t>(seed) : sc.seed;
  if (runs.empty()) runs = sc.default_runs;
  if (runs.empty()) runs = {"round_robin", "engine_aware"};
  for (const std::string &r : runs) {
    if (!ValidEngineRun(r)) {
      std::fprintf(stderr,
                   "llmroute-sim: unknown strategy '%s' (an engine scenario runs llmroute "
                   "strategies, each optionally followed by %s or %s)\n",
                   r.c_str(), kSessionAffinitySuffix, kBoundedSessionAffinitySuffix);
      return 2;
    }
  }
  if (svg_path.empty()) svg_path = sc.name + ".svg";
  std::cout << "llmroute-sim " << llmr_version_string() << ": " << sc.name << " (" << sc.duration_s
            << " s simulated, " << sc.replicas << " engine replicas, " << sc.session_rate_per_s
            << " sessions/s, seed " << run_seed << ")\n";
  if (!sc.description.empty() && !quiet) std::cout << sc.description << "\n";
  std::cout << "\n";
  std::vector<EngineRunResult> results;
  bool consistent = true;
  for (const std::string &run : runs) {
    try {
      results.push_back(SimulateEngines(sc, run, run_seed));
    } catch (const std::exception &e) {
      std::fprintf(stderr, "llmroute-sim: %s: %s\n", run.c_str(), e.what());
      return 1;
    }
    if (!results.back().consistency_error.empty()) {
      std::fprintf(stderr, "llmroute-sim: %s: %s\n", run.c_str(),
                   results.back().consistency_error.c_str());
      consistent = false;
    }
  }
  PrintEngineComparison(std::cout, sc, results);
  std::cout << "\n";
  if (!no_svg) {
    if (!WriteFile(svg_path, RenderEngineSvg(sc, run_seed, results))) {
      std::fprintf(stderr, "llmroute-sim: cannot write %s\n", svg_path.c_str());
      return 1;
    }
    std::cout << "chart: " << svg_path << "\n";
  }
  if (!json_path.empty()) {
    if (!WriteFile(json_path, EngineSummaryJson(sc, run_seed, results))) {
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

}  // namespace sim
