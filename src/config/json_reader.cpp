#include "config/json_reader.hpp"

#include <string>
#include <utility>
#include <vector>

namespace llmroute::config {

namespace {

using Json = nlohmann::ordered_json;

bool IsIdentifier(std::string_view key) {
  if (key.empty()) return false;
  for (size_t i = 0; i < key.size(); ++i) {
    const char c = key[i];
    const bool alpha = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_';
    if (!alpha && !(i > 0 && c >= '0' && c <= '9')) return false;
  }
  return true;
}

// Builds the DOM from SAX events, tracking the path of every open container.
class DomBuilder {
 public:
  Json &root() { return root_; }
  const std::string &error() const { return error_; }

  bool null() { return Add(nullptr); }
  bool boolean(bool value) { return Add(value); }
  bool number_integer(Json::number_integer_t value) { return Add(value); }
  bool number_unsigned(Json::number_unsigned_t value) { return Add(value); }
  bool number_float(Json::number_float_t value, const Json::string_t &) { return Add(value); }
  bool string(Json::string_t &value) { return Add(std::move(value)); }
  bool binary(Json::binary_t &) { return Fail(CurrentPath(), "binary values are not JSON"); }

  bool start_object(std::size_t) { return Open(Json::object()); }
  bool end_object() { return Close(); }
  bool start_array(std::size_t) { return Open(Json::array()); }
  bool end_array() { return Close(); }

  bool key(Json::string_t &key) {
    Json &object = *open_.back().value;
    if (object.contains(key)) {
      return Fail(MemberPath(open_.back().path, key), "duplicate key");
    }
    key_ = std::move(key);
    return true;
  }

  bool parse_error(std::size_t, const std::string &, const nlohmann::detail::exception &ex) {
    // "[json.exception.parse_error.101] parse error at line 3, column 5: ..." without the tag.
    std::string what = ex.what();
    if (const size_t tag_end = what.find("] ");
        what.rfind("[json.exception", 0) == 0 && tag_end != std::string::npos) {
      what.erase(0, tag_end + 2);
    }
    return Fail(CurrentPath(), "invalid JSON: " + what);
  }

 private:
  struct Open_ {
    Json *value;
    std::string path;
  };

  // The path of the value about to be added.
  std::string ChildPath() const {
    if (open_.empty()) return "$";
    const Open_ &parent = open_.back();
    return parent.value->is_array() ? ElementPath(parent.path, parent.value->size())
                                    : MemberPath(parent.path, key_);
  }
  std::string CurrentPath() const { return open_.empty() ? "$" : open_.back().path; }

  Json *Place(Json value) {
    if (open_.empty()) {
      root_ = std::move(value);
      return &root_;
    }
    Json &parent = *open_.back().value;
    if (parent.is_array()) {
      parent.push_back(std::move(value));
      return &parent.back();
    }
    return &(parent[key_] = std::move(value));
  }

  template <typename V>
  bool Add(V &&value) {
    Place(Json(std::forward<V>(value)));
    return true;
  }

  bool Open(Json container) {
    if (open_.size() >= kMaxDepth) {
      return Fail(ChildPath(), "nested deeper than " + std::to_string(kMaxDepth) + " levels");
    }
    std::string path = ChildPath();
    Json *placed = Place(std::move(container));
    open_.push_back({placed, std::move(path)});
    return true;
  }

  bool Close() {
    open_.pop_back();
    return true;
  }

  bool Fail(std::string path, const std::string &reason) {
    if (error_.empty()) error_ = std::move(path) + ": " + reason;
    return false;
  }

  Json root_;
  std::vector<Open_> open_;
  std::string key_;
  std::string error_;
};

}  // namespace

std::string MemberPath(const std::string &parent, std::string_view key) {
  if (IsIdentifier(key)) return parent + "." + std::string(key);
  // Bracket form; quotes, backslashes and control bytes escaped, so a path is one printable line.
  constexpr size_t kMaxShown = 200;
  std::string path = parent + "['";
  for (size_t i = 0; i < key.size() && i < kMaxShown; ++i) {
    const auto c = static_cast<unsigned char>(key[i]);
    if (c == '\'' || c == '\\') {
      path += '\\';
      path += static_cast<char>(c);
    } else if (c < 0x20 || c == 0x7F) {
      static constexpr char kHex[] = "0123456789abcdef";
      path += "\\x";
      path += kHex[c >> 4];
      path += kHex[c & 15];
    } else {
      path += static_cast<char>(c);
    }
  }
  if (key.size() > kMaxShown) path += "...";
  return path + "']";
}

std::string ElementPath(const std::string &parent, size_t index) {
  return parent + "[" + std::to_string(index) + "]";
}

bool ReadJson(std::string_view text, nlohmann::ordered_json *out, std::string *error) {
  // nlohmann's lexer takes a NUL byte for the end of the input, so whatever follows one was
  // silently ignored although the caller's length covers it (issue 17). JSON has no raw NUL.
  if (const size_t nul = text.find('\0'); nul != std::string_view::npos) {
    *error = "$: invalid JSON: a NUL byte at offset " + std::to_string(nul) + " of " +
             std::to_string(text.size()) + " (JSON text cannot contain one)";
    return false;
  }
  DomBuilder builder;
  bool ok = false;
  try {
    ok = Json::sax_parse(text.begin(), text.end(), &builder);
  } catch (const nlohmann::ordered_json::exception &e) {
    *error = std::string("$: invalid JSON: ") + e.what();
    return false;
  }
  if (!ok) {
    *error = builder.error().empty() ? "$: invalid JSON" : builder.error();
    return false;
  }
  *out = std::move(builder.root());
  return true;
}

}  // namespace llmroute::config
