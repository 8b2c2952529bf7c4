// libFuzzer harness for the JSON configuration API: the input is a configuration document.
// Checked inside:
//  - llmr_config_validate, llmr_router_create_from_config and llmr_router_apply_config return
//    LLMR_OK or LLMR_ERR_CONFIG (anything else is a bug), with a message on failure that starts
//    with the JSON path ("$...");
//  - validate and create agree (with default base options, the same checks apply);
//  - a rejected reload changes nothing: the deployment list (names, weights, tiers, health
//    counters) is the same after as before, and tickets issued before stay valid;
//  - an accepted reload leaves the router with the deployments a router created from the same
//    configuration has, in the same order; tickets of deployments it removed stay valid; applying
//    it again changes nothing; in-flight counts return to 0 once every ticket is done.
// Build: scripts/fuzz.sh (clang, -fsanitize=fuzzer,address,undefined); dictionary
// fuzz/fuzz_config.dict, seeds fuzz/corpus/fuzz_config/.
#include <llmroute/llmroute.h>

#include <algorithm>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <vector>

namespace {

[[noreturn]] void Die(int line, const std::string &what) {
  std::fprintf(stderr, "fuzz_config.cpp:%d: invariant violated: %s (llmr_error_message: '%s')\n",
               line, what.c_str(), llmr_error_message());
  std::abort();
}

#define FUZZ_CHECK(cond, what)                                      \
  do {                                                              \
    if (!(cond)) Die(__LINE__, std::string(#cond) + ": " + (what)); \
  } while (0)

// A configuration call's contract: LLMR_OK, or LLMR_ERR_CONFIG with a message naming a JSON
// path. Returns whether it succeeded.
bool ConfigOk(llmr_status s, const char *call, int line) {
  const char *message = llmr_error_message();
  if (s == LLMR_OK) {
    if (message[0] != '\0') Die(line, std::string(call) + " succeeded with a message");
    return true;
  }
  if (s != LLMR_ERR_CONFIG) {
    Die(line, std::string(call) + " returned " + llmr_status_str(s) + " for a configuration");
  }
  if (message[0] != '$') {
    Die(line, std::string(call) + ": the message does not start with a JSON path");
  }
  return false;
}
#define CONFIG_OK(expr) ConfigOk((expr), #expr, __LINE__)

int64_t g_now_ns = 1'000'000'000'000;
int64_t ClockFn(void *) {
  return g_now_ns;
}
uint64_t RandomFn(void *) {
  return 0x9E3779B97F4A7C15ULL;
}
void SleepFn(void *, int64_t ns) {
  g_now_ns += ns;
}

llmr_router_options Base() {
  llmr_router_options o;
  llmr_router_options_init(&o, sizeof o);
  o.clock = ClockFn;
  o.random = RandomFn;
  o.sleep = SleepFn;
  return o;
}

struct Entry {
  std::string name;
  uint32_t weight;
  uint32_t tier;
  int64_t picks, successes, failures, in_flight;
  bool operator==(const Entry &o) const {
    return name == o.name && weight == o.weight && tier == o.tier && picks == o.picks &&
           successes == o.successes && failures == o.failures && in_flight == o.in_flight;
  }
};

std::vector<Entry> Deployments(llmr_router *router) {
  llmr_health_list *list = nullptr;
  if (llmr_router_health_list(router, &list) != LLMR_OK) Die(__LINE__, "health_list");
  std::vector<Entry> out;
  for (size_t i = 0; i < llmr_health_list_count(list); ++i) {
    llmr_health h;
    llmr_health_init(&h, sizeof h);
    if (llmr_health_list_get(list, i, &h) != LLMR_OK) Die(__LINE__, "health_list_get");
    out.push_back({h.name, h.weight, h.tier, h.picks, h.successes, h.failures, h.in_flight});
  }
  llmr_health_list_free(list);
  return out;
}

// Sorted: a reload keeps the surviving deployments where they were.
std::vector<std::string> Names(const std::vector<Entry> &entries) {
  std::vector<std::string> names;
  for (const Entry &e : entries) names.push_back(e.name);
  std::sort(names.begin(), names.end());
  return names;
}

// A router with traffic in flight, to reload into.
llmr_router *Populated(std::vector<llmr_ticket> *tickets) {
  const llmr_router_options o = Base();
  llmr_router *router = nullptr;
  if (llmr_router_create(&o, &router) != LLMR_OK) Die(__LINE__, "create");
  const char *models[] = {"gpt-4o", "m"};
  for (const char *name : {"azure-eu-gpt4o", "openai-gpt4o", "other"}) {
    llmr_deployment d;
    llmr_deployment_init(&d, sizeof d);
    d.name = name;
    d.models = models;
    d.model_count = 2;
    if (llmr_router_add_deployment(router, &d) != LLMR_OK) Die(__LINE__, "add");
  }
  for (int i = 0; i < 4; ++i) {
    llmr_pick pick;
    llmr_pick_init(&pick, sizeof pick);
    if (llmr_router_pick(router, "gpt-4o", nullptr, &pick) != LLMR_OK) Die(__LINE__, "pick");
    tickets->push_back(pick.ticket);
  }
  return router;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  const char *json = reinterpret_cast<const char *>(data);

  const bool valid = CONFIG_OK(llmr_config_validate(json, size));

  // Created from the configuration: agrees with validate.
  const llmr_router_options base = Base();
  llmr_router *fresh = reinterpret_cast<llmr_router *>(&fresh);
  const bool created = CONFIG_OK(llmr_router_create_from_config(json, size, &base, &fresh));
  FUZZ_CHECK(created == valid, std::string("validate says ") + (valid ? "valid" : "invalid") +
                                   ", create_from_config " + (created ? "succeeded" : "failed"));
  if (!created) FUZZ_CHECK(fresh == nullptr, "a failed create leaves *out NULL");
  std::vector<std::string> expected;
  if (created) expected = Names(Deployments(fresh));

  // Reloaded into a router with traffic in flight.
  std::vector<llmr_ticket> tickets;
  llmr_router *router = Populated(&tickets);
  const std::vector<Entry> before = Deployments(router);
  const bool applied = CONFIG_OK(llmr_router_apply_config(router, json, size));
  // A reload may refuse a valid configuration only for router settings that differ from the
  // router's (they are fixed at creation); an invalid one is always refused.
  if (!valid) FUZZ_CHECK(!applied, "an invalid configuration was applied");
  if (applied) {
    const std::vector<Entry> after = Deployments(router);
    FUZZ_CHECK(Names(after) == expected, "reloaded deployments differ from a fresh router's");
    // Idempotent: the same configuration again changes nothing but the generation.
    FUZZ_CHECK(CONFIG_OK(llmr_router_apply_config(router, json, size)), "second apply");
    FUZZ_CHECK(Deployments(router) == after, "a second apply changed the deployments");
  } else {
    FUZZ_CHECK(Deployments(router) == before, "a rejected configuration changed the router");
  }
  // Tickets issued before the reload stay valid, whatever it did to their deployments.
  for (llmr_ticket t : tickets) {
    llmr_report r;
    llmr_report_init(&r, sizeof r);
    FUZZ_CHECK(llmr_router_report(router, t, &r) == LLMR_OK, "report after reload");
  }
  for (const Entry &e : Deployments(router)) {
    FUZZ_CHECK(e.in_flight == 0, e.name + " has calls in flight after every ticket was done");
  }

  // Routing through whatever the configuration set up stays sane.
  if (created) {
    for (const std::string &name : expected) {
      llmr_health h;
      llmr_health_init(&h, sizeof h);
      FUZZ_CHECK(llmr_router_health(fresh, name.c_str(), &h) == LLMR_OK, "health of " + name);
    }
    for (const char *model : {"gpt-4o", "gpt-4", "m", "llama-3.1-70b"}) {
      llmr_pick pick;
      llmr_pick_init(&pick, sizeof pick);
      const llmr_status s = llmr_router_pick(fresh, model, nullptr, &pick);
      FUZZ_CHECK(s == LLMR_OK || s == LLMR_ERR_UNKNOWN_MODEL || s == LLMR_ERR_NO_PROVIDER ||
                     s == LLMR_ERR_RATE_LIMITED,
                 std::string("pick: ") + llmr_status_str(s));
      if (s == LLMR_OK) FUZZ_CHECK(llmr_router_cancel(fresh, pick.ticket) == LLMR_OK, "cancel");
      llmr_fallbacks *list = nullptr;
      const llmr_status f = llmr_router_fallbacks(fresh, model, nullptr, 0, &list);
      FUZZ_CHECK(f == LLMR_OK || f == LLMR_ERR_UNKNOWN_MODEL, "fallbacks");
      llmr_fallbacks_free(list);
    }
  }
  llmr_router_destroy(created ? fresh : nullptr);
  llmr_router_destroy(router);
  return 0;
}
