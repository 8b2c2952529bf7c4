// The engine model of the engine scenarios (tools/sim/src/engine_model.hpp): what it must do
// for the scenario's figures to mean anything. Simulated time only (no clocks).
#include <gtest/gtest.h>

#include <cstdint>
#include <vector>

#include "engine_model.hpp"

namespace sim {
namespace {

constexpr int64_t kMs = 1000000;

EngineParams Params() {
  EngineParams p;
  p.block_tokens = 16;
  p.kv_blocks = 100;
  p.max_running = 2;
  p.prefill_tokens_per_s = 16000;  // 1 ms per block
  p.prefill_overhead_ms = 0;
  p.decode_base_ms = 10;
  p.decode_ms_per_ktoken = 0;
  return p;
}

std::vector<uint64_t> Blocks(uint64_t first, size_t n) {
  std::vector<uint64_t> v;
  for (size_t i = 0; i < n; ++i) v.push_back(first + i);
  return v;
}

TEST(KvCache, EvictsTheLeastRecentlyUsedBlockNobodyHolds) {
  KvCache cache(4);
  const std::vector<uint64_t> a = Blocks(10, 2), b = Blocks(20, 2), c = Blocks(30, 2);
  cache.Pin(a.data(), 2, 0, 0);
  cache.Release(a.data(), 2, 0, nullptr, 0, 0);
  cache.Pin(b.data(), 2, 0, 0);
  cache.Release(b.data(), 2, 0, nullptr, 0, 0);
  EXPECT_EQ(cache.Utilisation(), 0);  // cached blocks nobody holds count as free
  cache.Pin(a.data(), 2, 0, 0);       // a becomes the most recently used
  cache.Release(a.data(), 2, 0, nullptr, 0, 0);
  cache.Pin(c.data(), 2, 0, 0);  // needs two blocks: b's go
  EXPECT_EQ(cache.CachedPrefix(a.data(), 2, 0), 2u);
  EXPECT_EQ(cache.CachedPrefix(b.data(), 2, 0), 0u);
  EXPECT_EQ(cache.Utilisation(), 0.5);
}

TEST(KvCache, HeldBlocksAreNeverEvictedAndCostCountsThem) {
  KvCache cache(4);
  const std::vector<uint64_t> a = Blocks(10, 3);
  cache.Pin(a.data(), 3, 0, 0);
  EXPECT_EQ(cache.Available(), 1);
  const std::vector<uint64_t> b = Blocks(20, 2);
  EXPECT_GT(cache.Cost(b.data(), 2, 0), cache.Available());
  EXPECT_EQ(cache.Cost(a.data(), 3, 1), 1);  // held already: only the private block
}

TEST(KvCache, ABlockStillBeingComputedIsNotAHit) {
  KvCache cache(8);
  const std::vector<uint64_t> a = Blocks(10, 4);
  cache.Pin(a.data(), 4, 0, 5 * kMs);  // its prefill ends at 5 ms
  EXPECT_EQ(cache.CachedPrefix(a.data(), 4, 4 * kMs), 0u);
  EXPECT_EQ(cache.CachedPrefix(a.data(), 4, 5 * kMs), 4u);
}

TEST(Engine, PrefillTakesTheUncachedTokensOnlyAndTheOutputStaysCached) {
  Engine engine(Params());
  const std::vector<uint64_t> first = Blocks(100, 8);  // 128 tokens
  engine.Enqueue({1, &first, 128, 16});
  std::vector<Admitted> a = engine.Admit(0);
  ASSERT_EQ(a.size(), 1u);
  EXPECT_EQ(a[0].cached_tokens, 0);
  EXPECT_EQ(a[0].first_token_ns, 8 * kMs);  // 128 tokens at 16 per ms
  const int64_t done = engine.StartDecode(1, a[0].first_token_ns);
  EXPECT_EQ(done, a[0].first_token_ns + 15 * 10 * kMs);  // 15 more tokens at 10 ms
  engine.Finish(1, Blocks(108, 1), done);                // the answer filled block 8

  // The next turn: the same 9 blocks and 2 more (176 tokens); 144 are cached.
  const std::vector<uint64_t> next = Blocks(100, 11);
  engine.Enqueue({2, &next, 176, 16});
  a = engine.Admit(done);
  ASSERT_EQ(a.size(), 1u);
  EXPECT_EQ(a[0].cached_tokens, 144);
  EXPECT_EQ(a[0].first_token_ns, done + 2 * kMs);  // 32 uncached tokens
}

TEST(Engine, RequestsQueueWhenTheBatchIsFullAndPrefillsShareTheGpu) {
  Engine engine(Params());
  const std::vector<uint64_t> a = Blocks(100, 4), b = Blocks(200, 4), c = Blocks(300, 4);
  engine.Enqueue({1, &a, 64, 10});
  engine.Enqueue({2, &b, 64, 10});
  engine.Enqueue({3, &c, 64, 10});
  const std::vector<Admitted> started = engine.Admit(0);
  ASSERT_EQ(started.size(), 2u);  // max_running 2
  EXPECT_EQ(started[0].first_token_ns, 4 * kMs);
  EXPECT_EQ(started[1].first_token_ns, 8 * kMs);  // after the first prefill
  EXPECT_EQ(engine.Waiting(), 1);
  EXPECT_EQ(engine.Running(), 2);
  engine.StartDecode(1, 4 * kMs);
  engine.Finish(1, {}, 100 * kMs);
  const std::vector<Admitted> third = engine.Admit(100 * kMs);
  ASSERT_EQ(third.size(), 1u);
  EXPECT_EQ(third[0].id, 3u);
  EXPECT_EQ(engine.Waiting(), 0);
}

TEST(Engine, ARequestWaitsForKvBlocksAndUtilisationCountsHeldBlocks) {
  EngineParams p = Params();
  p.kv_blocks = 10;
  p.max_running = 8;
  Engine engine(p);
  const std::vector<uint64_t> a = Blocks(100, 6), b = Blocks(200, 6);
  engine.Enqueue({1, &a, 96, 16});  // 6 prompt blocks + 1 private
  engine.Enqueue({2, &b, 96, 16});
  EXPECT_EQ(engine.Admit(0).size(), 1u);
  EXPECT_DOUBLE_EQ(engine.KvUtilisation(), 0.7);
  EXPECT_EQ(engine.Waiting(), 1);
  engine.StartDecode(1, 6 * kMs);
  engine.Finish(1, {}, 200 * kMs);
  EXPECT_EQ(engine.Admit(200 * kMs).size(), 1u);  // a's cached blocks are evicted for b
}

}  // namespace
}  // namespace sim
