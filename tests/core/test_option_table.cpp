// The options table (src/options/router_options.def) drives the core's defaults, its range
// checks and the JSON keys: one loop per property over every row, so a new row is covered the
// moment it is added.
#include <gtest/gtest.h>

#include <cmath>
#include <limits>
#include <string>

#include "config/config.hpp"
#include "core/option_table.hpp"

namespace llmroute {
namespace {

bool IsIntegral(const OptionInfo &info) {
  return info.kind == OptionKind::kInteger || info.kind == OptionKind::kDuration ||
         info.kind == OptionKind::kEnum;
}

// A value just outside the option's range.
double OutOfRange(const OptionInfo &info) {
  const OptionRange &r = info.range;
  if (std::isfinite(r.hi)) return r.hi + 1;
  if (r.lo_open) return r.lo;
  return IsIntegral(info) ? r.lo - 1 : r.lo - 0.5;
}

// A value inside the range, other than the default where the range allows.
double InRange(const OptionInfo &info) {
  const OptionRange &r = info.range;
  double v = std::isfinite(r.hi) ? (r.lo + r.hi) / 2 : r.lo + 1;
  if (IsIntegral(info)) v = std::floor(v);
  if (v == info.default_value) v = IsIntegral(info) ? r.hi : v / 2 + r.lo / 2;
  return v;
}

// The JSON text of a value at the option's path under router_settings.
std::string JsonAt(const OptionInfo &info, const std::string &value) {
  std::string json = value;
  std::string path = info.json;
  for (size_t dot; (dot = path.rfind('.')) != std::string::npos; path.resize(dot)) {
    json = "{\"" + path.substr(dot + 1) + "\": " + json + "}";
  }
  return "{\"router_settings\": {\"" + path + "\": " + json + "}}";
}

std::string JsonNumber(const OptionInfo &info, double v) {
  if (info.kind == OptionKind::kEnum) {
    const std::string_view name = OptionEnumName(info.id, static_cast<int>(v));
    return "\"" + (name.empty() ? std::string("no-such-name") : std::string(name)) + "\"";
  }
  return FormatOptionValue(info, v);
}

TEST(OptionTable, RowsAreConsistent) {
  for (const OptionInfo &info : RouterOptionTable()) {
    SCOPED_TRACE(info.name);
    EXPECT_EQ(&Info(info.id), &info);
    EXPECT_NE(std::string(info.doc), "");
    if (info.kind == OptionKind::kString) continue;
    EXPECT_TRUE(OptionInRange(info, info.default_value)) << "the default is out of range";
    EXPECT_FALSE(OptionInRange(info, OutOfRange(info)));
    EXPECT_TRUE(OptionInRange(info, InRange(info)));
  }
}

TEST(OptionTable, TheCoreDefaultsAreTheTables) {
  const RouterOptions defaults;
  EXPECT_TRUE(defaults.Validate().ok()) << defaults.Validate().message();
  for (const OptionInfo &info : RouterOptionTable()) {
    SCOPED_TRACE(info.name);
    if (info.kind == OptionKind::kString) {
      EXPECT_EQ(GetStringOption(defaults, info.id), info.default_text);
    } else {
      EXPECT_EQ(GetOption(defaults, info.id), info.default_value);
    }
  }
}

TEST(OptionTable, SetOptionChecksTheRangeAndNamesTheOption) {
  for (const OptionInfo &info : RouterOptionTable()) {
    if (info.kind == OptionKind::kString) continue;
    SCOPED_TRACE(info.name);
    RouterOptions options;
    for (const double bad : {OutOfRange(info), std::numeric_limits<double>::quiet_NaN()}) {
      const Status s = SetOption(&options, info.id, bad);
      EXPECT_EQ(s.code(), Code::kInvalidArgument);
      EXPECT_EQ(s.message(), "option " + std::string(info.name) + " " + OptionReason(info) +
                                 " (got " + FormatOptionValue(info, bad) + ")");
      EXPECT_EQ(GetOption(options, info.id), info.default_value) << "changed by a bad value";
    }
    ASSERT_TRUE(SetOption(&options, info.id, InRange(info)).ok());
    EXPECT_EQ(GetOption(options, info.id), InRange(info));
  }
}

TEST(OptionTable, ValidateNamesTheFirstBadOptionAndRelations) {
  RouterOptions options;
  options.breaker.failure_ratio = 2;
  EXPECT_EQ(options.Validate().message(),
            "option breaker_failure_ratio must be a number in [0, 1] (got 2)");
  options = RouterOptions{};
  options.breaker.cooldown_max_ns = options.breaker.cooldown_base_ns - kNsPerMs;
  EXPECT_EQ(options.Validate().message(),
            "option breaker_cooldown_max_ms must be >= breaker_cooldown_base_ms (5000)");
  options = RouterOptions{};
  options.retry_budget_token_ratio = 11;
  EXPECT_EQ(options.Validate().message(),
            "option retry_budget_token_ratio must be <= retry_budget_max_tokens (10)");
  options = RouterOptions{};
  options.shared_state.key_prefix = std::string(257, 'k');
  EXPECT_EQ(options.Validate().message(),
            "option shared_state_key_prefix must be at most 256 bytes");
  options = RouterOptions{};
  options.tier_overprovisioning_factor = std::numeric_limits<double>::infinity();
  EXPECT_TRUE(options.Validate().ok()) << "infinity makes tiers strict";
}

TEST(OptionTable, EveryJsonKeyIsParsedRangeCheckedAndApplied) {
  for (const OptionInfo &info : RouterOptionTable()) {
    if (*info.json == '\0' || info.kind == OptionKind::kString) continue;
    SCOPED_TRACE(info.name);
    config::Document doc;
    const std::string good = JsonAt(info, JsonNumber(info, InRange(info)));
    ASSERT_TRUE(config::Parse(good, &doc).ok()) << good;
    RouterOptions options;
    config::ApplySettings(doc.settings, &options);
    if (info.id == OptionId::strategy) {
      ASSERT_TRUE(doc.routing.strategy.has_value());
      EXPECT_EQ(static_cast<double>(*doc.routing.strategy), InRange(info));
    } else {
      EXPECT_EQ(GetOption(options, info.id), InRange(info));
    }
    const std::string bad = JsonAt(info, JsonNumber(info, OutOfRange(info)));
    const Status s = config::Parse(bad, &doc);
    EXPECT_EQ(s.code(), Code::kConfig) << bad;
    EXPECT_EQ(s.message().rfind(config::OptionPath(info) + ": " + OptionReason(info) + " (got ", 0),
              0u)
        << s.message();
  }
}

TEST(OptionTable, StringOptionsAreCheckedAlikeInCAndJson) {
  const OptionInfo &prefix = Info(OptionId::shared_state_key_prefix);
  RouterOptions options;
  EXPECT_EQ(SetStringOption(&options, prefix.id, std::string(257, 'k')).message(),
            "option shared_state_key_prefix must be at most 256 bytes");
  config::Document doc;
  EXPECT_EQ(config::Parse(JsonAt(prefix, "\"" + std::string(257, 'k') + "\""), &doc).message(),
            "$.router_settings.shared_state.key_prefix: must be at most 256 bytes");
  EXPECT_EQ(SetStringOption(&options, OptionId::shared_state_url, "http://x")
                .message()
                .rfind("option shared_state_url 'http://x': the scheme must be redis://", 0),
            0u);
  EXPECT_EQ(options.shared_state.url, "") << "a bad URL is not stored";
}

TEST(OptionTable, UnknownKeysListTheTablesKeys) {
  config::Document doc;
  const Status s = config::Parse(R"({"router_settings": {"breaker": {"cooldown": 1}}})", &doc);
  EXPECT_EQ(s.message(),
            "$.router_settings.breaker.cooldown: unknown field (known fields: "
            "consecutive_failures, failure_ratio, min_requests, window_ms, cooldown_base_ms, "
            "cooldown_max_ms, jitter, half_open_max_probes, cooldown_multiplier)");
}

}  // namespace
}  // namespace llmroute
