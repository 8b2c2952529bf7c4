// Router::PickTraced: a real pick that also says why it went where it went (the per-pick trace
// flag, llmr_pick_options.trace). It is the dry run (Router::Explain) of the request, taken just
// before the pick from the same state, then the pick itself (Router::Pick, unchanged), whose
// outcome replaces the dry run's prediction. So the trace's candidates are what the pick checked
// and its `picked` is what the pick took, never a guess.
//
// Picks without a trace do not come here: the C API sends only traced picks (pick_api.cpp), so
// the pick path carries no trace branch. Other threads' picks (or a reload) may move state between
// the two steps, as they may between any two picks; the trace then still names the deployment
// this pick took when it is among the candidates, and no candidate when a reload removed it.
#include "core/explain/explanation.hpp"
#include "core/router.hpp"

namespace llmroute {

Status Router::PickTraced(std::string_view model, const char *model_cstr,
                          const PickRequest &request, PickResult *result, Explanation *trace) {
  // Checks the model name and the request as Pick would, so a bad one fails before anything.
  if (Status s = Explain(model, request, trace); !s.ok()) return s;
  Status status = Pick(model, model_cstr, request, result);
  for (ExplainedCandidate &c : trace->candidates) c.picked = false;
  trace->picked = -1;
  trace->approximate = false;  // what happened, not a prediction
  trace->status = status.code();
  trace->message = status.ok() ? std::string() : status.message();
  trace->retry_after_ms = status.ok() ? 0 : result->retry_after_ms;
  trace->panic = status.ok() && result->panic;
  trace->deadline_unmet = status.ok() && result->deadline_unmet;
  if (status.ok()) {
    const std::string_view taken = result->deployment;
    for (size_t i = 0; i < trace->candidates.size(); ++i) {
      ExplainedCandidate &c = trace->candidates[i];
      if (c.deployment == taken && c.tier == result->tier) {
        c.picked = true;
        trace->picked = static_cast<int64_t>(i);
        break;
      }
    }
  }
  return status;
}

}  // namespace llmroute
