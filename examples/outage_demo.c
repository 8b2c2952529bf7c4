/*
 * outage_demo: routing, an outage, failover and recovery, in simulated time.
 *
 * Three deployments serve "gpt-4o". Every simulated 100 ms a request is picked and reported.
 * At t = 2 s "azure-eu" starts failing (HTTP 503); at t = 12 s it heals. The router trips its
 * breaker after 5 consecutive failures, routes around it, probes it after the cooldown, and
 * lets it back in once a probe succeeds. A naive router (the seed's: round robin over every
 * deployment, no recovery) is run beside it for comparison.
 *
 * Uses only the public C API; the clock is injected so the run is instant and reproducible.
 */
#include <stdio.h>
#include <string.h>

#include <llmroute/llmroute.h>

static int64_t g_now_ns = 0;

static int64_t sim_clock(void *user_data) {
  (void)user_data;
  return g_now_ns;
}

static uint64_t sim_random(void *user_data) {
  uint64_t *state = (uint64_t *)user_data; /* splitmix64 */
  uint64_t z = (*state += 0x9e3779b97f4a7c15ULL);
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
  return z ^ (z >> 31);
}

static const char *const kNames[] = {"azure-eu", "openai", "azure-us"};
enum { kDeployments = 3 };

static int is_down(const char *deployment, int64_t t_ms) {
  return strcmp(deployment, "azure-eu") == 0 && t_ms >= 2000 && t_ms < 12000;
}

static int check(llmr_status status, const char *what) {
  if (status != LLMR_OK) {
    fprintf(stderr, "%s: %s (%s)\n", what, llmr_status_str(status), llmr_error_message());
    return 0;
  }
  return 1;
}

int main(void) {
  uint64_t seed = 2024;
  llmr_router_options opts;
  llmr_router *router = NULL;
  const char *models[] = {"gpt-4o*"};
  int i, step;
  int errors = 0, naive_errors = 0;
  int share[kDeployments] = {0, 0, 0};

  llmr_router_options_init(&opts, sizeof opts);
  opts.strategy = LLMR_STRATEGY_ROUND_ROBIN;
  opts.clock = sim_clock;
  opts.random = sim_random;
  opts.random_user_data = &seed;
  if (!check(llmr_router_create(&opts, &router), "create")) return 1;
  for (i = 0; i < kDeployments; ++i) {
    llmr_deployment d;
    llmr_deployment_init(&d, sizeof d);
    d.name = kNames[i];
    d.models = models;
    d.model_count = 1;
    if (!check(llmr_router_add_deployment(router, &d), "add")) return 1;
  }

  printf("llmroute %s: 3 deployments of gpt-4o; azure-eu fails from 2 s to 12 s\n\n",
         llmr_version_string());
  printf("%7s  %-9s %-9s %-10s %s\n", "t", "picked", "result", "azure-eu", "naive router (seed)");
  for (step = 0; step < 200; ++step) {
    const int64_t t_ms = step * 100;
    llmr_pick pick;
    llmr_report report;
    llmr_health health;
    const char *naive = kNames[step % kDeployments];
    int naive_failed = is_down(naive, t_ms);
    int failed = 0;
    g_now_ns = t_ms * 1000000;
    naive_errors += naive_failed;

    llmr_pick_init(&pick, sizeof pick);
    if (llmr_router_pick(router, "gpt-4o", NULL, &pick) != LLMR_OK) {
      ++errors;
      continue;
    }
    failed = is_down(pick.deployment, t_ms);
    for (i = 0; i < kDeployments; ++i) share[i] += strcmp(pick.deployment, kNames[i]) == 0;
    errors += failed;
    llmr_report_init(&report, sizeof report);
    report.outcome = failed ? LLMR_OUTCOME_SERVER_ERROR : LLMR_OUTCOME_SUCCESS;
    report.latency_ms = failed ? 30.0 : 250.0;
    if (step % 10 == 0 || failed || pick.is_probe) {
      /* The deployment name is valid until the ticket is reported: print before reporting. */
      printf("%6.1fs  %-9s %-9s", (double)t_ms / 1000.0, pick.deployment,
             failed ? "503" : (pick.is_probe ? "ok(probe)" : "ok"));
      if (!check(llmr_router_report(router, pick.ticket, &report), "report")) return 1;
      llmr_health_init(&health, sizeof health);
      llmr_router_health(router, "azure-eu", &health);
      printf(" %-10s %s%s\n", llmr_breaker_state_str(health.state), naive,
             naive_failed ? " -> 503" : "");
    } else if (!check(llmr_router_report(router, pick.ticket, &report), "report")) {
      return 1;
    }
  }

  printf("\nrequests: 200   failed with llmroute: %d   failed with the naive router: %d\n", errors,
         naive_errors);
  printf("share: azure-eu %d, openai %d, azure-us %d\n", share[0], share[1], share[2]);
  {
    llmr_health health;
    llmr_health_init(&health, sizeof health);
    llmr_router_health(router, "azure-eu", &health);
    printf("azure-eu at the end: %s, %lld trips, failure ratio %.2f\n",
           llmr_breaker_state_str(health.state), (long long)health.trips, health.failure_ratio);
  }
  llmr_router_destroy(router);
  return errors < naive_errors ? 0 : 1;
}
