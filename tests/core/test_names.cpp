#include <gtest/gtest.h>

#include <string>

#include "core/names.hpp"

namespace llmroute {
namespace {

TEST(GlobMatch, MatchesStarsAndQuestionMarks) {
  EXPECT_TRUE(GlobMatch("*", "anything"));
  EXPECT_TRUE(GlobMatch("*", ""));
  EXPECT_TRUE(GlobMatch("gpt-4o*", "gpt-4o"));
  EXPECT_TRUE(GlobMatch("gpt-4o*", "gpt-4o-mini"));
  EXPECT_FALSE(GlobMatch("gpt-4o*", "gpt-4"));
  EXPECT_TRUE(GlobMatch("claude-?-haiku", "claude-3-haiku"));
  EXPECT_FALSE(GlobMatch("claude-?-haiku", "claude-35-haiku"));
  EXPECT_TRUE(GlobMatch("*-mini", "gpt-4o-mini"));
  EXPECT_TRUE(GlobMatch("a*b*c", "axxbyyc"));
  EXPECT_FALSE(GlobMatch("a*b*c", "axxbyy"));
  EXPECT_TRUE(GlobMatch("exact", "exact"));
  EXPECT_FALSE(GlobMatch("exact", "exactly"));
}

TEST(GlobMatch, LinearOnPathologicalInput) {
  // Would take exponential time with a naive recursive matcher.
  const std::string text(200, 'a');
  EXPECT_FALSE(GlobMatch("*a*a*a*a*a*a*a*a*b", text));
}

TEST(ValidateName, AcceptsUtf8AndRejectsBadInput) {
  EXPECT_TRUE(ValidateName("azure-eu", "name").ok());
  EXPECT_TRUE(ValidateName("modèle-日本", "name").ok());
  EXPECT_EQ(ValidateName("", "name").code(), Code::kInvalidArgument);
  EXPECT_EQ(ValidateName(std::string(kNameMax + 1, 'x'), "name").code(), Code::kInvalidArgument);
  EXPECT_TRUE(ValidateName(std::string(kNameMax, 'x'), "name").ok());
  EXPECT_EQ(ValidateName("bad\xff", "name").code(), Code::kInvalidArgument);
  EXPECT_EQ(ValidateName("\xc0\xaf", "name").code(), Code::kInvalidArgument);      // overlong
  EXPECT_EQ(ValidateName("\xed\xa0\x80", "name").code(), Code::kInvalidArgument);  // surrogate
  EXPECT_EQ(ValidateName("tab\there", "name").code(), Code::kInvalidArgument);
  const Status s = ValidateName("", "deployment name");
  EXPECT_NE(s.message().find("deployment name"), std::string::npos);
}

}  // namespace
}  // namespace llmroute
