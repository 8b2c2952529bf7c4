// One gateway instance of the fleet benchmark (scripts/fleet-bench.py): a router on the shared
// Redis that picks at a fixed rate for a fixed time, and prints one JSON line of what it measured.
// Not a test. Every instance has the same deployments:
//   m        -> d1..d4           no limits: the steady traffic
//   m-rpm    -> limited          rpm_limit (every instance asks more than the fleet may admit)
//   m-tpm    -> tokens           tpm_limit, each call reporting 100 output tokens
//   trip-<k> -> trip-<k>         instance 0 trips trip-<k> at start + 1 s + k x trip_gap; the
//                                others note when they see it open (the sync lag)
// Times are CLOCK_REALTIME, the same clock for every process of one machine.
//
// usage: redis_fleet_bench_instance URL PREFIX INDEX START_UNIX_MS SECONDS RATE RPM TPM TRIPS
//        TRIP_GAP_MS SYNC_INTERVAL_MS
#include <sys/resource.h>

#include <chrono>
#include <cinttypes>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <thread>
#include <vector>

#include "llmroute/llmroute.h"

namespace {

int64_t WallMs() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

void SleepUntilMs(int64_t unix_ms) {
  const int64_t left = unix_ms - WallMs();
  if (left > 0) std::this_thread::sleep_for(std::chrono::milliseconds(left));
}

bool Add(llmr_router *router, const std::string &name, const char *model, uint32_t rpm,
         uint64_t tpm) {
  const char *models[] = {model};
  llmr_deployment d;
  llmr_deployment_init(&d, sizeof d);
  d.name = name.c_str();
  d.models = models;
  d.model_count = 1;
  d.rpm_limit = rpm;
  d.tpm_limit = tpm;
  return llmr_router_add_deployment(router, &d) == LLMR_OK;
}

bool Pick(llmr_router *router, const char *model, llmr_outcome outcome, int64_t tokens) {
  llmr_pick pick;
  llmr_pick_init(&pick, sizeof pick);
  if (llmr_router_pick(router, model, nullptr, &pick) != LLMR_OK) return false;
  llmr_report report;
  llmr_report_init(&report, sizeof report);
  report.outcome = outcome;
  report.latency_ms = 5;
  report.output_tokens = tokens;
  llmr_router_report(router, pick.ticket, &report);
  return true;
}

double CpuSeconds() {
  rusage usage{};
  getrusage(RUSAGE_SELF, &usage);
  return static_cast<double>(usage.ru_utime.tv_sec + usage.ru_stime.tv_sec) +
         static_cast<double>(usage.ru_utime.tv_usec + usage.ru_stime.tv_usec) / 1e6;
}

}  // namespace

int main(int argc, char **argv) {
  if (argc != 12) {
    std::fprintf(stderr,
                 "usage: %s URL PREFIX INDEX START_UNIX_MS SECONDS RATE RPM TPM TRIPS "
                 "TRIP_GAP_MS SYNC_INTERVAL_MS\n",
                 argv[0]);
    return 2;
  }
  const std::string url = argv[1], prefix = argv[2];
  const int index = std::atoi(argv[3]);
  const int64_t start = std::atoll(argv[4]);
  const int64_t seconds = std::atoll(argv[5]);
  const double rate = std::atof(argv[6]);
  const uint32_t rpm = static_cast<uint32_t>(std::atoi(argv[7]));
  const uint64_t tpm = static_cast<uint64_t>(std::atoll(argv[8]));
  const int trips = std::atoi(argv[9]);
  const int64_t trip_gap = std::atoll(argv[10]);

  llmr_router_options o;
  llmr_router_options_init(&o, sizeof o);
  o.shared_state_url = url.c_str();
  o.shared_state_key_prefix = prefix.c_str();
  o.shared_state_sync_interval_ms = std::atoll(argv[11]);
  o.breaker_cooldown_base_ms = 600000;  // a trip stays open for the whole run
  o.breaker_cooldown_max_ms = 600000;
  o.breaker_jitter = 0;
  llmr_router *router = nullptr;
  if (llmr_router_create(&o, &router) != LLMR_OK) {
    std::fprintf(stderr, "create: %s\n", llmr_error_message());
    return 1;
  }
  bool ok = true;
  for (int i = 1; i <= 4; ++i) ok = ok && Add(router, "d" + std::to_string(i), "m", 0, 0);
  ok = ok && Add(router, "limited", "m-rpm", rpm, 0) && Add(router, "tokens", "m-tpm", 0, tpm);
  std::vector<std::string> trip_models;
  for (int k = 0; k < trips; ++k) trip_models.push_back("trip-" + std::to_string(k));
  for (const std::string &name : trip_models) ok = ok && Add(router, name, name.c_str(), 0, 0);
  if (!ok) {
    std::fprintf(stderr, "add: %s\n", llmr_error_message());
    return 1;
  }

  SleepUntilMs(start);
  const double cpu_start = CpuSeconds();
  const int64_t end = start + seconds * 1000;
  const auto tick = std::chrono::duration<double>(1.0 / rate);
  auto next = std::chrono::steady_clock::now();
  int64_t picks = 0, rpm_admitted = 0, tpm_calls = 0;
  std::vector<int64_t> tripped_at(static_cast<size_t>(trips), 0);
  std::vector<int64_t> seen_at(static_cast<size_t>(trips), 0);
  int next_trip = 0;
  while (WallMs() < end) {
    picks += Pick(router, "m", LLMR_OUTCOME_SUCCESS, 0) ? 1 : 0;
    rpm_admitted += Pick(router, "m-rpm", LLMR_OUTCOME_SUCCESS, 0) ? 1 : 0;
    tpm_calls += Pick(router, "m-tpm", LLMR_OUTCOME_SUCCESS, 100) ? 1 : 0;
    const int64_t now = WallMs();
    if (index == 0) {
      if (next_trip < trips && now >= start + 1000 + next_trip * trip_gap) {
        const size_t k = static_cast<size_t>(next_trip);
        while (Pick(router, trip_models[k].c_str(), LLMR_OUTCOME_SERVER_ERROR, 0)) {
        }
        tripped_at[k] = WallMs();
        ++next_trip;
      }
    } else {
      // Sees a trip within ~1 ms of its arrival: health is read every tick and in between.
      for (int k = 0; k < trips; ++k) {
        const size_t i = static_cast<size_t>(k);
        if (seen_at[i] != 0) continue;
        llmr_health h;
        llmr_health_init(&h, sizeof h);
        if (llmr_router_health(router, trip_models[i].c_str(), &h) == LLMR_OK &&
            h.state == LLMR_BREAKER_OPEN) {
          seen_at[i] = now;
        }
      }
    }
    next += std::chrono::duration_cast<std::chrono::steady_clock::duration>(tick);
    std::this_thread::sleep_until(next);
  }
  const double cpu = CpuSeconds() - cpu_start;
  llmr_shared_state_status st;
  llmr_shared_state_status_init(&st, sizeof st);
  llmr_router_shared_state_status(router, &st);
  std::printf("{\"index\": %d, \"cpu_s\": %.4f, \"picks\": %" PRId64 ", \"rpm_admitted\": %" PRId64
              ", \"tpm_calls\": %" PRId64 ", \"syncs\": %" PRId64 ", \"sync_failures\": %" PRId64
              ", \"tripped_at\": [",
              index, cpu, picks, rpm_admitted, tpm_calls, st.syncs, st.sync_failures);
  for (int k = 0; k < trips; ++k) {
    std::printf("%s%" PRId64, k == 0 ? "" : ", ", tripped_at[static_cast<size_t>(k)]);
  }
  std::printf("], \"seen_at\": [");
  for (int k = 0; k < trips; ++k) {
    std::printf("%s%" PRId64, k == 0 ? "" : ", ", seen_at[static_cast<size_t>(k)]);
  }
  std::printf("]}\n");
  llmr_router_destroy(router);
  return 0;
}
