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
// pointers stay the caller's (pick_api.cpp). Returns kPickTraced instead of LLMR_OK when the
// options ask for a per-pick trace (opts->trace not 0): the caller's existing error branch then
// carries the traced pick, so a pick without a trace tests nothing more.
llmr_status ReadPickOptions(const llmr_pick_options *opts, PickRequest *request);
// Not an llmr_status value: no status is positive.
constexpr auto kPickTraced = static_cast<llmr_status>(1);
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
