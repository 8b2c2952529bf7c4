// What a pick or report checks lives in the core (the C shim only translates): the request's
// lists, the model name, and the enum values a C caller may have stored out of range.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "core/enum_values.hpp"
#include "core/names.hpp"
#include "test_support.hpp"

namespace llmroute::testing {
namespace {

Status PickStatus(TestRouter &t, std::string_view model, const PickRequest &request) {
  PickResult result;
  return t.router->Pick(model, std::string(model).c_str(), request, &result);
}

TEST(PickValidation, ExclusionsAreNamesCheckedByTheCore) {
  TestRouter t;
  t.Add("a", {"m"});
  t.Add("b", {"m"});
  PickRequest request;
  request.exclude_count = 1;  // and no array
  Status s = PickStatus(t, "m", request);
  EXPECT_EQ(s.code(), Code::kInvalidArgument);
  EXPECT_EQ(s.message(), "exclude is NULL but exclude_count is not 0");
  const std::vector<const char *> with_null = {"a", nullptr};
  request.exclude = with_null.data();
  request.exclude_count = with_null.size();
  s = PickStatus(t, "m", request);
  EXPECT_EQ(s.message(), "exclude[1] is NULL");
  const std::vector<const char *> with_control = {"a", "b\x01"};
  request.exclude = with_control.data();
  s = PickStatus(t, "m", request);
  EXPECT_EQ(s.code(), Code::kInvalidArgument);
  EXPECT_EQ(s.message().rfind("exclude[1]", 0), 0u) << s.message();
  request.exclude_count = kListMax + 1;
  EXPECT_NE(PickStatus(t, "m", request).message().find("more than 1024 entries"),
            std::string::npos);
  const std::vector<const char *> fine = {"a"};
  request.exclude = fine.data();
  request.exclude_count = fine.size();
  PickResult result;
  ASSERT_TRUE(t.router->Pick("m", "m", request, &result).ok());
  EXPECT_STREQ(result.deployment, "b");
}

TEST(PickValidation, TooManyRequiredTags) {
  TestRouter t;
  t.Add("a", {"m"});
  const std::vector<const char *> tags(kListMax + 1, "eu");
  PickRequest request;
  request.required_tags = tags.data();
  request.required_tag_count = tags.size();
  EXPECT_EQ(PickStatus(t, "m", request).message(), "required_tag_count is above 1024");
}

TEST(PickValidation, AnInvalidModelNameIsAnArgumentErrorAnUnknownOneIsNot) {
  TestRouter t;
  t.Add("a", {"m"});
  EXPECT_EQ(PickStatus(t, "other", {}).code(), Code::kUnknownModel);
  const Status empty = PickStatus(t, "", {});
  EXPECT_EQ(empty.code(), Code::kInvalidArgument);
  EXPECT_NE(empty.message().find("model"), std::string::npos);
  EXPECT_EQ(PickStatus(t, "m\x01", {}).code(), Code::kInvalidArgument);
  EXPECT_EQ(PickStatus(t, std::string(kNameMax + 1, 'm'), {}).code(), Code::kInvalidArgument);
}

TEST(EnumValues, RawIntegersOutOfRangeAreRejectedNotWrapped) {
  Outcome outcome = Outcome::kSuccess;
  EXPECT_TRUE(OutcomeFromInt(8, &outcome).ok());
  EXPECT_EQ(outcome, Outcome::kContentPolicy);
  // 256 would wrap to kSuccess in a uint8_t enum: it must be refused instead.
  for (const int64_t bad : {-1L, 9L, 256L}) {
    const Status s = OutcomeFromInt(bad, &outcome, "report->outcome");
    EXPECT_EQ(s.message(), "report->outcome " + std::to_string(bad) + " does not exist");
  }
  EXPECT_EQ(outcome, Outcome::kContentPolicy) << "unchanged by a refused value";
  StrategyKind kind = StrategyKind::kCost;
  EXPECT_FALSE(StrategyFromInt(0, false, &kind).ok());
  EXPECT_TRUE(StrategyFromInt(0, true, &kind).ok());
  EXPECT_EQ(kind, StrategyKind::kDefault);
  EXPECT_FALSE(StrategyFromInt(kStrategyKindCount, true, &kind).ok());
  Override mode;
  EXPECT_FALSE(OverrideFromInt(3, &mode).ok());
  FallbackKind fallback;
  EXPECT_TRUE(FallbackKindFromInt(2, &fallback).ok());
  EXPECT_EQ(fallback, FallbackKind::kContentPolicy);
  EXPECT_FALSE(FallbackKindFromInt(3, &fallback).ok());
}

}  // namespace
}  // namespace llmroute::testing
