// Fails the build when the options tables (src/options/*.def) and the public header disagree:
// every member of llmr_router_options and llmr_deployment must have a row, in the header's order,
// with the header's type. The layout proves completeness: each row's member starts right where
// the previous one ends (after alignment) and the last one ends the struct, so a member without a
// row would leave a gap.
#include <cstddef>
#include <type_traits>

#include "llmroute/llmroute.h"

namespace {

struct Field {
  size_t offset;
  size_t size;
  size_t align;
};

constexpr size_t AlignUp(size_t n, size_t align) {
  return (n + align - 1) / align * align;
}

template <typename Struct, size_t N>
constexpr bool Contiguous(const Field (&fields)[N]) {
  if (fields[0].offset != 0) return false;
  for (size_t i = 1; i < N; ++i) {
    if (fields[i].offset != AlignUp(fields[i - 1].offset + fields[i - 1].size, fields[i].align)) {
      return false;
    }
  }
  return sizeof(Struct) == AlignUp(fields[N - 1].offset + fields[N - 1].size, alignof(Struct));
}

#define LLMR_FIELD(type, name, c_type) {offsetof(type, name), sizeof(c_type), alignof(c_type)},

constexpr Field kRouterOptionFields[] = {LLMR_FIELD(llmr_router_options, struct_size, uint32_t)
#define LLMR_ROUTER_OPTION(name, c_type, ...) LLMR_FIELD(llmr_router_options, name, c_type)
#define LLMR_ROUTER_STRING(name, ...) LLMR_FIELD(llmr_router_options, name, const char *)
#define LLMR_ROUTER_CALLBACK(name, c_type, doc) LLMR_FIELD(llmr_router_options, name, c_type)
#include "options/router_options.def"
};
static_assert(Contiguous<llmr_router_options>(kRouterOptionFields),
              "llmr_router_options has a member without a row in src/options/router_options.def, "
              "or the rows are not in the header's order");

#define LLMR_ROUTER_OPTION(name, c_type, ...)                                \
  static_assert(std::is_same_v<decltype(llmr_router_options::name), c_type>, \
                "llmr_router_options." #name " is not a " #c_type " in the header");
#define LLMR_ROUTER_STRING(name, ...)                                              \
  static_assert(std::is_same_v<decltype(llmr_router_options::name), const char *>, \
                "llmr_router_options." #name " is not a const char * in the header");
#define LLMR_ROUTER_CALLBACK(name, c_type, doc)                              \
  static_assert(std::is_same_v<decltype(llmr_router_options::name), c_type>, \
                "llmr_router_options." #name " is not a " #c_type " in the header");
#include "options/router_options.def"

constexpr Field kDeploymentFields[] = {LLMR_FIELD(llmr_deployment, struct_size, uint32_t)
#define LLMR_DEPLOYMENT_FIELD(name, c_type, ...) LLMR_FIELD(llmr_deployment, name, c_type)
#include "options/deployment_fields.def"
};
static_assert(Contiguous<llmr_deployment>(kDeploymentFields),
              "llmr_deployment has a member without a row in src/options/deployment_fields.def, "
              "or the rows are not in the header's order");

#define LLMR_DEPLOYMENT_FIELD(name, c_type, ...)                         \
  static_assert(std::is_same_v<decltype(llmr_deployment::name), c_type>, \
                "llmr_deployment." #name " is not a " #c_type " in the header");
#include "options/deployment_fields.def"

}  // namespace
