// The Redis backend of the fleet shared state (docs/fleet.md), built when hiredis is found
// (LLMR_WITH_REDIS). Without it, CreateRedisBackend explains that the library lacks it.
#pragma once

#include <memory>

#include "core/shared_state/backend.hpp"
#include "core/shared_state/shared_state_config.hpp"
#include "core/status.hpp"

namespace llmroute::redis {

// Parses config.url and prepares a backend (no connection yet). kInvalidArgument with the
// reason when the URL is malformed or the build has no Redis support.
Status CreateBackend(const SharedStateConfig &config, std::unique_ptr<SharedStateBackend> *out);

}  // namespace llmroute::redis
