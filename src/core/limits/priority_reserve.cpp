#include "core/limits/priority_reserve.hpp"

#include <algorithm>
#include <cmath>
#include <string>

namespace llmroute {

Status ValidatePriority(int64_t priority, const char *field) {
  if (priority < 0 || priority >= static_cast<int64_t>(kPriorityCount)) {
    return {Code::kInvalidArgument, std::string(field) + " must be 0 (highest) .. " +
                                        std::to_string(kPriorityCount - 1) + " (lowest); got " +
                                        std::to_string(priority)};
  }
  return Status::Ok();
}

Status ValidateReserve(const std::vector<ReserveLevel> &reserve, const char *field) {
  if (reserve.size() > kMaxReserveLevels) {
    return {Code::kInvalidArgument, std::string(field) + " has " + std::to_string(reserve.size()) +
                                        " levels; at most " + std::to_string(kMaxReserveLevels) +
                                        " (priorities 0.." + std::to_string(kMaxReservePriority) +
                                        ")"};
  }
  for (size_t i = 0; i < reserve.size(); ++i) {
    const std::string at = std::string(field) + "[" + std::to_string(i) + "]";
    const ReserveLevel &level = reserve[i];
    if (level.priority > kMaxReservePriority) {
      return {Code::kInvalidArgument,
              at + ".priority must be 0.." + std::to_string(kMaxReservePriority) + " (got " +
                  std::to_string(level.priority) + "; a reserve for the lowest class, " +
                  std::to_string(kPriorityCount - 1) + ", would be kept for everyone)"};
    }
    if (!(level.share >= 0 && level.share <= 1)) {  // also NaN
      return {Code::kInvalidArgument, at + ".share must be a number in 0..1"};
    }
    if (i > 0 && level.priority <= reserve[i - 1].priority) {
      return {Code::kInvalidArgument, at + ".priority must be above the previous level's (" +
                                          std::to_string(reserve[i - 1].priority) +
                                          "): levels go from the highest class down"};
    }
    if (i > 0 && level.share < reserve[i - 1].share) {
      return {Code::kInvalidArgument,
              at + ".share must be at least the previous level's: the reserve for a priority "
                   "includes the reserve for the priorities above it"};
    }
  }
  return Status::Ok();
}

std::array<uint64_t, kPriorityCount> UsablePerClass(uint64_t limit,
                                                    const std::vector<ReserveLevel> &reserve) {
  std::array<uint64_t, kPriorityCount> usable{};
  for (uint32_t p = 0; p < kPriorityCount; ++p) {
    // The reserve a class of priority p may not touch: that of the last level above it (the
    // levels' shares do not decrease).
    double share = 0;
    for (const ReserveLevel &level : reserve) {
      if (level.priority < p) share = level.share;
    }
    const auto kept = static_cast<uint64_t>(std::llround(static_cast<double>(limit) * share));
    usable[p] = limit - std::min(kept, limit);
  }
  return usable;
}

}  // namespace llmroute
