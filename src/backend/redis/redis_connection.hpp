// One connection to a Redis server: a non-blocking TCP socket driven with poll(), so that every
// wait has a deadline and Interrupt() (an eventfd) ends it at once from another thread. hiredis is
// used only as the protocol codec (command formatting and the reply reader), which works the same
// with the 0.14 library of Debian 12 and the 1.x of later releases.
#pragma once

#include <atomic>
#include <cstdint>
#include <string>
#include <vector>

#include "core/shared_state/backend.hpp"

struct redisReader;

namespace llmroute::redis {

// A reply, copied out of hiredis's.
struct Value {
  enum class Type : uint8_t { kString, kArray, kInteger, kNil, kStatus, kError, kOther };
  Type type = Type::kNil;
  int64_t integer = 0;
  std::string text;  // kString, kStatus, kError
  std::vector<Value> elements;
};

class Connection {
 public:
  Connection();
  ~Connection();
  Connection(const Connection &) = delete;
  Connection &operator=(const Connection &) = delete;

  // Resolves `host` and connects to the first address that answers within the timeout.
  BackendResult Connect(const std::string &host, uint16_t port, int64_t timeout_ns);
  // Sends the commands (each an argument vector) in one pipeline and reads one reply per command,
  // within the timeout. Error replies are replies, not failures.
  BackendResult Run(const std::vector<std::vector<std::string>> &commands,
                    std::vector<Value> *replies, int64_t timeout_ns);
  void Close();
  // From any thread: the wait in progress and every later one fail with kInterrupted.
  void Interrupt();

 private:
  // Waits for `events` on the socket until `deadline_ns` (steady clock); returns the revents, 0
  // on timeout, -1 when interrupted.
  int Wait(short events, int64_t deadline_ns);

  int fd_ = -1;
  int wake_fd_ = -1;
  std::atomic<bool> interrupted_{false};
  redisReader *reader_ = nullptr;
  std::string peer_;  // "host:port", for messages
};

}  // namespace llmroute::redis
