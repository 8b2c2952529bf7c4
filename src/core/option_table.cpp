#include "core/option_table.hpp"

#include <cmath>
#include <limits>
#include <sstream>
#include <type_traits>

#include "core/enum_names.hpp"
#include "core/shared_state/redis_url.hpp"

namespace llmroute {

namespace {

constexpr double kInf = std::numeric_limits<double>::infinity();

// The range and relation spellings of the table.
constexpr OptionRange Closed(double lo, double hi) {
  return {lo, hi, false, false, false, false};
}
constexpr OptionRange LeftOpen(double lo, double hi) {
  return {lo, hi, true, false, false, false};
}
constexpr OptionRange RightOpen(double lo, double hi) {
  return {lo, hi, false, true, false, false};
}
constexpr OptionRange AtLeast(double lo) {
  return {lo, kInf, false, true, false, false};
}
constexpr OptionRange Above(double lo) {
  return {lo, kInf, true, true, false, false};
}
constexpr OptionRange ZeroOrAtLeast(double lo) {
  return {lo, kInf, false, true, true, false};
}
constexpr OptionRange AtLeastOrInfinity(double lo) {
  return {lo, kInf, false, true, false, true};
}
constexpr OptionRelation Unrelated() {
  return {};
}
constexpr OptionRelation NotBelow(OptionId other) {
  return {RelationKind::kNotBelow, other};
}
constexpr OptionRelation NotAbove(OptionId other) {
  return {RelationKind::kNotAbove, other};
}

using enum OptionId;  // the relation column names other options bare

constexpr OptionInfo kOptions[] = {
#define LLMR_ROUTER_OPTION(name, c_type, kind, unit, def, range, relation, json, reloadable, core, \
                           doc)                                                                    \
  {OptionId::name, #name,    #c_type, OptionKind::k##kind, unit, def,        "",                   \
   range,          relation, 0,       StringCheck::kPlain, json, reloadable, doc},
#define LLMR_ROUTER_STRING(name, max_bytes, def, check, json, reloadable, core, doc)          \
  {OptionId::name, #name,       "const char *", OptionKind::kString,   "",   0,          def, \
   OptionRange{},  Unrelated(), max_bytes,      StringCheck::k##check, json, reloadable, doc},
#include "options/router_options.def"
};

constexpr CallbackInfo kCallbacks[] = {
#define LLMR_ROUTER_CALLBACK(name, c_type, doc) {#name, #c_type, doc},
#include "options/router_options.def"
};

constexpr bool RowsInIdOrder() {
  for (size_t i = 0; i < std::size(kOptions); ++i) {
    if (static_cast<size_t>(kOptions[i].id) != i) return false;
  }
  return true;
}
static_assert(RowsInIdOrder());

// Integers exactly, other numbers as iostreams print them.
std::string Number(double v) {
  if (std::isfinite(v) && v == std::floor(v) && std::fabs(v) < 1e18) {
    return std::to_string(static_cast<long long>(v));
  }
  if (std::isinf(v)) return v > 0 ? "infinity" : "-infinity";
  std::ostringstream out;
  out << v;
  return out.str();
}

// Between the table's unit and the core's member.
template <typename T>
double ToTable(OptionKind kind, const T &value) {
  if constexpr (std::is_enum_v<T>) {
    return static_cast<double>(static_cast<int>(value));
  } else {
    if (kind == OptionKind::kDuration) return static_cast<double>(value) / kNsPerMs;
    return static_cast<double>(value);
  }
}

// `value` is in range: durations fit in ns, integers in T.
template <typename T>
void FromTable(OptionKind kind, double value, T *out) {
  if constexpr (std::is_enum_v<T>) {
    *out = static_cast<T>(static_cast<int>(value));
  } else if constexpr (std::is_integral_v<T>) {
    *out = kind == OptionKind::kDuration ? static_cast<T>(value) * kNsPerMs : static_cast<T>(value);
  } else {
    *out = value;
  }
}

std::string *StringMember(RouterOptions *o, OptionId id) {
  switch (id) {
#define LLMR_ROUTER_STRING(name, max_bytes, def, check, json, reloadable, core, doc) \
  case OptionId::name:                                                               \
    return &o->core;
#include "options/router_options.def"
    default:
      return nullptr;
  }
}

}  // namespace

std::span<const OptionInfo> RouterOptionTable() {
  return kOptions;
}

std::span<const CallbackInfo> RouterCallbackTable() {
  return kCallbacks;
}

const OptionInfo &Info(OptionId id) {
  return kOptions[static_cast<size_t>(id)];
}

std::string_view OptionEnumName(OptionId id, int value) {
  if (id == OptionId::strategy) {
    if (value <= 0 || value >= kStrategyKindCount) return {};
    return StrategyName(static_cast<StrategyKind>(value));
  }
  if (id == OptionId::all_open_policy) {
    if (value == static_cast<int>(AllOpenPolicy::kFailFast)) return "fail_fast";
    if (value == static_cast<int>(AllOpenPolicy::kPanic)) return "panic";
  }
  return {};
}

std::optional<int> ParseOptionEnum(OptionId id, std::string_view name) {
  const OptionInfo &info = Info(id);
  for (int v = static_cast<int>(info.range.lo); v <= static_cast<int>(info.range.hi); ++v) {
    if (!name.empty() && OptionEnumName(id, v) == name) return v;
  }
  return std::nullopt;
}

std::string OptionReason(const OptionInfo &info) {
  const OptionRange &r = info.range;
  switch (info.kind) {
    case OptionKind::kInteger:
    case OptionKind::kDuration:
      return "must be an integer in " + Number(r.lo) + ".." + Number(r.hi);
    case OptionKind::kEnum: {
      std::string names;
      for (int v = static_cast<int>(r.lo); v <= static_cast<int>(r.hi); ++v) {
        names += (names.empty() ? "" : ", ") + std::string(OptionEnumName(info.id, v));
      }
      return "must be one of " + names;
    }
    case OptionKind::kString:
      return "must be at most " + std::to_string(info.max_bytes) + " bytes";
    case OptionKind::kNumber:
      break;
  }
  if (r.zero_ok) return "must be 0 (unbounded) or a number >= " + Number(r.lo);
  if (r.infinity_ok) return "must be a number >= " + Number(r.lo) + " or infinity (strict tiers)";
  if (r.hi == kInf)
    return std::string("must be a number ") + (r.lo_open ? "> " : ">= ") + Number(r.lo);
  return std::string("must be a number in ") + (r.lo_open ? "(" : "[") + Number(r.lo) + ", " +
         Number(r.hi) + (r.hi_open ? ")" : "]");
}

std::string FormatOptionValue(const OptionInfo &info, double value) {
  if (info.kind == OptionKind::kEnum && value == std::floor(value) && std::fabs(value) < 1e9) {
    const std::string_view name = OptionEnumName(info.id, static_cast<int>(value));
    if (!name.empty()) return std::string(name);
  }
  return Number(value);
}

bool OptionInRange(const OptionInfo &info, double v) {
  const OptionRange &r = info.range;
  if (std::isnan(v)) return false;
  if (info.kind != OptionKind::kNumber && v != std::floor(v)) return false;
  if (r.zero_ok && v == 0) return true;
  if (r.infinity_ok && v == kInf) return true;
  if (!std::isfinite(v)) return false;
  const bool above_lo = r.lo_open ? v > r.lo : v >= r.lo;
  const bool below_hi = r.hi_open ? v < r.hi : v <= r.hi;
  return above_lo && below_hi;
}

double GetOption(const RouterOptions &o, OptionId id) {
  switch (id) {
#define LLMR_ROUTER_OPTION(name, c_type, kind, unit, def, range, relation, json, reloadable, core, \
                           doc)                                                                    \
  case OptionId::name:                                                                             \
    return ToTable(OptionKind::k##kind, o.core);
#include "options/router_options.def"
    default:
      return 0;
  }
}

Status SetOption(RouterOptions *o, OptionId id, double value) {
  const OptionInfo &info = Info(id);
  if (!OptionInRange(info, value)) {
    return {Code::kInvalidArgument, "option " + std::string(info.name) + " " + OptionReason(info) +
                                        " (got " + FormatOptionValue(info, value) + ")"};
  }
  switch (id) {
#define LLMR_ROUTER_OPTION(name, c_type, kind, unit, def, range, relation, json, reloadable, core, \
                           doc)                                                                    \
  case OptionId::name:                                                                             \
    FromTable(OptionKind::k##kind, value, &o->core);                                               \
    break;
#include "options/router_options.def"
    default:
      return {Code::kInternal, "option " + std::string(info.name) + " is not a number"};
  }
  return Status::Ok();
}

const std::string &GetStringOption(const RouterOptions &o, OptionId id) {
  static const std::string kNone;
  const std::string *member = StringMember(const_cast<RouterOptions *>(&o), id);
  return member != nullptr ? *member : kNone;
}

std::optional<std::string> StringOptionProblem(const OptionInfo &info, std::string_view value) {
  if (value.size() > info.max_bytes) return OptionReason(info);
  if (info.check == StringCheck::kRedisUrl && !value.empty()) {
    RedisEndpoint endpoint;
    if (Status s = ParseRedisUrl(value, &endpoint); !s.ok()) {
      return "'" + RedactRedisUrl(value) + "': " + s.message();
    }
  }
  return std::nullopt;
}

Status SetStringOption(RouterOptions *o, OptionId id, std::string_view value) {
  const OptionInfo &info = Info(id);
  std::string *member = StringMember(o, id);
  if (member == nullptr) {
    return {Code::kInternal, "option " + std::string(info.name) + " is not a string"};
  }
  if (std::optional<std::string> problem = StringOptionProblem(info, value)) {
    return {Code::kInvalidArgument, "option " + std::string(info.name) + " " + *problem};
  }
  member->assign(value);
  return Status::Ok();
}

void CopyOption(const RouterOptions &from, OptionId id, RouterOptions *to) {
  switch (id) {
#define LLMR_ROUTER_OPTION(name, c_type, kind, unit, def, range, relation, json, reloadable, core, \
                           doc)                                                                    \
  case OptionId::name:                                                                             \
    to->core = from.core;                                                                          \
    break;
#define LLMR_ROUTER_STRING(name, max_bytes, def, check, json, reloadable, core, doc) \
  case OptionId::name:                                                               \
    to->core = from.core;                                                            \
    break;
#include "options/router_options.def"
  }
}

bool SameOption(const RouterOptions &a, const RouterOptions &b, OptionId id) {
  switch (id) {
#define LLMR_ROUTER_OPTION(name, c_type, kind, unit, def, range, relation, json, reloadable, core, \
                           doc)                                                                    \
  case OptionId::name:                                                                             \
    return a.core == b.core;
#define LLMR_ROUTER_STRING(name, max_bytes, def, check, json, reloadable, core, doc) \
  case OptionId::name:                                                               \
    return a.core == b.core;
#include "options/router_options.def"
  }
  return false;
}

std::string OptionValueText(const RouterOptions &o, OptionId id) {
  const OptionInfo &info = Info(id);
  if (info.kind != OptionKind::kString) return FormatOptionValue(info, GetOption(o, id));
  const std::string &value = GetStringOption(o, id);
  return "\"" + (info.check == StringCheck::kRedisUrl ? RedactRedisUrl(value) : value) + "\"";
}

std::optional<OptionProblem> FindOptionProblem(const RouterOptions &o,
                                               std::string (*name_of)(const OptionInfo &)) {
  for (const OptionInfo &info : kOptions) {
    if (info.kind == OptionKind::kString) {
      if (auto problem = StringOptionProblem(info, GetStringOption(o, info.id))) {
        return OptionProblem{info.id, *problem};
      }
      continue;
    }
    const double v = GetOption(o, info.id);
    if (!OptionInRange(info, v)) {
      return OptionProblem{info.id,
                           OptionReason(info) + " (got " + FormatOptionValue(info, v) + ")"};
    }
    if (info.relation.kind == RelationKind::kNone) continue;
    const OptionInfo &other = Info(info.relation.other);
    const double bound = GetOption(o, other.id);
    const bool below = info.relation.kind == RelationKind::kNotBelow;
    if (below ? v < bound : v > bound) {
      return OptionProblem{info.id, std::string("must be ") + (below ? ">= " : "<= ") +
                                        name_of(other) + " (" + FormatOptionValue(other, bound) +
                                        ")"};
    }
  }
  return std::nullopt;
}

}  // namespace llmroute
