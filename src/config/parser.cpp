// The configuration schema: walks the DOM with the JSON path of every value, converts each value
// to the core's types and range-checks it where it stands, so that the error names its path.
#include <algorithm>
#include <cmath>
#include <fstream>
#include <limits>
#include <map>
#include <optional>
#include <set>

#include "config/config.hpp"
#include "config/json_reader.hpp"
#include "core/enum_names.hpp"
#include "core/names.hpp"

namespace llmroute::config {

namespace {

using Json = nlohmann::ordered_json;

// Thrown inside the parser only; Parse() turns it into a Status.
struct ConfigError {
  std::string path;
  std::string reason;
};

[[noreturn]] void Throw(const std::string &path, std::string reason) {
  throw ConfigError{path, std::move(reason)};
}

// A short rendering of a value for messages: `got "abc"`, `got -1`, `got an object`.
std::string Shown(const Json &value) {
  if (value.is_object()) return "an object";
  if (value.is_array()) return "an array";
  std::string text = value.dump(-1, ' ', false, Json::error_handler_t::replace);
  if (text.size() > 60) text = text.substr(0, 57) + "...";
  return text;
}

std::string TypeName(const Json &value) {
  switch (value.type()) {
    case Json::value_t::null:
      return "null";
    case Json::value_t::boolean:
      return "a boolean";
    case Json::value_t::string:
      return "a string";
    case Json::value_t::array:
      return "an array";
    case Json::value_t::object:
      return "an object";
    default:
      return "a number";
  }
}

// Keys starting with '_' are comments ("_comment": "...") and are ignored everywhere.
bool IsComment(std::string_view key) {
  return !key.empty() && key.front() == '_';
}

// A value and its path.
class Node {
 public:
  Node(const Json &value, std::string path) : value_(value), path_(std::move(path)) {}

  const Json &value() const { return value_; }
  const std::string &path() const { return path_; }

  [[noreturn]] void Fail(std::string reason) const { Throw(path_, std::move(reason)); }

  // An object whose keys all belong to `known` (comments aside).
  void ExpectObject(std::initializer_list<std::string_view> known) const {
    ExpectObject(std::vector<std::string_view>(known));
  }
  void ExpectObject(const std::vector<std::string_view> &known) const {
    if (!value_.is_object()) Fail("must be an object (got " + TypeName(value_) + ")");
    for (const auto &[key, unused] : value_.items()) {
      if (IsComment(key)) continue;
      bool found = false;
      for (std::string_view k : known) found = found || k == key;
      if (!found) {
        std::string list;
        for (std::string_view k : known) list += (list.empty() ? "" : ", ") + std::string(k);
        Throw(MemberPath(path_, key), "unknown field (known fields: " + list + ")");
      }
    }
  }

  // A member, when present (null counts as absent).
  std::optional<Node> Member(std::string_view key) const {
    const auto found = value_.find(key);
    if (found == value_.end() || found->is_null()) return std::nullopt;
    return Node(*found, MemberPath(path_, key));
  }

  // An object used as a map (keys are names); comments skipped.
  template <typename F>
  void ForEachMember(F f) const {
    if (!value_.is_object()) Fail("must be an object (got " + TypeName(value_) + ")");
    for (const auto &[key, item] : value_.items()) {
      if (IsComment(key)) continue;
      const Node node(item, MemberPath(path_, key));
      CheckName(key, node, "key");
      f(key, node);
    }
  }

  template <typename F>
  void ForEachElement(F f) const {
    if (!value_.is_array()) Fail("must be an array (got " + TypeName(value_) + ")");
    size_t index = 0;
    for (const Json &item : value_) f(Node(item, ElementPath(path_, index++)));
  }

  std::string String() const {
    if (!value_.is_string()) Fail("must be a string (got " + Shown(value_) + ")");
    return value_.get<std::string>();
  }

  // A name (deployment, model, alias, tag): 1..256 bytes of UTF-8 without control characters.
  std::string Name() const {
    std::string name = String();
    CheckName(name, *this, "name");
    return name;
  }

  std::vector<std::string> NameList(bool allow_empty) const {
    std::vector<std::string> names;
    ForEachElement([&](const Node &item) { names.push_back(item.Name()); });
    if (names.empty() && !allow_empty) Fail("must not be empty");
    if (names.size() > kListMax) {
      Fail("has " + std::to_string(names.size()) + " entries; at most " + std::to_string(kListMax) +
           " are allowed");
    }
    return names;
  }

  // An integer in [min, max]; 3.0 counts as 3.
  template <typename T>
  T Integer(T min, T max) const {
    const std::string range = "must be an integer in " + std::to_string(min) + ".." +
                              std::to_string(max) + " (got " + Shown(value_) + ")";
    if (value_.is_number_unsigned()) {
      const auto v = value_.get<uint64_t>();
      if (v > static_cast<uint64_t>(max) || (min > 0 && v < static_cast<uint64_t>(min))) {
        Fail(range);
      }
      return static_cast<T>(v);
    }
    if (value_.is_number_integer()) {
      const auto v = value_.get<int64_t>();
      if (v < 0 && min >= 0) Fail(range);
      if (v >= 0 && (static_cast<uint64_t>(v) > static_cast<uint64_t>(max) ||
                     static_cast<uint64_t>(v) < static_cast<uint64_t>(min >= 0 ? min : 0))) {
        Fail(range);
      }
      return static_cast<T>(v);
    }
    if (value_.is_number_float()) {
      const double v = value_.get<double>();
      if (std::floor(v) != v || !(v >= static_cast<double>(min)) ||
          !(v <= static_cast<double>(max))) {
        Fail(range);
      }
      return static_cast<T>(v);
    }
    Fail(range);
  }

  // A finite number; `check` says whether it is in range, `range` says what is.
  template <typename Check>
  double Number(Check check, const std::string &range) const {
    if (!value_.is_number()) {
      Fail("must be a number " + range + " (got " + Shown(value_) + ")");
    }
    const double v = value_.get<double>();
    if (!std::isfinite(v) || !check(v)) {
      Fail("must be a number " + range + " (got " + Shown(value_) + ")");
    }
    return v;
  }

 private:
  // `what` is "name" or "key"; the message does not repeat the name (it may hold control bytes).
  static void CheckName(std::string_view name, const Node &at, const char *what) {
    if (Status s = ValidateName(name, what); !s.ok()) Throw(at.path(), s.message());
  }

  const Json &value_;
  std::string path_;
};

// A strategy by name (router_settings.strategy, model_settings.*.strategy), worded as its option.
StrategyKind ParseStrategyNode(const Node &node) {
  const OptionInfo &info = Info(OptionId::strategy);
  const std::optional<int> kind = node.value().is_string()
                                      ? ParseOptionEnum(info.id, node.value().get<std::string>())
                                      : std::nullopt;
  if (!kind) node.Fail(OptionReason(info) + " (got " + Shown(node.value()) + ")");
  return static_cast<StrategyKind>(*kind);
}

// The keys an object of router_settings may hold: the next segment of every option path under
// `prefix` ("" for router_settings itself, "breaker." for its breaker object).
std::vector<std::string_view> KnownKeys(std::string_view prefix) {
  std::vector<std::string_view> keys;
  for (const OptionInfo &info : RouterOptionTable()) {
    std::string_view path = info.json;
    if (path.empty() || path.substr(0, prefix.size()) != prefix) continue;
    path.remove_prefix(prefix.size());
    path = path.substr(0, path.find('.'));
    if (std::find(keys.begin(), keys.end(), path) == keys.end()) keys.push_back(path);
  }
  return keys;
}

// An option's path relative to router_settings, as relations name the other option.
std::string RelativePath(const OptionInfo &info) {
  return info.json;
}

class Parser {
 public:
  explicit Parser(Document *doc) : doc_(*doc) {}

  void Root(const Node &root) {
    root.ExpectObject({"version", "router_settings", "deployments", "aliases", "fallbacks",
                       "context_window_fallbacks", "content_policy_fallbacks", "model_settings"});
    if (auto v = root.Member("version")) {
      if (!v->value().is_number() || v->value().get<double>() != 1) {
        v->Fail("unsupported version " + Shown(v->value()) + " (this library reads version 1)");
      }
    }
    if (auto s = root.Member("router_settings")) RouterSettings(*s);
    if (auto d = root.Member("deployments")) Deployments(*d);
    if (auto a = root.Member("aliases")) Aliases(*a);
    const std::pair<const char *, FallbackKind> kinds[] = {
        {"fallbacks", FallbackKind::kGeneral},
        {"context_window_fallbacks", FallbackKind::kContextWindow},
        {"content_policy_fallbacks", FallbackKind::kContentPolicy}};
    for (const auto &[key, kind] : kinds) {
      if (auto f = root.Member(key)) Fallbacks(*f, kind);
    }
    if (auto m = root.Member("model_settings")) ModelSettings(*m);
  }

 private:
  // router_settings: every option of the table with a JSON path, parsed and range-checked by
  // its row.
  void RouterSettings(const Node &node) {
    node.ExpectObject(KnownKeys(""));
    for (const OptionInfo &info : RouterOptionTable()) {
      if (*info.json != '\0') Find(node, info, info.json);
    }
    // Relations between two options the document sets (cooldown max >= base); with options it
    // leaves alone they are checked once combined with the base options (ValidateCombined).
    RouterOptions &o = doc_.settings.values;
    for (const auto &[id, path] : doc_.settings.present) {
      const OptionInfo &info = Info(id);
      if (info.relation.kind == RelationKind::kNone || !Sets(info.relation.other)) continue;
      const OptionInfo &other = Info(info.relation.other);
      const double v = GetOption(o, id);
      const double bound = GetOption(o, other.id);
      const bool below = info.relation.kind == RelationKind::kNotBelow;
      if (below ? v < bound : v > bound) {
        Throw(path, std::string("must be ") + (below ? ">= " : "<= ") + RelativePath(other) + " (" +
                        FormatOptionValue(other, bound) + ")");
      }
    }
  }

  // Walks `rest` of the option's path from `node`; parses the value when it is there.
  void Find(const Node &node, const OptionInfo &info, std::string_view rest) {
    const size_t dot = rest.find('.');
    const auto member = node.Member(rest.substr(0, dot));
    if (!member) return;
    if (dot == std::string_view::npos) return Option(info, *member);
    const std::string_view json = info.json;
    member->ExpectObject(KnownKeys(json.substr(0, json.size() - rest.size() + dot + 1)));
    Find(*member, info, rest.substr(dot + 1));
  }

  bool Sets(OptionId id) const {
    for (const auto &entry : doc_.settings.present) {
      if (entry.first == id) return true;
    }
    return false;
  }

  void Option(const OptionInfo &info, const Node &n) {
    RouterOptions &o = doc_.settings.values;
    const Json &value = n.value();
    const auto bad = [&] { n.Fail(OptionReason(info) + " (got " + Shown(value) + ")"); };
    if (info.kind == OptionKind::kString) {
      if (!value.is_string()) n.Fail("must be a string (got " + Shown(value) + ")");
      const std::string text = value.get<std::string>();
      if (std::optional<std::string> problem = StringOptionProblem(info, text)) n.Fail(*problem);
      if (!SetStringOption(&o, info.id, text).ok()) bad();
    } else {
      double v = 0;
      if (info.kind == OptionKind::kEnum) {
        const std::optional<int> parsed =
            value.is_string() ? ParseOptionEnum(info.id, value.get<std::string>()) : std::nullopt;
        if (!parsed) bad();
        v = *parsed;
      } else if (info.range.infinity_ok && value.is_string() &&
                 value.get<std::string>() == "infinity") {
        v = std::numeric_limits<double>::infinity();
      } else if (value.is_number()) {
        v = value.get<double>();
      } else {
        bad();
      }
      if (!SetOption(&o, info.id, v).ok()) bad();
    }
    if (info.id == OptionId::strategy) {
      doc_.routing.strategy = o.strategy;  // a reload may change it: part of the routing
    } else {
      doc_.settings.present.emplace_back(info.id, n.path());
    }
  }

  void Deployments(const Node &node) {
    std::map<std::string, std::string, std::less<>> seen;  // name -> path of its first entry
    node.ForEachElement([&](const Node &item) {
      item.ExpectObject({"name", "models", "weight", "tier", "tags", "cost_per_million_input",
                         "cost_per_million_output", "rpm_limit", "tpm_limit", "max_in_flight",
                         "reserve"});
      DeploymentSpec spec;
      const auto name = item.Member("name");
      if (!name) item.Fail("a deployment needs a \"name\"");
      spec.name = name->Name();
      if (const auto [it, fresh] = seen.emplace(spec.name, name->path()); !fresh) {
        name->Fail("duplicate deployment name '" + spec.name + "' (first at " + it->second + ")");
      }
      const auto models = item.Member("models");
      if (!models) item.Fail("deployment '" + spec.name + "' needs \"models\"");
      spec.models = models->NameList(false);
      if (auto n = item.Member("weight")) spec.weight = n->Integer<uint32_t>(1, kMaxWeight);
      if (auto n = item.Member("tier")) spec.tier = n->Integer<uint32_t>(0, kMaxTier);
      if (auto n = item.Member("tags")) spec.tags = n->NameList(true);
      if (auto n = item.Member("cost_per_million_input")) {
        spec.cost_per_million_input = n->Number([](double v) { return v >= 0; }, ">= 0");
      }
      if (auto n = item.Member("cost_per_million_output")) {
        spec.cost_per_million_output = n->Number([](double v) { return v >= 0; }, ">= 0");
      }
      if (auto n = item.Member("rpm_limit")) {
        spec.rpm_limit = n->Integer<uint32_t>(0, std::numeric_limits<uint32_t>::max());
      }
      if (auto n = item.Member("tpm_limit")) {
        spec.tpm_limit = n->Integer<uint64_t>(0, uint64_t{1} << 53);
      }
      if (auto n = item.Member("max_in_flight")) {
        spec.max_in_flight = n->Integer<uint32_t>(0, std::numeric_limits<uint32_t>::max());
      }
      if (auto n = item.Member("reserve")) spec.reserve = Reserve(*n);
      doc_.routing.deployments.push_back(std::move(spec));
    });
    if (doc_.routing.deployments.size() > kMaxDeployments) {
      node.Fail("has " + std::to_string(doc_.routing.deployments.size()) +
                " deployments; a router holds at most " + std::to_string(kMaxDeployments));
    }
  }

  // [{"priority": p, "share": s}, ...] (limits/priority_reserve.hpp).
  static std::vector<ReserveLevel> Reserve(const Node &node) {
    std::vector<ReserveLevel> levels;
    node.ForEachElement([&](const Node &entry) {
      entry.ExpectObject({"priority", "share"});
      const auto priority = entry.Member("priority");
      const auto share = entry.Member("share");
      if (!priority || !share) entry.Fail("a reserve level needs \"priority\" and \"share\"");
      ReserveLevel level;
      level.priority = priority->Integer<uint32_t>(0, kMaxReservePriority);
      level.share = share->Number([](double v) { return v >= 0 && v <= 1; }, "in 0..1");
      levels.push_back(level);
    });
    // Order and count; the message names the level (reserve[i]) under this path.
    if (Status s = ValidateReserve(levels); !s.ok()) node.Fail(s.message());
    return levels;
  }

  void Aliases(const Node &node) {
    node.ForEachMember([&](const std::string &alias, const Node &target) {
      const std::string model = target.Name();
      if (model == alias) target.Fail("alias '" + alias + "' cannot map to itself");
      doc_.routing.aliases.emplace_back(alias, model);
    });
    // Aliases resolve one level: a target that is itself an alias would never be followed.
    for (const auto &[alias, model] : doc_.routing.aliases) {
      if (node.value().contains(model) && !IsComment(model)) {
        Throw(MemberPath(node.path(), alias),
              "target '" + model + "' is itself an alias (aliases resolve one level)");
      }
    }
  }

  // {"model": ["fallback", ...]} or LiteLLM's list form [{"model": ["fallback", ...]}, ...].
  void Fallbacks(const Node &node, FallbackKind kind) {
    auto &chains = doc_.routing.fallbacks[static_cast<size_t>(kind)];
    std::map<std::string, std::string, std::less<>> seen;  // model -> path of its chain
    auto chain = [&](const std::string &model, const Node &list) {
      if (const auto [it, fresh] = seen.emplace(model, list.path()); !fresh) {
        list.Fail("a second chain for model '" + model + "' (first at " + it->second + ")");
      }
      std::vector<std::string> models = list.NameList(true);
      std::set<std::string, std::less<>> unique;
      for (size_t i = 0; i < models.size(); ++i) {
        const Node at(list.value()[i], ElementPath(list.path(), i));
        if (models[i] == model) at.Fail("model '" + model + "' cannot be its own fallback");
        if (!unique.insert(models[i]).second) at.Fail("'" + models[i] + "' is listed twice");
      }
      chains.emplace_back(model, std::move(models));
    };
    if (node.value().is_array()) {
      node.ForEachElement([&](const Node &entry) { entry.ForEachMember(chain); });
    } else if (node.value().is_object()) {
      node.ForEachMember(chain);
    } else {
      node.Fail("must be an object mapping a model to its fallback models (got " +
                TypeName(node.value()) + ")");
    }
  }

  void ModelSettings(const Node &node) {
    node.ForEachMember([&](const std::string &model, const Node &settings) {
      settings.ExpectObject({"strategy"});
      if (auto s = settings.Member("strategy")) {
        doc_.routing.model_strategies.emplace_back(model, ParseStrategyNode(*s));
      }
    });
  }

  Document &doc_;
};

}  // namespace

Status Parse(std::string_view json, Document *out) {
  if (json.size() > kMaxConfigBytes) {
    return {Code::kConfig, "$: the configuration has " + std::to_string(json.size()) +
                               " bytes; at most " + std::to_string(kMaxConfigBytes) +
                               " are allowed"};
  }
  Json root;
  std::string error;
  if (!ReadJson(json, &root, &error)) return {Code::kConfig, error};
  *out = Document{};
  try {
    Parser(out).Root(Node(root, "$"));
  } catch (const ConfigError &e) {
    return {Code::kConfig, e.path + ": " + e.reason};
  }
  // What the parser checked field by field, the core checks again as a whole (belt and braces;
  // its message has no path, so the whole configuration is named).
  if (Status s = ValidateConfiguration(out->routing); !s.ok()) {
    return {Code::kConfig, "$: " + s.message()};
  }
  return Status::Ok();
}

Status ParseFile(const std::string &path, Document *out) {
  std::ifstream file(path, std::ios::binary);
  if (!file) return {Code::kConfig, "$: cannot open configuration file '" + path + "'"};
  std::string text;
  char buffer[65536];
  while (file.read(buffer, sizeof buffer) || file.gcount() > 0) {
    text.append(buffer, static_cast<size_t>(file.gcount()));
    if (text.size() > kMaxConfigBytes) {
      return {Code::kConfig, "$: configuration file '" + path + "' is larger than " +
                                 std::to_string(kMaxConfigBytes) + " bytes"};
    }
  }
  if (file.bad()) return {Code::kConfig, "$: cannot read configuration file '" + path + "'"};
  return Parse(text, out);
}

void ApplySettings(const Settings &settings, RouterOptions *options) {
  for (const auto &entry : settings.present) CopyOption(settings.values, entry.first, options);
}

std::string OptionPath(const OptionInfo &info) {
  return "$.router_settings." + std::string(info.json);
}

Status ValidateCombined(const Settings &settings, const RouterOptions &combined) {
  const std::optional<OptionProblem> problem = FindOptionProblem(combined, RelativePath);
  if (!problem) return Status::Ok();
  const OptionInfo &info = Info(problem->id);
  for (const auto &[id, path] : settings.present) {
    if (id == problem->id) return {Code::kConfig, path + ": " + problem->reason};
  }
  // An option the document leaves alone is out of its relation with one the document sets.
  for (const auto &[id, path] : settings.present) {
    if (info.relation.kind != RelationKind::kNone && id == info.relation.other) {
      return {Code::kConfig, path + ": conflicts with " + RelativePath(info) + " (" +
                                 OptionValueText(combined, info.id) + "), which " +
                                 problem->reason.substr(0, problem->reason.find(" (got"))};
    }
  }
  return combined.Validate();  // the base options' fault: worded with the C names
}

Status CheckSettingsUnchanged(const Settings &settings, const RouterOptions &running) {
  for (const auto &[id, path] : settings.present) {
    if (Info(id).reloadable || SameOption(running, settings.values, id)) continue;
    return {Code::kConfig, path + ": cannot change on a running router (it is " +
                               OptionValueText(running, id) + ", the configuration says " +
                               OptionValueText(settings.values, id) +
                               "); create a new router to change it"};
  }
  return Status::Ok();
}

}  // namespace llmroute::config
