#include "redis_connection.hpp"

#include <errno.h>
#include <fcntl.h>
#include <hiredis/hiredis.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cstring>

#include "core/clock.hpp"

namespace llmroute::redis {

namespace {

using Failure = BackendResult::Failure;

int64_t SteadyNs() {
  return SteadyClock().NowNs();
}

BackendResult Fail(Failure failure, std::string message) {
  return {failure, std::move(message)};
}

std::string ErrnoText(int error) {
  char buffer[256];
  // The GNU strerror_r returns the message (maybe not in buffer); the XSI one an int.
  auto text = strerror_r(error, buffer, sizeof buffer);
  if constexpr (std::is_same_v<decltype(text), int>) {
    return buffer;
  } else {
    return text;
  }
}

Value Copy(const redisReply &reply) {
  Value value;
  switch (reply.type) {
    case REDIS_REPLY_STRING:
      value.type = Value::Type::kString;
      value.text.assign(reply.str, reply.len);
      break;
    case REDIS_REPLY_STATUS:
      value.type = Value::Type::kStatus;
      value.text.assign(reply.str, reply.len);
      break;
    case REDIS_REPLY_ERROR:
      value.type = Value::Type::kError;
      value.text.assign(reply.str, reply.len);
      break;
    case REDIS_REPLY_INTEGER:
      value.type = Value::Type::kInteger;
      value.integer = static_cast<int64_t>(reply.integer);
      break;
    case REDIS_REPLY_NIL:
      value.type = Value::Type::kNil;
      break;
    case REDIS_REPLY_ARRAY:
      value.type = Value::Type::kArray;
      value.elements.reserve(reply.elements);
      for (size_t i = 0; i < reply.elements; ++i) value.elements.push_back(Copy(*reply.element[i]));
      break;
    default:
      value.type = Value::Type::kOther;
      break;
  }
  return value;
}

}  // namespace

Connection::Connection() {
  wake_fd_ = eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
}

Connection::~Connection() {
  Close();
  if (wake_fd_ >= 0) ::close(wake_fd_);
}

void Connection::Close() {
  if (fd_ >= 0) ::close(fd_);
  fd_ = -1;
  if (reader_ != nullptr) redisReaderFree(reader_);
  reader_ = nullptr;
}

void Connection::Interrupt() {
  interrupted_.store(true, std::memory_order_release);
  if (wake_fd_ >= 0) {
    const uint64_t one = 1;
    // Stays readable from now on: every later poll returns at once.
    [[maybe_unused]] const ssize_t written = ::write(wake_fd_, &one, sizeof one);
  }
}

int Connection::Wait(short events, int64_t deadline_ns) {
  for (;;) {
    if (interrupted_.load(std::memory_order_acquire)) return -1;
    const int64_t left_ns = deadline_ns - SteadyNs();
    if (left_ns <= 0) return 0;
    pollfd fds[2] = {{fd_, events, 0}, {wake_fd_, POLLIN, 0}};
    const int timeout_ms =
        static_cast<int>(std::min<int64_t>((left_ns + 999'999) / 1'000'000, 60'000));
    const int ready = ::poll(fds, wake_fd_ >= 0 ? 2 : 1, timeout_ms);
    if (ready < 0) {
      if (errno == EINTR) continue;
      return POLLERR;
    }
    if (ready == 0) continue;  // re-checks the deadline
    if (wake_fd_ >= 0 && (fds[1].revents & POLLIN) != 0) return -1;
    if (fds[0].revents != 0) return fds[0].revents;
  }
}

BackendResult Connection::Connect(const std::string &host, uint16_t port, int64_t timeout_ns) {
  Close();
  const std::string where =
      (host.find(':') != std::string::npos ? "[" + host + "]" : host) + ":" + std::to_string(port);
  peer_ = where;
  if (interrupted_.load(std::memory_order_acquire)) return Fail(Failure::kInterrupted, "stopped");
  const int64_t deadline = SteadyNs() + timeout_ns;
  addrinfo hints{};
  hints.ai_family = AF_UNSPEC;
  hints.ai_socktype = SOCK_STREAM;
  addrinfo *addresses = nullptr;
  const std::string port_text = std::to_string(port);
  if (const int error = getaddrinfo(host.c_str(), port_text.c_str(), &hints, &addresses);
      error != 0) {
    return Fail(Failure::kUnreachable,
                "cannot resolve Redis host '" + host + "': " + gai_strerror(error));
  }
  std::string last = "no address";
  for (addrinfo *a = addresses; a != nullptr; a = a->ai_next) {
    const int fd =
        ::socket(a->ai_family, a->ai_socktype | SOCK_NONBLOCK | SOCK_CLOEXEC, a->ai_protocol);
    if (fd < 0) {
      last = ErrnoText(errno);
      continue;
    }
    fd_ = fd;
    int error = 0;
    if (::connect(fd, a->ai_addr, a->ai_addrlen) != 0) {
      error = errno;
      if (error == EINPROGRESS) {
        const int revents = Wait(POLLOUT, deadline);
        if (revents < 0) {
          freeaddrinfo(addresses);
          Close();
          return Fail(Failure::kInterrupted, "stopped");
        }
        if (revents == 0) {
          last = "timed out after " + std::to_string(timeout_ns / 1'000'000) + " ms";
          Close();
          break;  // the deadline is spent
        }
        socklen_t length = sizeof error;
        if (::getsockopt(fd, SOL_SOCKET, SO_ERROR, &error, &length) != 0) error = errno;
      }
    }
    if (error == 0) {
      const int one = 1;
      ::setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
      ::setsockopt(fd, SOL_SOCKET, SO_KEEPALIVE, &one, sizeof one);
      freeaddrinfo(addresses);
      reader_ = redisReaderCreate();
      if (reader_ == nullptr) {
        Close();
        return Fail(Failure::kUnreachable, "out of memory");
      }
      return {};
    }
    last = ErrnoText(error);
    Close();
  }
  freeaddrinfo(addresses);
  return Fail(Failure::kUnreachable, "cannot connect to Redis at " + where + ": " + last);
}

BackendResult Connection::Run(const std::vector<std::vector<std::string>> &commands,
                              std::vector<Value> *replies, int64_t timeout_ns) {
  replies->clear();
  if (fd_ < 0) return Fail(Failure::kUnreachable, "not connected to Redis at " + peer_);
  const int64_t deadline = SteadyNs() + timeout_ns;
  std::string out;
  std::vector<const char *> argv;
  std::vector<size_t> lengths;
  for (const std::vector<std::string> &command : commands) {
    argv.clear();
    lengths.clear();
    for (const std::string &arg : command) {
      argv.push_back(arg.data());
      lengths.push_back(arg.size());
    }
    char *formatted = nullptr;
    const int length = redisFormatCommandArgv(&formatted, static_cast<int>(argv.size()),
                                              argv.data(), lengths.data());
    if (length < 0 || formatted == nullptr) return Fail(Failure::kUnreachable, "out of memory");
    out.append(formatted, static_cast<size_t>(length));
    redisFreeCommand(formatted);
  }
  size_t written = 0;
  char buffer[16384];
  while (replies->size() < commands.size()) {
    const short events = static_cast<short>(POLLIN | (written < out.size() ? POLLOUT : 0));
    const int revents = Wait(events, deadline);
    if (revents < 0) return Fail(Failure::kInterrupted, "stopped");
    if (revents == 0) {
      return Fail(Failure::kUnreachable, "no answer from Redis at " + peer_ + " within " +
                                             std::to_string(timeout_ns / 1'000'000) + " ms");
    }
    if ((revents & POLLOUT) != 0 && written < out.size()) {
      const ssize_t n = ::send(fd_, out.data() + written, out.size() - written, MSG_NOSIGNAL);
      if (n < 0 && errno != EAGAIN && errno != EWOULDBLOCK && errno != EINTR) {
        return Fail(Failure::kUnreachable,
                    "lost the connection to Redis at " + peer_ + ": " + ErrnoText(errno));
      }
      if (n > 0) written += static_cast<size_t>(n);
    }
    if ((revents & (POLLIN | POLLHUP | POLLERR)) != 0) {
      const ssize_t n = ::recv(fd_, buffer, sizeof buffer, 0);
      if (n == 0) {
        return Fail(Failure::kUnreachable, "Redis at " + peer_ + " closed the connection");
      }
      if (n < 0) {
        if (errno == EAGAIN || errno == EWOULDBLOCK || errno == EINTR) continue;
        return Fail(Failure::kUnreachable,
                    "lost the connection to Redis at " + peer_ + ": " + ErrnoText(errno));
      }
      if (redisReaderFeed(reader_, buffer, static_cast<size_t>(n)) != REDIS_OK) {
        return Fail(Failure::kUnreachable, "out of memory");
      }
      for (;;) {
        void *reply = nullptr;
        if (redisReaderGetReply(reader_, &reply) != REDIS_OK) {
          return Fail(Failure::kRejected, peer_ + " does not speak the Redis protocol (" +
                                              std::string(reader_->errstr) + ")");
        }
        if (reply == nullptr) break;
        replies->push_back(Copy(*static_cast<redisReply *>(reply)));
        freeReplyObject(reply);
      }
    }
  }
  if (written < out.size()) {
    return Fail(Failure::kRejected, "Redis at " + peer_ + " answered before the request ended");
  }
  return {};
}

}  // namespace llmroute::redis
