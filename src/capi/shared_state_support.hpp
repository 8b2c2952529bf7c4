// The fleet shared state's backend, built by the C shim from the router options
// (shared_state_api.cpp).
#pragma once

#include "core/router_options.hpp"
#include "llmroute/llmroute.h"

namespace llmroute::capi {

// When the options name a URL, builds the backend it names into core->shared_state_backend (no
// connection yet; llmroute::Router::Create makes the first attempt).
llmr_status CreateSharedStateBackend(RouterOptions *core);

}  // namespace llmroute::capi
