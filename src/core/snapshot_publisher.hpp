// Publishes immutable snapshots to lock-free readers (read-copy-update).
//
// Readers announce themselves in a per-thread-slot counter of the current epoch, load the
// pointer, and leave; they never wait and never write a cache line another slot's thread writes.
// A writer swaps the pointer, then waits for a grace period: it flips the epoch twice and waits
// each time for the previous epoch's readers to leave (as userspace RCU does; one flip is not
// enough when two writers follow each other quickly). Only then is the old snapshot deleted.
// Writers are rare (configuration changes) and serialised by the caller.
#pragma once

#include <array>
#include <atomic>
#include <cstdint>
#include <memory>

#include "core/thread_slot.hpp"

namespace llmroute {

template <typename T>
class SnapshotPublisher {
 public:
  explicit SnapshotPublisher(std::unique_ptr<T> initial) : current_(initial.release()) {}
  ~SnapshotPublisher() { delete current_.load(); }
  SnapshotPublisher(const SnapshotPublisher &) = delete;
  SnapshotPublisher &operator=(const SnapshotPublisher &) = delete;

  // Holds a snapshot alive for the guard's lifetime. Keep it short: writers wait for it.
  class ReadGuard {
   public:
    explicit ReadGuard(SnapshotPublisher &publisher)
        : counter_(&publisher.Enter()), snapshot_(publisher.current_.load()) {}
    ~ReadGuard() { counter_->fetch_sub(1, std::memory_order_release); }
    ReadGuard(const ReadGuard &) = delete;
    ReadGuard &operator=(const ReadGuard &) = delete;
    const T &operator*() const { return *snapshot_; }
    const T *operator->() const { return snapshot_; }
    const T *get() const { return snapshot_; }

   private:
    std::atomic<int64_t> *counter_;
    const T *snapshot_;
  };

  // Replaces the snapshot; returns once no reader can still see the old one, which is deleted.
  // Callers serialise writers.
  void Publish(std::unique_ptr<T> next) {
    T *old = current_.exchange(next.release());
    WaitForReaders();
    delete old;
  }

  // The current snapshot for a writer (which holds the writers' lock, so it cannot change).
  const T &CurrentForWriter() const { return *current_.load(); }

 private:
  struct alignas(64) Counter {
    std::atomic<int64_t> readers{0};
  };

  std::atomic<int64_t> &Enter() {
    // seq_cst on the increment and on the pointer load in ReadGuard pairs with the writer's
    // seq_cst exchange and epoch flips: a reader the writer did not see counted reads the new
    // pointer.
    const uint32_t epoch = epoch_.load(std::memory_order_seq_cst);
    std::atomic<int64_t> &counter = counters_[epoch][ThisThreadSlot()].readers;
    counter.fetch_add(1, std::memory_order_seq_cst);
    return counter;
  }

  void WaitForReaders() {
    for (int round = 0; round < 2; ++round) {
      const uint32_t previous = epoch_.load(std::memory_order_seq_cst);
      epoch_.store(previous ^ 1U, std::memory_order_seq_cst);
      for (Counter &counter : counters_[previous]) {
        while (counter.readers.load(std::memory_order_seq_cst) != 0) Pause();
      }
    }
  }

  static void Pause();

  std::atomic<T *> current_;
  std::atomic<uint32_t> epoch_{0};
  std::array<std::array<Counter, kThreadSlots>, 2> counters_{};
};

template <typename T>
void SnapshotPublisher<T>::Pause() {
#if defined(__x86_64__) || defined(__i386__)
  __builtin_ia32_pause();
#endif
  // Readers are short, so spinning is brief; yielding keeps a 2-core machine responsive when a
  // reader's thread was descheduled.
  YieldThread();
}

}  // namespace llmroute
