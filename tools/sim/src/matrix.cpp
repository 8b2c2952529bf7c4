#include "matrix.hpp"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <sstream>

#include <nlohmann/json.hpp>

#include "report.hpp"

namespace sim {
namespace {

bool Priced(const Scenario &s) {
  return std::any_of(s.deployments.begin(), s.deployments.end(),
                     [](const DeploymentInfo &d) { return d.HasPrice(); });
}

const MatrixCell *Find(const MatrixRow &row, const std::string &strategy) {
  for (const MatrixCell &c : row.cells) {
    if (c.strategy == strategy) return &c;
  }
  return nullptr;
}

// The cell's colour: its client p99 against round_robin's on the same scenario, on a log scale
// from green (a quarter or less) through white (equal) to red (four times or more).
std::string Shade(double p99, double reference) {
  if (p99 <= 0 || reference <= 0) return "#ffffff";
  const double t = std::clamp(std::log2(p99 / reference) / 2.0, -1.0, 1.0);
  // white (255,255,255) -> green (89,161,79) or red (225,87,89)
  const int r = static_cast<int>(std::lround(255 + (t < 0 ? -t * (89 - 255) : t * (225 - 255))));
  const int g = static_cast<int>(std::lround(255 + (t < 0 ? -t * (161 - 255) : t * (87 - 255))));
  const int b = static_cast<int>(std::lround(255 + (t < 0 ? -t * (79 - 255) : t * (89 - 255))));
  char buf[16];
  std::snprintf(buf, sizeof buf, "#%02x%02x%02x", r, g, b);
  return buf;
}

}  // namespace

std::vector<std::string> AllStrategies() {
  std::vector<std::string> out;
  for (int v = 1;; ++v) {
    const char *name = llmr_strategy_str(static_cast<llmr_strategy>(v));
    if (name == nullptr) break;
    out.emplace_back(name);
  }
  return out;
}

MatrixCell CellOf(const std::string &strategy, const RunResult &run) {
  MatrixCell c;
  c.strategy = strategy;
  c.requests = run.requests;
  c.failed = run.failed;
  c.client_p50_ms = Percentile(run.client_latencies, 0.5);
  c.client_p99_ms = Percentile(run.client_latencies, 0.99);
  c.retries = run.retries;
  for (const DeploymentResult &d : run.deployments) c.trips += d.opened;
  c.cost = run.cost;
  c.consistent = run.consistency_error.empty();
  return c;
}

std::string MatrixMarkdown(const std::vector<MatrixRow> &rows) {
  std::ostringstream out;
  out << "| scenario | strategy | failed | client p50 ms | client p99 ms | retries | trips | cost "
         "|\n"
      << "| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: |\n";
  for (const MatrixRow &row : rows) {
    const bool priced = Priced(row.scenario);
    for (size_t k = 0; k < row.cells.size(); ++k) {
      const MatrixCell &c = row.cells[k];
      const bool excepted = row.scenario.matrix_exceptions.count(c.strategy) != 0;
      out << "| " << (k == 0 ? "`" + row.scenario.name + "`" : std::string()) << " | `"
          << c.strategy << "`" << (excepted ? " (exception)" : "") << " | " << c.failed << " | "
          << Ms(c.client_p50_ms) << " | " << Ms(c.client_p99_ms) << " | " << c.retries << " | "
          << c.trips << " | " << (priced ? Fixed(c.cost, 2) : std::string("-")) << " |\n";
    }
  }
  return out.str();
}

std::string MatrixJson(const std::vector<MatrixRow> &rows) {
  using Json = nlohmann::ordered_json;
  Json scenarios = Json::array();
  for (const MatrixRow &row : rows) {
    Json j;
    j["scenario"] = row.scenario.name;
    j["seed"] = row.seed;
    j["duration_s"] = row.scenario.duration_s;
    Json exceptions = Json::object();
    for (const auto &[strategy, why] : row.scenario.matrix_exceptions) exceptions[strategy] = why;
    j["matrix_exceptions"] = exceptions;
    Json cells = Json::array();
    for (const MatrixCell &c : row.cells) {
      cells.push_back({{"strategy", c.strategy},
                       {"requests", c.requests},
                       {"failed", c.failed},
                       {"client_p50_ms", c.client_p50_ms},
                       {"client_p99_ms", c.client_p99_ms},
                       {"retries", c.retries},
                       {"trips", c.trips},
                       {"cost", c.cost},
                       {"consistent", c.consistent}});
    }
    j["runs"] = cells;
    scenarios.push_back(j);
  }
  Json root;
  root["scenarios"] = scenarios;
  return root.dump(1) + "\n";
}

std::string MatrixSvg(const std::vector<MatrixRow> &rows) {
  // A grid: a column per scenario, a row per strategy (the first scenario's order).
  std::vector<std::string> strategies;
  for (const MatrixRow &row : rows) {
    for (const MatrixCell &c : row.cells) {
      if (std::find(strategies.begin(), strategies.end(), c.strategy) == strategies.end())
        strategies.push_back(c.strategy);
    }
  }
  const int label_w = 130, cell_w = 200, cell_h = 46, top = 70, legend_h = 70;
  const int width = label_w + cell_w * static_cast<int>(rows.size()) + 20;
  const int height = top + cell_h * static_cast<int>(strategies.size()) + legend_h;
  std::ostringstream o;
  o << "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
    << "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"" << width << "\" height=\"" << height
    << "\" viewBox=\"0 0 " << width << " " << height
    << "\" font-family=\"Helvetica, Arial, sans-serif\" font-size=\"12\">\n"
    << "<rect width=\"100%\" height=\"100%\" fill=\"#ffffff\"/>\n"
    << "<text x=\"10\" y=\"22\" font-size=\"16\" font-weight=\"bold\">llmroute strategies on "
       "every scenario (llmroute-sim --matrix)</text>\n"
    << "<text x=\"10\" y=\"40\" fill=\"#555555\">client p99, failed requests and breaker trips "
       "per run; colour: p99 against round_robin on the same scenario</text>\n";
  for (size_t col = 0; col < rows.size(); ++col) {
    const int x = label_w + cell_w * static_cast<int>(col);
    o << "<text x=\"" << x + cell_w / 2 << "\" y=\"" << top - 10
      << "\" text-anchor=\"middle\" font-weight=\"bold\">" << XmlEscape(rows[col].scenario.name)
      << "</text>\n";
  }
  for (size_t r = 0; r < strategies.size(); ++r) {
    const int y = top + cell_h * static_cast<int>(r);
    o << "<text x=\"" << label_w - 8 << "\" y=\"" << y + cell_h / 2 + 4 << "\" text-anchor=\"end\">"
      << XmlEscape(strategies[r]) << "</text>\n";
    for (size_t col = 0; col < rows.size(); ++col) {
      const MatrixRow &row = rows[col];
      const int x = label_w + cell_w * static_cast<int>(col);
      const MatrixCell *c = Find(row, strategies[r]);
      const MatrixCell *rr = Find(row, "round_robin");
      if (c == nullptr) continue;
      const bool worse = rr != nullptr && c->failed > rr->failed;
      o << "<rect x=\"" << x + 2 << "\" y=\"" << y + 2 << "\" width=\"" << cell_w - 4
        << "\" height=\"" << cell_h - 4 << "\" fill=\""
        << Shade(c->client_p99_ms, rr != nullptr ? rr->client_p99_ms : -1) << "\" stroke=\""
        << (worse ? "#d62728" : "#cccccc") << "\" stroke-width=\"" << (worse ? 3 : 1) << "\"/>\n";
      o << "<text x=\"" << x + 10 << "\" y=\"" << y + 19 << "\" font-weight=\"bold\">p99 "
        << Ms(c->client_p99_ms) << " ms</text>\n";
      std::string detail = std::to_string(c->failed) + " failed, " + std::to_string(c->trips) +
                           (c->trips == 1 ? " trip" : " trips");
      if (Priced(row.scenario)) detail += ", cost " + Fixed(c->cost, 2);
      if (row.scenario.matrix_exceptions.count(c->strategy) != 0) detail += " (exception)";
      o << "<text x=\"" << x + 10 << "\" y=\"" << y + 35 << "\" fill=\"#333333\">"
        << XmlEscape(detail) << "</text>\n";
    }
  }
  // Legend.
  const int ly = top + cell_h * static_cast<int>(strategies.size()) + 20;
  int lx = 10;
  for (double ratio : {0.25, 0.5, 1.0, 2.0, 4.0}) {
    o << "<rect x=\"" << lx << "\" y=\"" << ly << "\" width=\"28\" height=\"16\" fill=\""
      << Shade(ratio, 1.0) << "\" stroke=\"#cccccc\"/>\n"
      << "<text x=\"" << lx + 34 << "\" y=\"" << ly + 12 << "\">" << Fixed(ratio, 2)
      << "x</text>\n";
    lx += 86;
  }
  o << "<rect x=\"" << lx << "\" y=\"" << ly << "\" width=\"28\" height=\"16\" fill=\"#ffffff\" "
    << "stroke=\"#d62728\" stroke-width=\"3\"/>\n"
    << "<text x=\"" << lx + 34 << "\" y=\"" << ly + 12
    << "\">more failed requests than round_robin</text>\n"
    << "<text x=\"10\" y=\"" << ly + 40 << "\" fill=\"#555555\">seed and duration: each "
    << "scenario's own (tools/sim/README.md, Strategy matrix)</text>\n";
  o << "</svg>\n";
  return o.str();
}

}  // namespace sim
