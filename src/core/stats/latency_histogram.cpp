#include "core/stats/latency_histogram.hpp"

#include <algorithm>
#include <cmath>

namespace llmroute {

namespace {

// The lower edge of coarse interval `interval` (0 is [0, 1 ms)).
double IntervalLow(size_t interval) {
  return interval == 0 ? 0.0 : LatencyHistogram::kEdgesMs[interval - 1];
}

double IntervalHigh(size_t interval) {
  return LatencyHistogram::kEdgesMs[interval];
}

constexpr size_t kOverflow = LatencyHistogram::kBuckets - 1;

}  // namespace

size_t LatencyHistogram::BucketOf(double latency_ms) {
  // Intervals include their upper edge, as a Prometheus `le` bucket does.
  if (!(latency_ms > 0)) return 0;
  if (latency_ms > kEdgesMs.back()) return kOverflow;
  const size_t interval = static_cast<size_t>(
      std::lower_bound(kEdgesMs.begin(), kEdgesMs.end(), latency_ms) - kEdgesMs.begin());
  const double low = IntervalLow(interval);
  const double position = (latency_ms - low) / (IntervalHigh(interval) - low) * kSubBuckets;
  const auto sub = position <= 1
                       ? size_t{0}
                       : std::min(kSubBuckets - 1, static_cast<size_t>(std::ceil(position)) - 1);
  return interval * kSubBuckets + sub;
}

double LatencyHistogram::LowerBoundMs(size_t bucket) {
  if (bucket >= kOverflow) return kEdgesMs.back();
  const size_t interval = bucket / kSubBuckets;
  const double low = IntervalLow(interval);
  const double width = IntervalHigh(interval) - low;
  return low + width * static_cast<double>(bucket % kSubBuckets) / kSubBuckets;
}

double LatencyHistogram::UpperBoundMs(size_t bucket) {
  if (bucket >= kOverflow) return INFINITY;
  return bucket % kSubBuckets == kSubBuckets - 1 ? IntervalHigh(bucket / kSubBuckets)
                                                 : LowerBoundMs(bucket + 1);
}

void LatencyHistogram::Record(double latency_ms) {
  if (!(latency_ms >= 0) || !std::isfinite(latency_ms)) return;
  counts_[BucketOf(latency_ms)].fetch_add(1, std::memory_order_relaxed);
  // Microseconds in an integer: fetch_add instead of a compare-and-swap loop on a double. Capped
  // so that a single absurd sample cannot overflow the sum.
  const double us = std::min(latency_ms * 1000.0, 1e12);
  // Rounded half up (us >= 0): std::llround is a libm call on the report path.
  sum_us_.fetch_add(static_cast<int64_t>(us + 0.5), std::memory_order_relaxed);
}

LatencyHistogram::Snapshot LatencyHistogram::Read() const {
  Snapshot s;
  for (size_t i = 0; i < kBuckets; ++i) {
    s.counts[i] = counts_[i].load(std::memory_order_relaxed);
    s.count += s.counts[i];
  }
  s.sum_ms = static_cast<double>(sum_us_.load(std::memory_order_relaxed)) / 1000.0;
  return s;
}

double LatencyHistogram::Snapshot::Quantile(double q) const {
  if (count == 0) return -1;
  q = std::clamp(q, 0.0, 1.0);
  // The sample of rank ceil(q * count) (1-based), placed by linear interpolation in its bucket.
  const double rank = std::max(1.0, std::ceil(q * static_cast<double>(count)));
  double before = 0;
  for (size_t i = 0; i < kBuckets; ++i) {
    if (counts[i] == 0) continue;
    const auto here = static_cast<double>(counts[i]);
    if (before + here >= rank) {
      if (i == kOverflow) return LatencyHistogram::kEdgesMs.back();
      const double low = LowerBoundMs(i);
      const double high = UpperBoundMs(i);
      return low + (high - low) * (rank - before) / here;
    }
    before += here;
  }
  return LatencyHistogram::kEdgesMs.back();
}

int64_t LatencyHistogram::Snapshot::CountAtOrBelowEdge(size_t edge) const {
  // Edge k closes coarse interval k, whose fine buckets end at (k + 1) * kSubBuckets.
  const size_t end = std::min(kBuckets, (edge + 1) * kSubBuckets);
  int64_t total = 0;
  for (size_t i = 0; i < end; ++i) total += counts[i];
  return total;
}

}  // namespace llmroute
