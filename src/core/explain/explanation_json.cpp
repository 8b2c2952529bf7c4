// ExplanationJson: the explanation as one JSON object, written by hand (the core links no JSON
// library). Field names are the C API's (llmr_explain_candidate, llmr_explain_summary).
#include <cmath>
#include <cstdio>
#include <string>

#include "core/enum_names.hpp"
#include "core/explain/explanation.hpp"

namespace llmroute {

namespace {

void AppendString(std::string &out, std::string_view text) {
  out += '"';
  for (const char ch : text) {
    const auto byte = static_cast<unsigned char>(ch);
    if (ch == '"' || ch == '\\') {
      out += '\\';
      out += ch;
    } else if (byte < 0x20) {
      char escaped[8];
      std::snprintf(escaped, sizeof escaped, "\\u%04x", byte);
      out += escaped;
    } else {
      out += ch;  // names are valid UTF-8 (ValidateName), passed through as they are
    }
  }
  out += '"';
}

// JSON has no NaN or infinity: both are null (a score the strategy did not compute, no price).
void AppendNumber(std::string &out, double value) {
  if (!std::isfinite(value)) {
    out += "null";
    return;
  }
  char text[32];
  std::snprintf(text, sizeof text, "%.17g", value);
  out += text;
}

void AppendInt(std::string &out, int64_t value) {
  out += std::to_string(value);
}

void AppendBool(std::string &out, bool value) {
  out += value ? "true" : "false";
}

const char *OverrideName(Override mode) {
  return mode == Override::kForceOpen     ? "force_open"
         : mode == Override::kForceClosed ? "force_closed"
                                          : "auto";
}

const char *CodeName(Code code) {
  switch (code) {
    case Code::kOk:
      return "LLMR_OK";
    case Code::kNoProvider:
      return "LLMR_ERR_NO_PROVIDER";
    case Code::kRateLimited:
      return "LLMR_ERR_RATE_LIMITED";
    default:
      return "LLMR_ERR_INTERNAL";  // an explanation carries only the three above
  }
}

// Appends `"key":` (with the comma before every key but the first of an object).
class Fields {
 public:
  explicit Fields(std::string &out) : out_(out) {}
  std::string &operator()(const char *key) {
    if (!first_) out_ += ',';
    first_ = false;
    AppendString(out_, key);
    out_ += ':';
    return out_;
  }

 private:
  std::string &out_;
  bool first_ = true;
};

void AppendCandidate(std::string &out, const ExplainedCandidate &c) {
  out += '{';
  Fields field(out);
  AppendString(field("deployment"), c.deployment);
  AppendInt(field("tier"), c.tier);
  AppendString(field("state"), BreakerStateName(c.state));
  AppendString(field("override"), OverrideName(c.override_mode));
  AppendInt(field("cooldown_remaining_ms"), c.cooldown_remaining_ms);
  AppendInt(field("in_flight"), c.in_flight);
  AppendInt(field("weight"), c.weight);
  AppendInt(field("rpm_limit"), c.rpm_limit);
  AppendInt(field("tpm_limit"), static_cast<int64_t>(c.tpm_limit));
  AppendInt(field("max_in_flight"), c.max_in_flight);
  AppendInt(field("requests_in_window"), static_cast<int64_t>(c.requests_in_window));
  AppendInt(field("tokens_in_window"), static_cast<int64_t>(c.tokens_in_window));
  AppendNumber(field("ewma_latency_ms"), c.ewma_latency_ms);
  AppendNumber(field("failure_ratio"), c.failure_ratio);
  AppendNumber(field("price"), c.price < 0 ? NAN : c.price);
  AppendNumber(field("score"), c.score);
  AppendInt(field("rank"), c.rank);
  AppendNumber(field("tier_share"), c.tier_share);
  AppendBool(field("filtered"), c.filtered);
  AppendString(field("reason"), c.reason);
  AppendBool(field("probe"), c.probe);
  AppendBool(field("picked"), c.picked);
  out += '}';
}

}  // namespace

std::string ExplanationJson(const Explanation &e) {
  std::string out;
  out.reserve(256 + 512 * e.candidates.size());
  out += '{';
  Fields field(out);
  AppendString(field("model"), e.model);
  AppendString(field("strategy"), StrategyName(e.strategy));
  AppendString(field("score_kind"), e.score_kind);
  AppendString(field("status"), CodeName(e.status));
  AppendString(field("message"), e.message);
  AppendInt(field("retry_after_ms"), e.retry_after_ms);
  if (e.picked >= 0) {
    AppendString(field("picked"), e.candidates[static_cast<size_t>(e.picked)].deployment);
  } else {
    field("picked") += "null";
  }
  AppendBool(field("panic"), e.panic);
  AppendBool(field("approximate"), e.approximate);
  AppendBool(field("deadline_unmet"), e.deadline_unmet);
  field("candidates") += '[';
  for (size_t i = 0; i < e.candidates.size(); ++i) {
    if (i != 0) out += ',';
    AppendCandidate(out, e.candidates[i]);
  }
  out += "]}";
  return out;
}

}  // namespace llmroute
