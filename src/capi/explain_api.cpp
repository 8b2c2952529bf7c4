// llmr_router_explain and the llmr_explanation it hands out.
#include "capi/capi_support.hpp"
#include "capi/handles.hpp"
#include "core/names.hpp"

using llmroute::capi::Fail;
using llmroute::capi::Finish;
using llmroute::capi::Guarded;

namespace {

// The candidate and summary structs are new in this version: their first layout is the full one.
constexpr size_t kExplainCandidateV1Size = sizeof(llmr_explain_candidate);
constexpr size_t kExplainSummaryV1Size = sizeof(llmr_explain_summary);

llmr_status CheckOutput(uint32_t struct_size, size_t min_size, const char *what) {
  if (struct_size < min_size) {
    return Fail(LLMR_ERR_INVALID_ARGUMENT,
                std::string(what) + "->struct_size is too small; use its _init() function");
  }
  return LLMR_OK;
}

}  // namespace

extern "C" {

LLMR_API llmr_status llmr_explain_candidate_init(llmr_explain_candidate *candidate,
                                                 size_t struct_size) {
  llmr_explain_candidate value{};
  value.rank = -1;
  value.reason = "";
  return llmroute::capi::InitVersioned(candidate, struct_size, kExplainCandidateV1Size, value,
                                       "candidate");
}

LLMR_API llmr_status llmr_explain_summary_init(llmr_explain_summary *summary, size_t struct_size) {
  llmr_explain_summary value{};
  value.picked_index = -1;
  return llmroute::capi::InitVersioned(summary, struct_size, kExplainSummaryV1Size, value,
                                       "summary");
}

LLMR_API llmr_status llmr_router_explain(llmr_router *router, const char *model,
                                         const llmr_pick_options *opts, llmr_explanation **out) {
  return Guarded([&] {
    if (out == nullptr) return Fail(LLMR_ERR_INVALID_ARGUMENT, "out is NULL");
    *out = nullptr;
    if (router == nullptr) return Fail(LLMR_ERR_INVALID_ARGUMENT, "router is NULL");
    if (model == nullptr) return Fail(LLMR_ERR_INVALID_ARGUMENT, "model is NULL");
    llmroute::PickRequest request;
    if (opts != nullptr) {
      // The trace fields are a pick's: explain ignores them (kPickTraced is a success here).
      if (llmr_status s = llmroute::capi::ReadPickOptions(opts, &request);
          s != LLMR_OK && s != llmroute::capi::kPickTraced) {
        return s;
      }
    }
    // A bounded scan: the core rejects a name longer than the limit.
    const std::string_view name(model, strnlen(model, llmroute::kNameMax + 1));
    auto explanation = std::make_unique<llmr_explanation>();
    if (llmr_status s = Finish(router->core->Explain(name, request, &explanation->core));
        s != LLMR_OK) {
      return s;
    }
    // Rendered here, so that the explanation stays immutable (any thread may read it).
    explanation->json = llmroute::ExplanationJson(explanation->core);
    *out = explanation.release();
    return LLMR_OK;
  });
}

LLMR_API llmr_status llmr_explanation_summary(const llmr_explanation *explanation,
                                              llmr_explain_summary *out) {
  if (explanation == nullptr) return Fail(LLMR_ERR_INVALID_ARGUMENT, "explanation is NULL");
  if (out == nullptr) return Fail(LLMR_ERR_INVALID_ARGUMENT, "out is NULL");
  if (llmr_status s = CheckOutput(out->struct_size, kExplainSummaryV1Size, "out"); s != LLMR_OK)
    return s;
  const llmroute::Explanation &e = explanation->core;
  llmr_explain_summary value{};
  value.struct_size = sizeof value;
  value.model = e.model.c_str();
  value.strategy = static_cast<llmr_strategy>(e.strategy);
  value.score_kind = e.score_kind.c_str();
  value.status = llmroute::capi::ToStatus(e.status);
  value.message = e.message.c_str();
  value.retry_after_ms = e.retry_after_ms;
  value.picked_index = e.picked;
  value.picked =
      e.picked >= 0 ? e.candidates[static_cast<size_t>(e.picked)].deployment.c_str() : nullptr;
  value.is_panic = e.panic ? 1 : 0;
  value.approximate = e.approximate ? 1 : 0;
  value.deadline_unmet = e.deadline_unmet ? 1 : 0;
  llmroute::capi::WriteVersioned(value, out);
  return llmroute::capi::Succeed();
}

LLMR_API size_t llmr_explanation_candidate_count(const llmr_explanation *explanation) {
  return explanation == nullptr ? 0 : explanation->core.candidates.size();
}

LLMR_API llmr_status llmr_explanation_candidate(const llmr_explanation *explanation, size_t index,
                                                llmr_explain_candidate *out) {
  if (explanation == nullptr) return Fail(LLMR_ERR_INVALID_ARGUMENT, "explanation is NULL");
  if (out == nullptr) return Fail(LLMR_ERR_INVALID_ARGUMENT, "out is NULL");
  if (llmr_status s = CheckOutput(out->struct_size, kExplainCandidateV1Size, "out"); s != LLMR_OK)
    return s;
  const auto &candidates = explanation->core.candidates;
  if (index >= candidates.size()) {
    return Fail(LLMR_ERR_INVALID_ARGUMENT, "index " + std::to_string(index) +
                                               " is out of range (count " +
                                               std::to_string(candidates.size()) + ")");
  }
  const llmroute::ExplainedCandidate &c = candidates[index];
  llmr_explain_candidate value{};
  value.struct_size = sizeof value;
  value.deployment = c.deployment.c_str();
  value.tier = c.tier;
  value.state = static_cast<llmr_breaker_state>(c.state);
  value.override_mode = static_cast<llmr_override>(c.override_mode);
  value.cooldown_remaining_ms = c.cooldown_remaining_ms;
  value.in_flight = c.in_flight;
  value.weight = c.weight;
  value.rpm_limit = c.rpm_limit;
  value.tpm_limit = c.tpm_limit;
  value.max_in_flight = c.max_in_flight;
  value.requests_in_window = c.requests_in_window;
  value.tokens_in_window = c.tokens_in_window;
  value.ewma_latency_ms = c.ewma_latency_ms;
  value.failure_ratio = c.failure_ratio;
  value.price = c.price;
  value.score = c.score;
  value.rank = c.rank;
  value.tier_share = c.tier_share;
  value.filtered = c.filtered ? 1 : 0;
  value.reason = c.reason.c_str();
  value.is_probe = c.probe ? 1 : 0;
  value.picked = c.picked ? 1 : 0;
  llmroute::capi::WriteVersioned(value, out);
  return llmroute::capi::Succeed();
}

LLMR_API llmr_status llmr_explanation_json(const llmr_explanation *explanation, const char **text,
                                           size_t *len) {
  if (explanation == nullptr) return Fail(LLMR_ERR_INVALID_ARGUMENT, "explanation is NULL");
  if (text == nullptr) return Fail(LLMR_ERR_INVALID_ARGUMENT, "text is NULL");
  *text = explanation->json.c_str();
  if (len != nullptr) *len = explanation->json.size();
  return llmroute::capi::Succeed();
}

LLMR_API void llmr_explanation_free(llmr_explanation *explanation) {
  delete explanation;
}

}  // extern "C"
