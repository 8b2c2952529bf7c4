// Pick, report, cancel: the hot path's C face. Nothing here allocates on success.
#include <cmath>
#include <memory>
#include <string>

#include "capi/capi_support.hpp"
#include "capi/handles.hpp"
#include "core/enum_values.hpp"
#include "core/names.hpp"

using llmroute::capi::Fail;
using llmroute::capi::Finish;
using llmroute::capi::Guarded;

namespace llmroute::capi {

// llmr_pick_options as the core's request; the core checks the values (Router::Pick). The
// pointers stay the caller's, valid for the call. Out of line: a pick without options must not
// pay for it (kept inline, it stopped GCC 12 from inlining llmr_router_pick's body into
// Guarded(): 28 more instructions per pick under callgrind).
// The options of a traced pick, from ReadPickOptions to TracedPick on the same thread. Handed
// over here rather than as an argument: keeping `opts` alive across ReadPickOptions for the
// traced branch cost every plain pick a register move (1 instruction under callgrind).
thread_local const llmr_pick_options *traced_options = nullptr;

[[gnu::noinline]] llmr_status ReadPickOptions(const llmr_pick_options *opts,
                                              llmroute::PickRequest *request) {
  llmr_pick_options local;
  const llmr_pick_options *in = nullptr;
  if (llmr_status s = llmroute::capi::ReadInPlace(opts, llmroute::capi::kPickOptionsV1Size, "opts",
                                                  &local, llmr_pick_options_init, &in);
      s != LLMR_OK) {
    return s;
  }
  const llmr_pick_options &o = *in;
  request->exclude = o.exclude;
  request->exclude_count = o.exclude_count;
  if (o.affinity_key != nullptr) request->affinity_key = o.affinity_key;
  request->required_tags = o.required_tags;
  request->required_tag_count = o.required_tag_count;
  request->expected_input_tokens = o.expected_input_tokens;
  request->expected_output_tokens = o.expected_output_tokens;
  request->max_price = o.max_price;
  request->deadline_ms = o.deadline_ms;
  request->prefix_hashes = o.prefix_hashes;  // checked by Router::Pick
  request->prefix_hash_count = o.prefix_hash_count;
  // Checked here: the core indexes its per-class limits by it (an older caller's struct ends
  // before it and keeps llmr_pick_options_init's default).
  if (o.priority < 0 || o.priority > LLMR_PRIORITY_LOWEST) {
    return Finish(llmroute::ValidatePriority(o.priority, "opts->priority"));
  }
  request->priority = static_cast<uint32_t>(o.priority);
  if (o.trace != 0) [[unlikely]] {
    // Checked by TracedPick, which reads the trace fields from here.
    traced_options = opts;
    return kPickTraced;
  }
  return LLMR_OK;
}

}  // namespace llmroute::capi

namespace {

using llmroute::capi::ReadPickOptions;

// Always inlined: with a second caller (TracedPick) GCC made it a call, 5 more instructions per
// plain pick under callgrind.
[[gnu::always_inline]] inline void WritePick(const llmroute::Status &status,
                                             const llmroute::PickResult &result, llmr_pick *pick) {
  // A caller of this header's size (the usual case) is written field by field, in place.
  if (pick->struct_size >= sizeof(llmr_pick) && status.ok()) [[likely]] {
    pick->ticket = result.ticket;
    pick->deployment = result.deployment;
    pick->model = result.model;
    pick->tier = result.tier;
    pick->is_probe = result.probe ? 1 : 0;
    pick->is_panic = result.panic ? 1 : 0;
    pick->retry_after_ms = result.retry_after_ms;
    pick->deadline_unmet = result.deadline_unmet ? 1 : 0;
    return;
  }
  llmr_pick out{};
  out.struct_size = sizeof(llmr_pick);
  out.retry_after_ms = result.retry_after_ms;
  if (status.ok()) {
    out.ticket = result.ticket;
    out.deployment = result.deployment;
    out.model = result.model;
    out.tier = result.tier;
    out.is_probe = result.probe ? 1 : 0;
    out.is_panic = result.panic ? 1 : 0;
    out.deadline_unmet = result.deadline_unmet ? 1 : 0;
  }
  llmroute::capi::WriteVersioned(out, pick);
}

// The request of a pick without options, shared: a pick with NULL options builds none.
constexpr llmroute::PickRequest kNoOptions{};

// A pick with llmr_pick_options.trace (Router::PickTraced): out of line and off the plain pick's
// path, which reaches it only through the options it already reads.
[[gnu::noinline, gnu::cold]] llmr_status TracedPick(llmr_router *router, const char *model,
                                                    const llmroute::PickRequest &request,
                                                    llmr_pick *pick) {
  const llmr_pick_options *opts = llmroute::capi::traced_options;
  llmroute::capi::traced_options = nullptr;
  llmr_pick_options o;  // ReadPickOptions read it whole already: this cannot fail
  (void)llmroute::capi::ReadInput(opts, llmroute::capi::kPickOptionsV1Size, "opts", &o,
                                  llmr_pick_options_init);
  if (o.trace != 1) {
    return Fail(LLMR_ERR_INVALID_ARGUMENT,
                "opts->trace must be 0 or 1 (got " + std::to_string(o.trace) + ")");
  }
  if (o.trace_out == nullptr) {
    return Fail(LLMR_ERR_INVALID_ARGUMENT, "opts->trace_out is NULL but opts->trace is 1");
  }
  llmr_explanation **trace_out = o.trace_out;
  *trace_out = nullptr;
  const std::string_view name(model, strnlen(model, llmroute::kNameMax + 1));
  auto trace = std::make_unique<llmr_explanation>();
  llmroute::PickResult result;
  const llmroute::Status status =
      router->core->PickTraced(name, model, request, &result, &trace->core);
  const llmroute::Code code = status.code();
  if (status.ok() || code == llmroute::Code::kNoProvider || code == llmroute::Code::kRateLimited) {
    try {
      trace->json = llmroute::ExplanationJson(trace->core);
    } catch (...) {
      // Out of memory after the pick: the caller sees an error, so no ticket may stay out.
      if (status.ok()) (void)router->core->Cancel(result.ticket);
      throw;
    }
    *trace_out = trace.release();
  }
  WritePick(status, result, pick);
  return Finish(status);
}

}  // namespace

extern "C" {

LLMR_API llmr_status llmr_pick_options_init(llmr_pick_options *opts, size_t struct_size) {
  llmr_pick_options value{};
  value.priority = LLMR_PRIORITY_DEFAULT;
  return llmroute::capi::InitVersioned(opts, struct_size, llmroute::capi::kPickOptionsV1Size, value,
                                       "opts");
}

LLMR_API llmr_status llmr_pick_init(llmr_pick *pick, size_t struct_size) {
  llmr_pick value{};
  return llmroute::capi::InitVersioned(pick, struct_size, llmroute::capi::kPickV1Size, value,
                                       "pick");
}

LLMR_API llmr_status llmr_report_init(llmr_report *report, size_t struct_size) {
  llmr_report value{};
  value.outcome = LLMR_OUTCOME_SUCCESS;
  value.latency_ms = -1;
  value.ttft_ms = -1;
  value.quota_remaining_requests = -1;  // not announced
  value.quota_remaining_tokens = -1;
  return llmroute::capi::InitVersioned(report, struct_size, llmroute::capi::kReportV1Size, value,
                                       "report");
}

LLMR_API llmr_status llmr_router_pick(llmr_router *router, const char *model,
                                      const llmr_pick_options *opts, llmr_pick *pick) {
  return Guarded([&] {
    if (router == nullptr) return Fail(LLMR_ERR_INVALID_ARGUMENT, "router is NULL");
    if (pick == nullptr) return Fail(LLMR_ERR_INVALID_ARGUMENT, "pick is NULL");
    if (pick->struct_size < llmroute::capi::kPickV1Size) {
      return Fail(LLMR_ERR_INVALID_ARGUMENT,
                  "pick->struct_size is too small; use llmr_pick_init()");
    }
    if (model == nullptr) return Fail(LLMR_ERR_INVALID_ARGUMENT, "model is NULL");
    llmroute::PickRequest with_options;
    const llmroute::PickRequest *request = &kNoOptions;
    if (opts != nullptr) {
      if (llmr_status s = ReadPickOptions(opts, &with_options); s != LLMR_OK) {
        // A trace request rides on the error branch: a pick without one tests nothing more.
        if (s == llmroute::capi::kPickTraced) return TracedPick(router, model, with_options, pick);
        return s;
      }
      request = &with_options;
    }
    llmroute::PickResult result;
    // A bounded scan: the core rejects a name longer than the limit (Router::Pick).
    const std::string_view name(model, strnlen(model, llmroute::kNameMax + 1));
    const llmroute::Status status = router->core->Pick(name, model, *request, &result);
    WritePick(status, result, pick);
    return Finish(status);
  });
}

LLMR_API llmr_status llmr_router_report(llmr_router *router, llmr_ticket ticket,
                                        const llmr_report *report) {
  return Guarded([&] {
    if (router == nullptr) return Fail(LLMR_ERR_INVALID_ARGUMENT, "router is NULL");
    llmr_report local;
    const llmr_report *in = nullptr;
    if (llmr_status s = llmroute::capi::ReadInPlace(report, llmroute::capi::kReportV1Size, "report",
                                                    &local, llmr_report_init, &in);
        s != LLMR_OK) {
      return s;
    }
    const llmr_report &r = *in;
    const int32_t outcome = llmroute::capi::RawEnum(r.outcome);
    if (!llmroute::IsOutcome(outcome)) {
      return Finish(llmroute::NoSuchValue("report->outcome", outcome));
    }
    llmroute::ReportInput input;
    input.outcome = static_cast<llmroute::Outcome>(outcome);
    input.latency_ms = r.latency_ms;  // NaN and infinities are rejected (Router::Report)
    input.ttft_ms = r.ttft_ms;
    input.retry_after_ms = r.retry_after_ms;
    input.input_tokens = r.input_tokens;
    input.output_tokens = r.output_tokens;
    // An older caller's struct ends before these: they keep llmr_report_init's "not announced".
    input.quota_remaining_requests = r.quota_remaining_requests;
    input.quota_remaining_tokens = r.quota_remaining_tokens;
    input.quota_requests_reset_ms = r.quota_requests_reset_ms;
    input.quota_tokens_reset_ms = r.quota_tokens_reset_ms;
    return Finish(router->core->Report(ticket, input));
  });
}

LLMR_API llmr_status llmr_router_cancel(llmr_router *router, llmr_ticket ticket) {
  return Guarded([&] {
    if (router == nullptr) return Fail(LLMR_ERR_INVALID_ARGUMENT, "router is NULL");
    return Finish(router->core->Cancel(ticket));
  });
}

}  // extern "C"
