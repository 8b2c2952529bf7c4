#include "config/router_from_config.hpp"

#include <utility>

#include "backend/redis/redis_backend.hpp"

namespace llmroute::config {

namespace {

Status ParseSource(const Source &source, Document *doc) {
  if (source.kind == Source::Kind::kFile) return ParseFile(std::string(source.text_or_path), doc);
  return Parse(source.text_or_path, doc);
}

// The whole configuration was validated by the parser; this is a safety net.
Status Install(Router &router, Document &doc) {
  Status status = router.ApplyConfiguration(std::move(doc.routing));
  if (!status.ok()) status = {Code::kConfig, "$: " + status.message()};
  return status;
}

}  // namespace

Status CreateFromConfig(const Source &source, RouterOptions base, std::unique_ptr<Router> *out) {
  Document doc;
  if (Status s = ParseSource(source, &doc); !s.ok()) return s;
  ApplySettings(doc.settings, &base);
  if (Status s = ValidateCombined(doc.settings, base); !s.ok()) return s;
  if (base.shared_state.enabled()) {
    // Built here, from the final URL: the base options' backend (if any) may name another.
    if (Status s = redis::CreateBackend(base.shared_state, &base.shared_state_backend); !s.ok()) {
      return s;
    }
  }
  std::unique_ptr<Router> router;
  if (Status s = Router::Create(std::move(base), &router); !s.ok()) return s;
  if (Status s = Install(*router, doc); !s.ok()) return s;
  *out = std::move(router);
  return Status::Ok();
}

Status ApplyConfig(Router &router, const Source &source) {
  Document doc;
  Status status = ParseSource(source, &doc);
  if (status.ok()) status = CheckSettingsUnchanged(doc.settings, router.options());
  if (!status.ok()) {
    router.RejectConfiguration(status.message());
    return status;
  }
  return Install(router, doc);
}

Status ValidateConfig(const Source &source) {
  Document doc;
  if (Status s = ParseSource(source, &doc); !s.ok()) return s;
  RouterOptions defaults;
  ApplySettings(doc.settings, &defaults);
  return ValidateCombined(doc.settings, defaults);
}

}  // namespace llmroute::config
