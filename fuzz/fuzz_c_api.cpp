// libFuzzer harness for the public C API: the input is decoded into a sequence of calls with
// their arguments, bad ones included (NULL, empty, over-long and non-UTF-8 names, unknown names,
// out-of-range enum values, structs with a wrong struct_size, double reports, reports after
// removal, cancels, overrides, fallbacks, health lists, llmr_router_call through a scripted
// adapter that may re-enter the router). The harness keeps a model of what the router must hold
// and aborts when the library disagrees:
//  - every status is an llmr_status value; a failure leaves a non-empty llmr_error_message(), a
//    success an empty one; enum values handed out are valid;
//  - tickets: a live ticket reports once, then LLMR_ERR_TICKET_DONE; in-flight counts equal the
//    live tickets of each deployment, and are all 0 once every ticket is done;
//  - per deployment, successes, failures and request errors equal what was reported (by the
//    harness or through llmr_router_call attempts); picks = those + cancels + in flight;
//  - a pick never returns an excluded, forced-open or absent deployment, nor one lacking a
//    required tag;
//  - each adapter the router accepted is released exactly once, never while a call uses it, and
//    a rejected one never.
// Build: scripts/fuzz.sh (clang, -fsanitize=fuzzer,address,undefined).
#include <fuzzer/FuzzedDataProvider.h>
#include <llmroute/llmroute.h>

#include "fuzz_c_calls.h"

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <limits>
#include <map>
#include <memory>
#include <set>
#include <stdexcept>
#include <string>
#include <vector>

namespace {

[[noreturn]] void Die(int line, const std::string &what) {
  std::fprintf(stderr, "fuzz_c_api.cpp:%d: invariant violated: %s (llmr_error_message: '%s')\n",
               line, what.c_str(), llmr_error_message());
  std::abort();
}

#define FUZZ_CHECK(cond, what)                                      \
  do {                                                              \
    if (!(cond)) Die(__LINE__, std::string(#cond) + ": " + (what)); \
  } while (0)

// Stores an enum member as a C caller can: any int, byte for byte (a C++ conversion to an
// out-of-range value would be undefined in the harness itself). Enum arguments passed by value
// go through the C wrappers of fuzz_c_calls.c for the same reason.
template <typename E>
void SetEnum(E *field, int value) {
  static_assert(sizeof(E) == sizeof(int), "C enums are int-sized here");
  std::memcpy(field, &value, sizeof value);
}

// One of llmr_status's values (llmr_status_str knows every one, appended ones included).
bool IsKnownStatus(llmr_status s) {
  return std::strcmp(llmr_status_str(s), "LLMR_ERR_UNRECOGNISED") != 0;
}

// Checks the contract every fallible call shares and returns the status.
llmr_status Checked(llmr_status s, const char *call, int line) {
  if (!IsKnownStatus(s)) Die(line, std::string(call) + " returned " + std::to_string(s));
  const char *message = llmr_error_message();
  if (message == nullptr) Die(line, std::string(call) + ": llmr_error_message() is NULL");
  if (s != LLMR_OK && message[0] == '\0') {
    Die(line, std::string(call) + " failed with " + llmr_status_str(s) + " but left no message");
  }
  if (s == LLMR_OK && message[0] != '\0') {
    Die(line, std::string(call) + " succeeded but left the message '" + message + "'");
  }
  return s;
}
#define CALL(expr) Checked((expr), #expr, __LINE__)

// Outcome classes as the header documents them.
bool IsRequestFault(int outcome) {
  return outcome >= 6 && outcome <= 8;
}
bool IsFailure(int outcome) {
  return outcome >= 1 && outcome <= 5;
}

// The injected clock, random source and sleep: deterministic, driven by the input.
struct Env {
  int64_t now_ns = 1'000'000'000'000;
  uint64_t rng = 0;
};
int64_t ClockFn(void *user) {
  return static_cast<Env *>(user)->now_ns;
}
uint64_t RandomFn(void *user) {
  uint64_t z = (static_cast<Env *>(user)->rng += 0x9E3779B97F4A7C15ULL);  // splitmix64
  z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
  z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
  return z ^ (z >> 31);
}
void SleepFn(void *user, int64_t ns) {
  FUZZ_CHECK(ns >= 0, "negative sleep " + std::to_string(ns));
  static_cast<Env *>(user)->now_ns += std::min<int64_t>(ns, INT64_C(3'600'000'000'000));
}

// A name argument: NULL, or bytes that are NUL-terminated when passed.
struct Arg {
  bool null = false;
  std::string text;
  const char *c() const { return null ? nullptr : text.c_str(); }
};

struct DeploymentModel {
  uint64_t generation = 0;
  std::set<std::string> tags;
  uint32_t weight = 1;
  uint32_t tier = 0;
  int override_mode = LLMR_OVERRIDE_AUTO;
  int64_t successes = 0, failures = 0, request_errors = 0;
  int64_t cancels = 0;  // a lower bound: llmr_router_call cancels picks of adapter-less ones
};

struct LiveTicket {
  llmr_ticket id;
  std::string deployment;
  uint64_t generation;
};

class Fuzzer;

// A scripted adapter; its behaviour on each invoke is read from the fuzzer input.
struct AdapterState {
  Fuzzer *owner = nullptr;
  std::string deployment;
  int releases = 0;
  int in_invoke = 0;
  bool accepted = false;  // llmr_router_set_adapter returned LLMR_OK
};

// What a call's adapters saw, in order: the deployment generation of each attempt.
struct CallLog {
  std::vector<std::pair<std::string, uint64_t>> invocations;
};

void ReleaseFn(void *user);

class Fuzzer {
 public:
  explicit Fuzzer(FuzzedDataProvider &in) : in_(in) {}

  ~Fuzzer() {
    if (router_ != nullptr) llmr_router_destroy(router_);
  }

  void Run() {
    env_.rng = in_.ConsumeIntegral<uint64_t>();
    CreateRouter();
    int ops = 0;
    while (in_.remaining_bytes() > 0 && ops++ < 400) Step();
    Finish();
  }

  // --- called by the adapter ---
  int Invoke(AdapterState &adapter, const llmr_invoke_args *args, llmr_attempt_result *result) {
    FUZZ_CHECK(adapter.releases == 0, "invoke after release of " + adapter.deployment);
    FUZZ_CHECK(args != nullptr && result != nullptr, "invoke without args");
    FUZZ_CHECK(args->struct_size >= sizeof(llmr_invoke_args) && result->struct_size != 0,
               "struct sizes");
    FUZZ_CHECK(args->deployment != nullptr && adapter.deployment == args->deployment,
               "adapter of " + adapter.deployment + " invoked for another deployment");
    FUZZ_CHECK(args->model != nullptr && args->attempt >= 1 && args->attempt <= 10, "args");
    FUZZ_CHECK(!call_logs_.empty(), "invoke outside llmr_router_call");
    const auto found = present_.find(adapter.deployment);
    const std::pair<std::string, uint64_t> key(
        adapter.deployment, found == present_.end() ? 0 : found->second.generation);
    call_logs_.back().invocations.push_back(key);
    ++adapter.in_invoke;
    ++invoking_[key];  // the call holds a ticket for this attempt while it runs
    bool throw_exception = false;
    const int status = Behave(args, result, &throw_exception);
    --invoking_[key];
    --adapter.in_invoke;
    if (throw_exception) throw std::runtime_error("adapter threw");
    return status;
  }

  void Released(AdapterState &adapter) {
    FUZZ_CHECK(adapter.accepted, "release of an adapter the router rejected");
    FUZZ_CHECK(adapter.in_invoke == 0, "release during invoke");
    ++adapter.releases;
    FUZZ_CHECK(adapter.releases == 1, "adapter released twice");
  }

 private:
  // ------------------------------------------------------------------ arguments
  Arg Name() {
    static const char *const kPool[] = {"a",      "b",           "c",      "d",  "m",
                                        "gpt-4o", "gpt-4o-mini", "claude", "*",  "gpt-*",
                                        "?",      "alias",       "eu",     "zdr"};
    Arg arg;
    switch (in_.ConsumeIntegralInRange<int>(0, 11)) {
      case 0:
        arg.null = true;
        break;
      case 1:
        arg.text = "";
        break;
      case 2:
        // Anything, non-UTF-8 included; up to the first NUL, which is all the library sees.
        arg.text = in_.ConsumeRandomLengthString(300).c_str();
        break;
      case 3: {
        static const size_t kLengths[] = {LLMR_NAME_MAX, LLMR_NAME_MAX + 1, 5000};
        arg.text.assign(kLengths[in_.ConsumeIntegralInRange<int>(0, 2)], 'x');
        break;
      }
      case 4: {
        static const char *const kBad[] = {"\xff", "a\xc3", "\xed\xa0\x80", "\xc0\xaf",
                                           "a\tb", "\x7f",  "caf\xc3\xa9",  "\xf0\x9f\x98\x80"};
        arg.text = kBad[in_.ConsumeIntegralInRange<int>(0, 7)];
        break;
      }
      case 5:
      case 6:
        if (!present_.empty()) {
          auto it = present_.begin();
          std::advance(it, in_.ConsumeIntegralInRange<size_t>(0, present_.size() - 1));
          arg.text = it->first;
          break;
        }
        [[fallthrough]];
      default:
        arg.text = kPool[in_.ConsumeIntegralInRange<size_t>(0, std::size(kPool) - 1)];
        break;
    }
    return arg;
  }

  // A model to pick: mostly ones that deployments serve.
  Arg Model() {
    static const char *const kModels[] = {"m", "gpt-4o", "gpt-4o-mini", "claude", "alias"};
    if (in_.ConsumeIntegralInRange<int>(0, 3) != 0) {
      return Arg{false, kModels[in_.ConsumeIntegralInRange<size_t>(0, std::size(kModels) - 1)]};
    }
    return Name();
  }

  // A list of names as a C array; `storage` keeps the strings. May lie about its count in the
  // ways a library can detect (NULL with a count, more than LLMR_LIST_MAX entries).
  struct List {
    std::vector<Arg> storage;
    std::vector<const char *> pointers;
    bool null = false;
    size_t count = 0;
    const char *const *data() const { return null ? nullptr : pointers.data(); }
  };
  List Names(bool models) {
    List list;
    const int shape = in_.ConsumeIntegralInRange<int>(0, 15);
    size_t n = in_.ConsumeIntegralInRange<size_t>(0, 3);
    if (shape == 0) n = LLMR_LIST_MAX + 1;
    for (size_t i = 0; i < n; ++i) {
      if (shape == 0) {
        list.storage.push_back(Arg{false, "m"});
      } else if (models && in_.ConsumeBool()) {
        list.storage.push_back(Model());
      } else {
        list.storage.push_back(Name());
      }
    }
    for (const Arg &arg : list.storage) list.pointers.push_back(arg.c());
    list.count = list.pointers.size();
    if (shape == 1) {
      list.null = true;
      list.count = in_.ConsumeIntegralInRange<size_t>(0, 2);
    }
    return list;
  }

  double Double() {
    switch (in_.ConsumeIntegralInRange<int>(0, 7)) {
      case 0:
        return std::numeric_limits<double>::quiet_NaN();
      case 1:
        return std::numeric_limits<double>::infinity();
      case 2:
        return -1;
      case 3:
        return 0;
      case 4:
        return in_.ConsumeFloatingPoint<double>();
      default:
        return in_.ConsumeFloatingPointInRange<double>(0, 2000);
    }
  }

  int64_t Int64() {
    switch (in_.ConsumeIntegralInRange<int>(0, 5)) {
      case 0:
        return -1;
      case 1:
        return 0;
      case 2:
        return INT64_MAX;
      case 3:
        return in_.ConsumeIntegral<int64_t>();
      default:
        return in_.ConsumeIntegralInRange<int64_t>(0, 60'000);
    }
  }

  // An enum argument: mostly valid values, sometimes unknown ones.
  int EnumValue(int last) {
    switch (in_.ConsumeIntegralInRange<int>(0, 9)) {
      case 0:
        return -1;
      case 1:
        return last + 1;
      case 2:
        return in_.ConsumeIntegral<int>();
      default:
        return in_.ConsumeIntegralInRange<int>(0, last);
    }
  }

  // A struct_size: usually right, sometimes that of ABI 1.0's layout, sometimes too small.
  uint32_t StructSize(size_t full, size_t v1) {
    switch (in_.ConsumeIntegralInRange<int>(0, 11)) {
      case 0:
        return 0;
      case 1:
        return static_cast<uint32_t>(v1 - 1);
      case 2:
        return static_cast<uint32_t>(v1);
      default:
        return static_cast<uint32_t>(full);
    }
  }

  // ------------------------------------------------------------------ router
  void CreateRouter() {
    llmr_router_options o;
    FUZZ_CHECK(CALL(llmr_router_options_init(&o, sizeof o)) == LLMR_OK, "options_init");
    if (in_.ConsumeBool()) {
      SetEnum(&o.strategy, EnumValue(LLMR_STRATEGY_COST));
      SetEnum(&o.all_open_policy, EnumValue(LLMR_ALL_OPEN_PANIC));
      o.breaker_consecutive_failures = in_.ConsumeIntegralInRange<uint32_t>(0, 6);
      o.breaker_failure_ratio = in_.ConsumeBool() ? Double() : 0.5;
      o.breaker_min_requests = in_.ConsumeIntegralInRange<uint32_t>(0, 12);
      o.breaker_window_ms = in_.ConsumeBool() ? Int64() : 30'000;
      o.breaker_cooldown_base_ms = in_.ConsumeBool() ? Int64() : 1000;
      o.breaker_cooldown_max_ms = in_.ConsumeBool() ? Int64() : 20'000;
      o.breaker_jitter = in_.ConsumeBool() ? Double() : 0.1;
      o.half_open_max_probes = in_.ConsumeIntegralInRange<uint32_t>(0, 3);
      if (in_.ConsumeBool()) o.latency_ewma_alpha = Double();
      if (in_.ConsumeBool()) o.latency_buffer = Double();
      if (in_.ConsumeBool()) o.latency_prior_ms = Double();
      if (in_.ConsumeBool()) o.retry_budget_max_tokens = Double();
      if (in_.ConsumeBool()) o.retry_budget_token_ratio = Double();
      if (in_.ConsumeBool()) o.tier_overprovisioning_factor = Double();
      if (in_.ConsumeBool()) o.slow_start_window_ms = Int64();
      if (in_.ConsumeBool()) o.slow_start_aggression = Double();
      if (in_.ConsumeBool()) o.slow_start_min_weight_percent = Double();
      if (in_.ConsumeBool()) o.peak_ewma_decay_ms = Int64();
      if (in_.ConsumeBool()) o.peak_ewma_failure_penalty = Double();
      if (in_.ConsumeBool()) o.affinity_load_factor = Double();
      o.struct_size =
          StructSize(sizeof o, offsetof(llmr_router_options, random_user_data) + sizeof(void *));
    }
    o.clock = ClockFn;
    o.clock_user_data = &env_;
    o.random = RandomFn;
    o.random_user_data = &env_;
    o.sleep = SleepFn;
    o.sleep_user_data = &env_;
    llmr_router *out = reinterpret_cast<llmr_router *>(&out);  // must be overwritten
    if (CALL(llmr_router_create(&o, &out)) != LLMR_OK) {
      FUZZ_CHECK(out == nullptr, "a failed create leaves *out NULL");
      FUZZ_CHECK(CALL(llmr_router_options_init(&o, sizeof o)) == LLMR_OK, "options_init");
      o.clock = ClockFn;
      o.clock_user_data = &env_;
      o.random = RandomFn;
      o.random_user_data = &env_;
      o.sleep = SleepFn;
      o.sleep_user_data = &env_;
      FUZZ_CHECK(CALL(llmr_router_create(&o, &out)) == LLMR_OK, "create with defaults");
    }
    FUZZ_CHECK(out != nullptr, "router");
    router_ = out;
  }

  void Step() {
    switch (in_.ConsumeIntegralInRange<int>(0, 23)) {
      case 0:
      case 1:
        return AddOrUpdate(/*update=*/false);
      case 2:
        return AddOrUpdate(/*update=*/true);
      case 3:
        return Remove();
      case 4:
      case 5:
      case 6:
      case 7:
        return Pick();
      case 8:
      case 9:
      case 10:
        return Report();
      case 11:
        return Cancel();
      case 12:
        return Override();
      case 13:
        return Alias();
      case 14:
        return Fallbacks();
      case 15:
        return Chains();
      case 16:
        return ModelStrategy();
      case 17:
        return CheckHealth();
      case 18:
        return SetAdapter();
      case 19:
      case 20:
        return Call();
      case 21:
        return Advance();
      case 22:
        return Names_();
      default:
        return NullRouter();
    }
  }

  // ------------------------------------------------------------------ deployments
  void AddOrUpdate(bool update) {
    const Arg name = Name();
    List models = Names(/*models=*/true);
    List tags = Names(/*models=*/false);
    llmr_deployment d;
    FUZZ_CHECK(CALL(llmr_deployment_init(&d, sizeof d)) == LLMR_OK, "deployment_init");
    FUZZ_CHECK(d.weight == 1 && d.tier == 0, "deployment defaults");
    d.name = name.c();
    d.models = models.data();
    d.model_count = models.count;
    d.tags = tags.data();
    d.tag_count = tags.count;
    static const uint32_t kWeights[] = {1, 1, 2, 3, 0, 1'000'000, 1'000'001};
    d.weight = kWeights[in_.ConsumeIntegralInRange<size_t>(0, std::size(kWeights) - 1)];
    d.tier = in_.ConsumeBool() ? 0 : in_.ConsumeIntegralInRange<uint32_t>(0, 257);
    if (in_.ConsumeIntegralInRange<int>(0, 3) == 0) {
      d.rpm_limit = in_.ConsumeIntegralInRange<uint32_t>(0, 5);
      d.tpm_limit = in_.ConsumeBool() ? in_.ConsumeIntegral<uint64_t>()
                                      : in_.ConsumeIntegralInRange<uint64_t>(0, 1000);
      d.max_in_flight = in_.ConsumeIntegralInRange<uint32_t>(0, 3);
    }
    if (in_.ConsumeIntegralInRange<int>(0, 3) == 0) {
      d.cost_per_million_input = Double();
      d.cost_per_million_output = Double();
    }
    const size_t v1 = offsetof(llmr_deployment, tag_count) + sizeof(size_t);
    d.struct_size = StructSize(sizeof d, v1);
    const bool null_struct = in_.ConsumeIntegralInRange<int>(0, 30) == 0;
    const llmr_deployment *arg = null_struct ? nullptr : &d;
    const bool was_present = !name.null && present_.count(name.text) != 0;
    if (update) {
      const llmr_status s = CALL(llmr_router_update_deployment(router_, arg));
      if (s == LLMR_OK) {
        FUZZ_CHECK(was_present, "updated a deployment that does not exist: " + name.text);
        DeploymentModel &m = present_[name.text];
        Describe(d, &m);
      } else if (s == LLMR_ERR_NOT_FOUND) {
        FUZZ_CHECK(!was_present, "update did not find " + name.text);
      }
      return;
    }
    const llmr_status s = CALL(llmr_router_add_deployment(router_, arg));
    if (s == LLMR_OK) {
      FUZZ_CHECK(!was_present, "added a duplicate deployment " + name.text);
      DeploymentModel &m = present_[name.text];
      m = DeploymentModel{};
      m.generation = ++generations_;
      Describe(d, &m);
    } else if (s == LLMR_ERR_ALREADY_EXISTS) {
      FUZZ_CHECK(was_present, "ALREADY_EXISTS for an absent deployment " + name.text);
    }
  }

  // Records what an accepted llmr_deployment says (as much as the harness checks).
  static void Describe(const llmr_deployment &d, DeploymentModel *m) {
    const size_t v1 = offsetof(llmr_deployment, tag_count) + sizeof(size_t);
    FUZZ_CHECK(d.struct_size >= v1, "accepted a struct_size below 1.0's");
    m->weight = d.weight;
    m->tier = d.tier;
    m->tags.clear();
    for (size_t i = 0; i < d.tag_count; ++i) m->tags.insert(d.tags[i]);
  }

  void Remove() {
    const Arg name = Name();
    const bool was_present = !name.null && present_.count(name.text) != 0;
    const llmr_status s = CALL(llmr_router_remove_deployment(router_, name.c()));
    if (s == LLMR_OK) {
      FUZZ_CHECK(was_present, "removed an absent deployment " + name.text);
      present_.erase(name.text);
      ExpectReleased(name.text);
    } else if (s == LLMR_ERR_NOT_FOUND) {
      FUZZ_CHECK(!was_present, "remove did not find " + name.text);
    }
  }

  // After the deployment's adapter was replaced or removed, outside any invoke, it is released.
  void ExpectReleased(const std::string &deployment) {
    const auto found = attached_.find(deployment);
    if (found == attached_.end()) return;
    AdapterState *adapter = found->second;
    attached_.erase(found);
    if (adapter->in_invoke == 0 && call_logs_.empty()) {
      FUZZ_CHECK(adapter->releases == 1, "adapter of " + deployment + " not released");
    } else {
      pending_release_.push_back(adapter);
    }
  }

  // ------------------------------------------------------------------ pick, report, cancel
  void Pick() {
    const Arg model = Model();
    List exclude = Names(false);
    List tags = Names(false);
    std::string key = in_.ConsumeRandomLengthString(40);
    llmr_pick_options opts;
    FUZZ_CHECK(CALL(llmr_pick_options_init(&opts, sizeof opts)) == LLMR_OK, "pick_options_init");
    const bool with_options = in_.ConsumeBool();
    if (with_options) {
      opts.exclude = exclude.data();
      opts.exclude_count = exclude.count;
      if (in_.ConsumeBool()) opts.affinity_key = key.c_str();
      if (in_.ConsumeIntegralInRange<int>(0, 3) == 0) {
        opts.required_tags = tags.data();
        opts.required_tag_count = tags.count;
      }
      if (in_.ConsumeIntegralInRange<int>(0, 3) == 0) {
        opts.expected_input_tokens = Int64();
        opts.expected_output_tokens = Int64();
        opts.max_price = Double();
      }
      opts.struct_size =
          StructSize(sizeof opts, offsetof(llmr_pick_options, exclude_count) + sizeof(size_t));
    }
    llmr_pick pick;
    FUZZ_CHECK(CALL(llmr_pick_init(&pick, sizeof pick)) == LLMR_OK, "pick_init");
    pick.struct_size = StructSize(sizeof pick, offsetof(llmr_pick, retry_after_ms) + 8);
    const uint32_t size = pick.struct_size;
    const llmr_status s =
        CALL(llmr_router_pick(router_, model.c(), with_options ? &opts : nullptr,
                              in_.ConsumeIntegralInRange<int>(0, 40) == 0 ? nullptr : &pick));
    FUZZ_CHECK(pick.struct_size == size, "pick rewrote struct_size");
    if (s == LLMR_ERR_NO_PROVIDER) {
      FUZZ_CHECK(pick.retry_after_ms == -1 || pick.retry_after_ms >= 1,
                 "retry_after_ms " + std::to_string(pick.retry_after_ms));
    }
    if (s == LLMR_ERR_RATE_LIMITED) FUZZ_CHECK(pick.retry_after_ms >= 1, "rate limit retry");
    if (s != LLMR_OK) return;
    FUZZ_CHECK(pick.ticket != 0, "ticket 0");
    FUZZ_CHECK(pick.deployment != nullptr && pick.model != nullptr, "pick strings");
    const std::string picked = pick.deployment;
    const auto found = present_.find(picked);
    FUZZ_CHECK(found != present_.end(), "picked an absent deployment " + picked);
    FUZZ_CHECK(found->second.override_mode != LLMR_OVERRIDE_FORCE_OPEN,
               "picked forced-open " + picked);
    FUZZ_CHECK(pick.is_probe == 0 || pick.is_probe == 1, "is_probe");
    FUZZ_CHECK(pick.is_panic == 0 || pick.is_panic == 1, "is_panic");
    FUZZ_CHECK(pick.tier == found->second.tier, "pick.tier");
    if (with_options) {
      for (size_t i = 0; i < opts.exclude_count; ++i) {
        FUZZ_CHECK(picked != opts.exclude[i], "picked excluded " + picked);
      }
      if (opts.struct_size == sizeof opts) {
        for (size_t i = 0; i < opts.required_tag_count; ++i) {
          FUZZ_CHECK(found->second.tags.count(opts.required_tags[i]) != 0,
                     "picked " + picked + " without tag " + opts.required_tags[i]);
        }
      }
    }
    for (const LiveTicket &t : live_) FUZZ_CHECK(t.id != pick.ticket, "ticket issued twice");
    live_.push_back({pick.ticket, picked, found->second.generation});
  }

  // A ticket to report or cancel: live, done, or made up.
  llmr_ticket ChooseTicket() {
    const int kind = in_.ConsumeIntegralInRange<int>(0, 9);
    if (kind < 6 && !live_.empty()) {
      return live_[in_.ConsumeIntegralInRange<size_t>(0, live_.size() - 1)].id;
    }
    if (kind < 8 && !done_.empty()) {
      return done_[in_.ConsumeIntegralInRange<size_t>(0, done_.size() - 1)];
    }
    if (kind == 8) return 0;
    return in_.ConsumeIntegral<uint64_t>();
  }

  // Expects `s` for completing `ticket` and updates the model; returns the ticket's record if it
  // was live and is now done.
  bool Complete(llmr_ticket ticket, llmr_status s, LiveTicket *out) {
    const auto live = std::find_if(live_.begin(), live_.end(),
                                   [&](const LiveTicket &t) { return t.id == ticket; });
    const bool was_done = std::find(done_.begin(), done_.end(), ticket) != done_.end();
    if (live != live_.end()) {
      FUZZ_CHECK(s == LLMR_OK, std::string("live ticket: ") + llmr_status_str(s));
      *out = *live;
      live_.erase(live);
      done_.push_back(ticket);
      if (done_.size() > 64) done_.erase(done_.begin());
      return true;
    }
    if (was_done) {
      FUZZ_CHECK(s == LLMR_ERR_TICKET_DONE, std::string("done ticket: ") + llmr_status_str(s));
    } else {
      FUZZ_CHECK(s == LLMR_ERR_INVALID_TICKET || s == LLMR_ERR_TICKET_DONE,
                 std::string("made-up ticket: ") + llmr_status_str(s));
    }
    return false;
  }

  DeploymentModel *Current(const std::string &deployment, uint64_t generation) {
    const auto found = present_.find(deployment);
    if (found == present_.end() || found->second.generation != generation) return nullptr;
    return &found->second;
  }

  void Count(const std::string &deployment, uint64_t generation, int outcome) {
    DeploymentModel *m = Current(deployment, generation);
    if (m == nullptr) return;  // removed (or re-added) since: no longer observable
    if (IsRequestFault(outcome)) {
      ++m->request_errors;
    } else if (IsFailure(outcome)) {
      ++m->failures;
    } else {
      ++m->successes;
    }
  }

  void Report() {
    const llmr_ticket ticket = ChooseTicket();
    llmr_report r;
    FUZZ_CHECK(CALL(llmr_report_init(&r, sizeof r)) == LLMR_OK, "report_init");
    const int outcome = EnumValue(LLMR_OUTCOME_CONTENT_POLICY);
    SetEnum(&r.outcome, outcome);
    r.latency_ms = Double();
    r.ttft_ms = in_.ConsumeBool() ? -1 : Double();
    r.retry_after_ms = in_.ConsumeBool() ? 0 : Int64();
    r.input_tokens = in_.ConsumeBool() ? 0 : Int64();
    r.output_tokens = in_.ConsumeBool() ? 0 : Int64();
    r.struct_size = StructSize(sizeof r, offsetof(llmr_report, output_tokens) + 8);
    const bool null_report = in_.ConsumeIntegralInRange<int>(0, 30) == 0;
    const llmr_status s = CALL(llmr_router_report(router_, ticket, null_report ? nullptr : &r));
    const bool valid = !null_report && r.struct_size >= offsetof(llmr_report, output_tokens) + 8 &&
                       outcome >= 0 && outcome <= LLMR_OUTCOME_CONTENT_POLICY &&
                       r.retry_after_ms >= 0 && std::isfinite(r.latency_ms) &&
                       std::isfinite(r.ttft_ms) && r.input_tokens >= 0 && r.output_tokens >= 0;
    if (!valid) {
      FUZZ_CHECK(s == LLMR_ERR_INVALID_ARGUMENT, std::string("bad report: ") + llmr_status_str(s));
      return;
    }
    LiveTicket done;
    if (Complete(ticket, s, &done)) Count(done.deployment, done.generation, outcome);
  }

  void Cancel() {
    const llmr_ticket ticket = ChooseTicket();
    const llmr_status s = CALL(llmr_router_cancel(router_, ticket));
    LiveTicket done;
    if (Complete(ticket, s, &done)) {
      if (DeploymentModel *m = Current(done.deployment, done.generation)) ++m->cancels;
    }
  }

  // ------------------------------------------------------------------ configuration
  void Override() {
    const Arg name = Name();
    const int mode = EnumValue(LLMR_OVERRIDE_FORCE_CLOSED);
    const llmr_status s = CALL(fuzz_set_override(router_, name.c(), mode));
    if (s == LLMR_OK) {
      const auto found = present_.find(name.text);
      FUZZ_CHECK(found != present_.end(), "override of an absent deployment");
      FUZZ_CHECK(mode >= 0 && mode <= LLMR_OVERRIDE_FORCE_CLOSED, "accepted override mode");
      found->second.override_mode = mode;
    }
  }

  void Alias() {
    const Arg alias = in_.ConsumeBool() ? Arg{false, "alias"} : Name();
    if (in_.ConsumeIntegralInRange<int>(0, 3) == 0) {
      CALL(llmr_router_remove_alias(router_, alias.c()));
    } else {
      CALL(llmr_router_set_alias(router_, alias.c(), Model().c()));
    }
  }

  void Chains() {
    const Arg model = Model();
    List chain = Names(true);
    if (in_.ConsumeBool()) {
      CALL(llmr_router_set_fallbacks(router_, model.c(), chain.data(), chain.count));
    } else {
      const int kind = EnumValue(LLMR_FALLBACK_CONTENT_POLICY);
      CALL(fuzz_set_fallbacks_for(router_, model.c(), kind, chain.data(), chain.count));
    }
  }

  void ModelStrategy() {
    const Arg model = Model();
    const int strategy = EnumValue(LLMR_STRATEGY_COST);
    CALL(fuzz_set_model_strategy(router_, model.c(), strategy));
  }

  void Fallbacks() {
    const Arg model = Model();
    List exclude = Names(false);
    llmr_fallbacks *list = reinterpret_cast<llmr_fallbacks *>(&list);
    const bool null_out = in_.ConsumeIntegralInRange<int>(0, 30) == 0;
    const llmr_status s = CALL(llmr_router_fallbacks(router_, model.c(), exclude.data(),
                                                     exclude.count, null_out ? nullptr : &list));
    if (s != LLMR_OK) {
      if (!null_out) FUZZ_CHECK(list == nullptr, "failed fallbacks leaves *out NULL");
      return;
    }
    const size_t n = llmr_fallbacks_count(list);
    for (size_t i = 0; i < n; ++i) {
      const char *deployment = nullptr;
      const char *served = nullptr;
      FUZZ_CHECK(CALL(llmr_fallbacks_get(list, i, &deployment, &served)) == LLMR_OK, "get");
      FUZZ_CHECK(deployment != nullptr && served != nullptr, "fallback strings");
      FUZZ_CHECK(present_.count(deployment) != 0, std::string("absent fallback ") + deployment);
      for (size_t k = 0; k < exclude.count; ++k) {
        FUZZ_CHECK(std::strcmp(deployment, exclude.pointers[k]) != 0, "excluded fallback");
      }
    }
    FUZZ_CHECK(CALL(llmr_fallbacks_get(list, n, nullptr, nullptr)) == LLMR_ERR_INVALID_ARGUMENT,
               "index past the end");
    llmr_fallbacks_free(list);
  }

  // ------------------------------------------------------------------ health
  void CheckEntry(const llmr_health &h, const std::string &name) {
    FUZZ_CHECK(h.name != nullptr && name == h.name, "health name");
    const auto found = present_.find(name);
    FUZZ_CHECK(found != present_.end(), "health of an absent deployment " + name);
    const DeploymentModel &m = found->second;
    FUZZ_CHECK(h.state >= LLMR_BREAKER_CLOSED && h.state <= LLMR_BREAKER_HALF_OPEN, "state");
    FUZZ_CHECK(static_cast<int>(h.override_mode) == m.override_mode, "override_mode " + name);
    FUZZ_CHECK(h.eligible == 0 || h.eligible == 1, "eligible");
    if (m.override_mode == LLMR_OVERRIDE_FORCE_OPEN) FUZZ_CHECK(h.eligible == 0, "forced open");
    if (m.override_mode == LLMR_OVERRIDE_FORCE_CLOSED) FUZZ_CHECK(h.eligible == 1, "forced closed");
    FUZZ_CHECK(h.failure_ratio >= 0 && h.failure_ratio <= 1, "failure_ratio");
    int64_t live = invoking_[{name, m.generation}];
    for (const LiveTicket &t : live_) live += t.deployment == name && t.generation == m.generation;
    FUZZ_CHECK(h.in_flight == live, name + " in flight " + std::to_string(h.in_flight) +
                                        ", live tickets " + std::to_string(live));
    // Attempts of calls still running (this check may run inside an adapter) were reported to
    // the router already but reach the model only when their call returns with its report.
    const std::pair<std::string, uint64_t> key(name, m.generation);
    int64_t uncounted = -invoking_[key];
    for (const CallLog &log : call_logs_) {
      uncounted += std::count(log.invocations.begin(), log.invocations.end(), key);
    }
    FUZZ_CHECK(h.successes >= m.successes && h.failures >= m.failures &&
                   h.request_errors >= m.request_errors,
               name + " outcome counts below the model's");
    FUZZ_CHECK(h.successes + h.failures + h.request_errors ==
                   m.successes + m.failures + m.request_errors + uncounted,
               name + " successes/failures/request errors " + std::to_string(h.successes) + "/" +
                   std::to_string(h.failures) + "/" + std::to_string(h.request_errors) + " vs " +
                   std::to_string(m.successes) + "/" + std::to_string(m.failures) + "/" +
                   std::to_string(m.request_errors) + " + " + std::to_string(uncounted));
    if (uncounted == 0) {
      FUZZ_CHECK(h.successes == m.successes && h.failures == m.failures &&
                     h.request_errors == m.request_errors,
                 name + " outcome classes differ from the model's");
    }
    FUZZ_CHECK(h.cancels >= m.cancels, name + " cancels");
    FUZZ_CHECK(h.picks == h.successes + h.failures + h.request_errors + h.cancels + h.in_flight,
               name + " picks");
    FUZZ_CHECK(h.trips >= 0 && h.consecutive_failures >= 0 && h.cooldown_remaining_ms >= 0,
               name + " counters");
    if (h.state != LLMR_BREAKER_OPEN) FUZZ_CHECK(h.cooldown_remaining_ms == 0, "cooldown");
    FUZZ_CHECK(h.weight == m.weight && h.tier == m.tier, name + " weight/tier");
  }

  void CheckHealth() {
    if (in_.ConsumeBool()) {
      const Arg name = Name();
      llmr_health h;
      FUZZ_CHECK(CALL(llmr_health_init(&h, sizeof h)) == LLMR_OK, "health_init");
      h.struct_size = StructSize(sizeof h, offsetof(llmr_health, tier) + sizeof(uint32_t));
      const llmr_status s = CALL(llmr_router_health(router_, name.c(), &h));
      if (s == LLMR_OK) {
        CheckEntry(h, name.text);
      } else if (s == LLMR_ERR_NOT_FOUND) {
        FUZZ_CHECK(present_.count(name.text) == 0, "health did not find " + name.text);
      }
      return;
    }
    CheckAll();
  }

  void CheckAll() {
    llmr_health_list *list = nullptr;
    FUZZ_CHECK(CALL(llmr_router_health_list(router_, &list)) == LLMR_OK, "health_list");
    const size_t n = llmr_health_list_count(list);
    FUZZ_CHECK(n == present_.size(), "health list has " + std::to_string(n) + " entries, " +
                                         std::to_string(present_.size()) + " expected");
    for (size_t i = 0; i < n; ++i) {
      llmr_health h;
      llmr_health_init(&h, sizeof h);
      FUZZ_CHECK(CALL(llmr_health_list_get(list, i, &h)) == LLMR_OK, "health_list_get");
      CheckEntry(h, h.name == nullptr ? "" : h.name);
    }
    llmr_health h;
    llmr_health_init(&h, sizeof h);
    FUZZ_CHECK(CALL(llmr_health_list_get(list, n, &h)) == LLMR_ERR_INVALID_ARGUMENT, "past end");
    llmr_health_list_free(list);
  }

  // ------------------------------------------------------------------ execution
  void SetAdapter() {
    const Arg name = Name();
    auto adapter = std::make_unique<AdapterState>();
    adapter->owner = this;
    adapter->deployment = name.text;
    llmr_adapter table;
    FUZZ_CHECK(CALL(llmr_adapter_init(&table, sizeof table)) == LLMR_OK, "adapter_init");
    table.user_data = adapter.get();
    table.invoke = in_.ConsumeIntegralInRange<int>(0, 20) == 0 ? nullptr : fuzz_invoke_c;
    table.release = in_.ConsumeIntegralInRange<int>(0, 10) == 0 ? nullptr : ReleaseFn;
    table.struct_size = StructSize(sizeof table, sizeof table);
    const bool detach = in_.ConsumeIntegralInRange<int>(0, 6) == 0;
    // The router calls release (if given) when done with it; without release, nothing.
    const bool has_release = table.release != nullptr;
    const llmr_status s =
        CALL(llmr_router_set_adapter(router_, name.c(), detach ? nullptr : &table));
    if (s != LLMR_OK) {
      FUZZ_CHECK(adapter->releases == 0, "a rejected adapter was released");
      if (s == LLMR_ERR_NOT_FOUND) FUZZ_CHECK(present_.count(name.text) == 0, "set_adapter");
      adapters_.push_back(std::move(adapter));  // a late release would be caught as a bug
      return;
    }
    FUZZ_CHECK(present_.count(name.text) != 0, "adapter for an absent deployment");
    ExpectReleased(name.text);
    if (!detach) {
      adapter->accepted = true;
      if (has_release) attached_[name.text] = adapter.get();
    }
    adapters_.push_back(std::move(adapter));
  }

  int Behave(const llmr_invoke_args *args, llmr_attempt_result *result, bool *throw_exception) {
    const int outcome = EnumValue(LLMR_OUTCOME_CONTENT_POLICY);
    SetEnum(&result->outcome, outcome);
    result->latency_ms = in_.ConsumeBool() ? -1 : Double();
    result->ttft_ms = in_.ConsumeBool() ? -1 : Double();
    result->retry_after_ms = in_.ConsumeBool() ? 0 : Int64();
    result->input_tokens = in_.ConsumeBool() ? 0 : Int64();
    result->output_tokens = in_.ConsumeBool() ? 0 : Int64();
    result->committed = in_.ConsumeIntegralInRange<int>(0, 8) == 0 ? 1 : 0;
    if (in_.ConsumeBool())
      env_.now_ns += in_.ConsumeIntegralInRange<int64_t>(0, 10'000) * 1'000'000;
    FUZZ_CHECK(IsKnownStatus(llmr_call_check(args->context)), "call_check");
    if (in_.ConsumeBool()) {
      const std::string body = in_.ConsumeRandomLengthString(64);
      const bool bad = in_.ConsumeIntegralInRange<int>(0, 10) == 0;
      const llmr_status s =
          CALL(llmr_call_set_response(args->context, bad ? nullptr : body.data(), body.size()));
      FUZZ_CHECK(s == (bad && !body.empty() ? LLMR_ERR_INVALID_ARGUMENT : LLMR_OK), "set_response");
    }
    // Re-enter the router (allowed: only destroying it and a nested call that cannot meet its
    // deadline are forbidden).
    if (depth_ < 2) {
      ++depth_;
      switch (in_.ConsumeIntegralInRange<int>(0, 12)) {
        case 0:
          Pick();
          break;
        case 1:
          Report();
          break;
        case 2:
          Remove();
          break;
        case 3:
          SetAdapter();
          break;
        case 4:
          Override();
          break;
        case 5:
          AddOrUpdate(false);
          break;
        case 6:
          Call();
          break;
        case 7:
          CheckAll();
          break;
        default:
          break;
      }
      --depth_;
    }
    switch (in_.ConsumeIntegralInRange<int>(0, 15)) {
      case 0:
        return LLMR_ERR_INTERNAL;
      case 1:
        return in_.ConsumeIntegral<int>();  // not an llmr_status at all
      case 2:
        *throw_exception = true;  // thrown once the bookkeeping is done
        return LLMR_OK;
      default:
        return LLMR_OK;
    }
  }

  void Call() {
    const Arg model = Model();
    const std::string request = in_.ConsumeRandomLengthString(32);
    const bool null_request = in_.ConsumeIntegralInRange<int>(0, 20) == 0;
    llmr_call_options opts;
    FUZZ_CHECK(CALL(llmr_call_options_init(&opts, sizeof opts)) == LLMR_OK, "call_options_init");
    llmr_cancel *cancel = nullptr;
    const bool with_options = in_.ConsumeBool();
    if (with_options) {
      if (in_.ConsumeBool()) opts.deadline_ms = Int64();
      if (in_.ConsumeBool()) opts.attempt_timeout_ms = Int64();
      opts.max_attempts = in_.ConsumeIntegralInRange<uint32_t>(0, 11);
      if (in_.ConsumeBool()) opts.backoff_base_ms = Int64();
      if (in_.ConsumeBool()) opts.backoff_max_ms = Int64();
      if (in_.ConsumeIntegralInRange<int>(0, 3) == 0) {
        FUZZ_CHECK(CALL(llmr_cancel_create(&cancel)) == LLMR_OK, "cancel_create");
        if (in_.ConsumeBool()) FUZZ_CHECK(CALL(llmr_cancel_trigger(cancel)) == LLMR_OK, "trigger");
        opts.cancel = cancel;
      }
      opts.struct_size = StructSize(sizeof opts, sizeof opts);
    }
    // Without a report the harness resyncs its counts from the router, which it can do only
    // when no outer call has attempts still to count.
    const bool want_report = !call_logs_.empty() || in_.ConsumeIntegralInRange<int>(0, 5) != 0;
    llmr_call_report *report = reinterpret_cast<llmr_call_report *>(&report);
    call_logs_.emplace_back();
    const llmr_status s = CALL(llmr_router_call(
        router_, model.c(), null_request ? nullptr : request.data(), request.size(),
        with_options ? &opts : nullptr, want_report ? &report : nullptr));
    const CallLog log = std::move(call_logs_.back());
    call_logs_.pop_back();
    llmr_cancel_destroy(cancel);
    if (s == LLMR_OK && with_options) {
      FUZZ_CHECK(opts.max_attempts >= 1 && opts.max_attempts <= 10, "accepted max_attempts");
    }
    if (!want_report) {
      // Without a report the attempts cannot be matched to outcomes: forget the model counts of
      // the deployments involved by resyncing them from the router.
      for (const auto &[deployment, generation] : log.invocations) Resync(deployment, generation);
      AfterCall();
      return;
    }
    if (report == nullptr) {
      FUZZ_CHECK(s == LLMR_ERR_INVALID_ARGUMENT, "no report for a valid call");
      FUZZ_CHECK(log.invocations.empty(), "invocations without a report");
      AfterCall();
      return;
    }
    FUZZ_CHECK(report != reinterpret_cast<llmr_call_report *>(&report), "report not written");
    llmr_call_summary summary;
    llmr_call_summary_init(&summary, sizeof summary);
    FUZZ_CHECK(CALL(llmr_call_report_summary(report, &summary)) == LLMR_OK, "summary");
    FUZZ_CHECK(summary.status == s, "summary.status");
    FUZZ_CHECK(summary.detail != nullptr, "detail");
    FUZZ_CHECK(summary.total_ms >= 0, "total_ms");
    FUZZ_CHECK(
        (summary.response == nullptr) == (summary.response_len == 0) || summary.response != nullptr,
        "response");
    const size_t attempts = llmr_call_report_attempt_count(report);
    FUZZ_CHECK(attempts == summary.attempts, "attempt count");
    FUZZ_CHECK(attempts == log.invocations.size(), "attempts " + std::to_string(attempts) +
                                                       " vs invocations " +
                                                       std::to_string(log.invocations.size()));
    FUZZ_CHECK(attempts <= 10, "more than 10 attempts");
    if (s == LLMR_OK) {
      FUZZ_CHECK(attempts >= 1 && summary.final_outcome == LLMR_OUTCOME_SUCCESS, "success");
    }
    for (size_t i = 0; i < attempts; ++i) {
      llmr_attempt_info info;
      llmr_attempt_info_init(&info, sizeof info);
      FUZZ_CHECK(CALL(llmr_call_report_attempt(report, i, &info)) == LLMR_OK, "attempt");
      FUZZ_CHECK(info.deployment != nullptr && info.model != nullptr, "attempt strings");
      FUZZ_CHECK(log.invocations[i].first == info.deployment, "attempt order");
      const int outcome = static_cast<int>(info.outcome);
      FUZZ_CHECK(outcome >= 0 && outcome <= LLMR_OUTCOME_CONTENT_POLICY, "attempt outcome");
      FUZZ_CHECK(info.backoff_ms >= 0, "backoff");
      Count(log.invocations[i].first, log.invocations[i].second, outcome);
    }
    llmr_attempt_info info;
    llmr_attempt_info_init(&info, sizeof info);
    FUZZ_CHECK(CALL(llmr_call_report_attempt(report, attempts, &info)) == LLMR_ERR_INVALID_ARGUMENT,
               "attempt past the end");
    llmr_call_report_free(report);
    AfterCall();
  }

  // Copies the router's outcome counts into the model (after a call whose attempts were not
  // reported to the harness).
  void Resync(const std::string &deployment, uint64_t generation) {
    DeploymentModel *m = Current(deployment, generation);
    if (m == nullptr) return;
    llmr_health h;
    llmr_health_init(&h, sizeof h);
    FUZZ_CHECK(CALL(llmr_router_health(router_, deployment.c_str(), &h)) == LLMR_OK, "resync");
    m->successes = h.successes;
    m->failures = h.failures;
    m->request_errors = h.request_errors;
  }

  void AfterCall() {
    if (!call_logs_.empty()) return;  // a nested call: the outer one is still running
    for (AdapterState *adapter : pending_release_) {
      FUZZ_CHECK(adapter->releases == 1, "adapter not released after the call returned");
    }
    pending_release_.clear();
  }

  // ------------------------------------------------------------------ misc
  void Advance() {
    static const int64_t kSteps[] = {1, 100, 1000, 5000, 30'000, 300'000, 3'600'000};
    const int64_t ms = in_.ConsumeBool()
                           ? kSteps[in_.ConsumeIntegralInRange<size_t>(0, std::size(kSteps) - 1)]
                           : in_.ConsumeIntegralInRange<int64_t>(0, 100'000);
    env_.now_ns += ms * 1'000'000;
  }

  void Names_() {
    const int value = in_.ConsumeIntegral<int>();
    FUZZ_CHECK(fuzz_status_str(value) != nullptr, "status_str");
    if (value >= 0 && value <= LLMR_STRATEGY_COST) {
      const char *name = fuzz_strategy_str(value);
      FUZZ_CHECK(name != nullptr, "strategy_str");
      llmr_strategy back = LLMR_STRATEGY_DEFAULT;
      if (value == LLMR_STRATEGY_DEFAULT) {  // "default" names no strategy: not parsed
        FUZZ_CHECK(CALL(llmr_strategy_from_str(name, &back)) == LLMR_ERR_INVALID_ARGUMENT, "parse");
      } else {
        FUZZ_CHECK(CALL(llmr_strategy_from_str(name, &back)) == LLMR_OK && back == value, "parse");
      }
    }
    if (value >= 0 && value <= LLMR_OUTCOME_CONTENT_POLICY) {
      FUZZ_CHECK(fuzz_outcome_str(value) != nullptr, "outcome_str");
    }
    if (value >= 0 && value <= LLMR_BREAKER_HALF_OPEN) {
      FUZZ_CHECK(fuzz_breaker_state_str(value) != nullptr, "state");
    }
    if (value >= 0 && value <= LLMR_FALLBACK_CONTENT_POLICY) {
      FUZZ_CHECK(fuzz_fallback_kind_str(value) != nullptr, "kind");
    }
    const Arg text = Name();
    llmr_strategy parsed;
    CALL(llmr_strategy_from_str(text.c(), in_.ConsumeBool() ? &parsed : nullptr));
    FUZZ_CHECK(llmr_version() == LLMR_VERSION_NUMBER, "version");
    FUZZ_CHECK(std::strcmp(llmr_version_string(), LLMR_VERSION_STRING) == 0, "version string");
  }

  // Every entry point given a NULL router (or NULL outputs) fails cleanly.
  void NullRouter() {
    llmr_pick pick;
    llmr_pick_init(&pick, sizeof pick);
    llmr_health h;
    llmr_health_init(&h, sizeof h);
    llmr_deployment d;
    llmr_deployment_init(&d, sizeof d);
    const char *model = "m";
    d.name = "x";
    d.models = &model;
    d.model_count = 1;
    switch (in_.ConsumeIntegralInRange<int>(0, 9)) {
      case 0:
        FUZZ_CHECK(CALL(llmr_router_pick(nullptr, "m", nullptr, &pick)) != LLMR_OK, "pick");
        break;
      case 1:
        FUZZ_CHECK(CALL(llmr_router_report(nullptr, 1, nullptr)) != LLMR_OK, "report");
        break;
      case 2:
        FUZZ_CHECK(CALL(llmr_router_cancel(nullptr, 1)) != LLMR_OK, "cancel");
        break;
      case 3:
        FUZZ_CHECK(CALL(llmr_router_add_deployment(nullptr, &d)) != LLMR_OK, "add");
        break;
      case 4:
        FUZZ_CHECK(CALL(llmr_router_health(nullptr, "x", &h)) != LLMR_OK, "health");
        break;
      case 5:
        FUZZ_CHECK(CALL(llmr_router_health_list(router_, nullptr)) != LLMR_OK, "health_list");
        break;
      case 6:
        FUZZ_CHECK(CALL(llmr_router_call(nullptr, "m", nullptr, 0, nullptr, nullptr)) != LLMR_OK,
                   "call");
        break;
      case 7:
        FUZZ_CHECK(CALL(llmr_router_create(nullptr, nullptr)) != LLMR_OK, "create");
        break;
      case 8:
        FUZZ_CHECK(CALL(llmr_router_health(router_, "x", nullptr)) != LLMR_OK, "health out");
        break;
      default:
        llmr_router_destroy(nullptr);
        llmr_fallbacks_free(nullptr);
        llmr_health_list_free(nullptr);
        llmr_call_report_free(nullptr);
        llmr_cancel_destroy(nullptr);
        FUZZ_CHECK(llmr_fallbacks_count(nullptr) == 0 && llmr_health_list_count(nullptr) == 0 &&
                       llmr_call_report_attempt_count(nullptr) == 0,
                   "NULL counts");
        break;
    }
  }

  // Every ticket given back: in flight is 0 everywhere; then the router goes and every adapter
  // it accepted is released exactly once.
  void Finish() {
    CheckAll();
    while (!live_.empty()) {
      const LiveTicket t = live_.back();
      const llmr_status s = CALL(llmr_router_cancel(router_, t.id));
      LiveTicket done;
      FUZZ_CHECK(Complete(t.id, s, &done), "final cancel");
      if (DeploymentModel *m = Current(done.deployment, done.generation)) ++m->cancels;
    }
    CheckAll();
    llmr_health_list *list = nullptr;
    FUZZ_CHECK(CALL(llmr_router_health_list(router_, &list)) == LLMR_OK, "health_list");
    for (size_t i = 0; i < llmr_health_list_count(list); ++i) {
      llmr_health h;
      llmr_health_init(&h, sizeof h);
      llmr_health_list_get(list, i, &h);
      FUZZ_CHECK(h.in_flight == 0, std::string("in flight left on ") + h.name);
    }
    llmr_health_list_free(list);
    llmr_router_destroy(router_);
    router_ = nullptr;
    for (const auto &adapter : adapters_) {
      if (adapter->accepted) {
        // Adapters without a release callback count 0; the others exactly 1.
        FUZZ_CHECK(adapter->releases <= 1, "released twice");
      } else {
        FUZZ_CHECK(adapter->releases == 0, "rejected adapter released");
      }
    }
    for (const auto &[deployment, adapter] : attached_) {
      FUZZ_CHECK(adapter->releases == 1, "adapter of " + deployment + " not released by destroy");
    }
  }

  FuzzedDataProvider &in_;
  Env env_;
  llmr_router *router_ = nullptr;
  std::map<std::string, DeploymentModel> present_;
  uint64_t generations_ = 0;
  std::vector<LiveTicket> live_;
  std::vector<llmr_ticket> done_;
  std::vector<std::unique_ptr<AdapterState>> adapters_;
  std::map<std::string, AdapterState *> attached_;  // current adapter (with release) per name
  std::vector<AdapterState *> pending_release_;     // detached while a call used them
  std::vector<CallLog> call_logs_;                  // one per llmr_router_call running
  std::map<std::pair<std::string, uint64_t>, int64_t> invoking_;  // attempts running, by deployment
  int depth_ = 0;
};

}  // namespace

extern "C" int fuzz_invoke(void *user, const llmr_invoke_args *args, llmr_attempt_result *result) {
  auto *adapter = static_cast<AdapterState *>(user);
  return adapter->owner->Invoke(*adapter, args, result);
}

namespace {

void ReleaseFn(void *user) {
  auto *adapter = static_cast<AdapterState *>(user);
  adapter->owner->Released(*adapter);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  FuzzedDataProvider in(data, size);
  Fuzzer fuzzer(in);
  fuzzer.Run();
  return 0;
}
