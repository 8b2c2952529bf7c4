// engine_aware: prefix hashes, the per-deployment prefix index (bounds, expiry), engine load
// reports (validation, staleness) and the scorer with its imbalance guard. Time comes from the
// injected clock only.
#include <gtest/gtest.h>

#include <atomic>
#include <cmath>
#include <limits>
#include <string>
#include <thread>
#include <vector>

#include "core/engine/prefix_hash.hpp"
#include "core/engine/prefix_index.hpp"
#include "routing_helpers.hpp"

namespace llmroute::testing {
namespace {

std::vector<uint64_t> Hashes(const std::string &text, uint32_t block, size_t cap = 256) {
  std::vector<uint64_t> out(cap);
  out.resize(PrefixHashes(reinterpret_cast<const unsigned char *>(text.data()), text.size(), block,
                          out.data(), cap));
  return out;
}

// The vectors every binding checks (docs/engines.md); computed independently in Python.
TEST(PrefixHashes, MatchTheDocumentedVectors) {
  EXPECT_EQ(Hashes("abcdefgh", 4),
            (std::vector<uint64_t>{0xfc179f83ee0724ddULL, 0x817603888772b7b0ULL}));
  EXPECT_EQ(
      Hashes("You are a helpful assistant.", 8),
      (std::vector<uint64_t>{0x9e182a5566490532ULL, 0xf17f507477172ad9ULL, 0xa18b8cf783e6344bULL}));
  // One block is plain FNV-1a 64 ("a" is the published test vector 0xaf63dc4c8601ec8c).
  EXPECT_EQ(Hashes("a", 1), (std::vector<uint64_t>{0xaf63dc4c8601ec8cULL}));
}

TEST(PrefixHashes, TailIgnoredCapTruncatesAndBlocksChain) {
  EXPECT_EQ(Hashes("abcdefghij", 4), Hashes("abcdefgh", 4));  // "ij" is a partial block
  EXPECT_EQ(Hashes("abcdefgh", 4, 1), Hashes("abcd", 4));
  EXPECT_TRUE(Hashes("abc", 4).empty());
  // The same block after a different prefix hashes differently: hash i covers blocks 0..i.
  EXPECT_NE(Hashes("xxxxabcd", 4)[1], Hashes("yyyyabcd", 4)[1]);
  EXPECT_EQ(Hashes("xxxxabcd", 4)[0], Hashes("xxxxefgh", 4)[0]);
}

constexpr int64_t kMinute = 60'000'000'000;

TEST(PrefixIndex, MatchesTheLongestRecordedPrefix) {
  PrefixIndex index;
  const auto system = Hashes(std::string(64, 's') + std::string(64, 'q'), 16);  // 8 blocks
  EXPECT_EQ(index.Match(system.data(), system.size(), 0, kMinute), 0U);         // nothing yet
  index.Record(system.data(), 4, 0, 1024);  // the first 4 blocks only
  EXPECT_EQ(index.Match(system.data(), system.size(), 0, kMinute), 4U);
  index.Record(system.data(), system.size(), 0, 1024);
  EXPECT_EQ(index.Match(system.data(), system.size(), 0, kMinute), 8U);
  const auto other = Hashes(std::string(128, 'o'), 16);
  EXPECT_EQ(index.Match(other.data(), other.size(), 0, kMinute), 0U);
}

TEST(PrefixIndex, MemoryIsBoundedByItsCapacity) {
  PrefixIndex index;
  EXPECT_EQ(index.SlotCount(), 0U);  // allocated on the first record
  std::vector<uint64_t> blocks(100);
  int64_t now = 0;
  for (uint64_t round = 0; round < 50; ++round) {
    for (uint64_t i = 0; i < blocks.size(); ++i) blocks[i] = (round * 1000 + i) * 0x9e3779b97f4aULL;
    now += 10 * kNsPerMs;
    index.Record(blocks.data(), blocks.size(), now, 100);
  }
  EXPECT_EQ(index.SlotCount(), 128U);  // 100 rounded up to a power of two, never more
  EXPECT_LE(index.LiveEntries(now, kMinute), 128U);
  EXPECT_GT(index.LiveEntries(now, kMinute), 64U);  // and it is used, not thrown away
  // The newest blocks replace older ones first: most of the last round matches (2-way buckets
  // hold about 80 of 100 keys hashed into 64 buckets).
  size_t kept = 0;
  for (uint64_t h : blocks) kept += index.Match(&h, 1, now, kMinute);
  EXPECT_GT(kept, 60U);
}

TEST(PrefixIndex, EntriesExpireAfterTheTtl) {
  PrefixIndex index;
  const auto h = Hashes(std::string(64, 'p'), 16);
  const int64_t t0 = 1'000 * kNsPerMs * 1000;
  const int64_t ttl = 10'000 * kNsPerMs;
  index.Record(h.data(), h.size(), t0, 64);
  EXPECT_EQ(index.Match(h.data(), h.size(), t0 + ttl - 5 * kNsPerMs, ttl), h.size());
  EXPECT_EQ(index.Match(h.data(), h.size(), t0 + ttl + 5 * kNsPerMs, ttl), 0U);
  EXPECT_EQ(index.LiveEntries(t0 + ttl + 5 * kNsPerMs, ttl), 0U);
  // Routing the prefix again refreshes it.
  index.Record(h.data(), h.size(), t0 + ttl + 5 * kNsPerMs, 64);
  EXPECT_EQ(index.Match(h.data(), h.size(), t0 + ttl + 10 * kNsPerMs, ttl), h.size());
}

// A pick on the exact clock records, the next one reads the coarse clock, up to a tick behind:
// the entry it finds stamped "in the future" is live, not expired (an unsigned age wrapped).
TEST(PrefixIndex, AnEntryStampedJustAheadOfNowMatches) {
  PrefixIndex index;
  const auto h = Hashes(std::string(128, 'p'), 16);
  const int64_t exact = 1'000 * kNsPerMs * 1000;
  const int64_t coarse = exact - 4 * kNsPerMs;  // CLOCK_MONOTONIC_COARSE's usual tick
  index.Record(h.data(), h.size(), exact, 64);
  EXPECT_EQ(index.Match(h.data(), h.size(), coarse, kMinute), h.size());
  EXPECT_EQ(index.LiveEntries(coarse, kMinute), h.size());
}

// Two deployments, engine_aware; picks carry the same 8-block prefix.
struct EngineFixture {
  TestRouter t{WithStrategy(StrategyKind::kEngineAware), 7};
  std::vector<uint64_t> prefix = Hashes(std::string(256, 'S'), 32);

  EngineFixture() {
    t.Add("a", {"m"});
    t.Add("b", {"m"});
  }
  Status Load(const std::string &name, int64_t waiting, int64_t running, double kv,
              int64_t read_at_ns = 0) {
    EngineLoadInput in;
    in.waiting = waiting;
    in.running = running;
    in.kv_utilization = kv;
    in.read_at_ns = read_at_ns;
    return t.router->ReportLoad(name, in);
  }
  // Picks with the prefix and cancels at once, so in-flight counts stay 0.
  std::string Pick(std::vector<const char *> exclude = {}) {
    PickRequest request;
    request.prefix_hashes = prefix.data();
    request.prefix_hash_count = prefix.size();
    request.exclude = exclude.empty() ? nullptr : exclude.data();
    request.exclude_count = exclude.size();
    PickResult result;
    const Status s = t.router->Pick("m", "m", request, &result);
    EXPECT_TRUE(s.ok()) << s.message();
    if (!s.ok()) return "";
    std::string name = result.deployment;
    EXPECT_TRUE(t.router->Cancel(result.ticket).ok());
    return name;
  }
};

TEST(EngineAware, PrefixMatchBeatsLoadUntilTheImbalanceGuardTrips) {
  EngineFixture f;
  ASSERT_EQ(f.Pick({"b"}), "a");  // "a" now holds the prefix
  // a: queue 10 (score 0), kv 0.5, prefix 1 -> 0 + 1 + 3 = 4; b: 2 + 1 + 0 = 3.
  ASSERT_TRUE(f.Load("a", 10, 10, 0.5).ok());
  ASSERT_TRUE(f.Load("b", 0, 0, 0.5).ok());
  for (int i = 0; i < 20; ++i) EXPECT_EQ(f.Pick(), "a");
  // A load gap of 60 (< balance_abs_threshold 64) is not imbalance: still the cached prefix.
  ASSERT_TRUE(f.Load("a", 70, 20, 0.5).ok());
  ASSERT_TRUE(f.Load("b", 10, 20, 0.5).ok());
  for (int i = 0; i < 20; ++i) EXPECT_EQ(f.Pick(), "a");
  // 100 vs 30: max - min = 70 > 64 and 100 > 1.5 x 30: the least loaded wins.
  ASSERT_TRUE(f.Load("a", 80, 20, 0.5).ok());
  for (int i = 0; i < 20; ++i) EXPECT_EQ(f.Pick(), "b");
}

TEST(EngineAware, RelativeThresholdKeepsAffinityBetweenBigLoads) {
  EngineFixture f;
  ASSERT_EQ(f.Pick({"b"}), "a");
  // 400 vs 300: the gap is 100 > 64 but 400 < 1.5 x 300: not imbalanced, prefix wins.
  ASSERT_TRUE(f.Load("a", 300, 100, 0.5).ok());
  ASSERT_TRUE(f.Load("b", 200, 100, 0.5).ok());
  for (int i = 0; i < 20; ++i) EXPECT_EQ(f.Pick(), "a");
}

TEST(EngineAware, KvUtilisationAndQueueDecideWithoutAPrefix) {
  TestRouter t(WithStrategy(StrategyKind::kEngineAware), 3);
  t.Add("full", {"m"});
  t.Add("empty", {"m"});
  EngineLoadInput in;
  in.kv_utilization = 0.95;
  ASSERT_TRUE(t.router->ReportLoad("full", in).ok());
  in.kv_utilization = 0.05;
  ASSERT_TRUE(t.router->ReportLoad("empty", in).ok());
  for (int i = 0; i < 20; ++i) {
    uint64_t ticket = 0;
    EXPECT_EQ(t.PickName("m", &ticket), "empty");
    EXPECT_TRUE(t.router->Cancel(ticket).ok());
  }
}

TEST(EngineAware, StaleLoadIsIgnored) {
  EngineFixture f;
  ASSERT_EQ(f.Pick({"b"}), "a");
  ASSERT_TRUE(f.Load("a", 200, 0, 0.5).ok());  // imbalanced: b wins while this is fresh
  ASSERT_TRUE(f.Load("b", 0, 0, 0.5).ok());
  EXPECT_EQ(f.Pick(), "b");
  // b now holds the prefix too; take it back to a clean state for the comparison below.
  f.t.Advance(1999);
  EXPECT_EQ(f.Pick(), "b");  // 1999 ms old: still fresh (engine_load_stale_ms 2000)
  f.t.Advance(2);
  // Both reports are stale: loads fall back to calls in flight (0 and 0), both hold the prefix,
  // so the pick is a tie spread over both, and never refused.
  int a = 0;
  for (int i = 0; i < 200; ++i) a += f.Pick() == "a" ? 1 : 0;
  EXPECT_GT(a, 40);
  EXPECT_LT(a, 160);
}

TEST(EngineAware, AReportReadBeforeTheStaleAgeCountsFromItsReadTime) {
  EngineFixture f;
  ASSERT_EQ(f.Pick({"b"}), "a");
  const int64_t now = f.t.router->NowNs();
  // Read 3 s ago: already stale, so a's queue of 200 is not believed.
  ASSERT_TRUE(f.Load("a", 200, 0, 0.5, now - 3000 * kNsPerMs).ok());
  for (int i = 0; i < 10; ++i) EXPECT_EQ(f.Pick(), "a");
}

TEST(EngineAware, BadReportsAreRejectedAndChangeNothing) {
  EngineFixture f;
  ASSERT_EQ(f.Pick({"b"}), "a");
  ASSERT_TRUE(f.Load("a", 0, 0, 0.1).ok());
  ASSERT_TRUE(f.Load("b", 0, 0, 0.1).ok());
  struct Case {
    int64_t waiting, running;
    double kv;
    int64_t read_at;
    const char *field;
  };
  const int64_t now = f.t.router->NowNs();
  const Case cases[] = {
      {500, 0, 1.5, 0, "kv_cache_utilization"},
      {500, 0, -0.1, 0, "kv_cache_utilization"},
      {500, 0, std::numeric_limits<double>::quiet_NaN(), 0, "kv_cache_utilization"},
      {-1, 0, 0.1, 0, "waiting"},
      {500, -3, 0.1, 0, "running"},
      {500, 0, 0.1, -5, "read_at_ns"},
      {500, 0, 0.1, now + 1, "read_at_ns"},
  };
  for (const Case &c : cases) {
    const Status s = f.Load("a", c.waiting, c.running, c.kv, c.read_at);
    EXPECT_EQ(s.code(), Code::kInvalidArgument) << c.field;
    EXPECT_NE(s.message().find(c.field), std::string::npos) << s.message();
  }
  const Status unknown = f.Load("nope", 1, 1, 0.1);
  EXPECT_EQ(unknown.code(), Code::kNotFound);
  EXPECT_NE(unknown.message().find("nope"), std::string::npos);
  // Had any of them (waiting 500) been applied, the guard would send everything to b.
  for (int i = 0; i < 20; ++i) EXPECT_EQ(f.Pick(), "a");
}

TEST(EngineAware, AnOlderReportThanTheOneHeldIsDropped) {
  EngineFixture f;
  ASSERT_EQ(f.Pick({"b"}), "a");
  const int64_t now = f.t.router->NowNs();
  ASSERT_TRUE(f.Load("a", 0, 0, 0.1, now).ok());
  ASSERT_TRUE(f.Load("a", 500, 0, 0.1, now - 100 * kNsPerMs).ok());  // late scrape: ignored
  for (int i = 0; i < 10; ++i) EXPECT_EQ(f.Pick(), "a");
}

TEST(EngineAware, PickRejectsTooManyOrMissingHashes) {
  EngineFixture f;
  std::vector<uint64_t> many(kMaxPickPrefixHashes + 1, 7);
  PickRequest request;
  request.prefix_hashes = many.data();
  request.prefix_hash_count = many.size();
  PickResult result;
  Status s = f.t.router->Pick("m", "m", request, &result);
  EXPECT_EQ(s.code(), Code::kInvalidArgument);
  EXPECT_NE(s.message().find("prefix_hash_count"), std::string::npos);
  request.prefix_hashes = nullptr;
  request.prefix_hash_count = 3;
  s = f.t.router->Pick("m", "m", request, &result);
  EXPECT_EQ(s.code(), Code::kInvalidArgument);
  EXPECT_NE(s.message().find("prefix_hashes"), std::string::npos);
  request.prefix_hashes = many.data();
  request.prefix_hash_count = kMaxPickPrefixHashes;  // the cap itself is fine
  EXPECT_TRUE(f.t.router->Pick("m", "m", request, &result).ok());
}

TEST(EngineAware, InFlightCallsCountUntilTheNextReport) {
  // Both engines reported idle; calls this router sent since count as queued, so a burst of
  // picks without a prefix alternates instead of herding onto one replica.
  TestRouter t(WithStrategy(StrategyKind::kEngineAware), 11);
  t.Add("a", {"m"});
  t.Add("b", {"m"});
  EngineLoadInput idle;
  ASSERT_TRUE(t.router->ReportLoad("a", idle).ok());
  ASSERT_TRUE(t.router->ReportLoad("b", idle).ok());
  int a = 0;
  for (int i = 0; i < 40; ++i) {
    uint64_t ticket = 0;  // held, not cancelled
    a += t.PickName("m", &ticket) == "a" ? 1 : 0;
  }
  EXPECT_EQ(a, 20);
}

TEST(EngineAware, ConcurrentPicksRecordsAndReportsStayConsistent) {
  // Two pickers recording prefixes into the same indexes while a third thread reports loads:
  // every pick succeeds and every ticket is returned (ThreadSanitizer runs this one too).
  TestRouter t(WithStrategy(StrategyKind::kEngineAware), 5);
  for (const char *name : {"a", "b", "c"}) t.Add(name, {"m"});
  const auto prefix = Hashes(std::string(4096, 'z'), 64);
  std::atomic<int> failures{0};
  std::atomic<bool> stop{false};
  std::thread reporter([&] {
    for (int64_t i = 0; !stop.load(); ++i) {
      EngineLoadInput in;
      in.waiting = i % 100;
      in.kv_utilization = static_cast<double>(i % 10) / 10;
      for (const char *name : {"a", "b", "c"}) {
        if (!t.router->ReportLoad(name, in).ok()) failures.fetch_add(1);
      }
    }
  });
  auto picker = [&] {
    for (int i = 0; i < 2000; ++i) {
      PickRequest request;
      request.prefix_hashes = prefix.data();
      request.prefix_hash_count = prefix.size() - static_cast<size_t>(i % 8);
      PickResult result;
      if (!t.router->Pick("m", "m", request, &result).ok() ||
          !t.router->Cancel(result.ticket).ok()) {
        failures.fetch_add(1);
      }
    }
  };
  std::thread p1(picker), p2(picker);
  p1.join();
  p2.join();
  stop.store(true);
  reporter.join();
  EXPECT_EQ(failures.load(), 0);
  for (const char *name : {"a", "b", "c"}) EXPECT_EQ(t.HealthOf(name).in_flight, 0);
}

}  // namespace
}  // namespace llmroute::testing
