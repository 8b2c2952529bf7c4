// Deployments, aliases, fallback chains, per-model strategies, overrides.
#include "capi/capi_support.hpp"
#include "capi/handles.hpp"
#include "core/enum_values.hpp"
#include "core/names.hpp"

using llmroute::capi::CheckName;
using llmroute::capi::Fail;
using llmroute::capi::Finish;
using llmroute::capi::Guarded;

namespace {

llmr_status ToSpec(const llmr_deployment *in, llmroute::DeploymentSpec *spec) {
  llmr_deployment d;
  llmr_deployment_init(&d, sizeof d);
  if (llmr_status s =
          llmroute::capi::ReadVersioned(in, llmroute::capi::kDeploymentV1Size, "deployment", &d);
      s != LLMR_OK) {
    return s;
  }
  std::string_view name;
  if (llmr_status s = CheckName(d.name, "deployment name", &name); s != LLMR_OK) return s;
  spec->name = std::string(name);
  if (llmr_status s =
          llmroute::capi::CopyNameList(d.models, d.model_count, "models", &spec->models);
      s != LLMR_OK) {
    return s;
  }
  if (llmr_status s = llmroute::capi::CopyNameList(d.tags, d.tag_count, "tags", &spec->tags);
      s != LLMR_OK)
    return s;
  spec->weight = d.weight;
  spec->tier = d.tier;
  spec->rpm_limit = d.rpm_limit;
  spec->tpm_limit = d.tpm_limit;
  spec->max_in_flight = d.max_in_flight;
  spec->cost_per_million_input = d.cost_per_million_input;
  spec->cost_per_million_output = d.cost_per_million_output;
  // Checked by the core (ValidateSpec) before anything is applied.
  if (d.reserve_count > llmroute::kMaxReserveLevels) {
    return Fail(LLMR_ERR_INVALID_ARGUMENT, "reserve_count " + std::to_string(d.reserve_count) +
                                               " is above " +
                                               std::to_string(llmroute::kMaxReserveLevels));
  }
  if (d.reserve_count > 0 && (d.reserve_priorities == nullptr || d.reserve_shares == nullptr)) {
    return Fail(LLMR_ERR_INVALID_ARGUMENT,
                "reserve_priorities or reserve_shares is NULL but reserve_count is not 0");
  }
  for (size_t i = 0; i < d.reserve_count; ++i) {
    spec->reserve.push_back({d.reserve_priorities[i], d.reserve_shares[i]});
  }
  return LLMR_OK;
}

llmr_status CheckRouter(const llmr_router *router) {
  return router == nullptr ? Fail(LLMR_ERR_INVALID_ARGUMENT, "router is NULL") : LLMR_OK;
}

}  // namespace

extern "C" {

LLMR_API llmr_status llmr_deployment_init(llmr_deployment *deployment, size_t struct_size) {
  llmr_deployment value{};
#define LLMR_DEPLOYMENT_FIELD(name, c_type, def, ...) value.name = static_cast<c_type>(def);
#include "options/deployment_fields.def"
  return llmroute::capi::InitVersioned(deployment, struct_size, llmroute::capi::kDeploymentV1Size,
                                       value, "deployment");
}

LLMR_API llmr_status llmr_router_add_deployment(llmr_router *router,
                                                const llmr_deployment *deployment) {
  return Guarded([&] {
    if (llmr_status s = CheckRouter(router); s != LLMR_OK) return s;
    llmroute::DeploymentSpec spec;
    if (llmr_status s = ToSpec(deployment, &spec); s != LLMR_OK) return s;
    return Finish(router->core->AddDeployment(std::move(spec)));
  });
}

LLMR_API llmr_status llmr_router_update_deployment(llmr_router *router,
                                                   const llmr_deployment *deployment) {
  return Guarded([&] {
    if (llmr_status s = CheckRouter(router); s != LLMR_OK) return s;
    llmroute::DeploymentSpec spec;
    if (llmr_status s = ToSpec(deployment, &spec); s != LLMR_OK) return s;
    return Finish(router->core->UpdateDeployment(std::move(spec)));
  });
}

LLMR_API llmr_status llmr_router_remove_deployment(llmr_router *router, const char *name) {
  return Guarded([&] {
    std::string_view n;
    if (llmr_status s = CheckRouter(router); s != LLMR_OK) return s;
    if (llmr_status s = CheckName(name, "deployment name", &n); s != LLMR_OK) return s;
    return Finish(router->core->RemoveDeployment(n));
  });
}

LLMR_API llmr_status llmr_router_set_alias(llmr_router *router, const char *alias,
                                           const char *model) {
  return Guarded([&] {
    std::string_view a, m;
    if (llmr_status s = CheckRouter(router); s != LLMR_OK) return s;
    if (llmr_status s = CheckName(alias, "alias", &a); s != LLMR_OK) return s;
    if (llmr_status s = CheckName(model, "model", &m); s != LLMR_OK) return s;
    return Finish(router->core->SetAlias(a, m));
  });
}

LLMR_API llmr_status llmr_router_remove_alias(llmr_router *router, const char *alias) {
  return Guarded([&] {
    std::string_view a;
    if (llmr_status s = CheckRouter(router); s != LLMR_OK) return s;
    if (llmr_status s = CheckName(alias, "alias", &a); s != LLMR_OK) return s;
    return Finish(router->core->RemoveAlias(a));
  });
}

LLMR_API llmr_status llmr_router_set_fallbacks(llmr_router *router, const char *model,
                                               const char *const *fallback_models, size_t count) {
  return Guarded([&] {
    std::string_view m;
    std::vector<std::string> chain;
    if (llmr_status s = CheckRouter(router); s != LLMR_OK) return s;
    if (llmr_status s = CheckName(model, "model", &m); s != LLMR_OK) return s;
    if (llmr_status s =
            llmroute::capi::CopyNameList(fallback_models, count, "fallback_models", &chain);
        s != LLMR_OK) {
      return s;
    }
    return Finish(router->core->SetFallbacks(m, std::move(chain)));
  });
}

LLMR_API llmr_status llmr_router_set_model_strategy(llmr_router *router, const char *model,
                                                    llmr_strategy strategy) {
  return Guarded([&] {
    std::string_view m;
    if (llmr_status s = CheckRouter(router); s != LLMR_OK) return s;
    if (llmr_status s = CheckName(model, "model", &m); s != LLMR_OK) return s;
    llmroute::StrategyKind kind;
    if (llmroute::Status s =
            llmroute::StrategyFromInt(llmroute::capi::RawEnum(strategy), true, &kind);
        !s.ok()) {
      return Finish(s);
    }
    return Finish(router->core->SetModelStrategy(m, kind));
  });
}

LLMR_API llmr_status llmr_router_set_override(llmr_router *router, const char *name,
                                              llmr_override mode) {
  return Guarded([&] {
    std::string_view n;
    if (llmr_status s = CheckRouter(router); s != LLMR_OK) return s;
    if (llmr_status s = CheckName(name, "deployment name", &n); s != LLMR_OK) return s;
    llmroute::Override override_mode;
    if (llmroute::Status s =
            llmroute::OverrideFromInt(llmroute::capi::RawEnum(mode), &override_mode, "override");
        !s.ok()) {
      return Finish(s);
    }
    return Finish(router->core->SetOverride(n, override_mode));
  });
}

}  // extern "C"
