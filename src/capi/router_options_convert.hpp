// llmr_router_options <-> llmroute::RouterOptions, row by row from the options table
// (src/options/router_options.def). The ranges are the core's (core/option_table.hpp); this only
// converts.
#pragma once

#include "core/router_options.hpp"
#include "llmroute/llmroute.h"

namespace llmroute::capi {

// The defaults of every member (llmr_router_options_init's value, struct_size aside).
llmr_router_options DefaultRouterOptions();

// Converts a whole C options struct (already read with its struct_size) into `core`: the values
// and the callbacks (the fleet backend is built later, from the final options). Fails on the first
// value out of range with the core's message; relations between options are checked by
// Router::Create (RouterOptions::Validate).
llmr_status ToCoreOptions(const llmr_router_options &options, RouterOptions *core);

}  // namespace llmroute::capi
