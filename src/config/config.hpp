// The JSON configuration (docs/configuration.md): parsing and validation into the core's types.
//
// A configuration describes a whole router: deployments, aliases, fallback chains by kind,
// per-model strategies, and router settings (strategy, breaker, latency, retry budget, tiers,
// slow start, peak EWMA, affinity). Every invalid value is rejected with Code::kConfig and a
// message "<JSON path>: <reason>", for example "$.deployments[2].weight: must be an integer in
// 1..1000000 (got 0)". Parsing has no side effects: callers apply a Document only once it parsed.
//
// This library knows JSON and the core; it knows nothing of C (the C shim wraps it).
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "core/configuration.hpp"
#include "core/option_table.hpp"
#include "core/router_options.hpp"
#include "core/status.hpp"

namespace llmroute::config {

// The router options a configuration sets (router_settings; the strategy, which a reload may
// change, goes to RouterConfiguration instead). Keys, types and ranges come from the options
// table (src/options/router_options.def, core/option_table.hpp).
struct Settings {
  RouterOptions values;  // holds the value of each option listed in `present`
  std::vector<std::pair<OptionId, std::string>> present;  // with its JSON path, in table order
};

struct Document {
  Settings settings;
  RouterConfiguration routing;
};

// Most bytes a configuration may have.
constexpr size_t kMaxConfigBytes = 16 * 1024 * 1024;

// Parses and validates `json`. On failure `out` is unspecified and the status is kConfig.
Status Parse(std::string_view json, Document *out);

// Reads the file at `path` and parses it; a file that cannot be read is a kConfig error too.
Status ParseFile(const std::string &path, Document *out);

// Copies the settings the document sets into `options` (others keep their values).
void ApplySettings(const Settings &settings, RouterOptions *options);

// Checks `combined` (options with the settings applied) as a whole: ranges and relations such as
// cooldown max >= base. A problem with an option the document sets is kConfig naming its path;
// one with an option it leaves alone (from the base options) is kInvalidArgument naming the C
// option, as llmr_router_create() would.
Status ValidateCombined(const Settings &settings, const RouterOptions &combined);

// The JSON path of an option ("$.router_settings.breaker.window_ms").
std::string OptionPath(const OptionInfo &info);

// For a reload: router settings other than the strategy are fixed when a router is created.
// Ok when every setting the document sets equals `running`'s; otherwise kConfig naming the first
// that differs.
Status CheckSettingsUnchanged(const Settings &settings, const RouterOptions &running);

}  // namespace llmroute::config
