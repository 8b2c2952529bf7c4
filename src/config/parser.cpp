// The configuration schema: walks the DOM with the JSON path of every value, converts each value
// to the core's types and range-checks it where it stands, so that the error names its path.
#include <cmath>
#include <fstream>
#include <limits>
#include <map>
#include <optional>
#include <set>
#include <sstream>
#include <tuple>

#include "config/config.hpp"
#include "config/json_reader.hpp"
#include "core/enum_names.hpp"
#include "core/names.hpp"
#include "core/shared_state/redis_url.hpp"

namespace llmroute::config {

namespace {

using Json = nlohmann::ordered_json;

// Thrown inside the parser only; Parse() turns it into a Status.
struct ConfigError {
  std::string path;
  std::string reason;
};

[[noreturn]] void Throw(const std::string &path, std::string reason) {
  throw ConfigError{path, std::move(reason)};
}

// A short rendering of a value for messages: `got "abc"`, `got -1`, `got an object`.
std::string Shown(const Json &value) {
  if (value.is_object()) return "an object";
  if (value.is_array()) return "an array";
  std::string text = value.dump(-1, ' ', false, Json::error_handler_t::replace);
  if (text.size() > 60) text = text.substr(0, 57) + "...";
  return text;
}

std::string TypeName(const Json &value) {
  switch (value.type()) {
    case Json::value_t::null:
      return "null";
    case Json::value_t::boolean:
      return "a boolean";
    case Json::value_t::string:
      return "a string";
    case Json::value_t::array:
      return "an array";
    case Json::value_t::object:
      return "an object";
    default:
      return "a number";
  }
}

// Keys starting with '_' are comments ("_comment": "...") and are ignored everywhere.
bool IsComment(std::string_view key) {
  return !key.empty() && key.front() == '_';
}

// A value and its path.
class Node {
 public:
  Node(const Json &value, std::string path) : value_(value), path_(std::move(path)) {}

  const Json &value() const { return value_; }
  const std::string &path() const { return path_; }

  [[noreturn]] void Fail(std::string reason) const { Throw(path_, std::move(reason)); }

  // An object whose keys all belong to `known` (comments aside).
  void ExpectObject(std::initializer_list<std::string_view> known) const {
    if (!value_.is_object()) Fail("must be an object (got " + TypeName(value_) + ")");
    for (const auto &[key, unused] : value_.items()) {
      if (IsComment(key)) continue;
      bool found = false;
      for (std::string_view k : known) found = found || k == key;
      if (!found) {
        std::string list;
        for (std::string_view k : known) list += (list.empty() ? "" : ", ") + std::string(k);
        Throw(MemberPath(path_, key), "unknown field (known fields: " + list + ")");
      }
    }
  }

  // A member, when present (null counts as absent).
  std::optional<Node> Member(std::string_view key) const {
    const auto found = value_.find(key);
    if (found == value_.end() || found->is_null()) return std::nullopt;
    return Node(*found, MemberPath(path_, key));
  }

  // An object used as a map (keys are names); comments skipped.
  template <typename F>
  void ForEachMember(F f) const {
    if (!value_.is_object()) Fail("must be an object (got " + TypeName(value_) + ")");
    for (const auto &[key, item] : value_.items()) {
      if (IsComment(key)) continue;
      const Node node(item, MemberPath(path_, key));
      CheckName(key, node, "key");
      f(key, node);
    }
  }

  template <typename F>
  void ForEachElement(F f) const {
    if (!value_.is_array()) Fail("must be an array (got " + TypeName(value_) + ")");
    size_t index = 0;
    for (const Json &item : value_) f(Node(item, ElementPath(path_, index++)));
  }

  std::string String() const {
    if (!value_.is_string()) Fail("must be a string (got " + Shown(value_) + ")");
    return value_.get<std::string>();
  }

  // A name (deployment, model, alias, tag): 1..256 bytes of UTF-8 without control characters.
  std::string Name() const {
    std::string name = String();
    CheckName(name, *this, "name");
    return name;
  }

  std::vector<std::string> NameList(bool allow_empty) const {
    std::vector<std::string> names;
    ForEachElement([&](const Node &item) { names.push_back(item.Name()); });
    if (names.empty() && !allow_empty) Fail("must not be empty");
    if (names.size() > kListMax) {
      Fail("has " + std::to_string(names.size()) + " entries; at most " + std::to_string(kListMax) +
           " are allowed");
    }
    return names;
  }

  // An integer in [min, max]; 3.0 counts as 3.
  template <typename T>
  T Integer(T min, T max) const {
    const std::string range = "must be an integer in " + std::to_string(min) + ".." +
                              std::to_string(max) + " (got " + Shown(value_) + ")";
    if (value_.is_number_unsigned()) {
      const auto v = value_.get<uint64_t>();
      if (v > static_cast<uint64_t>(max) || (min > 0 && v < static_cast<uint64_t>(min))) {
        Fail(range);
      }
      return static_cast<T>(v);
    }
    if (value_.is_number_integer()) {
      const auto v = value_.get<int64_t>();
      if (v < 0 && min >= 0) Fail(range);
      if (v >= 0 && (static_cast<uint64_t>(v) > static_cast<uint64_t>(max) ||
                     static_cast<uint64_t>(v) < static_cast<uint64_t>(min >= 0 ? min : 0))) {
        Fail(range);
      }
      return static_cast<T>(v);
    }
    if (value_.is_number_float()) {
      const double v = value_.get<double>();
      if (std::floor(v) != v || !(v >= static_cast<double>(min)) ||
          !(v <= static_cast<double>(max))) {
        Fail(range);
      }
      return static_cast<T>(v);
    }
    Fail(range);
  }

  // A finite number; `check` says whether it is in range, `range` says what is.
  template <typename Check>
  double Number(Check check, const std::string &range) const {
    if (!value_.is_number()) {
      Fail("must be a number " + range + " (got " + Shown(value_) + ")");
    }
    const double v = value_.get<double>();
    if (!std::isfinite(v) || !check(v)) {
      Fail("must be a number " + range + " (got " + Shown(value_) + ")");
    }
    return v;
  }

 private:
  // `what` is "name" or "key"; the message does not repeat the name (it may hold control bytes).
  static void CheckName(std::string_view name, const Node &at, const char *what) {
    if (Status s = ValidateName(name, what); !s.ok()) Throw(at.path(), s.message());
  }

  const Json &value_;
  std::string path_;
};

constexpr int64_t kMaxDurationMs = 365LL * 24 * 3600 * 1000;  // one year

StrategyKind ParseStrategyNode(const Node &node) {
  const std::string name = node.String();
  const std::optional<StrategyKind> kind = ParseStrategy(name);  // the C API's list too
  if (!kind) {
    node.Fail("unknown strategy " + Shown(node.value()) + " (known: " + KnownStrategyNames() + ")");
  }
  return *kind;
}

class Parser {
 public:
  explicit Parser(Document *doc) : doc_(*doc) {}

  void Root(const Node &root) {
    root.ExpectObject({"version", "router_settings", "deployments", "aliases", "fallbacks",
                       "context_window_fallbacks", "content_policy_fallbacks", "model_settings"});
    if (auto v = root.Member("version")) {
      if (!v->value().is_number() || v->value().get<double>() != 1) {
        v->Fail("unsupported version " + Shown(v->value()) + " (this library reads version 1)");
      }
    }
    if (auto s = root.Member("router_settings")) RouterSettings(*s);
    if (auto d = root.Member("deployments")) Deployments(*d);
    if (auto a = root.Member("aliases")) Aliases(*a);
    const std::pair<const char *, FallbackKind> kinds[] = {
        {"fallbacks", FallbackKind::kGeneral},
        {"context_window_fallbacks", FallbackKind::kContextWindow},
        {"content_policy_fallbacks", FallbackKind::kContentPolicy}};
    for (const auto &[key, kind] : kinds) {
      if (auto f = root.Member(key)) Fallbacks(*f, kind);
    }
    if (auto m = root.Member("model_settings")) ModelSettings(*m);
  }

 private:
  void Set(Setting setting, const Node &node) {
    doc_.settings.present.emplace_back(setting, node.path());
  }

  int64_t DurationNs(const Node &node, int64_t min_ms) {
    return node.Integer<int64_t>(min_ms, kMaxDurationMs) * kNsPerMs;
  }

  void RouterSettings(const Node &node) {
    node.ExpectObject({"strategy", "all_open_policy", "breaker", "latency", "retry_budget",
                       "tier_overprovisioning_factor", "slow_start", "peak_ewma",
                       "affinity_load_factor", "shared_state"});
    RouterOptions &o = doc_.settings.values;
    if (auto n = node.Member("strategy")) doc_.routing.strategy = ParseStrategyNode(*n);
    if (auto n = node.Member("all_open_policy")) {
      const std::string policy = n->String();
      if (policy == "fail_fast") {
        o.all_open_policy = AllOpenPolicy::kFailFast;
      } else if (policy == "panic") {
        o.all_open_policy = AllOpenPolicy::kPanic;
      } else {
        n->Fail("must be \"fail_fast\" or \"panic\" (got " + Shown(n->value()) + ")");
      }
      Set(Setting::kAllOpenPolicy, *n);
    }
    if (auto b = node.Member("breaker")) Breaker(*b);
    if (auto l = node.Member("latency")) {
      l->ExpectObject({"ewma_alpha", "buffer", "prior_ms"});
      if (auto n = l->Member("ewma_alpha")) {
        o.latency_ewma_alpha = n->Number([](double v) { return v > 0 && v <= 1; }, "in (0, 1]");
        Set(Setting::kLatencyEwmaAlpha, *n);
      }
      if (auto n = l->Member("buffer")) {
        o.strategy_params.latency_buffer = n->Number([](double v) { return v >= 0; }, ">= 0");
        Set(Setting::kLatencyBuffer, *n);
      }
      if (auto n = l->Member("prior_ms")) {
        o.strategy_params.latency_prior_ms = n->Number([](double v) { return v >= 0; }, ">= 0");
        Set(Setting::kLatencyPrior, *n);
      }
    }
    if (auto r = node.Member("retry_budget")) {
      r->ExpectObject({"max_tokens", "token_ratio"});
      if (auto n = r->Member("max_tokens")) {
        o.retry_budget_max_tokens =
            n->Number([](double v) { return v >= 0 && v <= 1000; }, "in [0, 1000]");
        Set(Setting::kRetryBudgetMaxTokens, *n);
      }
      if (auto n = r->Member("token_ratio")) {
        o.retry_budget_token_ratio = n->Number([](double v) { return v >= 0; }, ">= 0");
        Set(Setting::kRetryBudgetTokenRatio, *n);
        if (r->Member("max_tokens") && o.retry_budget_token_ratio > o.retry_budget_max_tokens) {
          n->Fail("must not exceed max_tokens (" + Shown(r->Member("max_tokens")->value()) + ")");
        }
      }
    }
    if (auto n = node.Member("tier_overprovisioning_factor")) {
      if (n->value().is_string() && n->value().get<std::string>() == "infinity") {
        o.tier_overprovisioning_factor = std::numeric_limits<double>::infinity();
      } else if (!n->value().is_number()) {
        n->Fail("must be a number >= 1 or \"infinity\" (strict tiers) (got " + Shown(n->value()) +
                ")");
      } else {
        o.tier_overprovisioning_factor =
            n->Number([](double v) { return v >= 1; }, ">= 1 or \"infinity\" (strict tiers)");
      }
      Set(Setting::kTierOverprovisioningFactor, *n);
    }
    if (auto s = node.Member("slow_start")) {
      s->ExpectObject({"window_ms", "aggression", "min_weight_percent"});
      SlowStartConfig &slow = o.strategy_params.slow_start;
      if (auto n = s->Member("window_ms")) {
        slow.window_ns = DurationNs(*n, 0);
        Set(Setting::kSlowStartWindow, *n);
      }
      if (auto n = s->Member("aggression")) {
        slow.aggression = n->Number([](double v) { return v > 0; }, "> 0");
        Set(Setting::kSlowStartAggression, *n);
      }
      if (auto n = s->Member("min_weight_percent")) {
        slow.min_weight_percent =
            n->Number([](double v) { return v >= 0 && v <= 100; }, "in [0, 100]");
        Set(Setting::kSlowStartMinWeightPercent, *n);
      }
    }
    if (auto p = node.Member("peak_ewma")) {
      p->ExpectObject({"decay_ms", "failure_penalty"});
      if (auto n = p->Member("decay_ms")) {
        o.strategy_params.peak_ewma.decay_ns = DurationNs(*n, 1);
        Set(Setting::kPeakEwmaDecay, *n);
      }
      if (auto n = p->Member("failure_penalty")) {
        o.strategy_params.peak_ewma.failure_penalty =
            n->Number([](double v) { return v >= 1; }, ">= 1");
        Set(Setting::kPeakEwmaFailurePenalty, *n);
      }
    }
    if (auto n = node.Member("affinity_load_factor")) {
      o.affinity_load_factor =
          n->Number([](double v) { return v == 0 || v >= 1; }, "0 (unbounded) or >= 1");
      Set(Setting::kAffinityLoadFactor, *n);
    }
    if (auto n = node.Member("shared_state")) SharedState(*n);
  }

  // router_settings.shared_state: the fleet's Redis (docs/fleet.md).
  void SharedState(const Node &node) {
    node.ExpectObject({"url", "key_prefix", "sync_interval_ms", "connect_timeout_ms",
                       "command_timeout_ms", "rate_batch"});
    SharedStateConfig &c = doc_.settings.values.shared_state;
    if (auto n = node.Member("url")) {
      c.url = n->String();
      RedisEndpoint endpoint;
      if (Status s = ParseRedisUrl(c.url, &endpoint); !s.ok()) {
        n->Fail("'" + RedactRedisUrl(c.url) + "': " + s.message());
      }
      Set(Setting::kSharedStateUrl, *n);
    }
    if (auto n = node.Member("key_prefix")) {
      c.key_prefix = n->String();
      if (c.key_prefix.size() > 256) n->Fail("must be at most 256 bytes");
      Set(Setting::kSharedStateKeyPrefix, *n);
    }
    const std::tuple<const char *, int64_t *, int64_t, Setting> durations[] = {
        {"sync_interval_ms", &c.sync_interval_ns, 10, Setting::kSharedStateSyncInterval},
        {"connect_timeout_ms", &c.connect_timeout_ns, 1, Setting::kSharedStateConnectTimeout},
        {"command_timeout_ms", &c.command_timeout_ns, 1, Setting::kSharedStateCommandTimeout}};
    for (const auto &[key, field, min_ms, setting] : durations) {
      if (auto n = node.Member(key)) {
        *field = n->Integer<int64_t>(min_ms, 3'600'000) * kNsPerMs;
        Set(setting, *n);
      }
    }
    if (auto n = node.Member("rate_batch")) {
      c.rate_batch = n->Number([](double v) { return v > 0 && v <= 1; }, "in (0, 1]");
      Set(Setting::kSharedStateRateBatch, *n);
    }
  }

  void Breaker(const Node &node) {
    node.ExpectObject({"consecutive_failures", "failure_ratio", "min_requests", "window_ms",
                       "cooldown_base_ms", "cooldown_max_ms", "jitter", "half_open_max_probes"});
    BreakerConfig &b = doc_.settings.values.breaker;
    if (auto n = node.Member("consecutive_failures")) {
      b.consecutive_failures = n->Integer<uint32_t>(1, 1'000'000);
      Set(Setting::kBreakerConsecutiveFailures, *n);
    }
    if (auto n = node.Member("failure_ratio")) {
      b.failure_ratio = n->Number([](double v) { return v >= 0 && v <= 1; }, "in [0, 1]");
      Set(Setting::kBreakerFailureRatio, *n);
    }
    if (auto n = node.Member("min_requests")) {
      b.min_requests = n->Integer<uint32_t>(1, 1'000'000'000);
      Set(Setting::kBreakerMinRequests, *n);
    }
    if (auto n = node.Member("window_ms")) {
      b.window_ns = DurationNs(*n, 1);
      Set(Setting::kBreakerWindow, *n);
    }
    if (auto n = node.Member("cooldown_base_ms")) {
      b.cooldown_base_ns = DurationNs(*n, 1);
      Set(Setting::kBreakerCooldownBase, *n);
    }
    if (auto n = node.Member("cooldown_max_ms")) {
      b.cooldown_max_ns = DurationNs(*n, 1);
      Set(Setting::kBreakerCooldownMax, *n);
      if (node.Member("cooldown_base_ms") && b.cooldown_max_ns < b.cooldown_base_ns) {
        n->Fail("must be >= cooldown_base_ms (" + std::to_string(b.cooldown_base_ns / kNsPerMs) +
                ")");
      }
    }
    if (auto n = node.Member("jitter")) {
      b.jitter = n->Number([](double v) { return v >= 0 && v < 1; }, "in [0, 1)");
      Set(Setting::kBreakerJitter, *n);
    }
    if (auto n = node.Member("half_open_max_probes")) {
      b.half_open_max_probes = n->Integer<uint32_t>(1, 1'000'000);
      Set(Setting::kBreakerHalfOpenMaxProbes, *n);
    }
  }

  void Deployments(const Node &node) {
    std::map<std::string, std::string, std::less<>> seen;  // name -> path of its first entry
    node.ForEachElement([&](const Node &item) {
      item.ExpectObject({"name", "models", "weight", "tier", "tags", "cost_per_million_input",
                         "cost_per_million_output", "rpm_limit", "tpm_limit", "max_in_flight"});
      DeploymentSpec spec;
      const auto name = item.Member("name");
      if (!name) item.Fail("a deployment needs a \"name\"");
      spec.name = name->Name();
      if (const auto [it, fresh] = seen.emplace(spec.name, name->path()); !fresh) {
        name->Fail("duplicate deployment name '" + spec.name + "' (first at " + it->second + ")");
      }
      const auto models = item.Member("models");
      if (!models) item.Fail("deployment '" + spec.name + "' needs \"models\"");
      spec.models = models->NameList(false);
      if (auto n = item.Member("weight")) spec.weight = n->Integer<uint32_t>(1, kMaxWeight);
      if (auto n = item.Member("tier")) spec.tier = n->Integer<uint32_t>(0, kMaxTier);
      if (auto n = item.Member("tags")) spec.tags = n->NameList(true);
      if (auto n = item.Member("cost_per_million_input")) {
        spec.cost_per_million_input = n->Number([](double v) { return v >= 0; }, ">= 0");
      }
      if (auto n = item.Member("cost_per_million_output")) {
        spec.cost_per_million_output = n->Number([](double v) { return v >= 0; }, ">= 0");
      }
      if (auto n = item.Member("rpm_limit")) {
        spec.rpm_limit = n->Integer<uint32_t>(0, std::numeric_limits<uint32_t>::max());
      }
      if (auto n = item.Member("tpm_limit")) {
        spec.tpm_limit = n->Integer<uint64_t>(0, uint64_t{1} << 53);
      }
      if (auto n = item.Member("max_in_flight")) {
        spec.max_in_flight = n->Integer<uint32_t>(0, std::numeric_limits<uint32_t>::max());
      }
      doc_.routing.deployments.push_back(std::move(spec));
    });
    if (doc_.routing.deployments.size() > kMaxDeployments) {
      node.Fail("has " + std::to_string(doc_.routing.deployments.size()) +
                " deployments; a router holds at most " + std::to_string(kMaxDeployments));
    }
  }

  void Aliases(const Node &node) {
    node.ForEachMember([&](const std::string &alias, const Node &target) {
      const std::string model = target.Name();
      if (model == alias) target.Fail("alias '" + alias + "' cannot map to itself");
      doc_.routing.aliases.emplace_back(alias, model);
    });
    // Aliases resolve one level: a target that is itself an alias would never be followed.
    for (const auto &[alias, model] : doc_.routing.aliases) {
      if (node.value().contains(model) && !IsComment(model)) {
        Throw(MemberPath(node.path(), alias),
              "target '" + model + "' is itself an alias (aliases resolve one level)");
      }
    }
  }

  // {"model": ["fallback", ...]} or LiteLLM's list form [{"model": ["fallback", ...]}, ...].
  void Fallbacks(const Node &node, FallbackKind kind) {
    auto &chains = doc_.routing.fallbacks[static_cast<size_t>(kind)];
    std::map<std::string, std::string, std::less<>> seen;  // model -> path of its chain
    auto chain = [&](const std::string &model, const Node &list) {
      if (const auto [it, fresh] = seen.emplace(model, list.path()); !fresh) {
        list.Fail("a second chain for model '" + model + "' (first at " + it->second + ")");
      }
      std::vector<std::string> models = list.NameList(true);
      std::set<std::string, std::less<>> unique;
      for (size_t i = 0; i < models.size(); ++i) {
        const Node at(list.value()[i], ElementPath(list.path(), i));
        if (models[i] == model) at.Fail("model '" + model + "' cannot be its own fallback");
        if (!unique.insert(models[i]).second) at.Fail("'" + models[i] + "' is listed twice");
      }
      chains.emplace_back(model, std::move(models));
    };
    if (node.value().is_array()) {
      node.ForEachElement([&](const Node &entry) { entry.ForEachMember(chain); });
    } else if (node.value().is_object()) {
      node.ForEachMember(chain);
    } else {
      node.Fail("must be an object mapping a model to its fallback models (got " +
                TypeName(node.value()) + ")");
    }
  }

  void ModelSettings(const Node &node) {
    node.ForEachMember([&](const std::string &model, const Node &settings) {
      settings.ExpectObject({"strategy"});
      if (auto s = settings.Member("strategy")) {
        doc_.routing.model_strategies.emplace_back(model, ParseStrategyNode(*s));
      }
    });
  }

  Document &doc_;
};

// Pairs every setting's field in two option sets: f(setting, field of a, field of b).
template <typename A, typename B, typename F>
void ForEachSetting(A &a, B &b, F f) {
  f(Setting::kAllOpenPolicy, a.all_open_policy, b.all_open_policy);
  f(Setting::kBreakerConsecutiveFailures, a.breaker.consecutive_failures,
    b.breaker.consecutive_failures);
  f(Setting::kBreakerFailureRatio, a.breaker.failure_ratio, b.breaker.failure_ratio);
  f(Setting::kBreakerMinRequests, a.breaker.min_requests, b.breaker.min_requests);
  f(Setting::kBreakerWindow, a.breaker.window_ns, b.breaker.window_ns);
  f(Setting::kBreakerCooldownBase, a.breaker.cooldown_base_ns, b.breaker.cooldown_base_ns);
  f(Setting::kBreakerCooldownMax, a.breaker.cooldown_max_ns, b.breaker.cooldown_max_ns);
  f(Setting::kBreakerJitter, a.breaker.jitter, b.breaker.jitter);
  f(Setting::kBreakerHalfOpenMaxProbes, a.breaker.half_open_max_probes,
    b.breaker.half_open_max_probes);
  f(Setting::kLatencyEwmaAlpha, a.latency_ewma_alpha, b.latency_ewma_alpha);
  f(Setting::kLatencyBuffer, a.strategy_params.latency_buffer, b.strategy_params.latency_buffer);
  f(Setting::kLatencyPrior, a.strategy_params.latency_prior_ms, b.strategy_params.latency_prior_ms);
  f(Setting::kRetryBudgetMaxTokens, a.retry_budget_max_tokens, b.retry_budget_max_tokens);
  f(Setting::kRetryBudgetTokenRatio, a.retry_budget_token_ratio, b.retry_budget_token_ratio);
  f(Setting::kTierOverprovisioningFactor, a.tier_overprovisioning_factor,
    b.tier_overprovisioning_factor);
  f(Setting::kSlowStartWindow, a.strategy_params.slow_start.window_ns,
    b.strategy_params.slow_start.window_ns);
  f(Setting::kSlowStartAggression, a.strategy_params.slow_start.aggression,
    b.strategy_params.slow_start.aggression);
  f(Setting::kSlowStartMinWeightPercent, a.strategy_params.slow_start.min_weight_percent,
    b.strategy_params.slow_start.min_weight_percent);
  f(Setting::kPeakEwmaDecay, a.strategy_params.peak_ewma.decay_ns,
    b.strategy_params.peak_ewma.decay_ns);
  f(Setting::kPeakEwmaFailurePenalty, a.strategy_params.peak_ewma.failure_penalty,
    b.strategy_params.peak_ewma.failure_penalty);
  f(Setting::kAffinityLoadFactor, a.affinity_load_factor, b.affinity_load_factor);
  f(Setting::kSharedStateUrl, a.shared_state.url, b.shared_state.url);
  f(Setting::kSharedStateKeyPrefix, a.shared_state.key_prefix, b.shared_state.key_prefix);
  f(Setting::kSharedStateSyncInterval, a.shared_state.sync_interval_ns,
    b.shared_state.sync_interval_ns);
  f(Setting::kSharedStateConnectTimeout, a.shared_state.connect_timeout_ns,
    b.shared_state.connect_timeout_ns);
  f(Setting::kSharedStateCommandTimeout, a.shared_state.command_timeout_ns,
    b.shared_state.command_timeout_ns);
  f(Setting::kSharedStateRateBatch, a.shared_state.rate_batch, b.shared_state.rate_batch);
}

// A setting's value as the configuration spells it (durations in ms), for messages.
template <typename T>
std::string Spelled(const T &value) {
  if constexpr (std::is_same_v<T, AllOpenPolicy>) {
    return value == AllOpenPolicy::kPanic ? "\"panic\"" : "\"fail_fast\"";
  } else if constexpr (std::is_same_v<T, int64_t>) {
    return std::to_string(value / kNsPerMs);
  } else if constexpr (std::is_same_v<T, std::string>) {
    return "\"" + RedactRedisUrl(value) + "\"";  // never a password in a message
  } else {
    std::ostringstream out;
    out << value;
    return out.str();
  }
}

}  // namespace

Status Parse(std::string_view json, Document *out) {
  if (json.size() > kMaxConfigBytes) {
    return {Code::kConfig, "$: the configuration has " + std::to_string(json.size()) +
                               " bytes; at most " + std::to_string(kMaxConfigBytes) +
                               " are allowed"};
  }
  Json root;
  std::string error;
  if (!ReadJson(json, &root, &error)) return {Code::kConfig, error};
  *out = Document{};
  try {
    Parser(out).Root(Node(root, "$"));
  } catch (const ConfigError &e) {
    return {Code::kConfig, e.path + ": " + e.reason};
  }
  // What the parser checked field by field, the core checks again as a whole (belt and braces;
  // its message has no path, so the whole configuration is named).
  if (Status s = ValidateConfiguration(out->routing); !s.ok()) {
    return {Code::kConfig, "$: " + s.message()};
  }
  return Status::Ok();
}

Status ParseFile(const std::string &path, Document *out) {
  std::ifstream file(path, std::ios::binary);
  if (!file) return {Code::kConfig, "$: cannot open configuration file '" + path + "'"};
  std::string text;
  char buffer[65536];
  while (file.read(buffer, sizeof buffer) || file.gcount() > 0) {
    text.append(buffer, static_cast<size_t>(file.gcount()));
    if (text.size() > kMaxConfigBytes) {
      return {Code::kConfig, "$: configuration file '" + path + "' is larger than " +
                                 std::to_string(kMaxConfigBytes) + " bytes"};
    }
  }
  if (file.bad()) return {Code::kConfig, "$: cannot read configuration file '" + path + "'"};
  return Parse(text, out);
}

void ApplySettings(const Settings &settings, RouterOptions *options) {
  // No structured binding here: clang before 16 (Debian 12 has clang 14, which builds the
  // fuzzers) cannot capture one in a lambda.
  for (const auto &entry : settings.present) {
    const Setting setting = entry.first;
    ForEachSetting(*options, settings.values, [&](Setting s, auto &to, const auto &from) {
      if (s == setting) to = from;
    });
  }
}

Status CheckSettingsUnchanged(const Settings &settings, const RouterOptions &running) {
  for (const auto &entry : settings.present) {
    const Setting setting = entry.first;
    const std::string &path = entry.second;
    std::string message;
    ForEachSetting(running, settings.values, [&](Setting s, const auto &current, const auto &next) {
      if (s != setting || current == next) return;
      message = path + ": cannot change on a running router (it is " + Spelled(current) +
                ", the configuration says " + Spelled(next) + "); create a new router to change it";
    });
    if (!message.empty()) return {Code::kConfig, message};
  }
  return Status::Ok();
}

}  // namespace llmroute::config
