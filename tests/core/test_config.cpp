// The JSON configuration parser (src/config): the shipped example round-trips into the core's
// types, accepted variants (comments, LiteLLM's fallback list form, nulls), and one test per kind
// of invalid value asserting the JSON path and the reason in the message.
#include <gtest/gtest.h>

#include <cmath>
#include <fstream>
#include <sstream>
#include <string>

#include "config/config.hpp"
#include "core/enum_names.hpp"
#include "core/router.hpp"

namespace llmroute::config {
namespace {

std::string ReadExample() {
  std::ifstream file(std::string(LLMR_SOURCE_DIR) + "/examples/config.json");
  std::stringstream text;
  text << file.rdbuf();
  return text.str();
}

Document MustParse(const std::string &json) {
  Document doc;
  const Status status = Parse(json, &doc);
  EXPECT_TRUE(status.ok()) << status.message();
  return doc;
}

const DeploymentSpec *Find(const Document &doc, const std::string &name) {
  for (const DeploymentSpec &spec : doc.routing.deployments) {
    if (spec.name == name) return &spec;
  }
  return nullptr;
}

TEST(ConfigExample, ParsesIntoTheCoreTypes) {
  const Document doc = MustParse(ReadExample());
  const RouterConfiguration &r = doc.routing;
  ASSERT_EQ(r.deployments.size(), 6u);
  const DeploymentSpec *eu = Find(doc, "azure-eu-gpt4o");
  ASSERT_NE(eu, nullptr);
  EXPECT_EQ(eu->models, (std::vector<std::string>{"gpt-4o", "gpt-4o-2024-*"}));
  EXPECT_EQ(eu->weight, 3u);
  EXPECT_EQ(eu->tier, 0u);
  EXPECT_EQ(eu->tags, (std::vector<std::string>{"eu", "zdr"}));
  EXPECT_EQ(eu->cost_per_million_input, 2.5);
  EXPECT_EQ(eu->cost_per_million_output, 10.0);
  EXPECT_EQ(eu->rpm_limit, 600u);
  EXPECT_EQ(eu->tpm_limit, 150000u);
  EXPECT_EQ(eu->max_in_flight, 64u);
  // Defaults for what a deployment leaves out.
  const DeploymentSpec *mini = Find(doc, "openai-gpt4o-mini");
  ASSERT_NE(mini, nullptr);
  EXPECT_EQ(mini->weight, 1u);
  EXPECT_EQ(mini->tier, 0u);
  EXPECT_TRUE(mini->tags.empty());
  EXPECT_EQ(mini->rpm_limit, 0u);
  EXPECT_EQ(Find(doc, "azure-us-gpt4o-backup")->tier, 1u);
  // Order is kept.
  EXPECT_EQ(r.deployments.front().name, "azure-eu-gpt4o");
  EXPECT_EQ(r.deployments.back().name, "vllm-llama");

  EXPECT_EQ(r.aliases.size(), 3u);  // the "_comment" key is not an alias
  EXPECT_EQ(r.fallbacks[0].size(), 2u);
  EXPECT_EQ(r.fallbacks[0][0].first, "gpt-4o");
  EXPECT_EQ(r.fallbacks[0][0].second,
            (std::vector<std::string>{"claude-3-5-sonnet", "gpt-4o-mini"}));
  EXPECT_EQ(r.fallbacks[1].size(), 1u);
  EXPECT_EQ(r.fallbacks[2].size(), 1u);
  ASSERT_EQ(r.model_strategies.size(), 2u);
  ASSERT_TRUE(r.strategy.has_value());
  EXPECT_EQ(*r.strategy, StrategyKind::kLatency);

  // Every router setting of the example, applied over options that differ from it.
  RouterOptions options;
  options.breaker.consecutive_failures = 99;
  ApplySettings(doc.settings, &options);
  EXPECT_EQ(options.breaker.consecutive_failures, 5u);
  EXPECT_EQ(options.breaker.window_ns, 30'000 * kNsPerMs);
  EXPECT_EQ(options.strategy_params.slow_start.window_ns, 30'000 * kNsPerMs);
  EXPECT_EQ(options.affinity_load_factor, 1.25);
  EXPECT_EQ(doc.settings.present.size(), 21u);
  EXPECT_TRUE(options.Validate().ok());
}

TEST(ConfigExample, RoundTripsThroughARouter) {
  Document doc = MustParse(ReadExample());
  RouterOptions options;
  ApplySettings(doc.settings, &options);
  std::unique_ptr<Router> router;
  ASSERT_TRUE(Router::Create(std::move(options), &router).ok());
  ConfigurationChange change;
  ASSERT_TRUE(router->ApplyConfiguration(std::move(doc.routing), &change).ok());
  EXPECT_EQ(change.added.size(), 6u);
  EXPECT_EQ(change.generation, 1u);
  // Applying the same file again keeps everything and changes nothing.
  Document again = MustParse(ReadExample());
  EXPECT_TRUE(CheckSettingsUnchanged(again.settings, router->options()).ok());
  ASSERT_TRUE(router->ApplyConfiguration(std::move(again.routing), &change).ok());
  EXPECT_TRUE(change.added.empty());
  EXPECT_TRUE(change.removed.empty());
  EXPECT_EQ(change.kept, 6u);
  // Aliases, globs and tiers route as configured.
  PickResult pick;
  ASSERT_TRUE(router->Pick("gpt-4", "gpt-4", {}, &pick).ok());
  EXPECT_STREQ(pick.model, "gpt-4o");
  EXPECT_EQ(pick.tier, 0u);
  ASSERT_TRUE(router->Cancel(pick.ticket).ok());
  ASSERT_TRUE(router->Pick("llama-3.1-8b", "llama-3.1-8b", {}, &pick).ok());
  EXPECT_STREQ(pick.deployment, "vllm-llama");
  ASSERT_TRUE(router->Cancel(pick.ticket).ok());
  std::vector<FallbackEntry> fallbacks;
  ASSERT_TRUE(router->Fallbacks("gpt-4o", {}, &fallbacks).ok());
  ASSERT_FALSE(fallbacks.empty());
  EXPECT_EQ(fallbacks.back().model, "gpt-4o-mini");
}

TEST(ConfigVariants, MinimalConfiguration) {
  const Document doc = MustParse(R"({"deployments": [{"name": "a", "models": ["*"]}]})");
  EXPECT_EQ(doc.routing.deployments.size(), 1u);
  EXPECT_FALSE(doc.routing.strategy.has_value());
  EXPECT_TRUE(doc.settings.present.empty());
  EXPECT_TRUE(MustParse("{}").routing.deployments.empty());
}

TEST(ConfigVariants, LiteLlmFallbackListForm) {
  const Document doc = MustParse(R"({"fallbacks": [{"a": ["b", "c"]}, {"b": ["c"]}]})");
  ASSERT_EQ(doc.routing.fallbacks[0].size(), 2u);
  EXPECT_EQ(doc.routing.fallbacks[0][1].first, "b");
}

TEST(ConfigVariants, NullMeansAbsentAndIntegralFloatsAreIntegers) {
  const Document doc = MustParse(
      R"({"deployments": [{"name": "a", "models": ["m"], "weight": null, "tier": 2.0}]})");
  EXPECT_EQ(doc.routing.deployments[0].weight, 1u);
  EXPECT_EQ(doc.routing.deployments[0].tier, 2u);
}

TEST(ConfigVariants, StrictTiersAndAllOpenPanic) {
  const Document doc = MustParse(
      R"({"router_settings": {"tier_overprovisioning_factor": "infinity",
                              "all_open_policy": "panic"}})");
  EXPECT_TRUE(std::isinf(doc.settings.values.tier_overprovisioning_factor));
  EXPECT_EQ(doc.settings.values.all_open_policy, AllOpenPolicy::kPanic);
}

TEST(ConfigSettings, ReloadMayNotChangeFixedSettings) {
  const Document doc = MustParse(R"({"router_settings": {"breaker": {"window_ms": 60000}}})");
  RouterOptions running;  // window 30000 ms
  const Status s = CheckSettingsUnchanged(doc.settings, running);
  EXPECT_EQ(s.code(), Code::kConfig);
  EXPECT_EQ(s.message(),
            "$.router_settings.breaker.window_ms: cannot change on a running router (it is 30000, "
            "the configuration says 60000); create a new router to change it");
  running.breaker.window_ns = 60'000 * kNsPerMs;
  EXPECT_TRUE(CheckSettingsUnchanged(doc.settings, running).ok());
}

// One invalid value: the message is "<path>: <reason>".
struct Invalid {
  const char *name;
  std::string json;
  std::string path;
  std::string reason;  // a substring of what follows "<path>: "
};

void PrintTo(const Invalid &c, std::ostream *os) {
  *os << c.name;
}

class ConfigRejects : public ::testing::TestWithParam<Invalid> {};

TEST_P(ConfigRejects, NamesThePathAndTheReason) {
  const Invalid &c = GetParam();
  Document doc;
  const Status status = Parse(c.json, &doc);
  ASSERT_FALSE(status.ok()) << c.name;
  EXPECT_EQ(status.code(), Code::kConfig);
  const std::string &m = status.message();
  EXPECT_EQ(m.substr(0, c.path.size() + 2), c.path + ": ") << m;
  EXPECT_NE(m.find(c.reason, c.path.size()), std::string::npos) << m;
}

std::string Dep(const std::string &fields) {
  return R"({"deployments": [{"name": "a", "models": ["m"])" +
         (fields.empty() ? "" : ", " + fields) + "}]}";
}
std::string Settings(const std::string &inner) {
  return R"({"router_settings": )" + inner + "}";
}
std::string Breaker(const std::string &fields) {
  return Settings(R"({"breaker": {)" + fields + "}}");
}

const Invalid kInvalid[] = {
    {"Syntax", R"({"deployments": [{"name": "a",]})", "$.deployments[0]",
     "invalid JSON: parse error at line 1, column 31: syntax error while parsing object key"},
    {"TrailingGarbage", "{} x", "$", "invalid JSON"},
    {"Empty", "", "$", "invalid JSON"},
    {"DuplicateKey", R"({"deployments": [{"name": "a", "models": ["m"], "name": "b"}]})",
     "$.deployments[0].name", "duplicate key"},
    {"IllFormedUtf8", "{\"aliases\": {\"a\": \"\xff\"}}", "$.aliases", "invalid JSON"},
    {"TooDeep", std::string(70, '[') + std::string(70, ']'),
     [] {
       std::string path = "$";
       for (int i = 0; i < 64; ++i) path += "[0]";
       return path;
     }(),
     "nested deeper than 64 levels"},
    {"RootNotObject", "[]", "$", "must be an object (got an array)"},
    {"UnknownTopLevelField", R"({"deplyments": []})", "$.deplyments",
     "unknown field (known fields: version, router_settings, deployments"},
    {"UnsupportedVersion", R"({"version": 2})", "$.version", "unsupported version 2"},
    {"DeploymentsNotArray", R"({"deployments": {}})", "$.deployments",
     "must be an array (got an object)"},
    {"DeploymentNotObject", R"({"deployments": [3]})", "$.deployments[0]",
     "must be an object (got a number)"},
    {"UnknownDeploymentField", Dep(R"("wieght": 2)"), "$.deployments[0].wieght", "unknown field"},
    {"MissingName", R"({"deployments": [{"models": ["m"]}]})", "$.deployments[0]",
     "a deployment needs a \"name\""},
    {"NameNotString", R"({"deployments": [{"name": 42, "models": ["m"]}]})",
     "$.deployments[0].name", "must be a string (got 42)"},
    {"EmptyName", R"({"deployments": [{"name": "", "models": ["m"]}]})", "$.deployments[0].name",
     "name is empty"},
    {"NameTooLong",
     R"({"deployments": [{"name": ")" + std::string(300, 'x') + R"(", "models": ["m"]}]})",
     "$.deployments[0].name", "name is 300 bytes long; the limit is 256"},
    {"DuplicateDeploymentName",
     R"({"deployments": [{"name": "a", "models": ["m"]}, {"name": "a", "models": ["n"]}]})",
     "$.deployments[1].name", "duplicate deployment name 'a' (first at $.deployments[0].name)"},
    {"MissingModels", R"({"deployments": [{"name": "a"}]})", "$.deployments[0]",
     "deployment 'a' needs \"models\""},
    {"EmptyModels", R"({"deployments": [{"name": "a", "models": []}]})", "$.deployments[0].models",
     "must not be empty"},
    {"ModelsNotArray", R"({"deployments": [{"name": "a", "models": "m"}]})",
     "$.deployments[0].models", "must be an array (got a string)"},
    {"ModelNotString", R"({"deployments": [{"name": "a", "models": ["m", 7]}]})",
     "$.deployments[0].models[1]", "must be a string (got 7)"},
    {"ControlCharacterInTag", Dep(R"("tags": ["eu\u0001"])"), "$.deployments[0].tags[0]",
     "name contains a control character (at byte 2)"},
    {"ControlCharacterInKey", R"({"aliases": {"a\nb": "m"}})", "$.aliases['a\\x0ab']",
     "key contains a control character (at byte 1)"},
    {"WeightZero", Dep(R"("weight": 0)"), "$.deployments[0].weight",
     "must be an integer in 1..1000000 (got 0)"},
    {"WeightTooLarge", Dep(R"("weight": 1000001)"), "$.deployments[0].weight",
     "must be an integer in 1..1000000 (got 1000001)"},
    {"WeightFraction", Dep(R"("weight": 2.5)"), "$.deployments[0].weight",
     "must be an integer in 1..1000000 (got 2.5)"},
    {"WeightNegative", Dep(R"("weight": -3)"), "$.deployments[0].weight",
     "must be an integer in 1..1000000 (got -3)"},
    {"WeightString", Dep(R"("weight": "3")"), "$.deployments[0].weight",
     "must be an integer in 1..1000000 (got \"3\")"},
    {"TierTooLarge", Dep(R"("tier": 256)"), "$.deployments[0].tier",
     "must be an integer in 0..255 (got 256)"},
    {"CostNegative", Dep(R"("cost_per_million_input": -1)"),
     "$.deployments[0].cost_per_million_input", "must be a number >= 0 (got -1)"},
    {"CostNotNumber", Dep(R"("cost_per_million_output": true)"),
     "$.deployments[0].cost_per_million_output", "must be a number >= 0 (got true)"},
    {"RpmLimitTooLarge", Dep(R"("rpm_limit": 4294967296)"), "$.deployments[0].rpm_limit",
     "must be an integer in 0..4294967295 (got 4294967296)"},
    {"TpmLimitNegative", Dep(R"("tpm_limit": -1)"), "$.deployments[0].tpm_limit",
     "must be an integer in 0..9007199254740992 (got -1)"},
    {"MaxInFlightFraction", Dep(R"("max_in_flight": 0.5)"), "$.deployments[0].max_in_flight",
     "must be an integer in 0..4294967295 (got 0.5)"},
    {"AliasesNotObject", R"({"aliases": ["a"]})", "$.aliases", "must be an object (got an array)"},
    {"AliasTargetNotString", R"({"aliases": {"gpt-4": 4}})", "$.aliases['gpt-4']",
     "must be a string (got 4)"},
    {"AliasToItself", R"({"aliases": {"fast": "fast"}})", "$.aliases.fast",
     "alias 'fast' cannot map to itself"},
    {"AliasOfAlias", R"({"aliases": {"a": "b", "b": "m"}})", "$.aliases.a",
     "target 'b' is itself an alias"},
    {"AliasEmptyKey", R"({"aliases": {"": "m"}})", "$.aliases['']", "key is empty"},
    {"FallbacksWrongType", R"({"fallbacks": "gpt-4o"})", "$.fallbacks",
     "must be an object mapping a model to its fallback models (got a string)"},
    {"FallbackChainNotArray", R"({"context_window_fallbacks": {"m": "n"}})",
     "$.context_window_fallbacks.m", "must be an array (got a string)"},
    {"FallbackToItself", R"({"fallbacks": {"gpt-4o": ["gpt-4o-mini", "gpt-4o"]}})",
     "$.fallbacks['gpt-4o'][1]", "model 'gpt-4o' cannot be its own fallback"},
    {"FallbackListedTwice", R"({"content_policy_fallbacks": {"m": ["n", "n"]}})",
     "$.content_policy_fallbacks.m[1]", "'n' is listed twice"},
    {"FallbackChainTwiceInListForm", R"({"fallbacks": [{"m": ["n"]}, {"m": ["o"]}]})",
     "$.fallbacks[1].m", "a second chain for model 'm' (first at $.fallbacks[0].m)"},
    {"RouterSettingsNotObject", Settings("[]"), "$.router_settings", "must be an object"},
    {"UnknownRouterSetting", Settings(R"({"routing_strategy": "x"})"),
     "$.router_settings.routing_strategy", "unknown field"},
    {"UnknownStrategy", Settings(R"({"strategy": "fastest"})"), "$.router_settings.strategy",
     "must be one of round_robin, weighted, weighted_random, latency, availability, least_loaded, "
     "peak_ewma, cost, engine_aware (got \"fastest\")"},
    {"DefaultIsNotAStrategy", Settings(R"({"strategy": "default"})"), "$.router_settings.strategy",
     "must be one of round_robin, weighted, weighted_random, latency, availability, "
     "least_loaded, peak_ewma, cost, engine_aware (got \"default\")"},
    {"ModelStrategyUnknown", R"({"model_settings": {"gpt-4o": {"strategy": "cheapest"}}})",
     "$.model_settings['gpt-4o'].strategy",
     "must be one of round_robin, weighted, weighted_random, latency, availability, "
     "least_loaded, peak_ewma, cost, engine_aware (got \"cheapest\")"},
    {"ModelSettingUnknownField", R"({"model_settings": {"m": {"weight": 2}}})",
     "$.model_settings.m.weight", "unknown field (known fields: strategy)"},
    {"AllOpenPolicyUnknown", Settings(R"({"all_open_policy": "random"})"),
     "$.router_settings.all_open_policy", "must be one of fail_fast, panic (got \"random\")"},
    {"BreakerConsecutiveFailuresZero", Breaker(R"("consecutive_failures": 0)"),
     "$.router_settings.breaker.consecutive_failures", "must be an integer in 1..1000000"},
    {"BreakerFailureRatioAboveOne", Breaker(R"("failure_ratio": 1.5)"),
     "$.router_settings.breaker.failure_ratio", "must be a number in [0, 1] (got 1.5)"},
    {"BreakerMinRequestsZero", Breaker(R"("min_requests": 0)"),
     "$.router_settings.breaker.min_requests", "must be an integer in 1..1000000000 (got 0)"},
    {"BreakerWindowTooLong", Breaker(R"("window_ms": 40000000000)"),
     "$.router_settings.breaker.window_ms", "must be an integer in 1..31536000000"},
    {"BreakerCooldownMaxBelowBase", Breaker(R"("cooldown_base_ms": 5000, "cooldown_max_ms": 10)"),
     "$.router_settings.breaker.cooldown_max_ms", "must be >= breaker.cooldown_base_ms (5000)"},
    {"BreakerJitterOne", Breaker(R"("jitter": 1)"), "$.router_settings.breaker.jitter",
     "must be a number in [0, 1) (got 1)"},
    {"BreakerProbesZero", Breaker(R"("half_open_max_probes": 0)"),
     "$.router_settings.breaker.half_open_max_probes", "must be an integer in 1..1000000"},
    {"UnknownBreakerField", Breaker(R"("cooldown_ms": 1)"), "$.router_settings.breaker.cooldown_ms",
     "unknown field"},
    {"LatencyAlphaZero", Settings(R"({"latency": {"ewma_alpha": 0}})"),
     "$.router_settings.latency.ewma_alpha", "must be a number in (0, 1] (got 0)"},
    {"LatencyBufferNegative", Settings(R"({"latency": {"buffer": -0.1}})"),
     "$.router_settings.latency.buffer", "must be a number >= 0 (got -0.1)"},
    {"RetryBudgetTooManyTokens", Settings(R"({"retry_budget": {"max_tokens": 5000}})"),
     "$.router_settings.retry_budget.max_tokens", "must be a number in [0, 1000] (got 5000)"},
    {"RetryBudgetRatioAboveMax",
     Settings(R"({"retry_budget": {"max_tokens": 2, "token_ratio": 3}})"),
     "$.router_settings.retry_budget.token_ratio", "must be <= retry_budget.max_tokens (2)"},
    {"OverprovisioningBelowOne", Settings(R"({"tier_overprovisioning_factor": 0.5})"),
     "$.router_settings.tier_overprovisioning_factor",
     "must be a number >= 1 or infinity (strict tiers) (got 0.5)"},
    {"SlowStartPercentAbove100", Settings(R"({"slow_start": {"min_weight_percent": 101}})"),
     "$.router_settings.slow_start.min_weight_percent", "must be a number in [0, 100] (got 101)"},
    {"SlowStartAggressionZero", Settings(R"({"slow_start": {"aggression": 0}})"),
     "$.router_settings.slow_start.aggression", "must be a number > 0 (got 0)"},
    {"PeakEwmaPenaltyBelowOne", Settings(R"({"peak_ewma": {"failure_penalty": 0.5}})"),
     "$.router_settings.peak_ewma.failure_penalty", "must be a number >= 1 (got 0.5)"},
    {"PeakEwmaDecayZero", Settings(R"({"peak_ewma": {"decay_ms": 0}})"),
     "$.router_settings.peak_ewma.decay_ms", "must be an integer in 1..31536000000 (got 0)"},
    {"AffinityLoadFactorBetween0And1", Settings(R"({"affinity_load_factor": 0.5})"),
     "$.router_settings.affinity_load_factor", "must be 0 (unbounded) or a number >= 1 (got 0.5)"},
};

INSTANTIATE_TEST_SUITE_P(Invalid, ConfigRejects, ::testing::ValuesIn(kInvalid),
                         [](const ::testing::TestParamInfo<Invalid> &param) {
                           return std::string(param.param.name);
                         });

TEST(ConfigLimits, TooManyDeployments) {
  std::string json = R"({"deployments": [)";
  for (uint32_t i = 0; i <= kMaxDeployments; ++i) {
    json += (i ? "," : "") + std::string(R"({"name": "d)") + std::to_string(i) +
            R"(", "models": ["m"]})";
  }
  json += "]}";
  Document doc;
  const Status status = Parse(json, &doc);
  EXPECT_EQ(status.code(), Code::kConfig);
  EXPECT_EQ(status.message().rfind("$.deployments: has 4097 deployments", 0), 0u)
      << status.message();
}

TEST(ConfigLimits, TooLarge) {
  Document doc;
  const std::string json(kMaxConfigBytes + 1, ' ');
  const Status status = Parse(json, &doc);
  EXPECT_EQ(status.code(), Code::kConfig);
  EXPECT_EQ(status.message().rfind("$: the configuration has", 0), 0u) << status.message();
}

TEST(ConfigFile, MissingFileIsAConfigError) {
  Document doc;
  const Status status = ParseFile("/nonexistent/llmroute.json", &doc);
  EXPECT_EQ(status.code(), Code::kConfig);
  EXPECT_EQ(status.message(), "$: cannot open configuration file '/nonexistent/llmroute.json'");
}

}  // namespace
}  // namespace llmroute::config
