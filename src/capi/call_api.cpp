// Execution through adapters: llmr_router_call, adapters, cancellation, call reports.
#include <cmath>

#include "capi/capi_support.hpp"
#include "capi/handles.hpp"
#include "core/enum_values.hpp"

using llmroute::capi::CheckName;
using llmroute::capi::Fail;
using llmroute::capi::Finish;
using llmroute::capi::Guarded;
using llmroute::capi::Succeed;

struct llmr_call_context {
  llmroute::CallContext *core;
};

namespace {

// The host's callback table as a core Adapter. Destroyed when the core drops its last reference:
// that is when release() runs, exactly once.
class CallbackAdapter final : public llmroute::Adapter {
 public:
  explicit CallbackAdapter(const llmr_adapter &table) : table_(table) {}
  ~CallbackAdapter() override {
    if (armed_ && table_.release != nullptr) table_.release(table_.user_data);
  }
  // Until armed, destruction does not call release (the router did not take the adapter).
  void Arm() { armed_ = true; }

  llmroute::AttemptResult Invoke(const llmroute::InvokeArgs &args) override {
    llmr_call_context context{args.context};
    llmr_invoke_args c{};
    c.struct_size = sizeof(llmr_invoke_args);
    c.deployment = args.deployment;
    c.model = args.model;
    c.request = args.request.data();
    c.request_len = args.request.size();
    c.attempt = args.attempt;
    c.timeout_ms = args.timeout_ms;
    c.context = &context;
    c.first_byte_timeout_ms = args.first_byte_timeout_ms;
    c.idle_timeout_ms = args.idle_timeout_ms;
    c.is_hedge = args.is_hedge ? 1 : 0;
    llmr_attempt_result r{};
    r.struct_size = sizeof(llmr_attempt_result);
    r.outcome = LLMR_OUTCOME_SUCCESS;
    r.latency_ms = -1;
    r.ttft_ms = -1;
    llmroute::AttemptResult result;
    llmr_status status = LLMR_OK;
    try {
      status = table_.invoke(table_.user_data, &c, &r);
    } catch (...) {
      // A C++ host threw through our callback: contain it as a failed attempt.
      status = LLMR_ERR_INTERNAL;
    }
    // Raw: a C adapter may return any int (found by fuzz_c_api under -fsanitize=enum).
    if (llmroute::capi::RawEnum(status) != LLMR_OK) {
      result.outcome = llmroute::Outcome::kConnectionError;
      result.adapter_failed = true;
      return result;
    }
    if (!llmroute::OutcomeFromInt(llmroute::capi::RawEnum(r.outcome), &result.outcome).ok()) {
      result.outcome =
          llmroute::Outcome::kConnectionError;  // the adapter's bug, not the provider's
      result.adapter_failed = true;
    }
    result.latency_ms = std::isnan(r.latency_ms) ? -1 : r.latency_ms;
    result.ttft_ms = std::isnan(r.ttft_ms) ? -1 : r.ttft_ms;
    result.retry_after_ms = r.retry_after_ms;
    result.input_tokens = r.input_tokens;
    result.output_tokens = r.output_tokens;
    result.committed = r.committed != 0;
    return result;
  }

 private:
  llmr_adapter table_;
  bool armed_ = false;
};

}  // namespace

struct llmr_cancel {
  llmroute::CancelToken token;
};

struct llmr_call_report {
  llmroute::CallReport core;
  llmr_status status = LLMR_OK;
};

extern "C" {

LLMR_API llmr_status llmr_adapter_init(llmr_adapter *adapter, size_t struct_size) {
  llmr_adapter value{};
  return llmroute::capi::InitVersioned(adapter, struct_size, llmroute::capi::kAdapterV1Size, value,
                                       "adapter");
}

LLMR_API llmr_status llmr_router_set_adapter(llmr_router *router, const char *deployment,
                                             const llmr_adapter *adapter) {
  return Guarded([&] {
    if (router == nullptr) return Fail(LLMR_ERR_INVALID_ARGUMENT, "router is NULL");
    std::string_view name;
    if (llmr_status s = CheckName(deployment, "deployment name", &name); s != LLMR_OK) return s;
    std::shared_ptr<CallbackAdapter> wrapped;
    if (adapter != nullptr) {
      llmr_adapter table;
      llmr_adapter_init(&table, sizeof table);
      if (llmr_status s = llmroute::capi::ReadVersioned(adapter, llmroute::capi::kAdapterV1Size,
                                                        "adapter", &table);
          s != LLMR_OK) {
        return s;
      }
      if (table.invoke == nullptr)
        return Fail(LLMR_ERR_INVALID_ARGUMENT, "adapter->invoke is NULL");
      wrapped = std::make_shared<CallbackAdapter>(table);
    }
    const llmroute::Status status = router->core->SetAdapter(name, wrapped);
    if (status.ok() && wrapped) wrapped->Arm();
    return Finish(status);
  });
}

LLMR_API llmr_status llmr_router_set_fallbacks_for(llmr_router *router, const char *model,
                                                   llmr_fallback_kind kind,
                                                   const char *const *fallback_models,
                                                   size_t count) {
  return Guarded([&] {
    if (router == nullptr) return Fail(LLMR_ERR_INVALID_ARGUMENT, "router is NULL");
    llmroute::FallbackKind fallback_kind;
    if (llmroute::Status s = llmroute::FallbackKindFromInt(llmroute::capi::RawEnum(kind),
                                                           &fallback_kind, "fallback kind");
        !s.ok()) {
      return Finish(s);
    }
    std::string_view m;
    if (llmr_status s = CheckName(model, "model", &m); s != LLMR_OK) return s;
    std::vector<std::string> chain;
    if (llmr_status s =
            llmroute::capi::CopyNameList(fallback_models, count, "fallback_models", &chain);
        s != LLMR_OK) {
      return s;
    }
    return Finish(router->core->SetFallbacks(m, std::move(chain), fallback_kind));
  });
}

LLMR_API llmr_status llmr_cancel_create(llmr_cancel **out) {
  return Guarded([&] {
    if (out == nullptr) return Fail(LLMR_ERR_INVALID_ARGUMENT, "out is NULL");
    *out = new llmr_cancel();
    return Succeed();
  });
}

LLMR_API llmr_status llmr_cancel_trigger(llmr_cancel *cancel) {
  if (cancel == nullptr) return Fail(LLMR_ERR_INVALID_ARGUMENT, "cancel is NULL");
  cancel->token.Trigger();
  return Succeed();
}

LLMR_API void llmr_cancel_destroy(llmr_cancel *cancel) {
  delete cancel;
}

LLMR_API llmr_status llmr_call_set_response(llmr_call_context *context, const void *data,
                                            size_t len) {
  return Guarded([&] {
    if (context == nullptr || context->core == nullptr) {
      return Fail(LLMR_ERR_INVALID_ARGUMENT, "context is NULL");
    }
    if (data == nullptr && len > 0) return Fail(LLMR_ERR_INVALID_ARGUMENT, "data is NULL");
    context->core->SetResponse(std::string(static_cast<const char *>(data), len));
    return Succeed();
  });
}

LLMR_API llmr_status llmr_call_check(const llmr_call_context *context) {
  if (context == nullptr || context->core == nullptr) {
    return Fail(LLMR_ERR_INVALID_ARGUMENT, "context is NULL");
  }
  switch (context->core->Check()) {
    case llmroute::Code::kCancelled:
      return Fail(LLMR_ERR_CANCELLED, "the call was cancelled");
    case llmroute::Code::kDeadlineExceeded:
      return Fail(LLMR_ERR_DEADLINE_EXCEEDED, "the call's deadline passed");
    case llmroute::Code::kStreamStalled:
      return Fail(LLMR_ERR_STREAM_STALLED,
                  "the attempt stalled (no first byte within first_byte_timeout_ms, or no chunk "
                  "within idle_timeout_ms)");
    default:
      return Succeed();
  }
}

LLMR_API llmr_status llmr_call_progress(llmr_call_context *context) {
  if (context == nullptr || context->core == nullptr) {
    return Fail(LLMR_ERR_INVALID_ARGUMENT, "context is NULL");
  }
  context->core->Progress();
  return Succeed();
}

LLMR_API llmr_status llmr_call_commit(llmr_call_context *context) {
  if (context == nullptr || context->core == nullptr) {
    return Fail(LLMR_ERR_INVALID_ARGUMENT, "context is NULL");
  }
  if (context->core->Commit() == llmroute::Code::kCancelled) {
    return Fail(LLMR_ERR_CANCELLED, "another attempt of the hedged call won");
  }
  return Succeed();
}

LLMR_API llmr_status llmr_call_options_init(llmr_call_options *opts, size_t struct_size) {
  const llmroute::CallOptions defaults;
  llmr_call_options value{};
  value.deadline_ms = defaults.deadline_ms;
  value.attempt_timeout_ms = defaults.attempt_timeout_ms;
  value.max_attempts = defaults.max_attempts;
  value.backoff_base_ms = defaults.backoff_base_ms;
  value.backoff_max_ms = defaults.backoff_max_ms;
  value.hedge_after_ms = defaults.hedge_after_ms;
  value.hedge_after_quantile = defaults.hedge_after_quantile;
  value.max_hedges = defaults.max_hedges;
  value.priority = static_cast<int32_t>(defaults.priority);
  return llmroute::capi::InitVersioned(opts, struct_size, llmroute::capi::kCallOptionsV1Size, value,
                                       "opts");
}

LLMR_API llmr_status llmr_router_call(llmr_router *router, const char *model, const void *request,
                                      size_t request_len, const llmr_call_options *opts,
                                      llmr_call_report **report) {
  return Guarded([&] {
    if (report != nullptr) *report = nullptr;
    if (router == nullptr) return Fail(LLMR_ERR_INVALID_ARGUMENT, "router is NULL");
    if (request == nullptr && request_len > 0) {
      return Fail(LLMR_ERR_INVALID_ARGUMENT, "request is NULL but request_len is not 0");
    }
    std::string_view name;
    if (llmr_status s = CheckName(model, "model", &name); s != LLMR_OK) return s;
    llmr_call_options o;
    llmr_call_options_init(&o, sizeof o);
    if (opts != nullptr) {
      if (llmr_status s =
              llmroute::capi::ReadVersioned(opts, llmroute::capi::kCallOptionsV1Size, "opts", &o);
          s != LLMR_OK) {
        return s;
      }
    }
    llmroute::CallOptions options;
    options.deadline_ms = o.deadline_ms;
    options.attempt_timeout_ms = o.attempt_timeout_ms;
    options.max_attempts = o.max_attempts;
    options.backoff_base_ms = o.backoff_base_ms;
    options.backoff_max_ms = o.backoff_max_ms;
    options.cancel = o.cancel != nullptr ? &o.cancel->token : nullptr;
    options.first_byte_timeout_ms = o.first_byte_timeout_ms;
    options.idle_timeout_ms = o.idle_timeout_ms;
    options.hedge_after_ms = o.hedge_after_ms;
    options.hedge_after_quantile = o.hedge_after_quantile;
    options.max_hedges = o.max_hedges;
    options.priority = o.priority;
    if (llmr_status s = Finish(options.Validate()); s != LLMR_OK) return s;
    auto out = std::make_unique<llmr_call_report>();
    const llmroute::Status status =
        router->core->Call(name, std::string_view(static_cast<const char *>(request), request_len),
                           options, &out->core);
    out->status = llmroute::capi::ToStatus(status.code());
    if (report != nullptr) *report = out.release();
    return Finish(status);
  });
}

LLMR_API llmr_status llmr_attempt_info_init(llmr_attempt_info *info, size_t struct_size) {
  llmr_attempt_info value{};
  return llmroute::capi::InitVersioned(info, struct_size, llmroute::capi::kAttemptInfoV1Size, value,
                                       "info");
}

LLMR_API llmr_status llmr_call_summary_init(llmr_call_summary *summary, size_t struct_size) {
  llmr_call_summary value{};
  return llmroute::capi::InitVersioned(summary, struct_size, llmroute::capi::kCallSummaryV1Size,
                                       value, "summary");
}

LLMR_API llmr_status llmr_call_report_summary(const llmr_call_report *report,
                                              llmr_call_summary *out) {
  if (report == nullptr) return Fail(LLMR_ERR_INVALID_ARGUMENT, "report is NULL");
  if (out == nullptr || out->struct_size < llmroute::capi::kCallSummaryV1Size) {
    return Fail(LLMR_ERR_INVALID_ARGUMENT, "out is NULL or not initialised");
  }
  const llmroute::CallReport &r = report->core;
  llmr_call_summary s{};
  s.struct_size = sizeof(llmr_call_summary);
  s.status = report->status;
  s.final_outcome = r.attempts.empty() ? LLMR_OUTCOME_SUCCESS
                                       : static_cast<llmr_outcome>(r.attempts.back().outcome);
  s.deployment = r.attempts.empty() ? nullptr : r.attempts.back().deployment.c_str();
  s.model = r.attempts.empty() ? nullptr : r.attempts.back().model.c_str();
  s.used_fallback = r.used_fallback ? 1 : 0;
  s.attempts = r.attempts.size();
  s.retry_after_ms = r.retry_after_ms;
  s.total_ms = r.total_ms;
  s.response = r.has_response ? r.response.data() : nullptr;
  s.response_len = r.has_response ? r.response.size() : 0;
  s.detail = r.detail.c_str();
  llmroute::capi::WriteVersioned(s, out);
  return Succeed();
}

LLMR_API size_t llmr_call_report_attempt_count(const llmr_call_report *report) {
  return report == nullptr ? 0 : report->core.attempts.size();
}

LLMR_API llmr_status llmr_call_report_attempt(const llmr_call_report *report, size_t index,
                                              llmr_attempt_info *out) {
  if (report == nullptr) return Fail(LLMR_ERR_INVALID_ARGUMENT, "report is NULL");
  if (out == nullptr || out->struct_size < llmroute::capi::kAttemptInfoV1Size) {
    return Fail(LLMR_ERR_INVALID_ARGUMENT, "out is NULL or not initialised");
  }
  if (index >= report->core.attempts.size()) {
    return Fail(LLMR_ERR_INVALID_ARGUMENT, "index " + std::to_string(index) + " is out of range");
  }
  const llmroute::AttemptRecord &a = report->core.attempts[index];
  llmr_attempt_info info{};
  info.struct_size = sizeof(llmr_attempt_info);
  info.deployment = a.deployment.c_str();
  info.model = a.model.c_str();
  info.outcome = static_cast<llmr_outcome>(a.outcome);
  info.latency_ms = a.latency_ms;
  info.backoff_ms = a.backoff_ms;
  info.committed = a.committed ? 1 : 0;
  info.adapter_failed = a.adapter_failed ? 1 : 0;
  info.hedge = a.hedge ? 1 : 0;
  info.cancelled = a.cancelled ? 1 : 0;
  llmroute::capi::WriteVersioned(info, out);
  return Succeed();
}

LLMR_API void llmr_call_report_free(llmr_call_report *report) {
  delete report;
}

}  // extern "C"
