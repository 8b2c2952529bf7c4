// The fleet synchronisation: the one thread llmroute starts, and only when a router is given a
// shared state URL (docs/fleet.md). Picks and reports never wait on it or on the network: they
// read and write the router's local state (atomics and per-deployment locks), and this thread
// exchanges that state with the backend every sync interval, or sooner when a breaker moves or a
// rate-limit batch is used up:
//
//  - breakers: a local trip, longer cooldown or recovery is sent; the fleet's breaker is taken
//    when its generation moved (another instance tripped or recovered it). A recovery is a
//    compare-and-set on the generation, so it cannot undo a trip it has not seen (backend.hpp);
//  - rate limits: requests and tokens counted since the last exchange are added to the fleet's
//    60 s window, and the fleet's totals come back (limits/deployment_limits.hpp).
//
// When the backend is unreachable the router routes on local state (limits count only this
// instance), reconnects with jittered exponential backoff, and on reconnection sends its whole
// local state again: trips taken meanwhile reach the fleet, and a store that restarted empty
// (a new server id) gets this instance's usage of the last 60 s back.
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <unordered_map>

#include "core/shared_state/backend.hpp"
#include "core/shared_state/fleet_host.hpp"
#include "core/shared_state/fleet_link.hpp"
#include "core/shared_state/shared_state_config.hpp"
#include "core/status.hpp"

namespace llmroute {

struct SharedStateStatus {
  bool enabled = false;           // the router has a shared state backend
  bool connected = false;         // the last exchange succeeded: fleet-wide state is in use
  int64_t last_sync_age_ms = -1;  // since the last successful exchange; -1 before the first
  int64_t syncs = 0;              // successful exchanges
  int64_t sync_failures = 0;      // failed connection attempts and exchanges
  int64_t connections = 0;        // connections made, the first included
  int64_t remote_opens = 0;       // breakers this router opened because the fleet had
  int64_t remote_closes = 0;      // breakers this router closed because the fleet had
  std::string endpoint;           // password redacted
  std::string last_error;         // the last failure, also once recovered; "" when none
};

class SharedStateSync final : public FleetLink {
 public:
  // `host` is the router, seen through the narrow FleetHost interface; it outlives the sync.
  SharedStateSync(FleetHost &host, std::unique_ptr<SharedStateBackend> backend,
                  const SharedStateConfig &config);
  ~SharedStateSync() override;
  SharedStateSync(const SharedStateSync &) = delete;
  SharedStateSync &operator=(const SharedStateSync &) = delete;

  // Makes the first connection attempt on the calling thread, then starts the thread. A server
  // that answers but refuses (credentials, database) is an error; an unreachable one is not: the
  // router starts on local state and the thread keeps trying.
  Status Start();
  // Stops and joins the thread; interrupts a connection attempt or exchange in progress.
  void Stop();

  void RequestSync() override;
  SharedStateStatus GetStatus() const;

 private:
  using SteadyTime = std::chrono::steady_clock::time_point;

  // Per deployment, sync thread only.
  struct Book {
    uint64_t known_generation = 0;  // of the fleet's breaker, as last seen
    uint64_t synced_epoch = 0;      // of the local breaker, as last sent or taken
    bool force = true;              // send the local breaker whatever its epoch
    uint64_t seen_cycle = 0;
  };

  void Run();
  bool Connect();
  bool Cycle();
  void RecordFailure(const BackendResult &result);
  // Waits until `deadline` or Stop(); when `wakeable`, RequestSync() ends the wait early, but
  // not before `earliest`.
  void WaitUntil(SteadyTime deadline, bool wakeable, SteadyTime earliest);
  bool Stopping();

  FleetHost &host_;
  std::unique_ptr<SharedStateBackend> backend_;
  const SharedStateConfig config_;
  const std::string endpoint_;

  std::mutex mutex_;  // for the waits
  std::condition_variable cv_;
  bool stop_ = false;  // guarded by mutex_
  std::atomic<bool> wake_{false};
  std::thread thread_;

  // Sync thread only (and Start(), before the thread exists).
  std::unordered_map<std::string, Book> books_;
  bool connected_ = false;
  bool whole_window_ = false;  // the store restarted: send the whole local window
  std::string server_id_;
  uint64_t cycle_ = 0;

  std::atomic<int64_t> syncs_{0};
  std::atomic<int64_t> failures_{0};
  std::atomic<int64_t> connections_{0};
  std::atomic<int64_t> remote_opens_{0};
  std::atomic<int64_t> remote_closes_{0};
  std::atomic<int64_t> last_sync_ns_{-1};  // steady clock
  mutable std::mutex error_mutex_;
  std::string last_error_;  // guarded by error_mutex_
  bool rejected_ = false;   // the last failure was a refusal; guarded by error_mutex_
};

}  // namespace llmroute
