#include "core/shared_state/sync.hpp"

#include <pthread.h>
#include <signal.h>

#include <algorithm>
#include <vector>

namespace llmroute {

namespace {

constexpr auto kFirstBackoff = std::chrono::milliseconds(100);
constexpr auto kMaxBackoff = std::chrono::milliseconds(5000);
// Exchanges asked for early (a breaker moved, a batch ran out) are at least this far apart.
constexpr auto kMinGap = std::chrono::milliseconds(2);

int64_t SteadyNs() {
  return SteadyClock().NowNs();
}

// Blocks every signal in the threads started while it lives, so that the host's signal handling
// stays on its own threads (librdkafka does the same).
class BlockSignals {
 public:
  BlockSignals() {
    sigset_t all;
    sigfillset(&all);
    pthread_sigmask(SIG_SETMASK, &all, &saved_);
  }
  ~BlockSignals() { pthread_sigmask(SIG_SETMASK, &saved_, nullptr); }
  BlockSignals(const BlockSignals &) = delete;
  BlockSignals &operator=(const BlockSignals &) = delete;

 private:
  sigset_t saved_;
};

}  // namespace

SharedStateSync::SharedStateSync(FleetHost &host, std::unique_ptr<SharedStateBackend> backend,
                                 const SharedStateConfig &config)
    : FleetLink(config.rate_batch),
      host_(host),
      backend_(std::move(backend)),
      config_(config),
      endpoint_(backend_->Describe()) {}

SharedStateSync::~SharedStateSync() {
  Stop();
}

Status SharedStateSync::Start() {
  if (!Connect()) {
    std::lock_guard<std::mutex> lock(error_mutex_);
    if (rejected_) {
      return {Code::kInvalidArgument, "option shared_state_url: " + last_error_};
    }
  } else if (!Cycle()) {  // a first exchange, so that the status says "connected" at once
    backend_->Disconnect();
    connected_ = false;
  }
  BlockSignals blocked;
  thread_ = std::thread([this] { Run(); });
  return Status::Ok();
}

void SharedStateSync::Stop() {
  {
    std::lock_guard<std::mutex> lock(mutex_);
    stop_ = true;
  }
  cv_.notify_all();
  backend_->Interrupt();
  if (thread_.joinable()) thread_.join();
  active_.store(false, std::memory_order_release);
}

bool SharedStateSync::Stopping() {
  std::lock_guard<std::mutex> lock(mutex_);
  return stop_;
}

void SharedStateSync::RequestSync() {
  if (wake_.load(std::memory_order_relaxed) || wake_.exchange(true, std::memory_order_acq_rel)) {
    return;  // already asked
  }
  // Under the mutex, so that the wake cannot fall between the thread's check and its wait.
  std::lock_guard<std::mutex> lock(mutex_);
  cv_.notify_one();
}

void SharedStateSync::WaitUntil(SteadyTime deadline, bool wakeable, SteadyTime earliest) {
  std::unique_lock<std::mutex> lock(mutex_);
  cv_.wait_until(lock, deadline,
                 [&] { return stop_ || (wakeable && wake_.load(std::memory_order_acquire)); });
  if (!stop_ && std::chrono::steady_clock::now() < earliest) {
    cv_.wait_until(lock, earliest, [&] { return stop_; });
  }
}

void SharedStateSync::RecordFailure(const BackendResult &result) {
  failures_.fetch_add(1, std::memory_order_relaxed);
  std::lock_guard<std::mutex> lock(error_mutex_);
  last_error_ = result.message;
  rejected_ = result.failure == BackendResult::Failure::kRejected;
}

bool SharedStateSync::Connect() {
  std::string server_id;
  const BackendResult result = backend_->Connect(&server_id);
  if (!result.ok()) {
    if (result.failure != BackendResult::Failure::kInterrupted) RecordFailure(result);
    return false;
  }
  connections_.fetch_add(1, std::memory_order_relaxed);
  // Send every breaker again: trips taken while away reach the fleet, and the fleet's state is
  // taken afresh (generations start over when the store did).
  for (auto &[name, book] : books_) {
    book.force = true;
    book.known_generation = 0;
  }
  // A store that restarted may have lost the usage sent so far: send the whole local window.
  whole_window_ = !server_id_.empty() && server_id != server_id_;
  server_id_ = server_id;
  connected_ = true;
  return true;
}

void SharedStateSync::Run() {
  pthread_setname_np(pthread_self(), "llmroute-sync");
  auto backoff = std::chrono::milliseconds(0);
  uint64_t jitter_state = static_cast<uint64_t>(SteadyNs()) | 1;
  while (!Stopping()) {
    if (!connected_) {
      if (backoff.count() > 0) {
        // Jitter in [0.8, 1.2) so that a fleet does not reconnect in lock step (xorshift64).
        jitter_state ^= jitter_state << 13;
        jitter_state ^= jitter_state >> 7;
        jitter_state ^= jitter_state << 17;
        const double jitter = 0.8 + 0.4 * static_cast<double>(jitter_state >> 11) * 0x1.0p-53;
        const auto wait =
            std::chrono::duration_cast<std::chrono::steady_clock::duration>(backoff * jitter);
        const SteadyTime until = std::chrono::steady_clock::now() + wait;
        WaitUntil(until, false, until);
        if (Stopping()) break;
      }
      if (!Connect()) {
        backoff = std::clamp(backoff * 2, std::chrono::milliseconds(kFirstBackoff), kMaxBackoff);
        continue;
      }
    }
    const SteadyTime start = std::chrono::steady_clock::now();
    wake_.store(false, std::memory_order_release);
    if (!Cycle()) {
      backend_->Disconnect();
      connected_ = false;
      active_.store(false, std::memory_order_release);
      // Backs off from here too: a server that accepts connections but fails every exchange
      // must not be hammered.
      backoff = std::clamp(backoff * 2, std::chrono::milliseconds(kFirstBackoff), kMaxBackoff);
      continue;
    }
    backoff = std::chrono::milliseconds(0);
    WaitUntil(start + std::chrono::nanoseconds(config_.sync_interval_ns), true, start + kMinGap);
  }
  backend_->Disconnect();
}

bool SharedStateSync::Cycle() {
  ++cycle_;
  std::vector<SyncRequest> requests;
  std::vector<uint64_t> epochs;
  const int64_t now = host_.FleetNowNs();
  {
    SnapshotPublisher<Snapshot>::ReadGuard snapshot(host_.FleetSnapshots());
    const auto &deployments = snapshot->config().deployments;
    requests.reserve(deployments.size());
    epochs.reserve(deployments.size());
    for (const DeploymentEntry &entry : deployments) {
      DeploymentState &state = *entry.state;
      Book &book = books_[state.name()];
      book.seen_cycle = cycle_;
      SyncRequest request;
      request.deployment = state.name();
      request.known_generation = book.known_generation;
      const CircuitBreaker::SyncView view = state.breaker().ViewForSync();
      if (book.force || view.epoch != book.synced_epoch) {
        if (view.open_until_ns != 0) {
          request.op = BreakerOp::kOpen;
          request.cooldown_ms = CeilMsUntil(view.open_until_ns, now);
          request.trips_in_row = view.trips_in_row;
        } else {
          request.op = BreakerOp::kClose;
        }
      }
      DeploymentLimits &limits = state.limits();
      if (limits.rpm() != 0 || limits.tpm() != 0) {
        (void)limits.TakeUnsynced(now, whole_window_, &request.usage);
        request.rpm_limit = limits.rpm();
        request.tpm_limit = limits.tpm();
      }
      requests.push_back(std::move(request));
      epochs.push_back(view.epoch);
    }
  }
  // Deployments that left the router.
  for (auto it = books_.begin(); it != books_.end();) {
    it = it->second.seen_cycle == cycle_ ? std::next(it) : books_.erase(it);
  }

  std::vector<SyncReply> replies;
  const BackendResult result = backend_->Exchange(requests, &replies);
  const int64_t after = host_.FleetNowNs();
  if (!result.ok() || replies.size() != requests.size()) {
    SnapshotPublisher<Snapshot>::ReadGuard snapshot(host_.FleetSnapshots());
    for (const SyncRequest &request : requests) {
      if (const DeploymentEntry *entry = snapshot->FindDeployment(request.deployment)) {
        entry->state->limits().FleetFailed();
      }
    }
    if (result.ok()) {
      RecordFailure({BackendResult::Failure::kUnreachable,
                     "the store answered " + std::to_string(replies.size()) + " replies to " +
                         std::to_string(requests.size())});
    } else if (result.failure != BackendResult::Failure::kInterrupted) {
      RecordFailure(result);
    }
    return false;
  }

  struct PendingEvent {
    std::string deployment;
    BreakerChange change;
    int64_t cooldown_ms;
  };
  std::vector<PendingEvent> events;
  {
    SnapshotPublisher<Snapshot>::ReadGuard snapshot(host_.FleetSnapshots());
    for (size_t i = 0; i < requests.size(); ++i) {
      const SyncRequest &request = requests[i];
      const DeploymentEntry *entry = snapshot->FindDeployment(request.deployment);
      if (entry == nullptr) continue;  // removed meanwhile
      DeploymentState &state = *entry->state;
      const SyncReply &reply = replies[i];
      Book &book = books_[request.deployment];
      const bool pushed = request.op != BreakerOp::kRead;
      if (pushed || reply.generation != book.known_generation) {
        bool applied = false;
        const int64_t until = after + std::max<int64_t>(reply.remaining_ms, 0) * kNsPerMs;
        const BreakerChange change = state.breaker().ApplyShared(
            epochs[i], reply.open, until, reply.trips_in_row, after, &applied);
        if (applied) {
          book.synced_epoch = epochs[i];
          book.force = false;
        }
        // The generation now known: taken, or the result of what we sent. A generation read but
        // not taken (the breaker changed here meanwhile) stays unknown, so that the local change
        // goes out against the generation it was based on (a stale close is then refused).
        if (applied || pushed) book.known_generation = reply.generation;
        if (change.changed) {
          if (change.to == BreakerState::kClosed) {
            remote_closes_.fetch_add(1, std::memory_order_relaxed);
            host_.OnFleetRecovery(state, after);  // back in: ramps up as after a local recovery
          } else {
            remote_opens_.fetch_add(1, std::memory_order_relaxed);
          }
          events.push_back(
              {request.deployment, change,
               change.to == BreakerState::kOpen ? std::max<int64_t>(reply.remaining_ms, 0) : 0});
        }
      }
      if (request.rpm_limit != 0 || request.tpm_limit != 0) {
        state.limits().ApplyFleet(reply.requests, reply.tokens, reply.requests_free_ms,
                                  reply.tokens_free_ms, after);
      }
    }
  }
  whole_window_ = false;
  syncs_.fetch_add(1, std::memory_order_relaxed);
  last_sync_ns_.store(SteadyNs(), std::memory_order_relaxed);
  active_.store(true, std::memory_order_release);
  // After the snapshot guard: a listener may call back into the router. Another instance's trip
  // or recovery is reported on this thread.
  for (const PendingEvent &pending : events) {
    Event event;
    event.kind = EventKind::kBreaker;
    event.deployment = pending.deployment;
    event.from = pending.change.from;
    event.to = pending.change.to;
    event.cooldown_ms = pending.cooldown_ms;
    host_.OnFleetEvent(event);
  }
  return true;
}

SharedStateStatus SharedStateSync::GetStatus() const {
  SharedStateStatus status;
  status.enabled = true;
  status.connected = Active();
  const int64_t last = last_sync_ns_.load(std::memory_order_relaxed);
  status.last_sync_age_ms = last < 0 ? -1 : (SteadyNs() - last) / kNsPerMs;
  status.syncs = syncs_.load(std::memory_order_relaxed);
  status.sync_failures = failures_.load(std::memory_order_relaxed);
  status.connections = connections_.load(std::memory_order_relaxed);
  status.remote_opens = remote_opens_.load(std::memory_order_relaxed);
  status.remote_closes = remote_closes_.load(std::memory_order_relaxed);
  status.endpoint = endpoint_;
  std::lock_guard<std::mutex> lock(error_mutex_);
  status.last_error = last_error_;
  return status;
}

}  // namespace llmroute
