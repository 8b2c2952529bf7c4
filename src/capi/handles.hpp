// What the opaque C handles are. The C API sees only their names.
#pragma once

#include <memory>
#include <string>
#include <vector>

#include "core/router.hpp"
#include "llmroute/llmroute.h"

// The header's limits are the core's.
static_assert(LLMR_MAX_DEPLOYMENTS == llmroute::kMaxDeployments, "LLMR_MAX_DEPLOYMENTS");
static_assert(LLMR_MAX_TICKETS == llmroute::TicketTable::kMaxOutstanding, "LLMR_MAX_TICKETS");

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
