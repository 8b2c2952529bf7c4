// A fixed-memory latency histogram, lock-free: every bucket is a relaxed atomic counter, so
// recording costs one fetch_add on the bucket and one on the sum, and readers never block writers.
//
// Buckets are log-linear on a 1-2-5 scale: the edges 1, 2, 5, 10, 20, 50 ... 1 000 000 ms are
// the Prometheus exposition's `le` values (so the coarse buckets it shows are exact sums of the
// fine ones); each interval between two edges, and (0, 1 ms], is split into kSubBuckets equal
// parts; one overflow bucket takes what is above 1000 s. Like Prometheus buckets, each includes
// its upper bound. Quantiles interpolate linearly inside the fine bucket, so their error is at
// most one fine bucket, 1/16 of an interval: under 10% of the value. 305 buckets, 2.4 KiB.
#pragma once

#include <array>
#include <atomic>
#include <cstddef>
#include <cstdint>

namespace llmroute {

class LatencyHistogram {
 public:
  // The coarse edges in ms, ascending; the exposition's `le` buckets (plus +Inf).
  static constexpr std::array<double, 19> kEdgesMs = {
      1,    2,    5,      10,     20,     50,      100,     200,     500,      1000,
      2000, 5000, 10'000, 20'000, 50'000, 100'000, 200'000, 500'000, 1'000'000};
  static constexpr size_t kSubBuckets = 16;
  // [0, 1 ms) and the 18 intervals between edges, each split; then the overflow bucket.
  static constexpr size_t kBuckets = kEdgesMs.size() * kSubBuckets + 1;

  // Records one sample; negative, NaN and infinite values are ignored.
  void Record(double latency_ms);

  struct Snapshot {
    std::array<int64_t, kBuckets> counts{};
    int64_t count = 0;  // the sum of counts (so the exposition's +Inf bucket equals _count)
    double sum_ms = 0;

    // The q-quantile (0 < q <= 1) in ms; negative when there is no sample. Above 1000 s it
    // answers 1000 s (the overflow bucket's lower edge).
    double Quantile(double q) const;
    // Samples below or at kEdgesMs[edge]: the exposition's cumulative bucket.
    int64_t CountAtOrBelowEdge(size_t edge) const;
  };

  // Reads every bucket once (relaxed): a consistent count even while samples arrive.
  Snapshot Read() const;

  // The fine bucket a sample falls in, and that bucket's bounds in ms (for tests).
  static size_t BucketOf(double latency_ms);
  static double LowerBoundMs(size_t bucket);
  static double UpperBoundMs(size_t bucket);

 private:
  std::array<std::atomic<int64_t>, kBuckets> counts_{};
  std::atomic<int64_t> sum_us_{0};
};

}  // namespace llmroute
