// Outstanding tickets: what a pick handed out and a report or cancel must give back exactly once.
//
// A ticket is tag << 54 | slot index << 32 | generation. The tag (1..511) is the table's own,
// distinct among the tables alive at once (up to 511 of them; beyond that tags are shared), so a
// ticket of another router is "never issued by this router" rather than completing one of ours.
// Bit 63 stays clear: a ticket fits a signed 64-bit integer (Java's long) as a positive value.
// A slot's generation is odd while its ticket is live; completing it is one compare-and-swap to
// the next (even) value, so a second report of the same ticket fails instead of counting twice,
// and a recycled slot never accepts an old ticket. Tickets are never 0 (the tag is not).
// Free slots sit in per-thread-slot lists, so concurrent picks do not contend on one free list;
// slots are allocated in chunks that live as long as the table, so steady state allocates nothing.
#pragma once

#include <array>
#include <atomic>
#include <cstdint>
#include <memory>
#include <mutex>

#include "core/spin_lock.hpp"
#include "core/status.hpp"
#include "core/thread_slot.hpp"

namespace llmroute {

class DeploymentState;

struct TicketData {
  DeploymentState *deployment = nullptr;
  const char *model = nullptr;
  bool probe = false;  // a half-open probe: holds a probe slot, its outcome decides the breaker
  bool panic = false;  // routed by the panic policy to a deployment still cooling down
};

class TicketTable {
 public:
  static constexpr uint32_t kChunkSize = 4096;
  static constexpr uint32_t kMaxChunks = 1024;  // 4 Mi tickets outstanding at most
  static constexpr uint32_t kMaxOutstanding = kChunkSize * kMaxChunks;  // LLMR_MAX_TICKETS
  static constexpr int kTagShift = 54;        // 22 bits of slot index below: kMaxOutstanding = 2^22
  static constexpr uint64_t kTagCount = 512;  // tags 1..511

  TicketTable();
  ~TicketTable();
  TicketTable(const TicketTable &) = delete;
  TicketTable &operator=(const TicketTable &) = delete;

  // Returns a new live ticket carrying `data`, or 0 when kMaxOutstanding are outstanding.
  uint64_t Issue(const TicketData &data);
  // This table's tag (see above).
  uint64_t tag() const { return tag_; }

  // Ends a live ticket and hands back its data. kInvalidTicket for a ticket never issued,
  // kTicketDone for one already completed.
  Code Complete(uint64_t ticket, TicketData *out);

  // Calls fn(data) for every live ticket; only for use when no other thread uses the table.
  template <typename F>
  void ForEachLiveUnsynchronised(F fn) const;

 private:
  static constexpr uint32_t kNone = UINT32_MAX;

  // One cache line each: two threads' tickets in one line (a free list is LIFO, so a thread
  // reuses one slot, and the slot next to it is often another thread's) bounced that line on
  // every pick and report: two threads on one router ran no faster than one (perf, bench).
  struct alignas(64) Slot {
    std::atomic<uint32_t> generation{0};
    uint32_t next_free = kNone;
    TicketData data;
  };
  struct alignas(64) FreeList {
    SpinLock lock;
    uint32_t head = kNone;
  };

  Slot &At(uint32_t index) const {
    return chunks_[index / kChunkSize].load(std::memory_order_acquire)[index % kChunkSize];
  }
  uint32_t PopFree();
  void PushFree(uint32_t index);
  uint32_t StealOrGrow(FreeList &own);

  const uint64_t tag_;
  std::array<std::atomic<Slot *>, kMaxChunks> chunks_{};
  std::atomic<uint32_t> chunk_count_{0};
  std::array<FreeList, kThreadSlots> free_lists_{};
  std::mutex grow_mutex_;
};

template <typename F>
void TicketTable::ForEachLiveUnsynchronised(F fn) const {
  const uint32_t slots = chunk_count_.load() * kChunkSize;
  for (uint32_t i = 0; i < slots; ++i) {
    const Slot &slot = At(i);
    if (slot.generation.load() & 1U) fn(slot.data);
  }
}

}  // namespace llmroute
