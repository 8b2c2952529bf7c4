// A throwaway redis-server for the tests: started on a free port of 127.0.0.1 without persistence
// (--save "" --appendonly no), killed and restarted on demand, stopped by the destructor, and
// killed by the kernel if the test process dies first (PR_SET_PDEATHSIG).
#pragma once

#include <sys/types.h>

#include <cstdint>
#include <string>
#include <vector>

namespace llmroute::testing {

class RedisServer {
 public:
  // `extra` are more redis-server arguments ("--requirepass", "secret").
  explicit RedisServer(std::vector<std::string> extra = {});
  ~RedisServer();
  RedisServer(const RedisServer &) = delete;
  RedisServer &operator=(const RedisServer &) = delete;

  // Starts it and waits until it answers; false (with a reason in error()) when it did not.
  bool Start();
  // SIGKILL, as a crash would; the port stays free for Restart().
  void Kill();
  // Starts again on the same port.
  bool Restart();
  void Stop();

  uint16_t port() const { return port_; }
  std::string url(const std::string &userinfo = "") const;
  const std::string &error() const { return error_; }

 private:
  bool Launch();
  bool WaitReady();

  std::vector<std::string> extra_;
  uint16_t port_ = 0;
  pid_t pid_ = -1;
  std::string error_;
};

// Sends one command in the inline protocol and returns the raw reply ("" on failure).
std::string RedisCommand(uint16_t port, const std::string &inline_command);

}  // namespace llmroute::testing
