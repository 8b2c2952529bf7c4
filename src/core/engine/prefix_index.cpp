#include "core/engine/prefix_index.hpp"

#include <bit>

namespace llmroute {

namespace {

// Time in units of 2^20 ns (about 1.05 ms), wrapping every 52 days; ages are differences.
constexpr int kStampShift = 20;

uint32_t Stamp(int64_t now_ns) {
  return static_cast<uint32_t>(static_cast<uint64_t>(now_ns) >> kStampShift);
}

// Whether an entry stamped `stamp` is live at `now_stamp`. An entry stamped later than now is
// live: a pick that read the exact clock may record just before one on the coarse clock
// (Clock::CoarseNowNs, up to a tick behind) matches, and an unsigned age would wrap to "expired".
bool Live(uint32_t now_stamp, uint32_t stamp, uint32_t ttl_stamps) {
  const auto age = static_cast<int32_t>(now_stamp - stamp);
  return age <= 0 || static_cast<uint32_t>(age) <= ttl_stamps;
}

// 0 marks an empty slot: a hash of 0 is stored as 1.
uint64_t Key(uint64_t hash) {
  return hash == 0 ? 1 : hash;
}

// The first slot of the hash's bucket (buckets are slot pairs).
size_t Bucket(uint64_t key, size_t mask) {
  return static_cast<size_t>(key ^ (key >> 29)) & mask & ~size_t{1};
}

}  // namespace

PrefixIndex::~PrefixIndex() {
  delete table_.load(std::memory_order_acquire);
}

void PrefixIndex::Record(const uint64_t *hashes, size_t n, int64_t now_ns, uint32_t capacity) {
  Table *table = table_.load(std::memory_order_acquire);
  if (table == nullptr) {
    const size_t slots = std::bit_ceil(capacity < 2 ? size_t{2} : size_t{capacity});
    auto fresh = std::make_unique<Table>(slots);
    if (table_.compare_exchange_strong(table, fresh.get(), std::memory_order_acq_rel)) {
      table = fresh.release();
    }  // else another pick allocated it first: `table` now holds theirs, ours is freed
  }
  const uint32_t stamp = Stamp(now_ns);
  for (size_t i = 0; i < n; ++i) {
    const uint64_t key = Key(hashes[i]);
    Slot *bucket = &table->slot[Bucket(key, table->mask)];
    Slot *target = nullptr;
    for (int way = 0; way < 2; ++way) {
      if (bucket[way].key.load(std::memory_order_relaxed) == key) target = &bucket[way];
    }
    if (target == nullptr) {
      // The older of the two (an empty slot's stamp is as old as any).
      const uint32_t age0 = stamp - bucket[0].stamp.load(std::memory_order_relaxed);
      const uint32_t age1 = stamp - bucket[1].stamp.load(std::memory_order_relaxed);
      const bool empty0 = bucket[0].key.load(std::memory_order_relaxed) == 0;
      const bool empty1 = bucket[1].key.load(std::memory_order_relaxed) == 0;
      target = empty0 ? &bucket[0] : empty1 ? &bucket[1] : age0 >= age1 ? &bucket[0] : &bucket[1];
      target->key.store(key, std::memory_order_relaxed);
    }
    target->stamp.store(stamp, std::memory_order_relaxed);
  }
}

bool PrefixIndex::Contains(const Table &table, uint64_t hash, uint32_t now_stamp,
                           uint32_t ttl_stamps) const {
  const uint64_t key = Key(hash);
  const Slot *bucket = &table.slot[Bucket(key, table.mask)];
  for (int way = 0; way < 2; ++way) {
    if (bucket[way].key.load(std::memory_order_relaxed) == key &&
        Live(now_stamp, bucket[way].stamp.load(std::memory_order_relaxed), ttl_stamps)) {
      return true;
    }
  }
  return false;
}

size_t PrefixIndex::Match(const uint64_t *hashes, size_t n, int64_t now_ns, int64_t ttl_ns) const {
  const Table *table = table_.load(std::memory_order_acquire);
  if (table == nullptr || n == 0) return 0;
  const uint32_t now_stamp = Stamp(now_ns);
  const auto ttl_stamps = static_cast<uint32_t>(ttl_ns >> kStampShift);
  // The largest m with block m-1 present, over [0, n].
  size_t lo = 0;
  size_t hi = n;
  while (lo < hi) {
    const size_t mid = (lo + hi + 1) / 2;
    if (Contains(*table, hashes[mid - 1], now_stamp, ttl_stamps)) {
      lo = mid;
    } else {
      hi = mid - 1;
    }
  }
  return lo;
}

size_t PrefixIndex::SlotCount() const {
  const Table *table = table_.load(std::memory_order_acquire);
  return table == nullptr ? 0 : table->mask + 1;
}

size_t PrefixIndex::LiveEntries(int64_t now_ns, int64_t ttl_ns) const {
  const Table *table = table_.load(std::memory_order_acquire);
  if (table == nullptr) return 0;
  const uint32_t now_stamp = Stamp(now_ns);
  const auto ttl_stamps = static_cast<uint32_t>(ttl_ns >> kStampShift);
  size_t live = 0;
  for (size_t i = 0; i <= table->mask; ++i) {
    const Slot &slot = table->slot[i];
    if (slot.key.load(std::memory_order_relaxed) != 0 &&
        Live(now_stamp, slot.stamp.load(std::memory_order_relaxed), ttl_stamps)) {
      ++live;
    }
  }
  return live;
}

}  // namespace llmroute
