// The C options of the fleet shared state (llmr_router_options.shared_state_*), between the C
// shim and the core (shared_state_api.cpp).
#pragma once

#include "core/router_options.hpp"
#include "llmroute/llmroute.h"

namespace llmroute::capi {

// Writes the defaults of the shared_state_* fields.
void InitSharedStateOptions(llmr_router_options *value);

// Copies the shared_state_* fields into `core` and, when a URL is given, builds the backend it
// names (no connection yet; llmroute::Router::Create makes the first attempt).
llmr_status ReadSharedStateOptions(const llmr_router_options &options, RouterOptions *core);

}  // namespace llmroute::capi
