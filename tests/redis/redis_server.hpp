// A throwaway redis-server for the tests: started on a free port of 127.0.0.1 without persistence
// (--save "" --appendonly no), killed and restarted on demand, stopped by the destructor, and
// killed by the kernel if the test process dies first (PR_SET_PDEATHSIG).
#pragma once

#include <sys/types.h>

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

namespace llmroute::testing {

class RedisServer {
 public:
  // `extra` are more redis-server arguments ("--requirepass", "secret"). A sentinel is started
  // as `redis-server <config> --sentinel` with `sentinel_config` written to a file of its own
  // (a sentinel rewrites its configuration).
  explicit RedisServer(std::vector<std::string> extra = {});
  struct SentinelConfig {
    std::string text;
  };
  explicit RedisServer(SentinelConfig sentinel);
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
  // SIGSTOP / SIGCONT: a server that hangs without closing its connections.
  void Pause();
  void Resume();

  uint16_t port() const { return port_; }
  std::string url(const std::string &userinfo = "") const;
  const std::string &error() const { return error_; }

 private:
  bool Launch();
  bool WaitReady();

  std::vector<std::string> extra_;
  std::string sentinel_config_;  // not empty: a sentinel
  std::string config_path_;
  uint16_t port_ = 0;
  pid_t pid_ = -1;
  std::string error_;
};

// Sends one command in the inline protocol and returns the raw reply ("" on failure), read until
// the server has been quiet for 100 ms or 2 s passed (or `timeout_s`).
std::string RedisCommand(uint16_t port, const std::string &inline_command, int timeout_s = 2);

// Another program the tests need running (stunnel), killed by the destructor and by the kernel
// when the test process dies first.
class ChildProcess {
 public:
  ChildProcess() = default;
  ~ChildProcess();
  ChildProcess(const ChildProcess &) = delete;
  ChildProcess &operator=(const ChildProcess &) = delete;
  bool Start(const std::vector<std::string> &argv);
  void Stop();

 private:
  pid_t pid_ = -1;
};

// A free TCP port of 127.0.0.1 (free when asked).
uint16_t FreeLocalPort();

// Runs a program (argv[0] a path or a name on PATH) and returns its exit status, -1 when it could
// not run; its output goes to /dev/null.
int RunProgram(const std::vector<std::string> &argv);

// The sum of the integer values of the hash fields that start with `field_prefix` (HGETALL).
uint64_t SumHashFields(uint16_t port, const std::string &key, char field_prefix);

// Polls `condition` every 5 ms until it holds or `seconds` pass.
bool Eventually(const std::function<bool()> &condition, double seconds = 20);

}  // namespace llmroute::testing
