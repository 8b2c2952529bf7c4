#include "redis_server.hpp"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <poll.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <thread>
#include <vector>

#ifndef LLMR_REDIS_SERVER
#define LLMR_REDIS_SERVER "redis-server"
#endif

namespace llmroute::testing {

namespace {

uint16_t FreePort() {
  const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  address.sin_port = 0;
  uint16_t port = 0;
  if (::bind(fd, reinterpret_cast<sockaddr *>(&address), sizeof address) == 0) {
    socklen_t length = sizeof address;
    if (::getsockname(fd, reinterpret_cast<sockaddr *>(&address), &length) == 0) {
      port = ntohs(address.sin_port);
    }
  }
  ::close(fd);
  return port;
}

}  // namespace

std::string RedisCommand(uint16_t port, const std::string &inline_command, int timeout_s) {
  const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  if (fd < 0) return "";
  sockaddr_in address{};
  address.sin_family = AF_INET;
  address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  address.sin_port = htons(port);
  std::string reply;
  timeval timeout{timeout_s, 0};
  ::setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, sizeof timeout);
  if (::connect(fd, reinterpret_cast<sockaddr *>(&address), sizeof address) == 0) {
    const std::string line = inline_command + "\r\n";
    if (::send(fd, line.data(), line.size(), MSG_NOSIGNAL) == static_cast<ssize_t>(line.size())) {
      char buffer[4096];
      ssize_t n = ::recv(fd, buffer, sizeof buffer, 0);  // the first part, within the timeout
      while (n > 0) {
        reply.append(buffer, static_cast<size_t>(n));
        pollfd more{fd, POLLIN, 0};
        if (::poll(&more, 1, 100) <= 0) break;  // quiet for 100 ms: the reply is complete
        n = ::recv(fd, buffer, sizeof buffer, 0);
      }
    }
  }
  ::close(fd);
  return reply;
}

uint16_t FreeLocalPort() {
  return FreePort();
}

ChildProcess::~ChildProcess() {
  Stop();
}

bool ChildProcess::Start(const std::vector<std::string> &args) {
  Stop();
  std::vector<std::string> copy = args;
  std::vector<char *> argv;
  for (std::string &arg : copy) argv.push_back(arg.data());
  argv.push_back(nullptr);
  const pid_t parent = ::getpid();
  const pid_t pid = ::fork();
  if (pid < 0) return false;
  if (pid == 0) {
    ::prctl(PR_SET_PDEATHSIG, SIGKILL);
    if (::getppid() != parent) ::_exit(127);
    const int null = ::open("/dev/null", O_RDWR);
    if (null >= 0) {
      ::dup2(null, 0);
      ::dup2(null, 1);
      ::dup2(null, 2);
    }
    ::execvp(argv[0], argv.data());
    ::_exit(127);
  }
  pid_ = pid;
  return true;
}

void ChildProcess::Stop() {
  if (pid_ <= 0) return;
  ::kill(pid_, SIGKILL);
  int status = 0;
  ::waitpid(pid_, &status, 0);
  pid_ = -1;
}

int RunProgram(const std::vector<std::string> &args) {
  std::vector<std::string> copy = args;
  std::vector<char *> argv;
  for (std::string &arg : copy) argv.push_back(arg.data());
  argv.push_back(nullptr);
  const pid_t pid = ::fork();
  if (pid < 0) return -1;
  if (pid == 0) {
    ::prctl(PR_SET_PDEATHSIG, SIGKILL);
    const int null = ::open("/dev/null", O_RDWR);
    if (null >= 0) {
      ::dup2(null, 0);
      ::dup2(null, 1);
      ::dup2(null, 2);
    }
    ::execvp(argv[0], argv.data());
    ::_exit(127);
  }
  int status = 0;
  if (::waitpid(pid, &status, 0) != pid) return -1;
  return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

uint64_t SumHashFields(uint16_t port, const std::string &key, char field_prefix) {
  // RESP: *<n>, then $<len> <field> $<len> <value> pairs.
  const std::string reply = RedisCommand(port, "HGETALL " + key);
  std::vector<std::string> items;
  for (size_t at = 0; (at = reply.find('$', at)) != std::string::npos;) {
    const size_t line = reply.find("\r\n", at);
    if (line == std::string::npos) break;
    const size_t length = std::stoul(reply.substr(at + 1, line - at - 1));
    items.push_back(reply.substr(line + 2, length));
    at = line + 2 + length;
  }
  uint64_t sum = 0;
  for (size_t i = 0; i + 1 < items.size(); i += 2) {
    if (!items[i].empty() && items[i][0] == field_prefix) sum += std::stoull(items[i + 1]);
  }
  return sum;
}

bool Eventually(const std::function<bool()> &condition, double seconds) {
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::duration<double>(seconds);
  while (std::chrono::steady_clock::now() < deadline) {
    if (condition()) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  return condition();
}

RedisServer::RedisServer(std::vector<std::string> extra) : extra_(std::move(extra)) {}

RedisServer::RedisServer(SentinelConfig sentinel) : sentinel_config_(std::move(sentinel.text)) {}

RedisServer::~RedisServer() {
  Stop();
  if (!config_path_.empty()) ::unlink(config_path_.c_str());
}

void RedisServer::Pause() {
  if (pid_ > 0) ::kill(pid_, SIGSTOP);
}

void RedisServer::Resume() {
  if (pid_ > 0) ::kill(pid_, SIGCONT);
}

bool RedisServer::Start() {
  for (int attempt = 0; attempt < 5; ++attempt) {
    port_ = FreePort();
    if (port_ == 0) continue;
    if (Launch() && WaitReady()) return true;
    Kill();  // lost the port to someone else, or slow: try another
  }
  if (error_.empty()) error_ = "redis-server did not start";
  return false;
}

bool RedisServer::Restart() {
  for (int attempt = 0; attempt < 50; ++attempt) {
    if (Launch() && WaitReady()) return true;
    Kill();
    std::this_thread::sleep_for(std::chrono::milliseconds(100));  // the port may linger
  }
  return false;
}

bool RedisServer::Launch() {
  if (!sentinel_config_.empty()) {
    if (config_path_.empty()) {
      char path[] = "/tmp/llmroute-sentinel-XXXXXX";
      const int fd = ::mkstemp(path);
      if (fd < 0) {
        error_ = std::string("mkstemp: ") + std::strerror(errno);
        return false;
      }
      ::close(fd);
      config_path_ = path;
    }
    // Written afresh at every start (a sentinel rewrites it with what it learned).
    FILE *file = std::fopen(config_path_.c_str(), "w");
    if (file == nullptr) return false;
    std::fputs(sentinel_config_.c_str(), file);
    std::fclose(file);
  }
  std::vector<std::string> args = {LLMR_REDIS_SERVER};
  if (!sentinel_config_.empty()) {
    args.insert(args.end(), {config_path_, "--sentinel", "--port", std::to_string(port_), "--bind",
                             "127.0.0.1", "--daemonize", "no", "--dir", "/tmp", "--logfile", ""});
  }
  const std::vector<std::string> plain = {
      "--port", std::to_string(port_), "--bind", "127.0.0.1", "--save", "",          "--appendonly",
      "no",     "--daemonize",         "no",     "--dir",     "/tmp",   "--logfile", ""};
  if (sentinel_config_.empty()) args.insert(args.end(), plain.begin(), plain.end());
  args.insert(args.end(), extra_.begin(), extra_.end());
  std::vector<char *> argv;
  for (std::string &arg : args) argv.push_back(arg.data());
  argv.push_back(nullptr);
  const pid_t parent = ::getpid();
  const pid_t pid = ::fork();
  if (pid < 0) {
    error_ = std::string("fork: ") + std::strerror(errno);
    return false;
  }
  if (pid == 0) {
    // Child: only async-signal-safe calls until exec.
    ::prctl(PR_SET_PDEATHSIG, SIGKILL);
    if (::getppid() != parent) ::_exit(127);
    const int null = ::open("/dev/null", O_RDWR);
    if (null >= 0) {
      ::dup2(null, 0);
      ::dup2(null, 1);
      ::dup2(null, 2);
    }
    ::execv(argv[0], argv.data());
    ::_exit(127);
  }
  pid_ = pid;
  return true;
}

bool RedisServer::WaitReady() {
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(20);
  while (std::chrono::steady_clock::now() < deadline) {
    int status = 0;
    if (pid_ > 0 && ::waitpid(pid_, &status, WNOHANG) == pid_) {
      pid_ = -1;
      error_ = "redis-server exited at start (port " + std::to_string(port_) + " taken?)";
      return false;
    }
    // Any reply will do: +PONG, or -NOAUTH when a password is required.
    const std::string reply = RedisCommand(port_, "PING");
    if (!reply.empty() && (reply[0] == '+' || reply[0] == '-')) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  error_ = "redis-server did not answer within 20 s";
  return false;
}

void RedisServer::Kill() {
  if (pid_ <= 0) return;
  ::kill(pid_, SIGKILL);
  int status = 0;
  ::waitpid(pid_, &status, 0);
  pid_ = -1;
}

void RedisServer::Stop() {
  if (pid_ <= 0) return;
  ::kill(pid_, SIGTERM);
  int status = 0;
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
  while (std::chrono::steady_clock::now() < deadline) {
    if (::waitpid(pid_, &status, WNOHANG) == pid_) {
      pid_ = -1;
      return;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  Kill();
}

std::string RedisServer::url(const std::string &userinfo) const {
  return "redis://" + (userinfo.empty() ? "" : userinfo + "@") +
         "127.0.0.1:" + std::to_string(port_);
}

}  // namespace llmroute::testing
