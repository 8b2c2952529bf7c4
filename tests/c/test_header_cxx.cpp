// Compiles the public header as C++11 with -Wall -Wextra -Werror -pedantic (the header must be
// C++-clean: extern "C", no C-only constructs) and makes a few calls through it.
#include <llmroute/llmroute.h>

#include <cstdio>
#include <cstring>

#include "harness.h"

static_assert(LLMR_OK == 0, "LLMR_OK is 0");
static_assert(sizeof(llmr_ticket) == 8, "tickets are 64-bit");

namespace {

void test_cxx_calls() {
  CHECK(llmr_version() == LLMR_VERSION_NUMBER);
  CHECK(std::strcmp(llmr_status_str(LLMR_ERR_TICKET_DONE), "LLMR_ERR_TICKET_DONE") == 0);

  llmr_router_options opts;
  CHECK_STATUS(llmr_router_options_init(&opts, sizeof opts), LLMR_OK);
  llmr_router *router = nullptr;
  CHECK_STATUS(llmr_router_create(&opts, &router), LLMR_OK);
  if (router == nullptr) return;

  const char *models[] = {"gpt-4o*"};
  llmr_deployment d;
  llmr_deployment_init(&d, sizeof d);
  d.name = "cxx";
  d.models = models;
  d.model_count = 1;
  CHECK_STATUS(llmr_router_add_deployment(router, &d), LLMR_OK);

  llmr_pick pick;
  llmr_pick_init(&pick, sizeof pick);
  if (CHECK_STATUS(llmr_router_pick(router, "gpt-4o-mini", nullptr, &pick), LLMR_OK)) {
    CHECK_STR(pick.deployment, "cxx");
    llmr_report report;
    llmr_report_init(&report, sizeof report);
    report.latency_ms = 42.0;
    CHECK_STATUS(llmr_router_report(router, pick.ticket, &report), LLMR_OK);
  }
  llmr_health health;
  llmr_health_init(&health, sizeof health);
  if (CHECK_STATUS(llmr_router_health(router, "cxx", &health), LLMR_OK)) {
    CHECK_I64(health.successes, 1);
  }
  llmr_router_destroy(router);
}

}  // namespace

int main() {
  RUN_TEST(test_cxx_calls);
  return th_finish();
}
