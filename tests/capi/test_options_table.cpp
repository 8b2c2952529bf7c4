// llmr_router_options through the C API, row by row from the options table
// (src/options/router_options.def): llmr_router_options_init() writes each row's default, and
// llmr_router_create() rejects a value out of each row's range with the core's message naming
// the member, so a new row is covered the moment it is added.
#include <gtest/gtest.h>

#include <cmath>
#include <string>
#include <type_traits>

#include "llmroute/llmroute.h"

namespace {

// The row's C member as a double (enums by value).
template <typename T>
double AsDouble(T value) {
  if constexpr (std::is_enum_v<T>) {
    return static_cast<double>(static_cast<int>(value));
  } else {
    return static_cast<double>(value);
  }
}

template <typename T>
void Store(T *member, double value) {
  if constexpr (std::is_enum_v<T>) {
    *member = static_cast<T>(static_cast<int>(value));
  } else {
    *member = static_cast<T>(value);
  }
}

struct Row {
  const char *name;
  double def;
  double bad;                                  // out of range
  bool floating;                               // a double member (which can hold NaN)
  void (*set)(llmr_router_options *, double);  // stores a value in the member
  double (*get)(const llmr_router_options &);
};

// A value out of the range for each spelling of the table.
constexpr double OutOf(double, double hi) {
  return hi + 1;
}
constexpr double Below(double lo) {
  return lo - 0.5;
}

}  // namespace

#define Closed(lo, hi) OutOf(lo, hi)
#define LeftOpen(lo, hi) OutOf(lo, hi)
#define RightOpen(lo, hi) (hi)
#define AtLeast(lo) Below(lo)
#define Above(lo) (lo)
#define ZeroOrAtLeast(lo) Below(lo)
#define AtLeastOrInfinity(lo) Below(lo)

namespace {

const Row kRows[] = {
#define LLMR_ROUTER_OPTION(name, c_type, kind, unit, def, range, ...) \
  {#name,                                                             \
   def,                                                               \
   range,                                                             \
   std::is_floating_point_v<c_type>,                                  \
   [](llmr_router_options *o, double v) { Store(&o->name, v); },      \
   [](const llmr_router_options &o) { return AsDouble(o.name); }},
#include "../../src/options/router_options.def"
};

TEST(OptionsTable, InitWritesEveryRowsDefault) {
  llmr_router_options o;
  ASSERT_EQ(llmr_router_options_init(&o, sizeof o), LLMR_OK);
  for (const Row &row : kRows) EXPECT_EQ(row.get(o), row.def) << row.name;
  EXPECT_EQ(o.shared_state_url, nullptr);
  EXPECT_EQ(o.shared_state_key_prefix, nullptr);
  EXPECT_EQ(o.clock, nullptr);
}

TEST(OptionsTable, CreateRejectsEachRowOutOfRangeNamingIt) {
  for (const Row &row : kRows) {
    SCOPED_TRACE(row.name);
    llmr_router_options o;
    llmr_router_options_init(&o, sizeof o);
    row.set(&o, row.bad);
    llmr_router *router = nullptr;
    EXPECT_EQ(llmr_router_create(&o, &router), LLMR_ERR_INVALID_ARGUMENT);
    EXPECT_EQ(router, nullptr);
    const std::string message = llmr_error_message();
    EXPECT_EQ(message.rfind("option " + std::string(row.name) + " must be ", 0), 0u) << message;
    if (row.floating) {
      row.set(&o, std::nan(""));
      EXPECT_EQ(llmr_router_create(&o, &router), LLMR_ERR_INVALID_ARGUMENT);
      EXPECT_NE(std::string(llmr_error_message()).find("(got nan)"), std::string::npos);
    }
  }
}

}  // namespace
