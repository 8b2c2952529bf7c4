/* Configuration, hot reload and /metrics, as a gateway would use them.
 *
 *   config_reload [CONFIG.json]      (default: examples/config.json from the source tree)
 *
 * Creates a router from the file, logs breaker and reload events, routes some simulated traffic
 * (one deployment fails until its breaker opens), reloads the file as a gateway does on SIGHUP,
 * checks a broken configuration is rejected without harm, and prints what a gateway would serve
 * at /metrics. Public header only, C99. */
#include <llmroute/llmroute.h>
#include <stdio.h>
#include <string.h>

#ifndef LLMR_EXAMPLE_CONFIG
#define LLMR_EXAMPLE_CONFIG "config.json"
#endif

static void OnEvent(void *user_data, const llmr_event *event) {
  size_t i;
  (void)user_data;
  switch (event->kind) {
    case LLMR_EVENT_BREAKER:
      fprintf(stderr, "event: %s %s -> %s", event->deployment, llmr_breaker_state_str(event->from),
              llmr_breaker_state_str(event->to));
      if (event->to == LLMR_BREAKER_OPEN)
        fprintf(stderr, " for %lld ms", (long long)event->cooldown_ms);
      fputc('\n', stderr);
      break;
    case LLMR_EVENT_CONFIG_APPLIED:
      /* A host attaches adapters to the added deployments here (llmr_router_set_adapter). */
      fprintf(stderr, "event: configuration %llu applied: %zu kept",
              (unsigned long long)event->config_generation, event->kept_count);
      for (i = 0; i < event->added_count; ++i) fprintf(stderr, ", +%s", event->added[i]);
      for (i = 0; i < event->removed_count; ++i) fprintf(stderr, ", -%s", event->removed[i]);
      fputc('\n', stderr);
      break;
    case LLMR_EVENT_CONFIG_REJECTED:
      fprintf(stderr, "event: configuration rejected: %s\n", event->message);
      break;
    case LLMR_EVENT_QUOTA_EXHAUSTED:
      fprintf(stderr, "event: %s quota exhausted for %lld ms\n", event->deployment,
              (long long)event->cooldown_ms);
      break;
    case LLMR_EVENT_SHARED_STATE_FAILOVER:
    case LLMR_EVENT_HEDGE_STARTED:
      fprintf(stderr, "event: %s\n", event->message);
      break;
  }
}

int main(int argc, char **argv) {
  const char *path = argc > 1 ? argv[1] : LLMR_EXAMPLE_CONFIG;
  static const char broken[] =
      "{\"deployments\": [{\"name\": \"x\", \"models\": [\"m\"], \"weight\": -1}]}";
  llmr_router *router = NULL;
  llmr_event_listener listener;
  llmr_stats *stats = NULL;
  const char *metrics = NULL;
  llmr_status status;
  int i;

  status = llmr_router_create_from_config_file(path, NULL, &router);
  if (status != LLMR_OK) {
    fprintf(stderr, "%s: %s\n", llmr_status_str(status), llmr_error_message());
    return 1;
  }
  llmr_event_listener_init(&listener, sizeof listener);
  listener.fn = OnEvent;
  llmr_router_set_event_listener(router, &listener);

  /* Simulated traffic: "gpt-4" is an alias of gpt-4o; azure-eu-gpt4o answers 500 every time. */
  for (i = 0; i < 40; ++i) {
    llmr_pick pick;
    llmr_report report;
    llmr_pick_init(&pick, sizeof pick);
    if (llmr_router_pick(router, "gpt-4", NULL, &pick) != LLMR_OK) continue;
    llmr_report_init(&report, sizeof report);
    report.latency_ms = 200 + 10 * (i % 7);
    report.input_tokens = 500;
    report.output_tokens = 120;
    report.outcome = strcmp(pick.deployment, "azure-eu-gpt4o") == 0 ? LLMR_OUTCOME_SERVER_ERROR
                                                                    : LLMR_OUTCOME_SUCCESS;
    llmr_router_report(router, pick.ticket, &report);
  }

  /* SIGHUP: reload the file. Health, statistics and in-flight calls of the deployments it keeps
   * survive; a rejected file changes nothing. */
  status = llmr_router_apply_config_file(router, path);
  if (status != LLMR_OK) fprintf(stderr, "reload: %s\n", llmr_error_message());
  status = llmr_router_apply_config(router, broken, sizeof broken - 1);
  fprintf(stderr, "broken configuration: %s: %s\n", llmr_status_str(status), llmr_error_message());

  /* GET /metrics: Content-Type: text/plain; version=0.0.4; charset=utf-8 */
  if (llmr_router_stats(router, &stats) == LLMR_OK &&
      llmr_stats_metrics_text(stats, &metrics, NULL) == LLMR_OK) {
    fputs(metrics, stdout);
  }
  llmr_stats_free(stats);
  llmr_router_destroy(router);
  return status == LLMR_ERR_CONFIG ? 0 : 1;
}
