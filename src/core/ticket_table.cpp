#include "core/ticket_table.hpp"

namespace llmroute {

TicketTable::~TicketTable() {
  for (auto &chunk : chunks_) delete[] chunk.load();
}

uint64_t TicketTable::Issue(const TicketData &data) {
  const uint32_t index = PopFree();
  if (index == kNone) return 0;
  Slot &slot = At(index);
  slot.data = data;
  const uint32_t live = slot.generation.load(std::memory_order_relaxed) + 1;  // even -> odd
  slot.generation.store(live, std::memory_order_release);
  return (static_cast<uint64_t>(index) + 1) << 32 | live;
}

Code TicketTable::Complete(uint64_t ticket, TicketData *out) {
  const uint64_t high = ticket >> 32;
  const auto generation = static_cast<uint32_t>(ticket);
  if (high == 0 || (generation & 1U) == 0) return Code::kInvalidTicket;
  const uint64_t index = high - 1;
  if (index >= static_cast<uint64_t>(chunk_count_.load(std::memory_order_acquire)) * kChunkSize) {
    return Code::kInvalidTicket;
  }
  Slot &slot = At(static_cast<uint32_t>(index));
  uint32_t expected = generation;
  if (!slot.generation.compare_exchange_strong(expected, generation + 1,
                                               std::memory_order_acq_rel)) {
    // A generation the slot has already passed was issued and completed; a later one never was.
    return static_cast<int32_t>(expected - generation) > 0 ? Code::kTicketDone
                                                           : Code::kInvalidTicket;
  }
  *out = slot.data;
  PushFree(static_cast<uint32_t>(index));
  return Code::kOk;
}

uint32_t TicketTable::PopFree() {
  FreeList &own = free_lists_[ThisThreadSlot()];
  {
    std::lock_guard<SpinLock> lock(own.lock);
    if (own.head != kNone) {
      const uint32_t index = own.head;
      own.head = At(index).next_free;
      return index;
    }
  }
  return StealOrGrow(own);
}

void TicketTable::PushFree(uint32_t index) {
  FreeList &own = free_lists_[ThisThreadSlot()];
  std::lock_guard<SpinLock> lock(own.lock);
  At(index).next_free = own.head;
  own.head = index;
}

uint32_t TicketTable::StealOrGrow(FreeList &own) {
  // Reports often run on other threads than picks, so free slots drift between lists: take a
  // whole list from another thread slot before allocating more.
  for (FreeList &other : free_lists_) {
    if (&other == &own) continue;
    uint32_t stolen = kNone;
    {
      std::lock_guard<SpinLock> lock(other.lock);
      stolen = other.head;
      other.head = kNone;
    }
    if (stolen == kNone) continue;
    std::lock_guard<SpinLock> lock(own.lock);
    const uint32_t rest = At(stolen).next_free;
    if (rest != kNone) {
      uint32_t tail = rest;
      while (At(tail).next_free != kNone) tail = At(tail).next_free;
      At(tail).next_free = own.head;
      own.head = rest;
    }
    return stolen;
  }
  std::lock_guard<std::mutex> grow(grow_mutex_);
  const uint32_t chunk = chunk_count_.load(std::memory_order_relaxed);
  if (chunk == kMaxChunks) return kNone;
  chunks_[chunk].store(new Slot[kChunkSize], std::memory_order_release);
  chunk_count_.store(chunk + 1, std::memory_order_release);
  const uint32_t first = chunk * kChunkSize;
  std::lock_guard<SpinLock> lock(own.lock);
  for (uint32_t i = kChunkSize - 1; i >= 1; --i) {
    At(first + i).next_free = own.head;
    own.head = first + i;
  }
  return first;
}

}  // namespace llmroute
