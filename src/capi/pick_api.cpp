// Pick, report, cancel: the hot path's C face. Nothing here allocates on success.
#include <cmath>

#include "capi/capi_support.hpp"
#include "capi/handles.hpp"
#include "core/names.hpp"

using llmroute::capi::CheckName;
using llmroute::capi::Fail;
using llmroute::capi::Finish;
using llmroute::capi::Guarded;

extern "C" {

LLMR_API llmr_status llmr_pick_options_init(llmr_pick_options *opts, size_t struct_size) {
  llmr_pick_options value{};
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
    // Only the length is checked up front: a name the router knows is valid by construction, so
    // full validation (UTF-8, control characters) runs only when the lookup fails, to tell an
    // invalid name from an unknown one.
    if (model == nullptr) return Fail(LLMR_ERR_INVALID_ARGUMENT, "model is NULL");
    const std::string_view name(model, strnlen(model, llmroute::kNameMax + 1));
    if (name.empty() || name.size() > llmroute::kNameMax) {
      std::string_view unused;
      return CheckName(model, "model", &unused);
    }
    llmroute::PickRequest request;
    if (opts != nullptr) {
      llmr_pick_options o;
      if (llmr_status s = llmroute::capi::ReadInput(opts, llmroute::capi::kPickOptionsV1Size,
                                                    "opts", &o, llmr_pick_options_init);
          s != LLMR_OK) {
        return s;
      }
      if (o.exclude_count > 0 && o.exclude == nullptr) {
        return Fail(LLMR_ERR_INVALID_ARGUMENT, "opts->exclude is NULL but exclude_count is not 0");
      }
      if (o.exclude_count > llmroute::kListMax) {
        return Fail(LLMR_ERR_INVALID_ARGUMENT, "opts->exclude has more than " +
                                                   std::to_string(llmroute::kListMax) + " entries");
      }
      for (size_t i = 0; i < o.exclude_count; ++i) {
        // Checked like every name; the message is built only on failure (no allocation here).
        const char *entry = o.exclude[i];
        if (entry == nullptr ||
            !llmroute::ValidateName(std::string_view(entry, strnlen(entry, llmroute::kNameMax + 1)),
                                    "exclude")
                 .ok()) {
          std::string_view unused;
          const std::string label = "opts->exclude[" + std::to_string(i) + "]";
          return CheckName(entry, label.c_str(), &unused);
        }
      }
      request.exclude = o.exclude;
      request.exclude_count = o.exclude_count;
      if (o.required_tag_count > llmroute::kListMax) {
        return Fail(LLMR_ERR_INVALID_ARGUMENT,
                    "opts->required_tag_count is above " + std::to_string(llmroute::kListMax));
      }
      if (o.required_tag_count > 0 && o.required_tags == nullptr) {
        return Fail(LLMR_ERR_INVALID_ARGUMENT,
                    "opts->required_tags is NULL but required_tag_count is not 0");
      }
      for (size_t i = 0; i < o.required_tag_count; ++i) {
        if (o.required_tags[i] == nullptr) {
          return Fail(LLMR_ERR_INVALID_ARGUMENT,
                      "opts->required_tags[" + std::to_string(i) + "] is NULL");
        }
      }
      if (o.affinity_key != nullptr) request.affinity_key = o.affinity_key;
      request.required_tags = o.required_tags;
      request.required_tag_count = o.required_tag_count;
      request.expected_input_tokens = o.expected_input_tokens;
      request.expected_output_tokens = o.expected_output_tokens;
      request.max_price = o.max_price;
    }
    llmroute::PickResult result;
    const llmroute::Status status = router->core->Pick(name, model, request, &result);
    if (status.code() == llmroute::Code::kUnknownModel) {
      std::string_view unused;
      if (llmr_status s = CheckName(model, "model", &unused); s != LLMR_OK) return s;
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
    }
    llmroute::capi::WriteVersioned(out, pick);
    return Finish(status);
  });
}

LLMR_API llmr_status llmr_router_report(llmr_router *router, llmr_ticket ticket,
                                        const llmr_report *report) {
  return Guarded([&] {
    if (router == nullptr) return Fail(LLMR_ERR_INVALID_ARGUMENT, "router is NULL");
    llmr_report r;
    if (llmr_status s = llmroute::capi::ReadInput(report, llmroute::capi::kReportV1Size, "report",
                                                  &r, llmr_report_init);
        s != LLMR_OK) {
      return s;
    }
    const int32_t outcome = llmroute::capi::RawEnum(r.outcome);
    if (outcome < LLMR_OUTCOME_SUCCESS || outcome > LLMR_OUTCOME_CONTENT_POLICY) {
      return Fail(LLMR_ERR_INVALID_ARGUMENT,
                  "report->outcome " + std::to_string(outcome) + " does not exist");
    }
    llmroute::ReportInput input;
    input.outcome = static_cast<llmroute::Outcome>(outcome);
    input.latency_ms = r.latency_ms;  // NaN and infinities are rejected (Router::Report)
    input.ttft_ms = r.ttft_ms;
    input.retry_after_ms = r.retry_after_ms;
    input.input_tokens = r.input_tokens;
    input.output_tokens = r.output_tokens;
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
