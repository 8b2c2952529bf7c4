// Test fixtures for llmr_router_call through the C ABI: a simulated clock whose sleep advances
// it, and scripted adapters that play a planned sequence of outcomes.
#pragma once

#include <llmroute/llmroute.h>

#include <atomic>
#include <deque>
#include <map>
#include <mutex>
#include <stdexcept>
#include <string>
#include <vector>

namespace scripted {

struct SimTime {
  std::atomic<int64_t> now_ns{1'000'000'000'000};
  std::atomic<int64_t> slept_ns{0};
  uint64_t random_value = 0;  // what every random draw returns (>> 1 for "half")
};

inline int64_t Clock(void *user) {
  return static_cast<SimTime *>(user)->now_ns.load();
}
inline void Sleep(void *user, int64_t ns) {
  auto *t = static_cast<SimTime *>(user);
  t->now_ns += ns;
  t->slept_ns += ns;
}
inline uint64_t Random(void *user) {
  return static_cast<SimTime *>(user)->random_value;
}

struct Step {
  llmr_outcome outcome = LLMR_OUTCOME_SUCCESS;
  double latency_ms = 100;
  double ttft_ms = -1;
  int64_t retry_after_ms = 0;
  bool committed = false;
  bool throw_exception = false;
  llmr_status status = LLMR_OK;  // what invoke returns
  int64_t advance_ms = 0;        // simulated time the attempt takes
  std::string response = "";
};

// One deployment's adapter: plays `steps` in order, then repeats the last.
struct Script {
  std::mutex mutex;
  std::deque<Step> steps;
  std::vector<std::string> seen_models;
  std::vector<int64_t> seen_timeouts;
  std::atomic<int> invocations{0};
  std::atomic<int> releases{0};
  std::atomic<bool> in_invoke{false};
  std::atomic<bool> released_during_invoke{false};
  SimTime *time = nullptr;
};

inline llmr_status Invoke(void *user, const llmr_invoke_args *args, llmr_attempt_result *result) {
  auto *script = static_cast<Script *>(user);
  script->in_invoke = true;
  Step step;
  {
    std::lock_guard<std::mutex> lock(script->mutex);
    script->seen_models.push_back(args->model);
    script->seen_timeouts.push_back(args->timeout_ms);
    if (!script->steps.empty()) {
      step = script->steps.front();
      if (script->steps.size() > 1) script->steps.pop_front();
    }
  }
  script->invocations++;
  if (script->releases.load() != 0) script->released_during_invoke = true;
  if (script->time != nullptr) script->time->now_ns += step.advance_ms * 1'000'000;
  script->in_invoke = false;
  if (step.throw_exception) throw std::runtime_error("adapter exploded");
  if (!step.response.empty()) {
    llmr_call_set_response(args->context, step.response.data(), step.response.size());
  }
  result->outcome = step.outcome;
  result->latency_ms = step.latency_ms;
  result->ttft_ms = step.ttft_ms;
  result->retry_after_ms = step.retry_after_ms;
  result->committed = step.committed ? 1 : 0;
  return step.status;
}

inline void Release(void *user) {
  static_cast<Script *>(user)->releases++;
}

// A router on simulated time with a scripted adapter per deployment.
class Harness {
 public:
  explicit Harness(llmr_router_options *opts = nullptr) {
    llmr_router_options o;
    if (opts != nullptr) {
      o = *opts;
    } else {
      llmr_router_options_init(&o, sizeof o);
    }
    o.clock = Clock;
    o.clock_user_data = &time;
    o.sleep = Sleep;
    o.sleep_user_data = &time;
    o.random = Random;
    o.random_user_data = &time;
    o.breaker_jitter = 0;
    if (llmr_router_create(&o, &router) != LLMR_OK) throw std::runtime_error(llmr_error_message());
  }
  ~Harness() { llmr_router_destroy(router); }

  Script &Add(const std::string &name, const std::vector<std::string> &models,
              std::vector<Step> steps, uint32_t tier = 0, uint32_t rpm = 0) {
    std::vector<const char *> m;
    for (const auto &model : models) m.push_back(model.c_str());
    llmr_deployment d;
    llmr_deployment_init(&d, sizeof d);
    d.name = name.c_str();
    d.models = m.data();
    d.model_count = m.size();
    d.tier = tier;
    d.rpm_limit = rpm;
    if (llmr_router_add_deployment(router, &d) != LLMR_OK) {
      throw std::runtime_error(llmr_error_message());
    }
    Script &script = scripts[name];
    script.time = &time;
    script.steps.assign(steps.begin(), steps.end());
    llmr_adapter adapter;
    llmr_adapter_init(&adapter, sizeof adapter);
    adapter.user_data = &script;
    adapter.invoke = Invoke;
    adapter.release = Release;
    if (llmr_router_set_adapter(router, name.c_str(), &adapter) != LLMR_OK) {
      throw std::runtime_error(llmr_error_message());
    }
    return script;
  }

  struct Result {
    llmr_status status;
    std::vector<std::string> sequence;  // "deployment:outcome" per attempt
    std::vector<int64_t> backoffs;
    llmr_call_summary summary;  // its pointers are cleared: the report is freed
    std::string model;          // the summary's model, copied
    std::string response;
    std::string detail;
  };

  Result Call(const char *model, llmr_call_options *opts = nullptr) {
    Result r{};
    llmr_call_report *report = nullptr;
    r.status = llmr_router_call(router, model, "req", 3, opts, &report);
    llmr_call_summary_init(&r.summary, sizeof r.summary);
    if (report != nullptr) {
      llmr_call_report_summary(report, &r.summary);
      if (r.summary.response != nullptr) {
        r.response.assign(static_cast<const char *>(r.summary.response), r.summary.response_len);
      }
      r.detail = r.summary.detail;
      if (r.summary.model != nullptr) r.model = r.summary.model;
      r.summary.deployment = r.summary.model = r.summary.detail = nullptr;
      r.summary.response = nullptr;
      for (size_t i = 0; i < llmr_call_report_attempt_count(report); ++i) {
        llmr_attempt_info info;
        llmr_attempt_info_init(&info, sizeof info);
        llmr_call_report_attempt(report, i, &info);
        r.sequence.push_back(std::string(info.deployment) + ":" + llmr_outcome_str(info.outcome));
        r.backoffs.push_back(info.backoff_ms);
      }
      llmr_call_report_free(report);
    }
    return r;
  }

  llmr_health Health(const char *name) {
    llmr_health h;
    llmr_health_init(&h, sizeof h);
    llmr_router_health(router, name, &h);
    return h;
  }

  void Advance(int64_t ms) { time.now_ns += ms * 1'000'000; }

  SimTime time;
  llmr_router *router = nullptr;
  std::map<std::string, Script> scripts;
};

inline Step Ok(std::string response = "") {
  Step s;
  s.response = std::move(response);
  return s;
}
inline Step Fail(llmr_outcome outcome, int64_t retry_after_ms = 0) {
  Step s;
  s.outcome = outcome;
  s.retry_after_ms = retry_after_ms;
  return s;
}

}  // namespace scripted
