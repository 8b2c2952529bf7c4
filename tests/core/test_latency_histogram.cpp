// The fixed-memory latency histogram behind the statistics' quantiles and the Prometheus
// histogram: bucket bounds (upper-inclusive, like Prometheus's `le`), quantile error against the
// exact order statistics, and what it ignores.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <random>
#include <vector>

#include "core/stats/latency_histogram.hpp"

namespace llmroute {
namespace {

TEST(LatencyHistogram, BucketsIncludeTheirUpperBound) {
  for (size_t e = 0; e < LatencyHistogram::kEdgesMs.size(); ++e) {
    const double edge = LatencyHistogram::kEdgesMs[e];
    const size_t bucket = LatencyHistogram::BucketOf(edge);
    EXPECT_EQ(LatencyHistogram::UpperBoundMs(bucket), edge) << edge;
    EXPECT_LT(LatencyHistogram::LowerBoundMs(bucket), edge);
    // Just above an edge is the next interval's first bucket.
    EXPECT_EQ(LatencyHistogram::BucketOf(std::nextafter(edge, 1e300)), bucket + 1) << edge;
  }
  EXPECT_EQ(LatencyHistogram::BucketOf(0), 0u);
  EXPECT_EQ(LatencyHistogram::BucketOf(2e6), LatencyHistogram::kBuckets - 1);
  // Every fine bucket's bounds hold the values that map to it.
  for (size_t b = 0; b + 1 < LatencyHistogram::kBuckets; ++b) {
    const double low = LatencyHistogram::LowerBoundMs(b), high = LatencyHistogram::UpperBoundMs(b);
    ASSERT_LT(low, high) << b;
    EXPECT_EQ(LatencyHistogram::BucketOf((low + high) / 2), b) << b;
    EXPECT_EQ(LatencyHistogram::BucketOf(high), b) << b;
  }
}

TEST(LatencyHistogram, CoarseEdgesCountExactly) {
  LatencyHistogram h;
  for (const double v : {0.5, 1.0, 1.5, 5.0, 5.01, 99.0, 100.0, 100.5, 5e6}) h.Record(v);
  const LatencyHistogram::Snapshot s = h.Read();
  EXPECT_EQ(s.count, 9);
  EXPECT_EQ(s.CountAtOrBelowEdge(0), 2);                                      // <= 1 ms
  EXPECT_EQ(s.CountAtOrBelowEdge(2), 4);                                      // <= 5 ms
  EXPECT_EQ(s.CountAtOrBelowEdge(6), 7);                                      // <= 100 ms
  EXPECT_EQ(s.CountAtOrBelowEdge(LatencyHistogram::kEdgesMs.size() - 1), 8);  // <= 1000 s
  EXPECT_DOUBLE_EQ(s.sum_ms, 0.5 + 1 + 1.5 + 5 + 5.01 + 99 + 100 + 100.5 + 5e6);
}

TEST(LatencyHistogram, IgnoresWhatIsNotALatency) {
  LatencyHistogram h;
  h.Record(-1);
  h.Record(std::nan(""));
  h.Record(INFINITY);
  EXPECT_EQ(h.Read().count, 0);
  EXPECT_LT(h.Read().Quantile(0.5), 0);
}

TEST(LatencyHistogram, QuantilesWithinTenPercentOfTheExactOnes) {
  std::mt19937_64 rng(7);
  std::lognormal_distribution<double> latency(std::log(400.0), 0.8);  // a long-tailed LLM call
  LatencyHistogram h;
  std::vector<double> samples;
  for (int i = 0; i < 100000; ++i) {
    samples.push_back(latency(rng));
    h.Record(samples.back());
  }
  std::sort(samples.begin(), samples.end());
  const LatencyHistogram::Snapshot s = h.Read();
  for (const double q : {0.5, 0.9, 0.99, 0.999}) {
    const double exact =
        samples[static_cast<size_t>(std::ceil(q * static_cast<double>(samples.size()))) - 1];
    EXPECT_NEAR(s.Quantile(q), exact, exact * 0.10) << q;
  }
}

}  // namespace
}  // namespace llmroute
