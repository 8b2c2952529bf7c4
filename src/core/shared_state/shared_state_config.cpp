#include "core/shared_state/shared_state_config.hpp"

#include <algorithm>
#include <cmath>

namespace llmroute {

uint64_t RateBatch(uint64_t limit, double rate_batch) {
  const double batch = std::floor(static_cast<double>(limit) * rate_batch);
  if (!(batch >= 1)) return 1;
  if (batch >= static_cast<double>(limit)) return std::max<uint64_t>(limit, 1);
  return static_cast<uint64_t>(batch);
}

}  // namespace llmroute
