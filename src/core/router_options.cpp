#include "core/router_options.hpp"

#include <string>

#include "core/option_table.hpp"

namespace llmroute {

namespace {

std::string CName(const OptionInfo &info) {
  return info.name;
}

}  // namespace

// Every range and relation comes from the options table (core/option_table.hpp).
Status RouterOptions::Validate() const {
  if (std::optional<OptionProblem> problem = FindOptionProblem(*this, CName)) {
    return {Code::kInvalidArgument,
            "option " + std::string(Info(problem->id).name) + " " + problem->reason};
  }
  return Status::Ok();
}

}  // namespace llmroute
