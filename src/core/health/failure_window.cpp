#include "core/health/failure_window.hpp"

#include <algorithm>

namespace llmroute {

FailureWindow::FailureWindow(int64_t window_ns)
    : bucket_ns_(std::max<int64_t>(1, window_ns / kBuckets)) {}

FailureWindow::Bucket &FailureWindow::Current(int64_t now_ns) {
  const int64_t index = now_ns / bucket_ns_;
  Bucket &bucket = buckets_[static_cast<size_t>(index % kBuckets)];
  if (bucket.index != index) bucket = Bucket{index, 0, 0};
  return bucket;
}

FailureWindow::Counts FailureWindow::Count(int64_t now_ns) {
  const int64_t newest = now_ns / bucket_ns_;
  Counts counts;
  for (const Bucket &bucket : buckets_) {
    if (bucket.index >= 0 && bucket.index > newest - kBuckets && bucket.index <= newest) {
      counts.total += bucket.successes + bucket.failures;
      counts.failures += bucket.failures;
    }
  }
  return counts;
}

void FailureWindow::Record(int64_t now_ns, bool failure) {
  Bucket &bucket = Current(now_ns);
  (failure ? bucket.failures : bucket.successes) += 1;
}

void FailureWindow::Clear() {
  buckets_.fill(Bucket{});
}

}  // namespace llmroute
