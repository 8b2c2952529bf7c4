#include "capi/capi_support.hpp"

#include "core/names.hpp"

namespace llmroute::capi {

namespace {
// A fixed buffer, so that the thread-local needs no constructor, and initial-exec TLS, so that
// reaching it is one instruction instead of a __tls_get_addr call: every successful call clears
// it. The library uses a few dozen bytes of static TLS, well within what glibc keeps for
// dlopen()ed libraries.
constexpr size_t kMessageMax = 1024;
__attribute__((tls_model("initial-exec"))) thread_local char t_error_message[kMessageMax];
}  // namespace

// Out of line: inlined into callers that pass a short literal, GCC 12 reasons about the string's
// small-buffer storage and reports a bogus -Warray-bounds on the memcpy. Error path only.
[[gnu::noinline]] void SetErrorMessage(std::string message) {
  const size_t length = std::min(message.size(), kMessageMax - 1);
  std::memcpy(t_error_message, message.data(), length);
  t_error_message[length] = '\0';
}
void ClearErrorMessage() {
  t_error_message[0] = '\0';
}
const char *ErrorMessage() {
  return t_error_message;
}

llmr_status ToStatus(Code code) {
  switch (code) {
    case Code::kOk:
      return LLMR_OK;
    case Code::kInvalidArgument:
      return LLMR_ERR_INVALID_ARGUMENT;
    case Code::kNotFound:
      return LLMR_ERR_NOT_FOUND;
    case Code::kAlreadyExists:
      return LLMR_ERR_ALREADY_EXISTS;
    case Code::kNoProvider:
      return LLMR_ERR_NO_PROVIDER;
    case Code::kUnknownModel:
      return LLMR_ERR_UNKNOWN_MODEL;
    case Code::kInvalidTicket:
      return LLMR_ERR_INVALID_TICKET;
    case Code::kTicketDone:
      return LLMR_ERR_TICKET_DONE;
    case Code::kCapacity:
      return LLMR_ERR_CAPACITY;
    case Code::kRateLimited:
      return LLMR_ERR_RATE_LIMITED;
    case Code::kDeadlineExceeded:
      return LLMR_ERR_DEADLINE_EXCEEDED;
    case Code::kCancelled:
      return LLMR_ERR_CANCELLED;
    case Code::kUpstream:
      return LLMR_ERR_UPSTREAM;
    case Code::kConfig:
      return LLMR_ERR_CONFIG;
    case Code::kStreamStalled:
      return LLMR_ERR_STREAM_STALLED;
    case Code::kInternal:
      break;
  }
  return LLMR_ERR_INTERNAL;
}

llmr_status Finish(const Status &status) {
  if (status.ok()) {
    ClearErrorMessage();
    return LLMR_OK;
  }
  SetErrorMessage(status.message());
  return ToStatus(status.code());
}

llmr_status Fail(llmr_status code, std::string message) {
  SetErrorMessage(std::move(message));
  return code;
}

llmr_status CheckName(const char *name, const char *what, std::string_view *out) {
  if (name == nullptr) return Fail(LLMR_ERR_INVALID_ARGUMENT, std::string(what) + " is NULL");
  // Bounded scan: a name longer than the limit is rejected without reading all of it.
  const size_t length = strnlen(name, kNameMax + 1);
  const Status status = ValidateName(std::string_view(name, length), what);
  if (!status.ok()) return Finish(status);
  *out = std::string_view(name, length);
  return LLMR_OK;
}

llmr_status CopyNameList(const char *const *items, size_t count, const char *what,
                         std::vector<std::string> *out) {
  if (count > kListMax) {
    return Fail(LLMR_ERR_INVALID_ARGUMENT, std::string(what) + " has " + std::to_string(count) +
                                               " entries; the limit is " +
                                               std::to_string(kListMax));
  }
  if (count > 0 && items == nullptr) {
    return Fail(LLMR_ERR_INVALID_ARGUMENT,
                std::string(what) + " is NULL but its count is " + std::to_string(count));
  }
  for (size_t i = 0; i < count; ++i) {
    std::string_view item;
    const std::string label = std::string(what) + "[" + std::to_string(i) + "]";
    if (llmr_status s = CheckName(items[i], label.c_str(), &item); s != LLMR_OK) return s;
    out->emplace_back(item);
  }
  return LLMR_OK;
}

}  // namespace llmroute::capi
