// What the opaque C handles are. The C API sees only their names.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "core/explain/explanation.hpp"
#include "core/router.hpp"
#include "llmroute/llmroute.h"

// The header's limits are the core's.
static_assert(LLMR_MAX_DEPLOYMENTS == llmroute::kMaxDeployments, "LLMR_MAX_DEPLOYMENTS");
static_assert(LLMR_MAX_TICKETS == llmroute::TicketTable::kMaxOutstanding, "LLMR_MAX_TICKETS");

namespace llmroute::capi {
// Reads the caller's llmr_pick_options (may be older and shorter) into the core's request; the
// pointers stay the caller's (pick_api.cpp). With `trace_out` (llmr_router_pick only), also
// checks the trace fields and sets *trace_out to where a requested trace goes (NULL: none).
llmr_status ReadPickOptions(const llmr_pick_options *opts, PickRequest *request,
                            llmr_explanation ***trace_out = nullptr);
}  // namespace llmroute::capi

struct llmr_router {
  std::unique_ptr<llmroute::Router> core;
};

struct llmr_fallbacks {
  std::vector<llmroute::FallbackEntry> entries;
};

struct llmr_health_list {
  std::vector<std::string> names;
  std::vector<llmr_health> entries;  // entries[i].name points into names[i]
};

struct llmr_explanation {
  llmroute::Explanation core;
  std::string json;  // ExplanationJson(core), rendered when created
};
