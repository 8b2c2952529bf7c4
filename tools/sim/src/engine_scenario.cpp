#include "engine_scenario.hpp"

#include <algorithm>
#include <cmath>
#include <fstream>
#include <initializer_list>
#include <sstream>

#include <nlohmann/json.hpp>

#include "scenario.hpp"

namespace sim {

using Json = nlohmann::ordered_json;

namespace {

[[noreturn]] void Fail(const std::string &path, const std::string &why) {
  throw ScenarioError(path + ": " + why);
}

/** Unknown fields are errors (a typo must not be ignored); keys starting with '_' are comments. */
void Keys(const Json &object, const std::string &path, std::initializer_list<const char *> known) {
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

double Num(const Json &parent, const char *key, const std::string &path, double min, double max,
           double fallback) {
  if (!parent.contains(key)) return fallback;
  const Json &v = parent[key];
  const std::string where = path + "." + key;
  if (!v.is_number()) Fail(where, "must be a number");
  const double d = v.get<double>();
  if (!std::isfinite(d) || d < min || d > max) {
    std::ostringstream os;
    os << "must be in " << min << ".." << max << " (got " << d << ")";
    Fail(where, os.str());
  }
  return d;
}

int64_t Int(const Json &parent, const char *key, const std::string &path, int64_t min, int64_t max,
            int64_t fallback) {
  const double d = Num(parent, key, path, static_cast<double>(min), static_cast<double>(max),
                       static_cast<double>(fallback));
  if (d != std::floor(d)) Fail(path + "." + key, "must be an integer");
  return static_cast<int64_t>(d);
}

std::string Str(const Json &parent, const char *key, const std::string &path,
                const std::string &fallback) {
  if (!parent.contains(key)) return fallback;
  if (!parent[key].is_string()) Fail(path + "." + key, "must be a string");
  return parent[key].get<std::string>();
}

EngineParams ParseEngine(const Json &v, const std::string &path) {
  Keys(v, path,
       {"block_tokens", "kv_blocks", "max_running", "prefill_tokens_per_s", "prefill_overhead_ms",
        "decode_base_ms", "decode_ms_per_ktoken"});
  EngineParams e;
  e.block_tokens = Int(v, "block_tokens", path, 1, 1024, e.block_tokens);
  e.kv_blocks = Int(v, "kv_blocks", path, 16, 100000000, e.kv_blocks);
  e.max_running = Int(v, "max_running", path, 1, 100000, e.max_running);
  e.prefill_tokens_per_s = Num(v, "prefill_tokens_per_s", path, 1, 1e9, e.prefill_tokens_per_s);
  e.prefill_overhead_ms = Num(v, "prefill_overhead_ms", path, 0, 60000, e.prefill_overhead_ms);
  e.decode_base_ms = Num(v, "decode_base_ms", path, 0.001, 60000, e.decode_base_ms);
  e.decode_ms_per_ktoken = Num(v, "decode_ms_per_ktoken", path, 0, 60000, e.decode_ms_per_ktoken);
  return e;
}

Workload ParseWorkload(const Json &v, const std::string &path) {
  Keys(v, path,
       {"name", "weight", "system_prompts", "system_tokens", "turns_min", "turns_max",
        "user_tokens", "output_tokens", "think_s"});
  Workload w;
  w.name = Str(v, "name", path, "");
  if (w.name.empty()) Fail(path + ".name", "required");
  w.weight = Num(v, "weight", path, 0, 1e9, w.weight);
  w.system_prompts = Int(v, "system_prompts", path, 1, 1000000, w.system_prompts);
  w.system_tokens = Int(v, "system_tokens", path, 0, 1000000, w.system_tokens);
  w.turns_min = Int(v, "turns_min", path, 1, 10000, w.turns_min);
  w.turns_max = Int(v, "turns_max", path, 1, 10000, std::max(w.turns_min, w.turns_max));
  if (w.turns_max < w.turns_min) Fail(path + ".turns_max", "must be >= turns_min");
  w.user_tokens = Int(v, "user_tokens", path, 1, 1000000, w.user_tokens);
  w.output_tokens = Int(v, "output_tokens", path, 1, 1000000, w.output_tokens);
  w.think_s = Num(v, "think_s", path, 0, 86400, w.think_s);
  return w;
}

}  // namespace

std::string EngineScenario::ReplicaName(int64_t i) const {
  return model + "-" + std::to_string(i);
}

std::string EngineScenario::ConfigJson(const std::string &strategy,
                                       double affinity_load_factor) const {
  Json config;
  Json settings = Json::parse(router_settings_json);
  settings["strategy"] = strategy;
  if (affinity_load_factor > 0) settings["affinity_load_factor"] = affinity_load_factor;
  config["router_settings"] = settings;
  Json deployments = Json::array();
  for (int64_t i = 0; i < replicas; ++i) {
    deployments.push_back({{"name", ReplicaName(i)}, {"models", {model}}});
  }
  config["deployments"] = deployments;
  return config.dump();
}

bool IsEngineScenario(const std::string &path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return false;
  const Json doc = Json::parse(in, nullptr, /*allow_exceptions=*/false, /*ignore_comments=*/false);
  return doc.is_object() && doc.contains("engine_sim");
}

EngineScenario LoadEngineScenario(const std::string &path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw ScenarioError("cannot read the file");
  Json doc;
  try {
    doc = Json::parse(in);
  } catch (const std::exception &e) {
    throw ScenarioError(std::string("not JSON: ") + e.what());
  }
  Keys(doc, "$", {"name", "description", "compare", "engine_sim"});
  EngineScenario s;
  s.name = Str(doc, "name", "$", "");
  if (s.name.empty()) Fail("$.name", "required");
  s.description = Str(doc, "description", "$", "");
  if (doc.contains("compare")) {
    if (!doc["compare"].is_array()) Fail("$.compare", "must be an array of run names");
    for (size_t i = 0; i < doc["compare"].size(); ++i) {
      const Json &r = doc["compare"][i];
      if (!r.is_string()) Fail("$.compare[" + std::to_string(i) + "]", "must be a string");
      s.default_runs.push_back(r.get<std::string>());
    }
  }
  const Json &e = doc["engine_sim"];
  const std::string p = "$.engine_sim";
  Keys(e, p,
       {"seed", "duration_s", "warmup_s", "bucket_s", "model", "replicas", "engine",
        "session_rate_per_s", "workloads", "scrape_interval_ms", "scrape_delay_ms",
        "prefix_hash_blocks", "prefix_block_tokens", "router_settings"});
  s.seed = static_cast<uint64_t>(Int(e, "seed", p, 0, 1LL << 53, 1));
  s.duration_s = Num(e, "duration_s", p, 1, 86400, s.duration_s);
  s.warmup_s = Num(e, "warmup_s", p, 0, s.duration_s, std::min(s.warmup_s, s.duration_s / 2));
  if (s.warmup_s >= s.duration_s) Fail(p + ".warmup_s", "must be below duration_s");
  s.bucket_s = Num(e, "bucket_s", p, 0.1, 86400, s.bucket_s);
  s.model = Str(e, "model", p, s.model);
  if (s.model.empty() || s.model.size() > 200) Fail(p + ".model", "1..200 characters");
  s.replicas = Int(e, "replicas", p, 1, 256, s.replicas);
  if (e.contains("engine")) s.engine = ParseEngine(e["engine"], p + ".engine");
  s.session_rate_per_s = Num(e, "session_rate_per_s", p, 0.001, 100000, s.session_rate_per_s);
  s.scrape_interval_ms = Num(e, "scrape_interval_ms", p, 1, 3600e3, s.scrape_interval_ms);
  s.scrape_delay_ms = Num(e, "scrape_delay_ms", p, 0, 3600e3, s.scrape_delay_ms);
  s.prefix_hash_blocks =
      Int(e, "prefix_hash_blocks", p, 0, LLMR_PREFIX_HASHES_MAX, s.prefix_hash_blocks);
  s.prefix_block_tokens = Int(e, "prefix_block_tokens", p, 0, 65536, 0);
  if (e.contains("router_settings")) {
    if (!e["router_settings"].is_object()) Fail(p + ".router_settings", "must be an object");
    s.router_settings_json = e["router_settings"].dump();
  }
  if (!e.contains("workloads") || !e["workloads"].is_array() || e["workloads"].empty()) {
    Fail(p + ".workloads", "a non-empty array is required");
  }
  double total_weight = 0;
  for (size_t i = 0; i < e["workloads"].size(); ++i) {
    const std::string wp = p + ".workloads[" + std::to_string(i) + "]";
    s.workloads.push_back(ParseWorkload(e["workloads"][i], wp));
    const Workload &w = s.workloads.back();
    total_weight += w.weight;
    // The longest session's last turn must fit in one replica's cache.
    const int64_t longest =
        w.system_tokens + w.turns_max * (w.user_tokens + w.output_tokens) * 3 / 2;
    const int64_t blocks = (longest + s.engine.block_tokens - 1) / s.engine.block_tokens;
    if (blocks > s.engine.kv_blocks) {
      Fail(wp, "its longest turn (" + std::to_string(longest) +
                   " tokens) does not fit in engine.kv_blocks");
    }
  }
  if (!(total_weight > 0)) Fail(p + ".workloads", "the weights must not all be 0");
  return s;
}

}  // namespace sim
