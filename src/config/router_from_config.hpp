// Routers from JSON configurations, for C++ callers (the C shim, the SWIG shim, tests): create a
// router from one, hot-reload one, validate one. The C API's config functions only translate
// their arguments and results to these.
#pragma once

#include <memory>
#include <string>
#include <string_view>

#include "config/config.hpp"
#include "core/router.hpp"

namespace llmroute::config {

// Where a configuration comes from: its text, or the path of a file holding it.
struct Source {
  enum class Kind : uint8_t { kText, kFile };
  Kind kind = Kind::kText;
  std::string_view text_or_path;

  static Source Text(std::string_view json) { return {Kind::kText, json}; }
  static Source File(std::string_view path) { return {Kind::kFile, path}; }
};

// Parses `source` and creates a router: `base` with the document's router_settings over it (the
// fleet backend built from the resulting URL), then the document's deployments, aliases,
// fallbacks and strategies applied as its first configuration. kConfig naming the JSON path
// for a bad document or a setting out of range with the base; kInvalidArgument naming the C
// option when a base option the document leaves alone is out of range.
Status CreateFromConfig(const Source &source, RouterOptions base, std::unique_ptr<Router> *out);

// Parses `source` and applies it to `router` in one step (RouterOptions settings must equal the
// router's). A rejected document is reported to the router's listener (a config_rejected event)
// before this returns; nothing of it is applied.
Status ApplyConfig(Router &router, const Source &source);

// Parses `source` and checks its settings against the defaults, as CreateFromConfig would.
Status ValidateConfig(const Source &source);

}  // namespace llmroute::config
