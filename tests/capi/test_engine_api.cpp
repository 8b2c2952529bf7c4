// The engine-aware C API: llmr_router_report_load, llmr_prefix_hashes, the prefix_hashes pick
// option and LLMR_STRATEGY_ENGINE_AWARE, through the public header and the shared library, on an
// injected clock.
#include <gtest/gtest.h>

#include <cmath>
#include <cstring>
#include <string>
#include <vector>

#include "llmroute/llmroute.h"

namespace {

int64_t g_now = 1'000'000'000'000;
int64_t Now(void *) {
  return g_now;
}

struct Router {
  llmr_router *r = nullptr;
  Router() {
    llmr_router_options o;
    llmr_router_options_init(&o, sizeof o);
    o.strategy = LLMR_STRATEGY_ENGINE_AWARE;
    o.clock = Now;
    EXPECT_EQ(llmr_router_create(&o, &r), LLMR_OK) << llmr_error_message();
    for (const char *name : {"a", "b"}) {
      llmr_deployment d;
      llmr_deployment_init(&d, sizeof d);
      const char *models[] = {"m"};
      d.name = name;
      d.models = models;
      d.model_count = 1;
      EXPECT_EQ(llmr_router_add_deployment(r, &d), LLMR_OK);
    }
  }
  ~Router() { llmr_router_destroy(r); }
  llmr_status Load(const char *name, int64_t waiting, int64_t running, double kv) {
    llmr_engine_load l;
    llmr_engine_load_init(&l, sizeof l);
    l.waiting = waiting;
    l.running = running;
    l.kv_cache_utilization = kv;
    return llmr_router_report_load(r, name, &l);
  }
  std::string Pick(const std::vector<uint64_t> &hashes, const char *exclude = nullptr) {
    llmr_pick_options o;
    llmr_pick_options_init(&o, sizeof o);
    o.prefix_hashes = hashes.data();
    o.prefix_hash_count = hashes.size();
    const char *ex[] = {exclude};
    if (exclude != nullptr) {
      o.exclude = ex;
      o.exclude_count = 1;
    }
    llmr_pick p;
    llmr_pick_init(&p, sizeof p);
    if (llmr_router_pick(r, "m", &o, &p) != LLMR_OK) return "";
    std::string name = p.deployment;
    EXPECT_EQ(llmr_router_cancel(r, p.ticket), LLMR_OK);
    return name;
  }
};

std::vector<uint64_t> Hashes(const std::string &text, uint32_t block) {
  std::vector<uint64_t> out(LLMR_PREFIX_HASHES_MAX);
  size_t count = 0;
  EXPECT_EQ(llmr_prefix_hashes(text.data(), text.size(), block, out.data(), out.size(), &count),
            LLMR_OK);
  out.resize(count);
  return out;
}

TEST(EngineApi, PrefixHashesMatchTheDocumentedVectors) {
  EXPECT_EQ(Hashes("abcdefgh", 4),
            (std::vector<uint64_t>{0xfc179f83ee0724ddULL, 0x817603888772b7b0ULL}));
  EXPECT_EQ(
      Hashes("You are a helpful assistant.", 8),
      (std::vector<uint64_t>{0x9e182a5566490532ULL, 0xf17f507477172ad9ULL, 0xa18b8cf783e6344bULL}));
  uint64_t one = 0;
  size_t count = 9;
  EXPECT_EQ(llmr_prefix_hashes("abcdefgh", 8, 4, &one, 1, &count), LLMR_OK);
  EXPECT_EQ(count, 1U);  // truncated to cap: the prefix's first hash
  EXPECT_EQ(one, 0xfc179f83ee0724ddULL);
  EXPECT_EQ(llmr_prefix_hashes(nullptr, 0, 4, nullptr, 0, &count), LLMR_OK);
  EXPECT_EQ(count, 0U);
}

TEST(EngineApi, PrefixHashesRejectBadArguments) {
  uint64_t out[4];
  size_t count = 0;
  EXPECT_EQ(llmr_prefix_hashes("abcd", 4, 0, out, 4, &count), LLMR_ERR_INVALID_ARGUMENT);
  EXPECT_NE(std::strstr(llmr_error_message(), "block_bytes"), nullptr);
  EXPECT_EQ(llmr_prefix_hashes("abcd", 4, (1U << 20) + 1, out, 4, &count),
            LLMR_ERR_INVALID_ARGUMENT);
  EXPECT_EQ(llmr_prefix_hashes(nullptr, 4, 4, out, 4, &count), LLMR_ERR_INVALID_ARGUMENT);
  EXPECT_NE(std::strstr(llmr_error_message(), "text"), nullptr);
  EXPECT_EQ(llmr_prefix_hashes("abcd", 4, 4, nullptr, 4, &count), LLMR_ERR_INVALID_ARGUMENT);
  EXPECT_EQ(llmr_prefix_hashes("abcd", 4, 4, out, 4, nullptr), LLMR_ERR_INVALID_ARGUMENT);
}

TEST(EngineApi, ReportLoadRejectsBadInputAndNamesTheField) {
  Router t;
  EXPECT_EQ(t.Load("a", 1, 1, 1.01), LLMR_ERR_INVALID_ARGUMENT);
  EXPECT_NE(std::strstr(llmr_error_message(), "kv_cache_utilization"), nullptr);
  EXPECT_EQ(t.Load("a", 1, 1, NAN), LLMR_ERR_INVALID_ARGUMENT);
  EXPECT_EQ(t.Load("a", -1, 1, 0.5), LLMR_ERR_INVALID_ARGUMENT);
  EXPECT_NE(std::strstr(llmr_error_message(), "waiting"), nullptr);
  EXPECT_EQ(t.Load("a", 1, -1, 0.5), LLMR_ERR_INVALID_ARGUMENT);
  EXPECT_NE(std::strstr(llmr_error_message(), "running"), nullptr);
  EXPECT_EQ(t.Load("ghost", 1, 1, 0.5), LLMR_ERR_NOT_FOUND);
  EXPECT_NE(std::strstr(llmr_error_message(), "ghost"), nullptr);
  EXPECT_EQ(llmr_router_report_load(t.r, "a", nullptr), LLMR_ERR_INVALID_ARGUMENT);
  EXPECT_EQ(llmr_router_report_load(nullptr, "a", nullptr), LLMR_ERR_INVALID_ARGUMENT);
  llmr_engine_load l;
  EXPECT_EQ(llmr_engine_load_init(&l, 4), LLMR_ERR_INVALID_ARGUMENT);  // too small a struct
  EXPECT_EQ(t.Load("a", 3, 4, 0.25), LLMR_OK);
}

TEST(EngineApi, PrefixWinsUntilTheGuardTripsAndStaleLoadIsIgnored) {
  Router t;
  const auto prefix = Hashes(std::string(512, 'x'), 64);
  ASSERT_EQ(t.Pick(prefix, "b"), "a");
  ASSERT_EQ(t.Load("a", 20, 0, 0.5), LLMR_OK);
  ASSERT_EQ(t.Load("b", 0, 0, 0.5), LLMR_OK);
  for (int i = 0; i < 10; ++i) EXPECT_EQ(t.Pick(prefix), "a");
  ASSERT_EQ(t.Load("a", 100, 0, 0.5), LLMR_OK);  // 100 - 0 > 64 and 100 > 1.5 x 0
  EXPECT_EQ(t.Pick(prefix), "b");
  g_now += 2001LL * 1000 * 1000;  // past engine_load_stale_ms (2000)
  ASSERT_EQ(t.Load("b", 0, 0, 0.5), LLMR_OK);
  // a's report is stale now: it counts as idle, holds the prefix, and the guard no longer trips.
  const auto fresh = Hashes(std::string(512, 'y'), 64);
  ASSERT_EQ(t.Pick(fresh, "b"), "a");
  for (int i = 0; i < 10; ++i) EXPECT_EQ(t.Pick(fresh), "a");
}

TEST(EngineApi, TooManyHashesAreRejected) {
  Router t;
  std::vector<uint64_t> many(LLMR_PREFIX_HASHES_MAX + 1, 1);
  llmr_pick_options o;
  llmr_pick_options_init(&o, sizeof o);
  o.prefix_hashes = many.data();
  o.prefix_hash_count = many.size();
  llmr_pick p;
  llmr_pick_init(&p, sizeof p);
  EXPECT_EQ(llmr_router_pick(t.r, "m", &o, &p), LLMR_ERR_INVALID_ARGUMENT);
  EXPECT_NE(std::strstr(llmr_error_message(), "prefix_hash_count"), nullptr);
}

TEST(EngineApi, StrategyHasAName) {
  EXPECT_STREQ(llmr_strategy_str(LLMR_STRATEGY_ENGINE_AWARE), "engine_aware");
  llmr_strategy s = LLMR_STRATEGY_DEFAULT;
  EXPECT_EQ(llmr_strategy_from_str("engine_aware", &s), LLMR_OK);
  EXPECT_EQ(s, LLMR_STRATEGY_ENGINE_AWARE);
  const char *json = R"({"router_settings": {"strategy": "engine_aware",
      "engine_aware": {"weight_prefix": 5, "balance_abs_threshold": 8}},
      "deployments": [{"name": "a", "models": ["m"]}]})";
  EXPECT_EQ(llmr_config_validate(json, std::strlen(json)), LLMR_OK) << llmr_error_message();
  const char *bad = R"({"router_settings": {"engine_aware": {"balance_rel_threshold": 0.5}},
      "deployments": [{"name": "a", "models": ["m"]}]})";
  EXPECT_EQ(llmr_config_validate(bad, std::strlen(bad)), LLMR_ERR_CONFIG);
  EXPECT_NE(std::strstr(llmr_error_message(), "balance_rel_threshold"), nullptr);
}

}  // namespace
