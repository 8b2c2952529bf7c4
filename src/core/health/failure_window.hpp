// Counted successes and failures over a sliding time window, in fixed buckets that rotate lazily
// as time passes (no timer thread). Not thread-safe: the owner serialises access.
#pragma once

#include <array>
#include <cstdint>

namespace llmroute {

class FailureWindow {
 public:
  static constexpr int kBuckets = 10;

  explicit FailureWindow(int64_t window_ns = 30'000'000'000);

  void Record(int64_t now_ns, bool failure);
  // Counts over the last window_ns (bucket granularity: window / kBuckets).
  struct Counts {
    uint64_t total = 0;
    uint64_t failures = 0;
    double Ratio() const {
      return total == 0 ? 0.0 : static_cast<double>(failures) / static_cast<double>(total);
    }
  };
  // Both counts in one pass over the buckets.
  Counts Count(int64_t now_ns);
  void Clear();

 private:
  struct Bucket {
    int64_t index = -1;  // which bucket period it holds; -1 when empty
    uint64_t successes = 0;
    uint64_t failures = 0;
  };
  Bucket &Current(int64_t now_ns);

  int64_t bucket_ns_;
  std::array<Bucket, kBuckets> buckets_{};
};

}  // namespace llmroute
