#include "scenario.hpp"

#include <algorithm>
#include <cmath>
#include <fstream>
#include <initializer_list>
#include <sstream>

#include <nlohmann/json.hpp>

namespace sim {

using Json = nlohmann::ordered_json;

namespace {

[[noreturn]] void Fail(const std::string &path, const std::string &why) {
  throw ScenarioError(path + ": " + why);
}

/** Unknown fields are errors (a typo must not be ignored); keys starting with '_' are comments. */
void CheckKeys(const Json &object, const std::string &path,
               std::initializer_list<const char *> known) {
  if (!object.is_object()) Fail(path, "must be an object");
  for (auto it = object.begin(); it != object.end(); ++it) {
    const std::string &key = it.key();
    if (!key.empty() && key[0] == '_') continue;
    if (std::none_of(known.begin(), known.end(), [&](const char *k) { return key == k; })) {
      std::string list;
      for (const char *k : known) list += (list.empty() ? "" : ", ") + std::string(k);
      Fail(path + "." + key, "unknown field (known: " + list + ")");
    }
  }
}

double Number(const Json &v, const std::string &path, double min, double max) {
  if (!v.is_number()) Fail(path, "must be a number");
  const double d = v.get<double>();
  if (!std::isfinite(d) || d < min || d > max) {
    std::ostringstream os;
    os << "must be in " << min << ".." << max << " (got " << d << ")";
    Fail(path, os.str());
  }
  return d;
}

int64_t Integer(const Json &v, const std::string &path, int64_t min, int64_t max) {
  const double d = Number(v, path, static_cast<double>(min), static_cast<double>(max));
  if (d != std::floor(d)) Fail(path, "must be an integer");
  return static_cast<int64_t>(d);
}

std::string String(const Json &v, const std::string &path) {
  if (!v.is_string()) Fail(path, "must be a string");
  return v.get<std::string>();
}

llmr_outcome ErrorKind(const Json &v, const std::string &path) {
  const std::string name = String(v, path);
  for (int i = 0; i <= 8; ++i) {
    const auto o = static_cast<llmr_outcome>(i);
    const char *s = llmr_outcome_str(o);
    if (o != LLMR_OUTCOME_SUCCESS && s != nullptr && name == s) return o;
  }
  Fail(path, "unknown outcome '" + name +
                 "' (server_error, timeout, connection_error, auth_error, rate_limited, "
                 "bad_request, context_window_exceeded, content_policy)");
}

const double kMaxMs = 3600e3;

void ParseLatency(const Json &v, const std::string &path, double &p50, double &p99) {
  CheckKeys(v, path, {"p50", "p99"});
  if (v.contains("p50")) p50 = Number(v["p50"], path + ".p50", 0.001, kMaxMs);
  if (v.contains("p99")) p99 = Number(v["p99"], path + ".p99", 0.001, kMaxMs);
  if (p99 < p50) Fail(path, "p99 must be >= p50");
}

/** An upstream's "quota" (scenario.hpp, Quota). */
Quota ParseQuota(const Json &v, const std::string &path) {
  CheckKeys(v, path, {"requests", "tokens", "window_s", "announce", "retry_after"});
  Quota q;
  if (v.contains("requests"))
    q.requests = Integer(v["requests"], path + ".requests", 0, 1000000000);
  if (v.contains("tokens")) q.tokens = Integer(v["tokens"], path + ".tokens", 0, 1000000000000);
  if (v.contains("window_s")) q.window_s = Number(v["window_s"], path + ".window_s", 1, 31536000);
  if (v.contains("announce")) {
    const Json &a = v["announce"];
    if (a.is_string() && a.get<std::string>() == "on_429") {
      q.announce_only_429 = true;
    } else if (a.is_boolean()) {
      q.announce = a.get<bool>();
    } else {
      Fail(path + ".announce", "must be true, false or \"on_429\"");
    }
  }
  if (v.contains("retry_after")) {
    if (!v["retry_after"].is_boolean()) Fail(path + ".retry_after", "must be true or false");
    q.retry_after = v["retry_after"].get<bool>();
  }
  if (!q.active()) Fail(path, "needs requests or tokens > 0");
  return q;
}

/** The behaviour fields shared by upstreams and upstream_defaults. */
void ParseBehaviour(const Json &v, const std::string &path, Behaviour &b) {
  if (v.contains("latency_ms")) {
    ParseLatency(v["latency_ms"], path + ".latency_ms", b.latency_p50_ms, b.latency_p99_ms);
  }
  if (v.contains("latency_multiplier")) {
    b.latency_multiplier = Number(v["latency_multiplier"], path + ".latency_multiplier", 0.01, 1e4);
  }
  if (v.contains("error_rate")) b.error_rate = Number(v["error_rate"], path + ".error_rate", 0, 1);
  if (v.contains("error")) b.error_kind = ErrorKind(v["error"], path + ".error");
  if (v.contains("error_latency_ms")) {
    b.error_latency_ms = Number(v["error_latency_ms"], path + ".error_latency_ms", 0, kMaxMs);
  }
  if (v.contains("rate_limit_rate")) {
    b.rate_limit_rate = Number(v["rate_limit_rate"], path + ".rate_limit_rate", 0, 1);
  }
  if (v.contains("retry_after_ms")) {
    b.retry_after_ms = Integer(v["retry_after_ms"], path + ".retry_after_ms", 0, 3600000);
  }
  if (v.contains("max_concurrency")) {
    b.max_concurrency = Integer(v["max_concurrency"], path + ".max_concurrency", 0, 1000000);
  }
  if (v.contains("over_capacity_retry_after_ms")) {
    b.over_capacity_retry_after_ms = Integer(v["over_capacity_retry_after_ms"],
                                             path + ".over_capacity_retry_after_ms", 0, 3600000);
  }
  if (v.contains("first_byte_share")) {
    b.first_byte_share = Number(v["first_byte_share"], path + ".first_byte_share", 0, 1);
  }
  if (v.contains("stall_first_byte_rate")) {
    b.stall_first_byte_rate =
        Number(v["stall_first_byte_rate"], path + ".stall_first_byte_rate", 0, 1);
  }
  if (v.contains("stall_mid_stream_rate")) {
    b.stall_mid_stream_rate =
        Number(v["stall_mid_stream_rate"], path + ".stall_mid_stream_rate", 0, 1);
  }
}

#define LLMR_SIM_BEHAVIOUR_KEYS                                                               \
  "latency_ms", "latency_multiplier", "error_rate", "error", "error_latency_ms",              \
      "rate_limit_rate", "retry_after_ms", "max_concurrency", "over_capacity_retry_after_ms", \
      "first_byte_share", "stall_first_byte_rate", "stall_mid_stream_rate"

UpstreamEvent ParseEvent(const Json &v, const std::string &path, double duration_s) {
  CheckKeys(v, path,
            {"from_s", "to_s", "label", "down", "latency_ms", "latency_multiplier", "error_rate",
             "error", "error_latency_ms", "rate_limit_rate", "retry_after_ms", "max_concurrency",
             "stall_first_byte_rate", "stall_mid_stream_rate"});
  UpstreamEvent e;
  if (!v.contains("from_s")) Fail(path + ".from_s", "required");
  e.from_s = Number(v["from_s"], path + ".from_s", 0, 1e7);
  e.to_s = v.contains("to_s") ? Number(v["to_s"], path + ".to_s", 0, 1e7) : duration_s;
  if (e.to_s <= e.from_s) Fail(path + ".to_s", "must be after from_s");
  if (v.contains("label")) e.label = String(v["label"], path + ".label");
  if (v.contains("down")) {
    if (!v["down"].is_boolean()) Fail(path + ".down", "must be true or false");
    if (v["down"].get<bool>()) e.error_rate = 1.0;
  }
  if (v.contains("latency_ms")) {
    double p50 = -1, p99 = -1;
    const Json &l = v["latency_ms"];
    CheckKeys(l, path + ".latency_ms", {"p50", "p99"});
    if (l.contains("p50")) p50 = Number(l["p50"], path + ".latency_ms.p50", 0.001, kMaxMs);
    if (l.contains("p99")) p99 = Number(l["p99"], path + ".latency_ms.p99", 0.001, kMaxMs);
    if (p50 > 0) e.latency_p50_ms = p50;
    if (p99 > 0) e.latency_p99_ms = p99;
  }
  if (v.contains("latency_multiplier")) {
    e.latency_multiplier = Number(v["latency_multiplier"], path + ".latency_multiplier", 0.01, 1e4);
  }
  if (v.contains("error_rate")) e.error_rate = Number(v["error_rate"], path + ".error_rate", 0, 1);
  if (v.contains("error")) e.error_kind = ErrorKind(v["error"], path + ".error");
  if (v.contains("error_latency_ms")) {
    e.error_latency_ms = Number(v["error_latency_ms"], path + ".error_latency_ms", 0, kMaxMs);
  }
  if (v.contains("rate_limit_rate")) {
    e.rate_limit_rate = Number(v["rate_limit_rate"], path + ".rate_limit_rate", 0, 1);
  }
  if (v.contains("retry_after_ms")) {
    e.retry_after_ms = Integer(v["retry_after_ms"], path + ".retry_after_ms", 0, 3600000);
  }
  if (v.contains("max_concurrency")) {
    e.max_concurrency = Integer(v["max_concurrency"], path + ".max_concurrency", 0, 1000000);
  }
  if (v.contains("stall_first_byte_rate")) {
    e.stall_first_byte_rate =
        Number(v["stall_first_byte_rate"], path + ".stall_first_byte_rate", 0, 1);
  }
  if (v.contains("stall_mid_stream_rate")) {
    e.stall_mid_stream_rate =
        Number(v["stall_mid_stream_rate"], path + ".stall_mid_stream_rate", 0, 1);
  }
  // A capacity change alone (more headroom) is not a fault; anything else is.
  e.is_fault = e.error_rate.value_or(0) > 0 || e.rate_limit_rate.value_or(0) > 0 ||
               e.stall_first_byte_rate.value_or(0) > 0 || e.stall_mid_stream_rate.value_or(0) > 0 ||
               e.latency_multiplier.value_or(1) > 1 || e.latency_p50_ms || e.latency_p99_ms;
  return e;
}

std::string ReadFile(const std::string &path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw ScenarioError(path + ": cannot open the scenario file");
  std::ostringstream os;
  os << in.rdbuf();
  return os.str();
}

}  // namespace

Behaviour Upstream::At(double t_s) const {
  Behaviour b = base;
  for (const UpstreamEvent &e : events) {
    if (t_s < e.from_s || t_s >= e.to_s) continue;
    if (e.latency_p50_ms) b.latency_p50_ms = *e.latency_p50_ms;
    if (e.latency_p99_ms) b.latency_p99_ms = *e.latency_p99_ms;
    if (b.latency_p99_ms < b.latency_p50_ms) b.latency_p99_ms = b.latency_p50_ms;
    if (e.latency_multiplier) b.latency_multiplier = *e.latency_multiplier;
    if (e.error_rate) b.error_rate = *e.error_rate;
    if (e.error_kind) b.error_kind = *e.error_kind;
    if (e.error_latency_ms) b.error_latency_ms = *e.error_latency_ms;
    if (e.rate_limit_rate) b.rate_limit_rate = *e.rate_limit_rate;
    if (e.stall_first_byte_rate) b.stall_first_byte_rate = *e.stall_first_byte_rate;
    if (e.stall_mid_stream_rate) b.stall_mid_stream_rate = *e.stall_mid_stream_rate;
    if (e.retry_after_ms) b.retry_after_ms = *e.retry_after_ms;
    if (e.max_concurrency) b.max_concurrency = *e.max_concurrency;
  }
  return b;
}

double DeploymentInfo::Price(int64_t input_tokens, int64_t output_tokens) const {
  const double in = cost_per_million_input > 0 ? cost_per_million_input : 0;
  const double out = cost_per_million_output > 0 ? cost_per_million_output : 0;
  return (in * static_cast<double>(input_tokens) + out * static_cast<double>(output_tokens)) / 1e6;
}

double Scenario::RateAt(double t_s) const {
  double r = rate_per_s;
  for (const RatePhase &p : rate_phases) {
    if (t_s >= p.from_s && t_s < p.to_s) r = p.rate_per_s;
  }
  return r;
}

double Scenario::MaxRate() const {
  double r = rate_per_s;
  for (const RatePhase &p : rate_phases) r = std::max(r, p.rate_per_s);
  return r;
}

std::string Scenario::ConfigWithStrategy(const std::string &strategy) const {
  Json config = Json::parse(config_json);
  config["router_settings"]["strategy"] = strategy;
  return config.dump();
}

Scenario LoadScenario(const std::string &file) {
  const std::string text = ReadFile(file);
  Json root;
  try {
    root = Json::parse(text);
  } catch (const std::exception &e) {
    throw ScenarioError(file + ": invalid JSON: " + e.what());
  }
  const std::string p = "$";
  CheckKeys(root, p,
            {"name", "description", "seed", "duration_s", "bucket_s", "requests", "client",
             "config", "upstream_defaults", "upstreams", "compare", "matrix_exceptions"});
  Scenario s;
  s.name = root.contains("name") ? String(root["name"], "$.name") : "scenario";
  if (root.contains("description")) s.description = String(root["description"], "$.description");
  if (root.contains("seed")) {
    s.seed = static_cast<uint64_t>(Integer(root["seed"], "$.seed", 0, INT64_C(1) << 52));
  }
  if (root.contains("duration_s"))
    s.duration_s = Number(root["duration_s"], "$.duration_s", 1, 1e6);
  if (root.contains("bucket_s")) s.bucket_s = Number(root["bucket_s"], "$.bucket_s", 0.01, 3600);
  if (s.duration_s / s.bucket_s > 100000) Fail("$.bucket_s", "too small for the duration");

  // Requests.
  if (!root.contains("requests")) Fail("$.requests", "required");
  const Json &req = root["requests"];
  CheckKeys(req, "$.requests", {"rate_per_s", "rate_phases", "mix"});
  if (req.contains("rate_per_s")) {
    s.rate_per_s = Number(req["rate_per_s"], "$.requests.rate_per_s", 0, 1e6);
  }
  if (req.contains("rate_phases")) {
    const Json &phases = req["rate_phases"];
    if (!phases.is_array()) Fail("$.requests.rate_phases", "must be an array");
    for (size_t i = 0; i < phases.size(); ++i) {
      const std::string pp = "$.requests.rate_phases[" + std::to_string(i) + "]";
      CheckKeys(phases[i], pp, {"from_s", "to_s", "rate_per_s"});
      RatePhase r;
      r.from_s = Number(phases[i].value("from_s", Json(0)), pp + ".from_s", 0, 1e7);
      r.to_s = phases[i].contains("to_s") ? Number(phases[i]["to_s"], pp + ".to_s", 0, 1e7)
                                          : s.duration_s;
      if (!phases[i].contains("rate_per_s")) Fail(pp + ".rate_per_s", "required");
      r.rate_per_s = Number(phases[i]["rate_per_s"], pp + ".rate_per_s", 0, 1e6);
      s.rate_phases.push_back(r);
    }
  }
  if (s.MaxRate() <= 0) Fail("$.requests.rate_per_s", "no request would ever arrive");
  if (!req.contains("mix")) Fail("$.requests.mix", "required");
  const Json &mix = req["mix"];
  if (!mix.is_array() || mix.empty()) Fail("$.requests.mix", "must be a non-empty array");
  for (size_t i = 0; i < mix.size(); ++i) {
    const std::string mp = "$.requests.mix[" + std::to_string(i) + "]";
    CheckKeys(mix[i], mp, {"model", "weight", "input_tokens", "output_tokens"});
    MixEntry m;
    if (!mix[i].contains("model")) Fail(mp + ".model", "required");
    m.model = String(mix[i]["model"], mp + ".model");
    if (mix[i].contains("weight")) m.weight = Number(mix[i]["weight"], mp + ".weight", 1e-9, 1e9);
    if (mix[i].contains("input_tokens")) {
      m.input_tokens = Integer(mix[i]["input_tokens"], mp + ".input_tokens", 0, 10000000);
    }
    if (mix[i].contains("output_tokens")) {
      m.output_tokens = Integer(mix[i]["output_tokens"], mp + ".output_tokens", 0, 10000000);
    }
    s.mix.push_back(m);
  }

  // Client.
  if (root.contains("client")) {
    const Json &c = root["client"];
    CheckKeys(c, "$.client",
              {"max_attempts", "backoff_base_ms", "backoff_max_ms", "timeout_ms", "hedge_after_ms",
               "hedge_budget_ratio", "hedge_budget_max_tokens", "first_byte_timeout_ms",
               "idle_timeout_ms"});
    if (c.contains("first_byte_timeout_ms")) {
      s.client.first_byte_timeout_ms =
          Number(c["first_byte_timeout_ms"], "$.client.first_byte_timeout_ms", 0, kMaxMs);
    }
    if (c.contains("idle_timeout_ms")) {
      s.client.idle_timeout_ms =
          Number(c["idle_timeout_ms"], "$.client.idle_timeout_ms", 0, kMaxMs);
    }
    if (c.contains("hedge_after_ms")) {
      s.client.hedge_after_ms = Number(c["hedge_after_ms"], "$.client.hedge_after_ms", 0, kMaxMs);
    }
    if (c.contains("hedge_budget_ratio")) {
      s.client.hedge_budget_ratio =
          Number(c["hedge_budget_ratio"], "$.client.hedge_budget_ratio", 0, 1);
    }
    if (c.contains("hedge_budget_max_tokens")) {
      s.client.hedge_budget_max_tokens =
          Number(c["hedge_budget_max_tokens"], "$.client.hedge_budget_max_tokens", 0, 1000);
    }
    if (c.contains("max_attempts")) {
      s.client.max_attempts =
          static_cast<int>(Integer(c["max_attempts"], "$.client.max_attempts", 1, 10));
    }
    if (c.contains("backoff_base_ms")) {
      s.client.backoff_base_ms =
          Number(c["backoff_base_ms"], "$.client.backoff_base_ms", 0, kMaxMs);
    }
    if (c.contains("backoff_max_ms")) {
      s.client.backoff_max_ms = Number(c["backoff_max_ms"], "$.client.backoff_max_ms", 0, kMaxMs);
    }
    if (c.contains("timeout_ms")) {
      s.client.timeout_ms = Number(c["timeout_ms"], "$.client.timeout_ms", 1, kMaxMs);
    }
  }

  // The llmroute configuration, checked by the library itself.
  if (!root.contains("config")) Fail("$.config", "required (an llmroute configuration)");
  const Json &config = root["config"];
  s.config_json = config.dump();
  if (llmr_config_validate(s.config_json.data(), s.config_json.size()) != LLMR_OK) {
    std::string message = llmr_error_message();
    if (message.rfind("$", 0) == 0) message = message.substr(1);  // "$.x" -> ".x"
    throw ScenarioError("$.config" + message);
  }
  s.config_strategy = "round_robin";
  if (config.contains("router_settings") && config["router_settings"].contains("strategy")) {
    s.config_strategy = config["router_settings"]["strategy"].get<std::string>();
  }
  if (!config.contains("deployments") || !config["deployments"].is_array() ||
      config["deployments"].empty()) {
    Fail("$.config.deployments", "required: the deployments to simulate");
  }
  for (const Json &d : config["deployments"]) {
    DeploymentInfo info;
    info.name = d["name"].get<std::string>();
    for (const Json &m : d["models"]) info.models.push_back(m.get<std::string>());
    if (d.contains("cost_per_million_input") && d["cost_per_million_input"].is_number()) {
      info.cost_per_million_input = d["cost_per_million_input"].get<double>();
    }
    if (d.contains("cost_per_million_output") && d["cost_per_million_output"].is_number()) {
      info.cost_per_million_output = d["cost_per_million_output"].get<double>();
    }
    s.deployments.push_back(info);
  }

  // Upstreams: one per deployment, same names.
  Behaviour defaults;
  if (root.contains("upstream_defaults")) {
    CheckKeys(root["upstream_defaults"], "$.upstream_defaults", {LLMR_SIM_BEHAVIOUR_KEYS});
    ParseBehaviour(root["upstream_defaults"], "$.upstream_defaults", defaults);
  }
  if (!root.contains("upstreams")) Fail("$.upstreams", "required");
  const Json &ups = root["upstreams"];
  if (!ups.is_object()) Fail("$.upstreams", "must be an object (deployment name -> behaviour)");
  for (auto it = ups.begin(); it != ups.end(); ++it) {
    if (!it.key().empty() && it.key()[0] == '_') continue;
    const bool known = std::any_of(s.deployments.begin(), s.deployments.end(),
                                   [&](const DeploymentInfo &d) { return d.name == it.key(); });
    if (!known) Fail("$.upstreams['" + it.key() + "']", "no deployment of $.config has this name");
  }
  for (const DeploymentInfo &d : s.deployments) {
    const std::string up = "$.upstreams['" + d.name + "']";
    Upstream u;
    u.name = d.name;
    u.base = defaults;
    if (ups.contains(d.name)) {
      const Json &v = ups[d.name];
      CheckKeys(v, up, {LLMR_SIM_BEHAVIOUR_KEYS, "events", "quota"});
      ParseBehaviour(v, up, u.base);
      if (v.contains("quota")) u.quota = ParseQuota(v["quota"], up + ".quota");
      if (v.contains("events")) {
        if (!v["events"].is_array()) Fail(up + ".events", "must be an array");
        for (size_t i = 0; i < v["events"].size(); ++i) {
          u.events.push_back(
              ParseEvent(v["events"][i], up + ".events[" + std::to_string(i) + "]", s.duration_s));
        }
      }
    } else if (!root.contains("upstream_defaults")) {
      Fail(up, "missing: every deployment needs an upstream (or give upstream_defaults)");
    }
    s.upstreams.push_back(u);
  }

  if (root.contains("compare")) {
    const Json &c = root["compare"];
    if (!c.is_array() || c.empty()) Fail("$.compare", "must be a non-empty array of strategies");
    for (size_t i = 0; i < c.size(); ++i) {
      s.default_runs.push_back(String(c[i], "$.compare[" + std::to_string(i) + "]"));
    }
  }
  if (root.contains("matrix_exceptions")) {
    const Json &e = root["matrix_exceptions"];
    if (!e.is_object()) Fail("$.matrix_exceptions", "must be an object: strategy -> reason");
    for (const auto &[strategy, reason] : e.items()) {
      if (!strategy.empty() && strategy[0] == '_') continue;  // a comment
      const std::string ep = "$.matrix_exceptions." + strategy;
      llmr_strategy kind;
      if (llmr_strategy_from_str(strategy.c_str(), &kind) != LLMR_OK ||
          kind == LLMR_STRATEGY_DEFAULT) {
        Fail(ep, "not an llmroute strategy");
      }
      const std::string why = String(reason, ep);
      if (why.empty()) Fail(ep, "needs the reason");
      s.matrix_exceptions[strategy] = why;
    }
  }
  return s;
}

}  // namespace sim
