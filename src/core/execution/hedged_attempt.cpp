// HedgedAttempt (hedged_attempt.hpp): the first attempt of a hedged call and its hedges.
#include "core/execution/hedged_attempt.hpp"

#include <algorithm>
#include <chrono>
#include <system_error>

#include "core/execution/attempt_runner.hpp"
#include "core/router.hpp"

namespace llmroute {

HedgedAttempt::HedgedAttempt(Router &router, const Clock &clock, bool real_clock,
                             HedgeBudget &budget, const CallOptions &options, int64_t deadline_ns,
                             int64_t delay_ns, std::string model, std::string_view request,
                             std::vector<std::string> exclude)
    : router_(router),
      clock_(clock),
      real_clock_(real_clock),
      budget_(budget),
      options_(options),
      deadline_ns_(deadline_ns),
      delay_ns_(delay_ns),
      model_(std::move(model)),
      request_(request),
      exclude_(std::move(exclude)) {}

HedgedAttempt::~HedgedAttempt() {
  // Run() joins every thread it started; this is only reached without one still running.
}

void HedgedAttempt::Run(uint64_t ticket, std::string deployment, std::shared_ptr<Adapter> adapter) {
  start_ns_ = clock_.NowNs();
  Slot *first = nullptr;
  {
    std::lock_guard<std::mutex> lock(mutex_);
    auto slot = std::make_unique<Slot>();
    slot->deployment = std::move(deployment);
    slot->ticket = ticket;
    slot->adapter = std::move(adapter);
    slot->context = std::make_unique<CallContext>(clock_, deadline_ns_, options_.cancel, options_);
    slot->context->JoinGroup(this, 0, &slot->lost);
    first = slot.get();
    slots_.push_back(std::move(slot));
    try {
      threads_.emplace_back([this] { TimerLoop(); });
    } catch (const std::system_error &) {
      // No thread for the timer: hedges can still start when the adapter polls.
    }
  }
  RunSlot(first, 0);
  {
    std::unique_lock<std::mutex> lock(mutex_);
    // After the first attempt returned no hedge starts: a failure goes on to the call's retries,
    // a success is the answer.
    no_more_hedges_ = true;
    changed_.notify_all();
    changed_.wait(lock, [this] { return winner_ >= 0 || (!scheduling_ && AllDoneLocked()); });
  }
  // Every thread, the losers' included (they were cancelled): none outlives the call.
  while (true) {
    std::vector<std::thread> running;
    {
      std::lock_guard<std::mutex> lock(mutex_);
      if (threads_.empty()) break;
      running.swap(threads_);
    }
    for (std::thread &t : running) t.join();
  }
}

void HedgedAttempt::RunSlot(Slot *slot, size_t index) {
  InvokeArgs args;
  args.deployment = slot->deployment.c_str();
  args.model = model_.c_str();
  args.request = request_;
  args.attempt = slot->number;
  args.timeout_ms = AttemptTimeoutMs(options_, deadline_ns_, clock_.NowNs());
  args.context = slot->context.get();
  args.first_byte_timeout_ms = options_.first_byte_timeout_ms;
  args.idle_timeout_ms = options_.idle_timeout_ms;
  args.is_hedge = index > 0;
  bool stalled = false;
  AttemptResult result = InvokeAttempt(*slot->adapter, args, *slot->context, clock_, &stalled);
  slot->adapter.reset();
  bool loser = false;
  {
    std::lock_guard<std::mutex> lock(mutex_);
    slot->result = result;
    slot->stalled = stalled;
    slot->done = true;
    last_done_ = index;
    if (winner_ < 0 && ((result.outcome == Outcome::kSuccess && !stalled) || result.committed)) {
      winner_ = static_cast<int>(index);
      CancelLosersLocked();
    }
    loser = winner_ >= 0 && winner_ != static_cast<int>(index);
    slot->loser = loser;
    changed_.notify_all();
  }
  // Outside the lock (a report may deliver events to the host's listener).
  if (loser) {
    (void)router_.Cancel(slot->ticket);
  } else {
    (void)router_.Report(slot->ticket, ToReportInput(result));
  }
}

bool HedgedAttempt::Claim(size_t slot) {
  std::lock_guard<std::mutex> lock(mutex_);
  if (winner_ >= 0) return winner_ == static_cast<int>(slot);
  winner_ = static_cast<int>(slot);
  CancelLosersLocked();
  changed_.notify_all();
  return true;
}

void HedgedAttempt::CancelLosersLocked() {
  for (size_t i = 0; i < slots_.size(); ++i) {
    if (static_cast<int>(i) != winner_) slots_[i]->lost.Trigger();
  }
}

bool HedgedAttempt::AllDoneLocked() const {
  return std::all_of(slots_.begin(), slots_.end(),
                     [](const std::unique_ptr<Slot> &s) { return s->done; });
}

void HedgedAttempt::TimerLoop() {
  std::unique_lock<std::mutex> lock(mutex_);
  while (!no_more_hedges_ && winner_ < 0 && hedges_started_ < options_.max_hedges) {
    const int64_t due = start_ns_ + static_cast<int64_t>(hedges_started_ + 1) * delay_ns_;
    const int64_t now = clock_.NowNs();
    if (now >= due && !scheduling_) {
      lock.unlock();
      MaybeStartHedge();
      lock.lock();
      continue;
    }
    // The system clock can be waited on; an injected one is re-read every millisecond.
    const int64_t wait_ns =
        real_clock_ && !scheduling_ ? std::max<int64_t>(due - now, 1) : kNsPerMs;
    changed_.wait_for(lock, std::chrono::nanoseconds(wait_ns));
  }
}

void HedgedAttempt::MaybeStartHedge() {
  std::vector<const char *> exclude;
  uint32_t number = 0;
  std::string first_deployment;
  {
    std::lock_guard<std::mutex> lock(mutex_);
    if (no_more_hedges_ || scheduling_ || winner_ >= 0 || hedges_started_ >= options_.max_hedges) {
      return;
    }
    const int64_t due = start_ns_ + static_cast<int64_t>(hedges_started_ + 1) * delay_ns_;
    if (clock_.NowNs() < due) return;
    for (const std::unique_ptr<Slot> &s : slots_) {
      // Something came back, or bytes reached the client: a hedge now would only add load
      // (and never after commit, when the client's stream belongs to one attempt).
      if (s->done || s->context->committed() || s->context->stall().first_byte()) {
        no_more_hedges_ = true;
        changed_.notify_all();
        return;
      }
    }
    if (!budget_.TryTake()) {
      budget_refused_ = true;
      no_more_hedges_ = true;
      changed_.notify_all();
      return;
    }
    scheduling_ = true;
    for (const std::string &name : exclude_) exclude.push_back(name.c_str());
    // The slots' names are stable: a Slot is never moved and its name never changes.
    for (const std::unique_ptr<Slot> &s : slots_) exclude.push_back(s->deployment.c_str());
    number = static_cast<uint32_t>(slots_.size() + 1);
    first_deployment = slots_.front()->deployment;
  }
  PickRequest request;
  request.exclude = exclude.data();
  request.exclude_count = exclude.size();
  request.require_adapter = true;
  if (deadline_ns_ != INT64_MAX) {
    request.deadline_ms =
        std::clamp<int64_t>((deadline_ns_ - clock_.NowNs()) / kNsPerMs, 1, 31'536'000'000);
  }
  PickResult pick;
  Status picked = router_.Pick(model_, model_.c_str(), request, &pick);
  std::shared_ptr<Adapter> adapter;
  if (picked.ok()) {
    adapter = pick.state->adapter();
    if (!adapter) {
      (void)router_.Cancel(pick.ticket);
      picked = Status(Code::kNoProvider, "detached");
    }
  }
  bool started = false;
  std::string deployment;
  {
    std::lock_guard<std::mutex> lock(mutex_);
    scheduling_ = false;
    if (!picked.ok()) {
      // No other deployment to hedge on: max_hedges is clamped to those available.
      no_more_hedges_ = true;
    } else if (!no_more_hedges_ && winner_ < 0) {
      auto slot = std::make_unique<Slot>();
      slot->deployment = pick.deployment;
      slot->ticket = pick.ticket;
      slot->adapter = std::move(adapter);
      slot->number = number;
      slot->context =
          std::make_unique<CallContext>(clock_, deadline_ns_, options_.cancel, options_);
      const size_t index = slots_.size();
      slot->context->JoinGroup(this, index, &slot->lost);
      Slot *raw = slot.get();
      slots_.push_back(std::move(slot));
      try {
        threads_.emplace_back([this, raw, index] { RunSlot(raw, index); });
        started = true;
        ++hedges_started_;
        deployment = raw->deployment;
      } catch (const std::system_error &) {
        slots_.pop_back();
        no_more_hedges_ = true;
      }
    }
    changed_.notify_all();
  }
  if (started) {
    router_.OnHedgeStarted(model_, deployment, first_deployment, number - 1,
                           (clock_.NowNs() - start_ns_) / kNsPerMs);
    return;
  }
  budget_.Refund();
  if (picked.ok()) (void)router_.Cancel(pick.ticket);
}

}  // namespace llmroute
