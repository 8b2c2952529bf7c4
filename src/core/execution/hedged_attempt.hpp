// A hedged first attempt ("The Tail at Scale", Dean and Barroso, CACM 56(2), 2013; gRPC's
// hedging policy, gRFC A6): the call's first attempt, plus up to max_hedges more on other
// deployments, each started when the attempts so far have produced nothing for one more hedge
// delay. The first attempt to succeed, or to claim the client's stream (llmr_call_commit), wins;
// the others are cancelled through their contexts (llmr_call_check answers LLMR_ERR_CANCELLED)
// and their tickets are cancelled, not reported: losing a race is not a failure of a deployment.
//
// Threads. Adapters are synchronous, so the first attempt keeps the calling thread and each hedge
// runs on a thread of its own, created when the hedge starts; one more thread, the group's
// timer, waits for the hedge delays on the router's clock. A hedge that is due also starts at
// the next llmr_call_check() or llmr_call_progress() of any attempt, so a polling adapter sees its
// hedge start at once (and tests on an injected clock are deterministic). With an injected clock
// the timer cannot sleep until a time it does not know how to wait for, so it re-reads the clock
// every millisecond of real time. Run() returns only after every attempt has returned and every
// thread has been joined: a hedge never runs after the call returned.
//
// No hedge starts once an attempt has shown a first byte (llmr_call_progress) or claimed the
// stream, after the first attempt returned, when the hedge budget is spent, or when no other
// deployment of the model can be picked (so max_hedges is in effect clamped to the deployments
// available).
#pragma once

#include <condition_variable>
#include <deque>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include "core/clock.hpp"
#include "core/execution/adapter.hpp"
#include "core/execution/call_options.hpp"
#include "core/execution/cancel_token.hpp"
#include "core/execution/hedge_budget.hpp"

namespace llmroute {

class Router;
struct PickResult;

class HedgedAttempt final : public AttemptGroup {
 public:
  struct Slot {
    std::string deployment;
    uint64_t ticket = 0;
    std::shared_ptr<Adapter> adapter;  // held until the attempt returns
    CancelToken lost;                  // raised when another attempt won
    std::unique_ptr<CallContext> context;
    AttemptResult result;
    bool stalled = false;
    bool done = false;
    bool loser = false;  // finished after another attempt had won: cancelled, not reported
    uint32_t number = 1;
  };

  // `model` is the call's current model, `exclude` the deployments the call must not pick
  // (none for a first attempt), `delay_ns` the hedge delay (> 0).
  HedgedAttempt(Router &router, const Clock &clock, bool real_clock, HedgeBudget &budget,
                const CallOptions &options, int64_t deadline_ns, int64_t delay_ns,
                std::string model, std::string_view request, std::vector<std::string> exclude);
  ~HedgedAttempt();
  HedgedAttempt(const HedgedAttempt &) = delete;
  HedgedAttempt &operator=(const HedgedAttempt &) = delete;

  // Runs the first attempt (already picked: its ticket, deployment name and adapter) on the
  // calling thread and its hedges on threads of their own; returns once all have returned.
  void Run(uint64_t ticket, std::string deployment, std::shared_ptr<Adapter> adapter);

  // After Run(): every attempt in the order they started (the first, then the hedges).
  const std::deque<std::unique_ptr<Slot>> &slots() const { return slots_; }
  // The winner's index, or -1 when none won (every attempt failed).
  int winner() const { return winner_; }
  // The attempt whose result decides the call: the winner, else the last one to return.
  size_t decisive() const { return winner_ >= 0 ? static_cast<size_t>(winner_) : last_done_; }
  // The hedge budget refused a hedge that was due.
  bool budget_refused() const { return budget_refused_; }

  void OnCheck() override { MaybeStartHedge(); }
  bool Claim(size_t slot) override;

 private:
  void RunSlot(Slot *slot, size_t index);
  void TimerLoop();
  void MaybeStartHedge();
  // Raises the cancellation of every attempt but the winner. Under mutex_.
  void CancelLosersLocked();
  bool AllDoneLocked() const;

  Router &router_;
  const Clock &clock_;
  const bool real_clock_;
  HedgeBudget &budget_;
  const CallOptions &options_;
  const int64_t deadline_ns_;
  const int64_t delay_ns_;
  const std::string model_;
  const std::string_view request_;
  const std::vector<std::string> exclude_;
  int64_t start_ns_ = 0;

  std::mutex mutex_;
  std::condition_variable changed_;
  std::deque<std::unique_ptr<Slot>> slots_;  // guarded by mutex_ (each Slot's fields by it too)
  std::vector<std::thread> threads_;         // the timer and the hedges, joined by Run()
  int winner_ = -1;
  size_t last_done_ = 0;
  bool no_more_hedges_ = false;
  bool scheduling_ = false;  // a hedge is being picked (outside the lock)
  bool budget_refused_ = false;
  uint32_t hedges_started_ = 0;
};

}  // namespace llmroute
