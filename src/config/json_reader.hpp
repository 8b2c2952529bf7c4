// Strict JSON to an nlohmann::ordered_json DOM, through nlohmann's SAX interface so that it can do
// what the stock parser does not: reject duplicate keys (the stock parser keeps the last one, so a
// repeated "weight" would silently win) and name the JSON path of every error.
#pragma once

#include <cstddef>
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>

namespace llmroute::config {

constexpr size_t kMaxDepth = 64;

// On failure returns false and sets *error to "<path>: <reason>".
bool ReadJson(std::string_view text, nlohmann::ordered_json *out, std::string *error);

// JSONPath of a member or an element: $.deployments, $.aliases['gpt-4o'], $.deployments[2].
std::string MemberPath(const std::string &parent, std::string_view key);
std::string ElementPath(const std::string &parent, size_t index);

}  // namespace llmroute::config
