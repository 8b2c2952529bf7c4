// The strategy x scenario matrix (--matrix): every llmroute strategy on every given scenario,
// one line of figures per pair, as a Markdown table, a JSON document (what
// tools/sim/test/check_matrix.py checks the rules on) and one SVG.
#ifndef LLMROUTE_SIM_MATRIX_HPP
#define LLMROUTE_SIM_MATRIX_HPP

#include <cstdint>
#include <string>
#include <vector>

#include "scenario.hpp"
#include "simulator.hpp"

namespace sim {

/** One strategy's figures on one scenario. */
struct MatrixCell {
  std::string strategy;
  int64_t requests = 0;
  int64_t failed = 0;
  double client_p50_ms = -1;
  double client_p99_ms = -1;
  int64_t retries = 0;
  /** Breaker trips (transitions to open) over every deployment. */
  int64_t trips = 0;
  double cost = 0;
  bool consistent = true;
};

struct MatrixRow {
  Scenario scenario;
  uint64_t seed = 0;
  std::vector<MatrixCell> cells;  // in the order of the strategies run
};

/** Every llmroute strategy the library knows, in enum order (new ones join by themselves). */
std::vector<std::string> AllStrategies();

/** The figures of one run. */
MatrixCell CellOf(const std::string &strategy, const RunResult &run);

/** A Markdown table: a row per scenario and strategy. */
std::string MatrixMarkdown(const std::vector<MatrixRow> &rows);

/** Every cell, with each scenario's seed, duration and matrix_exceptions. */
std::string MatrixJson(const std::vector<MatrixRow> &rows);

/** One chart: a panel per scenario, a bar per strategy for its client p99 (failed requests
 * and breaker trips written beside), round_robin's p99 marked as the reference. */
std::string MatrixSvg(const std::vector<MatrixRow> &rows);

}  // namespace sim

#endif  // LLMROUTE_SIM_MATRIX_HPP
