// The defaults of the router options, from their table (src/options/router_options.def), in the
// table's units (durations in ms, enums as their integer values). The core's option structs
// initialise their members from these, so a default is written once.
#pragma once

#include <cstdint>

#include "core/clock.hpp"

namespace llmroute::option_defaults {

#define LLMR_ROUTER_OPTION(name, c_type, kind, unit, def, ...) inline constexpr double name = def;
#define LLMR_ROUTER_STRING(name, max_bytes, def, ...) inline constexpr const char *name = def;
#include "options/router_options.def"

// llmr_deployment's (src/options/deployment_fields.def), for DeploymentSpec.
namespace deployment {
#define LLMR_DEPLOYMENT_FIELD(name, c_type, def, ...) inline constexpr double name = def;
#include "options/deployment_fields.def"
}  // namespace deployment

// Every default is a double here (the table's one type); integer members convert with an explicit
// static_cast, which clang's -Wfloat-conversion asks for.

// A default duration in the core's unit.
constexpr int64_t Ns(double ms) {
  return static_cast<int64_t>(ms) * kNsPerMs;
}

}  // namespace llmroute::option_defaults
