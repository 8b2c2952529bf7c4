// The router options as data, from their table (src/options/router_options.def): what each is,
// its range, and generic access to its member of RouterOptions. The one range check of every
// option lives here, and every caller (RouterOptions::Validate, the C shim, the JSON parser)
// words its errors with OptionReason(), so an option is described the same way everywhere.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>

#include "core/router_options.hpp"
#include "core/status.hpp"

namespace llmroute {

// One per row of the table (callbacks aside), in the table's order.
enum class OptionId : uint8_t {
#define LLMR_ROUTER_OPTION(name, ...) name,
#define LLMR_ROUTER_STRING(name, ...) name,
#include "options/router_options.def"
};

enum class OptionKind : uint8_t {
  kInteger,   // uint32_t
  kDuration,  // int64_t ms in C and configurations, ns in the core
  kNumber,    // double
  kEnum,      // a C enum, spelled by name in configurations
  kString,    // const char * in C, std::string in the core
};

enum class StringCheck : uint8_t { kPlain, kRedisUrl };

// [lo, hi] with open ends as flagged; zero_ok also admits 0, infinity_ok +infinity. Other
// non-finite values are always out of range.
struct OptionRange {
  double lo = 0;
  double hi = 0;
  bool lo_open = false;
  bool hi_open = false;
  bool zero_ok = false;
  bool infinity_ok = false;
};

enum class RelationKind : uint8_t { kNone, kNotBelow, kNotAbove };

// A bound given by another option (breaker_cooldown_max_ms >= breaker_cooldown_base_ms).
struct OptionRelation {
  RelationKind kind = RelationKind::kNone;
  OptionId other{};
};

struct OptionInfo {
  OptionId id;
  const char *name;    // the C member's name
  const char *c_type;  // the C member's type
  OptionKind kind;
  const char *unit;          // for the docs; "" when none
  double default_value;      // in the table's unit (not for strings)
  const char *default_text;  // strings only
  OptionRange range;         // not for strings
  OptionRelation relation;
  size_t max_bytes;   // strings only
  StringCheck check;  // strings only
  const char *json;   // path under router_settings; "" when none
  bool reloadable;
  const char *doc;
};

// A callback member of llmr_router_options (or its user data): no range, no configuration key.
struct CallbackInfo {
  const char *name;
  const char *c_type;
  const char *doc;
};

std::span<const OptionInfo> RouterOptionTable();
std::span<const CallbackInfo> RouterCallbackTable();
const OptionInfo &Info(OptionId id);

// What the option must be: "must be an integer in 1..1000000", "must be a number in [0, 1)",
// "must be one of fail_fast, panic", "must be at most 256 bytes".
std::string OptionReason(const OptionInfo &info);
// A value of a numeric or enum option as messages and docs show it ("5000", "0.5", "panic").
std::string FormatOptionValue(const OptionInfo &info, double value);
// True when `value` (in the table's unit) is in the option's range.
bool OptionInRange(const OptionInfo &info, double value);
// Names of an enum option's values; empty for a value without a name.
std::string_view OptionEnumName(OptionId id, int value);
std::optional<int> ParseOptionEnum(OptionId id, std::string_view name);

// Numeric and enum options: the value in the table's unit (ms for durations).
double GetOption(const RouterOptions &options, OptionId id);
// Checks `value` (in the table's unit) against the option's range and stores it; otherwise
// kInvalidArgument "option <name> <reason> (got <value>)" and `options` is unchanged.
Status SetOption(RouterOptions *options, OptionId id, double value);
// String options.
const std::string &GetStringOption(const RouterOptions &options, OptionId id);
// The problem with a string option's value, as a reason ("must be at most 256 bytes", or the
// URL's syntax error after the redacted URL), or nullopt.
std::optional<std::string> StringOptionProblem(const OptionInfo &info, std::string_view value);
Status SetStringOption(RouterOptions *options, OptionId id, std::string_view value);

// Copies one option's value from `from` to `to`; whether two option sets agree on one.
void CopyOption(const RouterOptions &from, OptionId id, RouterOptions *to);
bool SameOption(const RouterOptions &a, const RouterOptions &b, OptionId id);
// The value as messages show it (durations in ms, enums by name, URLs without password).
std::string OptionValueText(const RouterOptions &options, OptionId id);

struct OptionProblem {
  OptionId id;
  std::string reason;  // "must be ... (got ...)"
};
// The first option out of its range or its relation, or nullopt. A relation names the other
// option by `name_of` (its C name, or its path in a configuration).
std::optional<OptionProblem> FindOptionProblem(const RouterOptions &options,
                                               std::string (*name_of)(const OptionInfo &));

}  // namespace llmroute
