/* A minimal host program built against an installed llmroute (through its CMake package and
 * through pkg-config): pick, report, check the results. Exits non-zero on any failure. */
#include <llmroute/llmroute.h>

#include <stdio.h>
#include <string.h>

static int failures;

#define EXPECT(cond)                                                     \
  do {                                                                   \
    if (!(cond)) {                                                       \
      ++failures;                                                        \
      fprintf(stderr, "%s:%d: FAILED: %s\n", __FILE__, __LINE__, #cond); \
    }                                                                    \
  } while (0)

int main(void) {
  static const char *const eu_models[] = {"gpt-4o*"};
  static const char *const us_models[] = {"gpt-4o-mini", "claude-3"};
  llmr_router *router = NULL;
  llmr_deployment d;
  llmr_pick pick;
  llmr_report report;
  llmr_health health;
  char chosen[64] = "";

  EXPECT(llmr_version() == LLMR_VERSION_NUMBER);
  EXPECT(strcmp(llmr_version_string(), LLMR_VERSION_STRING) == 0);
  EXPECT(strcmp(llmr_status_str(LLMR_ERR_NO_PROVIDER), "LLMR_ERR_NO_PROVIDER") == 0);

  EXPECT(llmr_router_create(NULL, &router) == LLMR_OK);
  if (router == NULL) return 1;

  llmr_deployment_init(&d, sizeof d);
  d.name = "azure-eu";
  d.models = eu_models;
  d.model_count = 1;
  EXPECT(llmr_router_add_deployment(router, &d) == LLMR_OK);
  d.name = "openai-us";
  d.models = us_models;
  d.model_count = 2;
  EXPECT(llmr_router_add_deployment(router, &d) == LLMR_OK);
  EXPECT(llmr_router_add_deployment(router, &d) == LLMR_ERR_ALREADY_EXISTS);

  llmr_pick_init(&pick, sizeof pick);
  EXPECT(llmr_router_pick(router, "gpt-4o-mini", NULL, &pick) == LLMR_OK);
  EXPECT(pick.ticket != 0);
  EXPECT(pick.deployment != NULL);
  if (pick.deployment != NULL) {
    EXPECT(strcmp(pick.deployment, "azure-eu") == 0 || strcmp(pick.deployment, "openai-us") == 0);
    snprintf(chosen, sizeof chosen, "%s", pick.deployment);
  }
  EXPECT(pick.model != NULL && strcmp(pick.model, "gpt-4o-mini") == 0);

  llmr_report_init(&report, sizeof report);
  report.outcome = LLMR_OUTCOME_SUCCESS;
  report.latency_ms = 120.0;
  EXPECT(llmr_router_report(router, pick.ticket, &report) == LLMR_OK);
  EXPECT(llmr_router_report(router, pick.ticket, &report) == LLMR_ERR_TICKET_DONE);

  llmr_health_init(&health, sizeof health);
  EXPECT(llmr_router_health(router, chosen, &health) == LLMR_OK);
  EXPECT(health.successes == 1);
  EXPECT(health.in_flight == 0);
  EXPECT(health.state == LLMR_BREAKER_CLOSED);

  llmr_pick_init(&pick, sizeof pick);
  EXPECT(llmr_router_pick(router, "llama-3", NULL, &pick) == LLMR_ERR_UNKNOWN_MODEL);
  EXPECT(strlen(llmr_error_message()) > 0);

  llmr_router_destroy(router);
  if (failures != 0) {
    fprintf(stderr, "consumer: %d check(s) failed\n", failures);
    return 1;
  }
  printf("consumer ok: llmroute %s, picked %s\n", llmr_version_string(), chosen);
  return 0;
}
