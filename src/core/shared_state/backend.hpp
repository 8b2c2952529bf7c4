// The store behind the fleet shared state (Redis: src/backend/redis), as the synchronisation
// thread sees it. One exchange carries, for each deployment, what this instance has to say (a
// breaker trip or recovery, requests and tokens used since the last exchange) and returns the
// fleet's view (the shared breaker and the fleet's usage in the last 60 s).
//
// The shared breaker of a deployment is (generation, open, cooldown remaining, trips in a row).
// Every change bumps the generation. "Open" extends the cooldown to at least the given length
// and never shortens it; "close" is a compare-and-set on the generation the instance last saw,
// so a recovery seen on stale information cannot undo a newer trip. Usage is counted in
// one-second buckets over a sliding 60 s window, and usage is sent with the second it happened in;
// every operation on one deployment is atomic (one Lua script).
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include "core/shared_state/fleet_link.hpp"

namespace llmroute {

enum class BreakerOp : uint8_t {
  kRead = 0,   // nothing to say: read the shared breaker
  kOpen = 1,   // open (or extend) for cooldown_ms from now
  kClose = 2,  // close, if the generation is still known_generation
};

struct SyncRequest {
  std::string deployment;
  BreakerOp op = BreakerOp::kRead;
  uint64_t known_generation = 0;
  int64_t cooldown_ms = 0;    // kOpen
  uint32_t trips_in_row = 0;  // kOpen: re-trips since the last close (the cooldown's doubling)
  // Usage to add, second by second (fleet_link.hpp: each entry goes to the store's bucket of its
  // age, never all into the current second), and the limits the capacity estimates are computed
  // for (0: none). No usage is read or written when `usage` is empty and both limits are 0.
  std::vector<UsageSecond> usage;
  uint64_t rpm_limit = 0;
  uint64_t tpm_limit = 0;
  // Delivery of `usage`, at most once: the store keeps, per deployment and instance, the last
  // sequence number whose usage it added, and adds `usage` only when `usage_seq` is greater. An
  // exchange that failed may still have been applied (a reply lost, a server that answered after
  // the timeout), so its usage is sent again under the same number and never counted twice.
  std::string instance;  // this router's random id
  uint64_t usage_seq = 0;
};

struct SyncReply {
  uint64_t generation = 0;
  bool open = false;
  int64_t remaining_ms = 0;  // of the cooldown; 0 when over (half-open) or closed
  uint32_t trips_in_row = 0;
  // The fleet's usage in the last 60 s (this instance's included), and the milliseconds until
  // it falls below each limit (0 when already below).
  uint64_t requests = 0;
  uint64_t tokens = 0;
  int64_t requests_free_ms = 0;
  int64_t tokens_free_ms = 0;
};

struct BackendResult {
  enum class Failure : uint8_t {
    kNone,
    kUnreachable,  // connection refused, reset or timed out: worth retrying
    kRejected,     // the server answered no (credentials, database, not Redis): a configuration
                   // error, retried all the same with backoff
    kInterrupted,  // Interrupt() was called
  };
  Failure failure = Failure::kNone;
  std::string message;  // without the password
  bool ok() const { return failure == Failure::kNone; }
};

class SharedStateBackend {
 public:
  virtual ~SharedStateBackend() = default;
  // Connects (at most the connect timeout, then the command timeout for the handshake).
  // *server_id identifies the stored data's lifetime (Redis: a random id the first instance
  // stores, kept by replicas across a failover): when it changes, the store restarted empty and
  // lost the shared state.
  virtual BackendResult Connect(std::string *server_id) = 0;
  // One exchange: replies[i] answers requests[i]. At most the command timeout.
  virtual BackendResult Exchange(const std::vector<SyncRequest> &requests,
                                 std::vector<SyncReply> *replies) = 0;
  virtual void Disconnect() = 0;
  // From any thread: the call in progress and every later one return kInterrupted at once.
  virtual void Interrupt() = 0;
  // Where the state lives, for messages: "redis://127.0.0.1:6379/0", password redacted.
  virtual std::string Describe() const = 0;
  // The server in use now ("127.0.0.1:6379": the master a Sentinel named, the cluster node that
  // serves the prefix's slot), "" when not connected. When it changes between two connections
  // or exchanges, the state moved (a failover) and the synchronisation reports it.
  virtual std::string Server() const { return ""; }
  // How the server is found: 0 one server, 1 Sentinel, 2 Redis Cluster (RedisTopology).
  virtual int Topology() const { return 0; }
};

}  // namespace llmroute
