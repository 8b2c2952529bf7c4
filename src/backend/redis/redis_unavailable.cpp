// The build without hiredis (LLMR_WITH_REDIS=OFF, or AUTO without hiredis found).
#include "redis_backend.hpp"

namespace llmroute::redis {

Status CreateBackend(const SharedStateConfig &, std::unique_ptr<SharedStateBackend> *) {
  return {Code::kInvalidArgument,
          "option shared_state_url: this llmroute was built without Redis support "
          "(LLMR_WITH_REDIS=OFF, or hiredis was not found at build time: install "
          "libhiredis-dev and rebuild)"};
}

}  // namespace llmroute::redis
