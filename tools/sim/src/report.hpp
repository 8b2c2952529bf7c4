// Output of the simulator: the summary tables, a JSON summary and the SVG chart.
#ifndef LLMROUTE_SIM_REPORT_HPP
#define LLMROUTE_SIM_REPORT_HPP

#include <cstdint>
#include <ostream>
#include <string>
#include <vector>

#include "scenario.hpp"
#include "simulator.hpp"

namespace sim {

// `v` with `decimals` digits after the point, for the tables.
std::string Fixed(double v, int decimals);
// A latency in whole milliseconds; "-" when unknown (negative).
std::string Ms(double v);

/** One run's table: a line of totals, then one row per deployment. */
void PrintRunTable(std::ostream &out, const Scenario &scenario, const RunResult &run);

/** Runs side by side: one column per run. */
void PrintComparison(std::ostream &out, const Scenario &scenario,
                     const std::vector<RunResult> &runs);

/** A machine-readable summary (what the tests read). */
std::string SummaryJson(const Scenario &scenario, uint64_t seed,
                        const std::vector<std::string> &run_names,
                        const std::vector<RunResult> &runs);

/** Text escaped for XML (the SVG charts). */
std::string XmlEscape(const std::string &s);

/** A self-contained SVG: one column per run with traffic share, latency, breaker state and
 * failed requests over time. */
std::string RenderSvg(const Scenario &scenario, uint64_t seed, const std::vector<RunResult> &runs);

}  // namespace sim

#endif  // LLMROUTE_SIM_REPORT_HPP
