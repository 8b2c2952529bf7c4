// Shared machinery of the extern "C" shim: the thread-local error message, the mapping of core
// codes to llmr_status, exception containment, and versioned struct copies.
#pragma once

#include <algorithm>
#include <cstddef>
#include <cstring>
#include <exception>
#include <new>
#include <string>
#include <string_view>
#include <vector>

#include "capi/abi_v1_sizes.hpp"
#include "core/status.hpp"
#include "llmroute/llmroute.h"

namespace llmroute::capi {

// Records the detail of a failure for llmr_error_message() on this thread.
// Takes a std::string although it only copies into a fixed buffer: with std::string_view here
// and in Fail(), GCC 12 stopped inlining llmr_router_pick's body into Guarded() (callgrind:
// 31 more instructions per pick), which costs every pick; this costs only failed calls.
void SetErrorMessage(std::string message);
void ClearErrorMessage();
const char *ErrorMessage();

llmr_status ToStatus(Code code);

// Returns the status of `status` and records its message (or clears it on success).
llmr_status Finish(const Status &status);

llmr_status Fail(llmr_status code, std::string message);

// Clears the error message and returns LLMR_OK: every successful call leaves it empty.
inline llmr_status Succeed() {
  ClearErrorMessage();
  return LLMR_OK;
}

// Runs `body` (returning llmr_status) so that no exception crosses the C boundary. Always
// inlined: each API function has one, and left to GCC 12 the pick's stayed a separate call
// (callgrind: 27 more instructions per pick).
template <typename Body>
[[gnu::always_inline]] inline llmr_status Guarded(Body body) noexcept {
  try {
    return body();
  } catch (const std::bad_alloc &) {
    return Fail(LLMR_ERR_NO_MEMORY, "out of memory");
  } catch (const std::exception &e) {
    return Fail(LLMR_ERR_INTERNAL, std::string("internal error: ") + e.what());
  } catch (...) {
    return Fail(LLMR_ERR_INTERNAL, "internal error: unknown exception");
  }
}

// Implements every *_init(ptr, struct_size): writes `value` (the defaults) into the caller's
// struct, no further than `size` bytes (the caller's sizeof), zeroing what lies beyond our own
// layout when the caller's header is newer than this library.
template <typename T>
llmr_status InitVersioned(T *out, size_t size, size_t min_size, T value, const char *what) {
  if (out == nullptr) return Fail(LLMR_ERR_INVALID_ARGUMENT, std::string(what) + " is NULL");
  if (size < min_size || size > UINT32_MAX) {
    return Fail(LLMR_ERR_INVALID_ARGUMENT,
                std::string(what) + ": struct_size " + std::to_string(size) +
                    " is not a size this library knows (pass sizeof of the struct)");
  }
  value.struct_size = static_cast<uint32_t>(size);
  std::memset(static_cast<void *>(out), 0, size);
  std::memcpy(static_cast<void *>(out), &value, std::min(size, sizeof(T)));
  return Succeed();
}

// Reads a caller's versioned struct into a full local copy. The caller's struct_size must cover
// at least the fields of the first ABI version (`min_size`); fields a smaller (older) struct
// lacks keep the defaults already in `out`.
template <typename T>
llmr_status ReadVersioned(const T *in, size_t min_size, const char *what, T *out) {
  if (in == nullptr) return Fail(LLMR_ERR_INVALID_ARGUMENT, std::string(what) + " is NULL");
  if (in->struct_size < min_size) {
    return Fail(LLMR_ERR_INVALID_ARGUMENT, std::string(what) + "->struct_size is " +
                                               std::to_string(in->struct_size) +
                                               "; initialise it with its _init() function");
  }
  std::memcpy(static_cast<void *>(out), in, std::min<size_t>(in->struct_size, sizeof(T)));
  out->struct_size = static_cast<uint32_t>(sizeof(T));
  return LLMR_OK;
}

// ReadVersioned for the hot path: a caller compiled against this very header (the usual case) is
// copied in one go; only an older, shorter struct takes the defaults-then-copy route.
template <typename T, typename Init>
llmr_status ReadInput(const T *in, size_t min_size, const char *what, T *out, Init init) {
  if (in != nullptr && in->struct_size >= sizeof(T)) {
    std::memcpy(static_cast<void *>(out), in, sizeof(T));
    return LLMR_OK;
  }
  init(out, sizeof(T));
  return ReadVersioned(in, min_size, what, out);
}

// ReadInput without the copy: a caller's struct of this header's size (the usual case) is read
// where it is (*out = in); an older, shorter one is completed with the defaults in `local`.
template <typename T, typename Init>
llmr_status ReadInPlace(const T *in, size_t min_size, const char *what, T *local, Init init,
                        const T **out) {
  if (in != nullptr && in->struct_size >= sizeof(T)) [[likely]] {
    *out = in;
    return LLMR_OK;
  }
  init(local, sizeof(T));
  *out = local;
  return ReadVersioned(in, min_size, what, local);
}

// Writes a full local struct into the caller's, no further than its struct_size.
template <typename T>
void WriteVersioned(const T &value, T *out) {
  const uint32_t size = out->struct_size;
  std::memcpy(static_cast<void *>(out), &value, std::min<size_t>(size, sizeof(T)));
  out->struct_size = size;
}

// The integer a C caller put in an enum-typed field or parameter. Read through memcpy: any int is
// a legal value of a C enum, but loading one outside the enumerators as the C++ enum type is
// undefined behaviour (UBSan's -fsanitize=enum catches it).
template <typename E>
int32_t RawEnum(const E &value) {
  static_assert(sizeof(E) == sizeof(int32_t), "C enums are int-sized here");
  int32_t raw;
  std::memcpy(&raw, &value, sizeof raw);
  return raw;
}

// Validates a C string argument as a name and returns it as a view.
llmr_status CheckName(const char *name, const char *what, std::string_view *out);

// Copies a C list of names (at most kListMax, each checked by CheckName).
llmr_status CopyNameList(const char *const *items, size_t count, const char *what,
                         std::vector<std::string> *out);

}  // namespace llmroute::capi
