#include "core/deployment.hpp"

#include <cmath>

#include "core/names.hpp"

namespace llmroute {

Status ValidateSpec(const DeploymentSpec &spec) {
  if (Status s = ValidateName(spec.name, "deployment name"); !s.ok()) return s;
  const std::string where = "deployment '" + spec.name + "': ";
  if (spec.models.empty()) return {Code::kInvalidArgument, where + "models is empty"};
  if (spec.models.size() > kListMax) {
    return {Code::kInvalidArgument, where + "more than " + std::to_string(kListMax) + " models"};
  }
  for (const std::string &model : spec.models) {
    if (Status s = ValidateName(model, where + "model"); !s.ok()) return s;
  }
  if (spec.weight < 1 || spec.weight > kMaxWeight) {
    return {Code::kInvalidArgument, where + "weight " + std::to_string(spec.weight) +
                                        " is outside 1.." + std::to_string(kMaxWeight)};
  }
  if (spec.tier > kMaxTier) {
    return {Code::kInvalidArgument,
            where + "tier " + std::to_string(spec.tier) + " is above " + std::to_string(kMaxTier)};
  }
  if (spec.tags.size() > kListMax) {
    return {Code::kInvalidArgument, where + "more than " + std::to_string(kListMax) + " tags"};
  }
  for (const std::string &tag : spec.tags) {
    if (Status s = ValidateName(tag, where + "tag"); !s.ok()) return s;
  }
  for (const double cost : {spec.cost_per_million_input, spec.cost_per_million_output}) {
    if (std::isnan(cost) || std::isinf(cost)) {
      return {Code::kInvalidArgument, where + "cost per million tokens must be a finite number"};
    }
  }
  if (Status s = ValidateReserve(spec.reserve); !s.ok()) {
    return {s.code(), where + s.message()};
  }
  return Status::Ok();
}

bool ServesModel(const DeploymentSpec &spec, std::string_view model) {
  for (const std::string &entry : spec.models) {
    if (IsPattern(entry) ? GlobMatch(entry, model) : entry == model) return true;
  }
  return false;
}

}  // namespace llmroute
