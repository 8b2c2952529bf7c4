// The build without hiredis (LLMR_WITH_REDIS=OFF, or AUTO without hiredis found).
#include "redis_backend.hpp"

namespace llmroute::redis {

bool Available() {
  return false;
}

Status CreateBackend(const SharedStateConfig &, std::unique_ptr<SharedStateBackend> *) {
  return {Code::kInvalidArgument,
          "option shared_state_url: this llmroute was built without Redis support (hiredis was "
          "not found; install libhiredis-dev and build with -DLLMR_WITH_REDIS=ON)"};
}

}  // namespace llmroute::redis
