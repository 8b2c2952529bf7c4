#include "capi/router_options_convert.hpp"

#include <cstring>
#include <string_view>
#include <type_traits>

#include "capi/capi_support.hpp"
#include "core/option_defaults.hpp"
#include "core/option_table.hpp"

namespace llmroute::capi {

namespace {

// The host's clock, sleep and random callbacks, seen by the core as its own interfaces.
class CallbackClock final : public Clock {
 public:
  CallbackClock(llmr_clock_fn fn, void *user_data) : fn_(fn), user_data_(user_data) {}
  int64_t NowNs() const override { return fn_(user_data_); }

 private:
  llmr_clock_fn fn_;
  void *user_data_;
};

class CallbackSleeper final : public Sleeper {
 public:
  CallbackSleeper(llmr_sleep_fn fn, void *user_data) : fn_(fn), user_data_(user_data) {}
  void Sleep(int64_t duration_ns, CancelToken *) override { fn_(user_data_, duration_ns); }

 private:
  llmr_sleep_fn fn_;
  void *user_data_;
};

class CallbackRandom final : public RandomSource {
 public:
  CallbackRandom(llmr_random_fn fn, void *user_data) : fn_(fn), user_data_(user_data) {}
  uint64_t Next() override { return fn_(user_data_); }

 private:
  llmr_random_fn fn_;
  void *user_data_;
};

// A table default (a double in the table's unit) as the C member's type.
template <typename T>
T FromDefault(double value) {
  if constexpr (std::is_enum_v<T>) {
    return static_cast<T>(static_cast<int>(value));
  } else {
    return static_cast<T>(value);
  }
}

// A C member's value in the table's unit; an enum as its raw int (whatever the caller stored).
template <typename T>
double ToTable(const T &value) {
  if constexpr (std::is_enum_v<T>) {
    return static_cast<double>(RawEnum(value));
  } else {
    return static_cast<double>(value);
  }
}

}  // namespace

llmr_router_options DefaultRouterOptions() {
  llmr_router_options value{};  // callbacks NULL; strings NULL (the core's default)
#define LLMR_ROUTER_OPTION(name, c_type, ...) \
  value.name = FromDefault<c_type>(option_defaults::name);
#include "options/router_options.def"
  return value;
}

llmr_status ToCoreOptions(const llmr_router_options &o, RouterOptions *core) {
#define LLMR_ROUTER_OPTION(name, ...)                                         \
  if (Status s = SetOption(core, OptionId::name, ToTable(o.name)); !s.ok()) { \
    return Finish(s);                                                         \
  }
#define LLMR_ROUTER_STRING(name, max_bytes, ...)                           \
  if (o.name != nullptr) {                                                 \
    const std::string_view text(o.name, strnlen(o.name, (max_bytes) + 1)); \
    if (Status s = SetStringOption(core, OptionId::name, text); !s.ok()) { \
      return Finish(s);                                                    \
    }                                                                      \
  }
#include "options/router_options.def"
  if (o.clock != nullptr) core->clock = std::make_unique<CallbackClock>(o.clock, o.clock_user_data);
  if (o.sleep != nullptr) {
    core->sleeper = std::make_unique<CallbackSleeper>(o.sleep, o.sleep_user_data);
  }
  if (o.random != nullptr) {
    core->rng = std::make_unique<CallbackRandom>(o.random, o.random_user_data);
  }
  return LLMR_OK;
}

}  // namespace llmroute::capi
