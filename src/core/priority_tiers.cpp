// Priority tiers' traffic shares (see priority_tiers.hpp). The pick path that walks them is
// router/pick_across_tiers.cpp.
#include "core/priority_tiers.hpp"

#include <algorithm>

namespace llmroute {

void TierLoad::Add(uint32_t healthy, uint32_t members) {
  if (count_ >= health_.size()) return;
  double health = 0;
  if (healthy > 0 && members > 0) {
    // An infinite factor gives infinity here (never NaN: healthy > 0), so min() makes it 1.
    health = std::min(1.0, factor_ * static_cast<double>(healthy) / static_cast<double>(members));
  }
  if (health > 0 && sum_ < 1.0) ++with_share_;
  health_[count_++] = health;
  sum_ += health;
}

double TierLoad::Share(size_t index) const {
  if (index >= count_ || sum_ <= 0) return 0;
  if (sum_ < 1.0) return health_[index] / sum_;  // normalised total availability
  double before = 0;
  for (size_t i = 0; i < index; ++i) before += health_[i];
  return std::clamp(std::min(health_[index], 1.0 - before), 0.0, 1.0);
}

int TierLoad::Choose(double u) const {
  if (sum_ <= 0) return -1;
  double cumulative = 0;
  int last = -1;
  for (size_t i = 0; i < count_; ++i) {
    const double share = Share(i);
    if (share <= 0) continue;
    last = static_cast<int>(i);
    cumulative += share;
    if (u < cumulative) return last;
  }
  return last;  // rounding left u just past the cumulative sum
}

}  // namespace llmroute
