// Runs N picks (and reports) of one strategy, for instruction counts under
// valgrind --tool=callgrind (scripts/callgrind.sh): instructions per pick are repeatable on a
// noisy machine where nanoseconds are not.
// Usage: pick_loop <strategy name> <deployments> <iterations> [report | deadline]
// (deadline: each pick carries llmr_pick_options.deadline_ms = 10000, which every deployment fits)
#include <llmroute/llmroute.h>

#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>

int main(int argc, char **argv) {
  if (argc < 4) {
    std::fprintf(stderr, "usage: %s <strategy> <deployments> <iterations> [report | deadline]\n",
                 argv[0]);
    return 2;
  }
  llmr_router_options opts;
  llmr_router_options_init(&opts, sizeof opts);
  if (llmr_strategy_from_str(argv[1], &opts.strategy) != LLMR_OK) {
    std::fprintf(stderr, "%s\n", llmr_error_message());
    return 2;
  }
  const int deployments = std::atoi(argv[2]);
  const long iterations = std::atol(argv[3]);
  const bool report = argc > 4 && std::strcmp(argv[4], "report") == 0;
  const bool deadline = argc > 4 && std::strcmp(argv[4], "deadline") == 0;
  llmr_router *router = nullptr;
  if (llmr_router_create(&opts, &router) != LLMR_OK) return 1;
  const char *models[] = {"claude-3-5-sonnet"};
  for (int i = 0; i < deployments; ++i) {
    const std::string name = "d" + std::to_string(i);
    llmr_deployment d;
    llmr_deployment_init(&d, sizeof d);
    d.name = name.c_str();
    d.models = models;
    d.model_count = 1;
    d.weight = 1 + static_cast<uint32_t>(i % 4);
    d.cost_per_million_input = 1.0 + i % 5;
    if (llmr_router_add_deployment(router, &d) != LLMR_OK) return 1;
  }
  llmr_pick pick;
  llmr_pick_init(&pick, sizeof pick);
  llmr_report r;
  llmr_report_init(&r, sizeof r);
  r.latency_ms = 100;
  llmr_pick_options options;
  llmr_pick_options_init(&options, sizeof options);
  options.deadline_ms = 10'000;
  const llmr_pick_options *pick_options = deadline ? &options : nullptr;
  for (long i = 0; i < iterations; ++i) {
    if (llmr_router_pick(router, "claude-3-5-sonnet", pick_options, &pick) != LLMR_OK) return 1;
    if (report) {
      llmr_router_report(router, pick.ticket, &r);
    } else {
      llmr_router_cancel(router, pick.ticket);
    }
  }
  llmr_router_destroy(router);
  return 0;
}
