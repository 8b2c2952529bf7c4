#include "core/ticket_table.hpp"

namespace llmroute {

static_assert(TicketTable::kMaxOutstanding == uint64_t{1} << (TicketTable::kTagShift - 32),
              "the slot index must fit between the tag and the generation");

namespace {

// The tags of the tables alive, with how many tables hold each. A new table takes the next free
// one after the last taken, so a tag freed by a destroyed router is not reused at once either.
class TagRegistry {
 public:
  uint64_t Take() {
    std::lock_guard<std::mutex> lock(mutex_);
    for (uint64_t i = 0; i < TicketTable::kTagCount; ++i) {
      cursor_ = cursor_ % (TicketTable::kTagCount - 1) + 1;  // 1..511: 0 is never a tag
      if (holders_[cursor_] == 0) break;
    }
    // More than 511 tables alive: the next one shares a tag (uniqueness is then best effort).
    ++holders_[cursor_];
    return cursor_;
  }
  void Give(uint64_t tag) {
    std::lock_guard<std::mutex> lock(mutex_);
    --holders_[tag];
  }

 private:
  std::mutex mutex_;
  std::array<uint32_t, TicketTable::kTagCount> holders_{};
  uint64_t cursor_ = 0;
};

TagRegistry &Tags() {
  static TagRegistry *registry = new TagRegistry;  // never destroyed: routers may outlive exit
  return *registry;
}

}  // namespace

TicketTable::TicketTable() : tag_(Tags().Take()) {}

TicketTable::~TicketTable() {
  for (auto &chunk : chunks_) delete[] chunk.load();
  Tags().Give(tag_);
}

uint64_t TicketTable::Issue(const TicketData &data) {
  const uint32_t index = PopFree();
  if (index == kNone) return 0;
  Slot &slot = At(index);
  slot.data = data;
  const uint32_t live = slot.generation.load(std::memory_order_relaxed) + 1;  // even -> odd
  slot.generation.store(live, std::memory_order_release);
  return tag_ << kTagShift | static_cast<uint64_t>(index) << 32 | live;
}

Code TicketTable::Complete(uint64_t ticket, TicketData *out) {
  const auto generation = static_cast<uint32_t>(ticket);
  if (ticket >> kTagShift != tag_ || (generation & 1U) == 0) return Code::kInvalidTicket;
  const uint64_t index = (ticket >> 32) & (kMaxOutstanding - 1);
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
