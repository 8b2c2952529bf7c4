// JSON configuration, hot reload, events and statistics through the public C ABI.
#include <gtest/gtest.h>

#include <cstdio>
#include <cstring>
#include <fstream>
#include <mutex>
#include <string>
#include <vector>

#include "scripted.hpp"

namespace {

const std::string kExample = std::string(LLMR_SOURCE_DIR) + "/examples/config.json";

// Base options on simulated time, no jitter.
struct Sim {
  scripted::SimTime time;
  llmr_router_options options;
  Sim() {
    llmr_router_options_init(&options, sizeof options);
    options.clock = scripted::Clock;
    options.clock_user_data = &time;
    options.sleep = scripted::Sleep;
    options.sleep_user_data = &time;
    options.random = scripted::Random;
    options.random_user_data = &time;
    options.breaker_jitter = 0;
  }
  void Advance(int64_t ms) { time.now_ns += ms * 1'000'000; }
};

llmr_router *Create(const std::string &json, Sim *sim = nullptr) {
  llmr_router *router = nullptr;
  const llmr_status s = llmr_router_create_from_config(json.data(), json.size(),
                                                       sim ? &sim->options : nullptr, &router);
  EXPECT_EQ(s, LLMR_OK) << llmr_error_message();
  return router;
}

llmr_status Apply(llmr_router *router, const std::string &json) {
  return llmr_router_apply_config(router, json.data(), json.size());
}

std::vector<std::string> Names(llmr_router *router) {
  llmr_health_list *list = nullptr;
  EXPECT_EQ(llmr_router_health_list(router, &list), LLMR_OK);
  std::vector<std::string> names;
  for (size_t i = 0; i < llmr_health_list_count(list); ++i) {
    llmr_health h;
    llmr_health_init(&h, sizeof h);
    llmr_health_list_get(list, i, &h);
    names.push_back(h.name);
  }
  llmr_health_list_free(list);
  return names;
}

std::string PickName(llmr_router *router, const char *model, std::string *routed = nullptr) {
  llmr_pick pick;
  llmr_pick_init(&pick, sizeof pick);
  if (llmr_router_pick(router, model, nullptr, &pick) != LLMR_OK) return "";
  std::string name = pick.deployment;
  if (routed != nullptr) *routed = pick.model;
  llmr_router_cancel(router, pick.ticket);
  return name;
}

void Report(llmr_router *router, const char *model, llmr_outcome outcome, double latency_ms,
            int64_t input_tokens = 0, int64_t output_tokens = 0, int64_t retry_after_ms = 0) {
  llmr_pick pick;
  llmr_pick_init(&pick, sizeof pick);
  ASSERT_EQ(llmr_router_pick(router, model, nullptr, &pick), LLMR_OK) << llmr_error_message();
  llmr_report report;
  llmr_report_init(&report, sizeof report);
  report.outcome = outcome;
  report.latency_ms = latency_ms;
  report.input_tokens = input_tokens;
  report.output_tokens = output_tokens;
  report.retry_after_ms = retry_after_ms;
  ASSERT_EQ(llmr_router_report(router, pick.ticket, &report), LLMR_OK);
}

const char *kTwo = R"({"deployments": [{"name": "a", "models": ["m"]},
                                        {"name": "b", "models": ["m"]}]})";

TEST(ConfigApi, CreatesFromTheShippedExampleFile) {
  llmr_router *router = nullptr;
  ASSERT_EQ(llmr_router_create_from_config_file(kExample.c_str(), nullptr, &router), LLMR_OK)
      << llmr_error_message();
  EXPECT_EQ(Names(router),
            (std::vector<std::string>{"azure-eu-gpt4o", "openai-gpt4o", "azure-us-gpt4o-backup",
                                      "openai-gpt4o-mini", "anthropic-sonnet", "vllm-llama"}));
  std::string routed;
  EXPECT_FALSE(PickName(router, "gpt-4", &routed).empty());
  EXPECT_EQ(routed, "gpt-4o");
  EXPECT_EQ(PickName(router, "llama-3.1-405b"), "vllm-llama");
  llmr_fallbacks *list = nullptr;
  ASSERT_EQ(llmr_router_fallbacks(router, "gpt-4o", nullptr, 0, &list), LLMR_OK);
  EXPECT_GT(llmr_fallbacks_count(list), 3u);
  llmr_fallbacks_free(list);
  // Applying the same file again is a no-op reload.
  EXPECT_EQ(llmr_router_apply_config_file(router, kExample.c_str()), LLMR_OK)
      << llmr_error_message();
  llmr_router_destroy(router);
  std::ifstream file(kExample);
  const std::string text((std::istreambuf_iterator<char>(file)), std::istreambuf_iterator<char>());
  EXPECT_EQ(llmr_config_validate(text.data(), text.size()), LLMR_OK) << llmr_error_message();
}

TEST(ConfigApi, RouterSettingsOverrideTheBaseOptions) {
  Sim sim;
  sim.options.breaker_cooldown_base_ms = 7000;  // the base's, unless the file says otherwise
  llmr_router *router = Create(R"({"router_settings": {"breaker": {"consecutive_failures": 2}},
                 "deployments": [{"name": "a", "models": ["m"]}]})",
                               &sim);
  ASSERT_NE(router, nullptr);
  Report(router, "m", LLMR_OUTCOME_SERVER_ERROR, 10);
  Report(router, "m", LLMR_OUTCOME_SERVER_ERROR, 10);  // two, as the file says, trip it
  llmr_health h;
  llmr_health_init(&h, sizeof h);
  ASSERT_EQ(llmr_router_health(router, "a", &h), LLMR_OK);
  EXPECT_EQ(h.state, LLMR_BREAKER_OPEN);
  EXPECT_EQ(h.cooldown_remaining_ms, 7000);  // the base's cooldown
  llmr_router_destroy(router);
}

TEST(ConfigApi, RejectsWithConfigStatusAndPathAndAppliesNothing) {
  llmr_router *router = Create(kTwo);
  const llmr_status s = Apply(router, R"({"deployments": [{"name": "c", "models": ["m"]},
                                                         {"name": "d", "models": ["m"], "weight": 0}]})");
  EXPECT_EQ(s, LLMR_ERR_CONFIG);
  EXPECT_STREQ(llmr_error_message(),
               "$.deployments[1].weight: must be an integer in 1..1000000 (got 0)");
  EXPECT_STREQ(llmr_status_str(LLMR_ERR_CONFIG), "LLMR_ERR_CONFIG");
  EXPECT_EQ(Names(router), (std::vector<std::string>{"a", "b"}));  // nothing of it applied
  llmr_router_destroy(router);
}

struct Rejected {
  const char *json;
  const char *message;
};

TEST(ConfigApi, EveryKindOfErrorIsConfigStatus) {
  const Rejected cases[] = {
      {"{",
       "$: invalid JSON: parse error at line 1, column 2: syntax error while parsing "
       "object key - unexpected end of input; expected string literal"},
      {R"({"deployments": [], "deployments": []})", "$.deployments: duplicate key"},
      {R"({"aliases": {"a": 1}})", "$.aliases.a: must be a string (got 1)"},
      {R"({"model_list": []})",
       "$.model_list: unknown field (known fields: version, router_settings, deployments, "
       "aliases, fallbacks, context_window_fallbacks, content_policy_fallbacks, model_settings)"},
      {R"({"router_settings": {"strategy": "simple-shuffle"}})",
       "$.router_settings.strategy: must be one of round_robin, weighted, weighted_random, "
       "latency, availability, least_loaded, peak_ewma, cost, engine_aware (got "
       "\"simple-shuffle\")"},
      {R"({"deployments": [{"name": "a", "models": ["m"]}, {"name": "a", "models": ["m"]}]})",
       "$.deployments[1].name: duplicate deployment name 'a' (first at $.deployments[0].name)"},
  };
  for (const Rejected &c : cases) {
    llmr_router *router = nullptr;
    EXPECT_EQ(llmr_router_create_from_config(c.json, strlen(c.json), nullptr, &router),
              LLMR_ERR_CONFIG)
        << c.json;
    EXPECT_EQ(router, nullptr);
    EXPECT_STREQ(llmr_error_message(), c.message);
    EXPECT_EQ(llmr_config_validate(c.json, strlen(c.json)), LLMR_ERR_CONFIG);
    EXPECT_STREQ(llmr_error_message(), c.message);
  }
}

// Issue 17: the length covers the whole input; a NUL byte inside it does not end the JSON (the
// garbage after it was silently ignored).
TEST(ConfigApi, ANulByteInsideTheLengthIsRejected) {
  static const char text[] = "{\"deployments\":[]}\0{{{{";
  const size_t len = sizeof text - 1;
  ASSERT_EQ(len, 23u);
  EXPECT_EQ(llmr_config_validate(text, len), LLMR_ERR_CONFIG);
  EXPECT_NE(std::string(llmr_error_message()).find("a NUL byte at offset 18"), std::string::npos)
      << llmr_error_message();
  llmr_router *router = nullptr;
  EXPECT_EQ(llmr_router_create_from_config(text, len, nullptr, &router), LLMR_ERR_CONFIG);
  EXPECT_EQ(router, nullptr);
  // Without the tail the same bytes are a valid configuration.
  EXPECT_EQ(llmr_config_validate(text, 18), LLMR_OK) << llmr_error_message();
}

TEST(ConfigApi, FixedSettingsCannotChangeOnReload) {
  llmr_router *router = Create(R"({"router_settings": {"breaker": {"cooldown_base_ms": 1000}},
                                   "deployments": [{"name": "a", "models": ["m"]}]})");
  // The same value, or leaving it out, is fine; another value is rejected as a whole.
  EXPECT_EQ(Apply(router, R"({"router_settings": {"breaker": {"cooldown_base_ms": 1000}},
                              "deployments": [{"name": "a", "models": ["m"]}]})"),
            LLMR_OK);
  EXPECT_EQ(Apply(router, R"({"deployments": [{"name": "a", "models": ["m"]}]})"), LLMR_OK);
  EXPECT_EQ(Apply(router, R"({"router_settings": {"breaker": {"cooldown_base_ms": 2000}},
                              "deployments": [{"name": "b", "models": ["m"]}]})"),
            LLMR_ERR_CONFIG);
  EXPECT_STREQ(llmr_error_message(),
               "$.router_settings.breaker.cooldown_base_ms: cannot change on a running router (it "
               "is 1000, the configuration says 2000); create a new router to change it");
  EXPECT_EQ(Names(router), (std::vector<std::string>{"a"}));
  llmr_router_destroy(router);
}

TEST(ConfigApi, SettingsInvalidTogetherWithTheBaseAreConfigErrors) {
  llmr_router_options base;
  llmr_router_options_init(&base, sizeof base);
  base.breaker_cooldown_base_ms = 10'000;
  const char *json = R"({"router_settings": {"breaker": {"cooldown_max_ms": 5000}}})";
  llmr_router *router = nullptr;
  EXPECT_EQ(llmr_router_create_from_config(json, strlen(json), &base, &router), LLMR_ERR_CONFIG);
  // The setting the file gives is named by its path, the base option it conflicts with by its.
  EXPECT_STREQ(llmr_error_message(),
               "$.router_settings.breaker.cooldown_max_ms: must be >= breaker.cooldown_base_ms "
               "(10000)");
  // A base option the file leaves alone, out of its relation with one the file sets: the error
  // is the file's, at the path of what it sets.
  const char *base_high = R"({"router_settings": {"breaker": {"cooldown_base_ms": 600000}}})";
  llmr_router_options_init(&base, sizeof base);
  EXPECT_EQ(llmr_router_create_from_config(base_high, strlen(base_high), &base, &router),
            LLMR_ERR_CONFIG);
  EXPECT_STREQ(llmr_error_message(),
               "$.router_settings.breaker.cooldown_base_ms: conflicts with "
               "breaker.cooldown_max_ms (300000), which must be >= breaker.cooldown_base_ms "
               "(600000)");
  // Without router settings in the file, bad base options are the host's argument error, worded
  // as llmr_router_create() words it.
  base.breaker_cooldown_base_ms = 10'000;
  base.breaker_cooldown_max_ms = 1000;
  EXPECT_EQ(llmr_router_create_from_config("{}", 2, &base, &router), LLMR_ERR_INVALID_ARGUMENT);
  EXPECT_STREQ(llmr_error_message(),
               "option breaker_cooldown_max_ms must be >= breaker_cooldown_base_ms (10000)");
  EXPECT_EQ(llmr_router_create(&base, &router), LLMR_ERR_INVALID_ARGUMENT);
  EXPECT_STREQ(llmr_error_message(),
               "option breaker_cooldown_max_ms must be >= breaker_cooldown_base_ms (10000)");
  // Validation alone checks the settings against the defaults (cooldown base 5000 ms).
  const char *low = R"({"router_settings": {"breaker": {"cooldown_max_ms": 1000}}})";
  EXPECT_EQ(llmr_config_validate(low, strlen(low)), LLMR_ERR_CONFIG);
  EXPECT_STREQ(llmr_error_message(),
               "$.router_settings.breaker.cooldown_max_ms: must be >= breaker.cooldown_base_ms "
               "(5000)");
}

TEST(ConfigApi, FilesAndArguments) {
  llmr_router *router = nullptr;
  EXPECT_EQ(llmr_router_create_from_config_file("/nonexistent.json", nullptr, &router),
            LLMR_ERR_CONFIG);
  EXPECT_STREQ(llmr_error_message(), "$: cannot open configuration file '/nonexistent.json'");
  EXPECT_EQ(llmr_router_create_from_config(nullptr, 0, nullptr, &router),
            LLMR_ERR_INVALID_ARGUMENT);
  EXPECT_EQ(llmr_router_create_from_config("{}", 2, nullptr, nullptr), LLMR_ERR_INVALID_ARGUMENT);
  EXPECT_EQ(llmr_router_apply_config(nullptr, "{}", 2), LLMR_ERR_INVALID_ARGUMENT);
  EXPECT_EQ(llmr_router_apply_config_file(nullptr, kExample.c_str()), LLMR_ERR_INVALID_ARGUMENT);
  // Not NUL-terminated: only `len` bytes are read.
  const char buffer[] = {'{', '}', 'x'};
  ASSERT_EQ(llmr_router_create_from_config(buffer, 2, nullptr, &router), LLMR_OK);
  const std::string path = ::testing::TempDir() + "/llmroute_config_test.json";
  {
    std::ofstream out(path);
    out << kTwo;
  }
  EXPECT_EQ(llmr_router_apply_config_file(router, path.c_str()), LLMR_OK) << llmr_error_message();
  EXPECT_EQ(Names(router), (std::vector<std::string>{"a", "b"}));
  std::remove(path.c_str());
  llmr_router_destroy(router);
}

// Events through C, copied out of the callback.
struct Events {
  std::mutex mutex;
  std::vector<std::string> seen;  // "breaker:a:closed->open:5000", "applied:+c,-b:kept=1:gen=2"
  int releases = 0;
};

void OnEvent(void *user, const llmr_event *e) {
  auto *events = static_cast<Events *>(user);
  std::string text = llmr_event_kind_str(e->kind);
  if (e->kind == LLMR_EVENT_BREAKER) {
    text += std::string(":") + e->deployment + ":" + llmr_breaker_state_str(e->from) + "->" +
            llmr_breaker_state_str(e->to) + ":" + std::to_string(e->cooldown_ms);
  } else if (e->kind == LLMR_EVENT_CONFIG_APPLIED) {
    text += ":";
    for (size_t i = 0; i < e->added_count; ++i) text += std::string("+") + e->added[i] + ",";
    for (size_t i = 0; i < e->removed_count; ++i) text += std::string("-") + e->removed[i] + ",";
    text +=
        "kept=" + std::to_string(e->kept_count) + ":gen=" + std::to_string(e->config_generation);
  } else {
    text += std::string(":") + e->message;
  }
  std::lock_guard<std::mutex> lock(events->mutex);
  events->seen.push_back(text);
}

void OnRelease(void *user) {
  static_cast<Events *>(user)->releases++;
}

TEST(EventsApi, BreakerTransitionsAndReloads) {
  Sim sim;
  llmr_router *router = Create(R"({"deployments": [{"name": "a", "models": ["m"]}]})", &sim);
  Events events;
  llmr_event_listener listener;
  ASSERT_EQ(llmr_event_listener_init(&listener, sizeof listener), LLMR_OK);
  listener.user_data = &events;
  listener.fn = OnEvent;
  listener.release = OnRelease;
  ASSERT_EQ(llmr_router_set_event_listener(router, &listener), LLMR_OK);

  for (int i = 0; i < 5; ++i) Report(router, "m", LLMR_OUTCOME_TIMEOUT, 10);
  sim.Advance(5000);
  Report(router, "m", LLMR_OUTCOME_SUCCESS, 10);
  EXPECT_EQ(Apply(router, kTwo), LLMR_OK);
  EXPECT_EQ(Apply(router, R"({"deployments": [{"name": "c", "models": ["m"]}]})"), LLMR_OK);
  EXPECT_EQ(Apply(router, "[]"), LLMR_ERR_CONFIG);
  EXPECT_STREQ(llmr_error_message(), "$: must be an object (got an array)");
  {
    std::lock_guard<std::mutex> lock(events.mutex);
    EXPECT_EQ(events.seen, (std::vector<std::string>{
                               "breaker:a:closed->open:5000", "breaker:a:open->half_open:0",
                               "breaker:a:half_open->closed:0", "config_applied:+b,kept=1:gen=2",
                               "config_applied:+c,-a,-b,kept=0:gen=3",
                               "config_rejected:$: must be an object (got an array)"}));
  }
  EXPECT_EQ(events.releases, 0);
  ASSERT_EQ(llmr_router_set_event_listener(router, nullptr), LLMR_OK);
  EXPECT_EQ(events.releases, 1);  // released once it is replaced
  listener.fn = nullptr;
  EXPECT_EQ(llmr_router_set_event_listener(router, &listener), LLMR_ERR_INVALID_ARGUMENT);
  EXPECT_STREQ(llmr_event_kind_str(LLMR_EVENT_CONFIG_REJECTED), "config_rejected");
  llmr_router_destroy(router);
}

TEST(EventsApi, ListenerIsReleasedWithTheRouter) {
  llmr_router *router = Create(kTwo);
  Events events;
  llmr_event_listener listener;
  llmr_event_listener_init(&listener, sizeof listener);
  listener.user_data = &events;
  listener.fn = OnEvent;
  listener.release = OnRelease;
  ASSERT_EQ(llmr_router_set_event_listener(router, &listener), LLMR_OK);
  llmr_router_destroy(router);
  EXPECT_EQ(events.releases, 1);
}

TEST(ReloadApi, AdaptersAndHealthStayWithTheirDeployments) {
  scripted::Harness h;
  h.Add("a", {"m"}, {scripted::Ok("from a")});
  h.Add("b", {"m"}, {scripted::Fail(LLMR_OUTCOME_SERVER_ERROR)});
  for (int i = 0; i < 4; ++i) ASSERT_EQ(h.Call("m").status, LLMR_OK);
  const llmr_health a_before = h.Health("a");
  // b goes, a stays with a new weight, c arrives (without an adapter).
  ASSERT_EQ(Apply(h.router, R"({"deployments": [{"name": "a", "models": ["m"], "weight": 2},
                                               {"name": "c", "models": ["m"]}]})"),
            LLMR_OK)
      << llmr_error_message();
  EXPECT_EQ(h.scripts["b"].releases.load(), 1);
  EXPECT_EQ(h.scripts["a"].releases.load(), 0);
  const llmr_health a_after = h.Health("a");
  EXPECT_EQ(a_after.picks, a_before.picks);
  EXPECT_EQ(a_after.successes, a_before.successes);
  EXPECT_EQ(a_after.weight, 2u);
  for (int i = 0; i < 3; ++i) {
    const auto r = h.Call("m");
    EXPECT_EQ(r.status, LLMR_OK);
    EXPECT_EQ(r.response, "from a");  // c serves picks, not calls, until it has an adapter
  }
}

TEST(StatsApi, SnapshotOfDeploymentsModelsAndConfig) {
  Sim sim;  // time stands still: the text rendered twice below is the same
  llmr_router *router = Create(R"({"deployments": [{"name": "a", "models": ["m"]}],
                                   "aliases": {"alias": "m"}})",
                               &sim);
  for (int i = 1; i <= 10; ++i)
    Report(router, i % 2 ? "m" : "alias", LLMR_OUTCOME_SUCCESS, i * 10, 5, 2);
  Report(router, "m", LLMR_OUTCOME_CONTENT_POLICY, 1);
  Report(router, "m", LLMR_OUTCOME_RATE_LIMITED, 1, 0, 0, 30'000);  // trips it for 30 s
  EXPECT_EQ(Apply(router, "not json"), LLMR_ERR_CONFIG);

  llmr_stats *stats = nullptr;
  ASSERT_EQ(llmr_router_stats(router, &stats), LLMR_OK);
  ASSERT_EQ(llmr_stats_deployment_count(stats), 1u);
  llmr_deployment_stats d;
  ASSERT_EQ(llmr_deployment_stats_init(&d, sizeof d), LLMR_OK);
  ASSERT_EQ(llmr_stats_deployment(stats, 0, &d), LLMR_OK);
  EXPECT_STREQ(d.name, "a");
  EXPECT_EQ(d.picks, 12);
  EXPECT_EQ(d.successes, 10);
  EXPECT_EQ(d.rate_limited, 1);
  EXPECT_EQ(d.content_policy, 1);
  EXPECT_EQ(d.server_errors, 0);
  EXPECT_EQ(d.input_tokens, 50);
  EXPECT_EQ(d.output_tokens, 20);
  EXPECT_EQ(d.latency_count, 10);
  EXPECT_DOUBLE_EQ(d.latency_sum_ms, 550);
  EXPECT_NEAR(d.latency_p50_ms, 50, 4);
  EXPECT_NEAR(d.latency_p90_ms, 90, 4);
  EXPECT_NEAR(d.latency_p99_ms, 100, 4);
  EXPECT_EQ(d.state, LLMR_BREAKER_OPEN);  // the 429 tripped it
  EXPECT_EQ(d.breaker_opened, 1);
  EXPECT_EQ(d.cooldown_remaining_ms, 30'000);
  EXPECT_EQ(d.eligible, 0);
  ASSERT_EQ(llmr_stats_model_count(stats), 1u);
  llmr_model_stats m;
  ASSERT_EQ(llmr_model_stats_init(&m, sizeof m), LLMR_OK);
  ASSERT_EQ(llmr_stats_model(stats, 0, &m), LLMR_OK);
  EXPECT_STREQ(m.model, "m");
  EXPECT_EQ(m.picks, 12);
  int64_t applied = 0, rejected = 0;
  ASSERT_EQ(llmr_stats_config_counts(stats, &applied, &rejected), LLMR_OK);
  EXPECT_EQ(applied, 1);
  EXPECT_EQ(rejected, 1);
  EXPECT_EQ(llmr_stats_deployment(stats, 1, &d), LLMR_ERR_INVALID_ARGUMENT);
  d.struct_size = 8;
  EXPECT_EQ(llmr_stats_deployment(stats, 0, &d), LLMR_ERR_INVALID_ARGUMENT);

  // The metrics text: owned by the snapshot, or written into a caller's buffer.
  const char *text = nullptr;
  size_t len = 0;
  ASSERT_EQ(llmr_stats_metrics_text(stats, &text, &len), LLMR_OK);
  EXPECT_EQ(strlen(text), len);
  EXPECT_NE(std::string(text).find("llmroute_deployment_requests_total{deployment=\"a\","
                                   "outcome=\"success\"} 10\n"),
            std::string::npos);
  size_t needed = 0;
  EXPECT_EQ(llmr_router_metrics_text(router, nullptr, 0, &needed), LLMR_ERR_BUFFER_TOO_SMALL);
  EXPECT_EQ(needed, len + 1);  // nothing changed since the snapshot
  std::vector<char> small(needed - 1);
  EXPECT_EQ(llmr_router_metrics_text(router, small.data(), small.size(), &needed),
            LLMR_ERR_BUFFER_TOO_SMALL);
  std::vector<char> buffer(needed);
  ASSERT_EQ(llmr_router_metrics_text(router, buffer.data(), buffer.size(), &needed), LLMR_OK);
  EXPECT_STREQ(buffer.data(), text);
  llmr_stats_free(stats);
  llmr_stats_free(nullptr);
  EXPECT_EQ(llmr_stats_deployment_count(nullptr), 0u);
  llmr_router_destroy(router);
}

}  // namespace
