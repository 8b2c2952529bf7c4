// The core's error type. The C shim maps each Code to an llmr_status; the core itself knows
// nothing of C. A success carries no message, so returning Status on hot paths costs nothing.
#pragma once

#include <string>
#include <utility>

namespace llmroute {

enum class Code {
  kOk,
  kInvalidArgument,
  kNotFound,
  kAlreadyExists,
  kNoProvider,
  kUnknownModel,
  kInvalidTicket,
  kTicketDone,
  kCapacity,
  kInternal,
  kRateLimited,
  kDeadlineExceeded,
  kCancelled,
  kUpstream,
  kConfig,  // a configuration was rejected; the message starts with the JSON path
  // A committed stream stalled (no chunk within idle_timeout_ms): the call ended without retry.
  kStreamStalled,
};

class [[nodiscard]] Status {
 public:
  Status() = default;
  Status(Code code, std::string message) : code_(code), message_(std::move(message)) {}

  static Status Ok() { return Status(); }
  bool ok() const { return code_ == Code::kOk; }
  Code code() const { return code_; }
  const std::string &message() const { return message_; }

 private:
  Code code_ = Code::kOk;
  std::string message_;
};

}  // namespace llmroute
