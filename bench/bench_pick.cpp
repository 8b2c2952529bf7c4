// Benchmarks of the C ABI's hot path: pick, pick + report, fallbacks, by strategy and size, on
// one and two threads, with heap allocations per iteration counted (a replaced operator new).
// What is timed is exactly one llmr_router_pick (and llmr_router_cancel or _report where the
// name says so); router setup is outside the timed loop.
#include <benchmark/benchmark.h>
#include <llmroute/llmroute.h>

#include <atomic>
#include <cstdlib>
#include <new>
#include <string>
#include <vector>

namespace {
std::atomic<long> g_allocations{0};
}  // namespace

void *operator new(std::size_t size) {
  g_allocations.fetch_add(1, std::memory_order_relaxed);
  if (void *p = std::malloc(size == 0 ? 1 : size)) return p;
  throw std::bad_alloc();
}
void operator delete(void *p) noexcept {
  std::free(p);
}
void operator delete(void *p, std::size_t) noexcept {
  std::free(p);
}

namespace {

llmr_router *MakeRouter(llmr_strategy strategy, int deployments) {
  llmr_router_options opts;
  llmr_router_options_init(&opts, sizeof opts);
  opts.strategy = strategy;
  llmr_router *router = nullptr;
  if (llmr_router_create(&opts, &router) != LLMR_OK) std::abort();
  const char *models[] = {"gpt-4o", "gpt-4o-mini", "claude-3-5-sonnet"};
  for (int i = 0; i < deployments; ++i) {
    const std::string name = "deployment-" + std::to_string(i);
    llmr_deployment d;
    llmr_deployment_init(&d, sizeof d);
    d.name = name.c_str();
    d.models = models;
    d.model_count = 3;
    d.weight = 1 + static_cast<uint32_t>(i % 4);
    d.cost_per_million_input = 1.0 + i % 5;
    d.cost_per_million_output = 2.0 + i % 7;
    if (llmr_router_add_deployment(router, &d) != LLMR_OK) std::abort();
  }
  // Give the latency-based strategies samples to work with.
  for (int i = 0; i < deployments * 4; ++i) {
    llmr_pick pick;
    llmr_pick_init(&pick, sizeof pick);
    if (llmr_router_pick(router, "claude-3-5-sonnet", nullptr, &pick) != LLMR_OK) std::abort();
    llmr_report report;
    llmr_report_init(&report, sizeof report);
    report.latency_ms = 100.0 + (i * 37) % 200;
    llmr_router_report(router, pick.ticket, &report);
  }
  return router;
}

const llmr_strategy kStrategies[] = {
    LLMR_STRATEGY_ROUND_ROBIN, LLMR_STRATEGY_WEIGHTED,     LLMR_STRATEGY_WEIGHTED_RANDOM,
    LLMR_STRATEGY_LATENCY,     LLMR_STRATEGY_AVAILABILITY, LLMR_STRATEGY_LEAST_LOADED,
    LLMR_STRATEGY_PEAK_EWMA,   LLMR_STRATEGY_COST,         LLMR_STRATEGY_ENGINE_AWARE};

void ReportAllocations(benchmark::State &state, long before) {
  state.counters["allocs/op"] = benchmark::Counter(
      static_cast<double>(g_allocations.load() - before) / static_cast<double>(state.iterations()));
}

// One pick. Cancelling is cheap but not free, so the tickets are kept in a ring of 1024 and
// cancelled in bulk outside the timing (they count as in flight meanwhile, as under real load).
void BM_Pick(benchmark::State &state) {
  const auto strategy = kStrategies[state.range(0)];
  llmr_router *router = MakeRouter(strategy, static_cast<int>(state.range(1)));
  state.SetLabel(llmr_strategy_str(strategy));
  std::vector<llmr_ticket> tickets(1024);
  size_t held = 0;
  llmr_pick pick;
  llmr_pick_init(&pick, sizeof pick);
  const long before = g_allocations.load();
  for (auto _ : state) {
    if (llmr_router_pick(router, "claude-3-5-sonnet", nullptr, &pick) != LLMR_OK) std::abort();
    tickets[held++] = pick.ticket;
    if (held == tickets.size()) {
      state.PauseTiming();
      for (llmr_ticket t : tickets) llmr_router_cancel(router, t);
      held = 0;
      state.ResumeTiming();
    }
  }
  ReportAllocations(state, before);
  for (size_t i = 0; i < held; ++i) llmr_router_cancel(router, tickets[i]);
  llmr_router_destroy(router);
}

// One pick with llmr_pick_options.deadline_ms, otherwise as BM_Pick. The samples MakeRouter
// reports are 100..299 ms: range(2) 0 gives a deadline every deployment fits (the common case:
// the fast path checks the chosen one's EWMA), 1 a deadline of 200 ms that about half of them
// miss (the degraded path skips those), 2 one that none fits (the fastest-fallback path).
// The target (docs/strategies.md, "Deadline-aware picks"): at n=8 at most 1.3x BM_Pick.
void BM_PickDeadline(benchmark::State &state) {
  const auto strategy = kStrategies[state.range(0)];
  llmr_router *router = MakeRouter(strategy, static_cast<int>(state.range(1)));
  const int64_t deadlines[] = {10'000, 200, 50};
  state.SetLabel(std::string(llmr_strategy_str(strategy)) + " deadline " +
                 std::to_string(deadlines[state.range(2)]) + " ms");
  llmr_pick_options options;
  llmr_pick_options_init(&options, sizeof options);
  options.deadline_ms = deadlines[state.range(2)];
  std::vector<llmr_ticket> tickets(1024);
  size_t held = 0;
  llmr_pick pick;
  llmr_pick_init(&pick, sizeof pick);
  const long before = g_allocations.load();
  for (auto _ : state) {
    if (llmr_router_pick(router, "claude-3-5-sonnet", &options, &pick) != LLMR_OK) std::abort();
    tickets[held++] = pick.ticket;
    if (held == tickets.size()) {
      state.PauseTiming();
      for (llmr_ticket t : tickets) llmr_router_cancel(router, t);
      held = 0;
      state.ResumeTiming();
    }
  }
  ReportAllocations(state, before);
  for (size_t i = 0; i < held; ++i) llmr_router_cancel(router, tickets[i]);
  llmr_router_destroy(router);
}

void BM_PickReport(benchmark::State &state) {
  const auto strategy = kStrategies[state.range(0)];
  llmr_router *router = MakeRouter(strategy, static_cast<int>(state.range(1)));
  state.SetLabel(llmr_strategy_str(strategy));
  llmr_pick pick;
  llmr_pick_init(&pick, sizeof pick);
  llmr_report report;
  llmr_report_init(&report, sizeof report);
  report.latency_ms = 120;
  const long before = g_allocations.load();
  for (auto _ : state) {
    if (llmr_router_pick(router, "claude-3-5-sonnet", nullptr, &pick) != LLMR_OK) std::abort();
    llmr_router_report(router, pick.ticket, &report);
  }
  ReportAllocations(state, before);
  llmr_router_destroy(router);
}

// engine_aware with a prompt prefix of range(0) block hashes over range(1) deployments, each with
// a fresh load report and a warm prefix index (every deployment holds a different share of the
// prefix, so the binary searches take different paths). The target: 64 hashes at n=8
// within 2 us. Timed: the pick with its options, which also records the hashes in the chosen
// deployment's index.
void BM_PickEngineAwarePrefix(benchmark::State &state) {
  const int deployments = static_cast<int>(state.range(1));
  llmr_router *router = MakeRouter(LLMR_STRATEGY_ENGINE_AWARE, deployments);
  std::string prompt;
  for (int i = 0; prompt.size() < 64 * 512; ++i)
    prompt += "system prompt block " + std::to_string(i);
  std::vector<uint64_t> hashes(LLMR_PREFIX_HASHES_MAX);
  size_t count = 0;
  llmr_prefix_hashes(prompt.data(), prompt.size(), 64, hashes.data(),
                     static_cast<size_t>(state.range(0)), &count);
  hashes.resize(count);
  for (int i = 0; i < deployments; ++i) {
    const std::string name = "deployment-" + std::to_string(i);
    llmr_engine_load load;
    llmr_engine_load_init(&load, sizeof load);
    load.waiting = i % 3;
    load.running = 4 + i % 5;
    load.kv_cache_utilization = 0.1 * (i % 9);
    if (llmr_router_report_load(router, name.c_str(), &load) != LLMR_OK) std::abort();
    // Warm deployment i with the first (i + 1) / n of the prefix, by excluding every other one.
    std::vector<std::string> others;
    for (int j = 0; j < deployments; ++j) {
      if (j != i) others.push_back("deployment-" + std::to_string(j));
    }
    std::vector<const char *> exclude;
    for (const std::string &o : others) exclude.push_back(o.c_str());
    llmr_pick_options warm;
    llmr_pick_options_init(&warm, sizeof warm);
    warm.exclude = exclude.data();
    warm.exclude_count = exclude.size();
    warm.prefix_hashes = hashes.data();
    warm.prefix_hash_count =
        hashes.size() * static_cast<size_t>(i + 1) / static_cast<size_t>(deployments);
    llmr_pick pick;
    llmr_pick_init(&pick, sizeof pick);
    if (llmr_router_pick(router, "claude-3-5-sonnet", &warm, &pick) != LLMR_OK) std::abort();
    llmr_router_cancel(router, pick.ticket);
  }
  llmr_pick_options opts;
  llmr_pick_options_init(&opts, sizeof opts);
  opts.prefix_hashes = hashes.data();
  opts.prefix_hash_count = hashes.size();
  state.SetLabel("engine_aware, " + std::to_string(hashes.size()) + " hashes");
  std::vector<llmr_ticket> tickets(1024);
  size_t held = 0;
  llmr_pick pick;
  llmr_pick_init(&pick, sizeof pick);
  const long before = g_allocations.load();
  for (auto _ : state) {
    if (llmr_router_pick(router, "claude-3-5-sonnet", &opts, &pick) != LLMR_OK) std::abort();
    tickets[held++] = pick.ticket;
    if (held == tickets.size()) {
      state.PauseTiming();
      for (llmr_ticket t : tickets) llmr_router_cancel(router, t);
      held = 0;
      state.ResumeTiming();
    }
  }
  ReportAllocations(state, before);
  for (size_t i = 0; i < held; ++i) llmr_router_cancel(router, tickets[i]);
  llmr_router_destroy(router);
}

void BM_Fallbacks(benchmark::State &state) {
  llmr_router *router = MakeRouter(LLMR_STRATEGY_LATENCY, static_cast<int>(state.range(0)));
  const char *exclude[] = {"deployment-0"};
  for (auto _ : state) {
    llmr_fallbacks *list = nullptr;
    llmr_router_fallbacks(router, "claude-3-5-sonnet", exclude, 1, &list);
    benchmark::DoNotOptimize(llmr_fallbacks_count(list));
    llmr_fallbacks_free(list);
  }
  llmr_router_destroy(router);
}

// Threads share one router: the scaling from 1 to 2 threads shows whether picks write a shared
// cache line.
llmr_router *g_shared = nullptr;

void BM_PickReportThreads(benchmark::State &state) {
  if (state.thread_index() == 0) g_shared = MakeRouter(kStrategies[state.range(0)], 8);
  llmr_pick pick;
  llmr_pick_init(&pick, sizeof pick);
  llmr_report report;
  llmr_report_init(&report, sizeof report);
  report.latency_ms = 120;
  for (auto _ : state) {
    if (llmr_router_pick(g_shared, "claude-3-5-sonnet", nullptr, &pick) != LLMR_OK) std::abort();
    llmr_router_report(g_shared, pick.ticket, &report);
  }
  state.SetLabel(llmr_strategy_str(kStrategies[state.range(0)]));
  if (state.thread_index() == 0) {
    llmr_router_destroy(g_shared);
    g_shared = nullptr;
  }
}

// The ceiling for the shared-router figures: each thread on a router of its own, so nothing is
// shared but the machine.
void BM_PickReportThreadsOwnRouter(benchmark::State &state) {
  llmr_router *router = MakeRouter(kStrategies[state.range(0)], 8);
  llmr_pick pick;
  llmr_pick_init(&pick, sizeof pick);
  llmr_report report;
  llmr_report_init(&report, sizeof report);
  report.latency_ms = 120;
  for (auto _ : state) {
    if (llmr_router_pick(router, "claude-3-5-sonnet", nullptr, &pick) != LLMR_OK) std::abort();
    llmr_router_report(router, pick.ticket, &report);
  }
  state.SetLabel(llmr_strategy_str(kStrategies[state.range(0)]));
  llmr_router_destroy(router);
}

void Sizes(benchmark::internal::Benchmark *b) {
  for (int s = 0; s < static_cast<int>(std::size(kStrategies)); ++s) {
    for (int n : {2, 8, 64, 512, 4096}) b->Args({s, n});
  }
}

}  // namespace

BENCHMARK(BM_Pick)->Apply(Sizes);
BENCHMARK(BM_PickReport)->Apply(Sizes);
BENCHMARK(BM_PickDeadline)->ArgsProduct({{0, 3}, {8}, {0, 1, 2}});
BENCHMARK(BM_PickEngineAwarePrefix)->Args({64, 8})->Args({256, 8})->Args({64, 64});
BENCHMARK(BM_Fallbacks)->Arg(8)->Arg(64);
BENCHMARK(BM_PickReportThreads)->DenseRange(0, 7)->Threads(1)->Threads(2)->UseRealTime();
BENCHMARK(BM_PickReportThreadsOwnRouter)->Arg(0)->Arg(5)->Threads(1)->Threads(2)->UseRealTime();

BENCHMARK_MAIN();
