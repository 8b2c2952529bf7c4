// Output of the engine scenarios (engine_sim.hpp): the comparison table, a JSON summary and an
// SVG chart (TTFT p50/p90 per run, cache hit rate and throughput, TTFT p90 over time).
#ifndef LLMROUTE_SIM_ENGINE_REPORT_HPP
#define LLMROUTE_SIM_ENGINE_REPORT_HPP

#include <cstdint>
#include <ostream>
#include <string>
#include <vector>

#include "engine_scenario.hpp"
#include "engine_sim.hpp"

namespace sim {

void PrintEngineComparison(std::ostream &out, const EngineScenario &scenario,
                           const std::vector<EngineRunResult> &runs);

std::string EngineSummaryJson(const EngineScenario &scenario, uint64_t seed,
                              const std::vector<EngineRunResult> &runs);

std::string RenderEngineSvg(const EngineScenario &scenario, uint64_t seed,
                            const std::vector<EngineRunResult> &runs);

/** llmroute-sim on an engine scenario (main.cpp's options; `seed` < 0 and `duration` <= 0 keep
 * the scenario's). Returns the exit status. */
int EngineMain(const std::string &path, std::vector<std::string> runs, long long seed,
               double duration, std::string svg_path, bool no_svg, const std::string &json_path,
               bool quiet);

}  // namespace sim

#endif  // LLMROUTE_SIM_ENGINE_REPORT_HPP
