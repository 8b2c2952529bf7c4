// A deployment's approximate index of the prefix blocks recently routed to it (the engine_aware
// strategy's guess of what its KV cache holds, as SGLang's router keeps an approximate radix tree
// of the prefixes it sent each worker and the Gateway API Inference Extension's prefix-cache
// scorer an LRU of block hashes per server).
//
// Bounded: a fixed table of 2-way buckets, `capacity` blocks rounded up to a power of two, 16
// bytes a block, allocated on the deployment's first recorded pick (the default 31250 blocks,
// GIE's LRUCapacityPerServer, make 512 KiB). A new block replaces the older of its bucket's two,
// so the table never grows and old prefixes fade as new ones arrive (an approximate LRU).
// Expiring: an entry last routed more than the TTL ago no longer matches.
//
// Lock-free both ways: a pick records its hashes with plain atomic stores (a cheap bounded write,
// at most kMaxPickPrefixHashes entries) and reads them with atomic loads. Two picks writing the
// same bucket at once may lose one entry: the index is a hint, not a cache directory.
#pragma once

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <memory>

namespace llmroute {

class PrefixIndex {
 public:
  PrefixIndex() = default;
  ~PrefixIndex();
  PrefixIndex(const PrefixIndex &) = delete;
  PrefixIndex &operator=(const PrefixIndex &) = delete;

  // Remembers that the blocks `hashes[0..n)` were routed here at `now_ns`. The first call
  // allocates the table with `capacity` blocks (rounded up to a power of two, at least 2).
  void Record(const uint64_t *hashes, size_t n, int64_t now_ns, uint32_t capacity);

  // How many leading blocks of `hashes` were routed here within `ttl_ns` of `now_ns`: the
  // longest matched prefix, found by binary search (chained hashes make a match of block i imply
  // its prefix was sent with it). 0 before the first Record.
  size_t Match(const uint64_t *hashes, size_t n, int64_t now_ns, int64_t ttl_ns) const;

  // Blocks the table can hold (0 before the first Record), and entries younger than `ttl_ns`
  // (a full scan: for tests and statistics, not for picks).
  size_t SlotCount() const;
  size_t LiveEntries(int64_t now_ns, int64_t ttl_ns) const;

  static constexpr size_t kBytesPerSlot = 16;

 private:
  struct Slot {
    std::atomic<uint64_t> key{0};  // 0: empty
    std::atomic<uint32_t> stamp{0};
  };
  struct Table {
    explicit Table(size_t slots) : mask(slots - 1), slot(new Slot[slots]) {}
    size_t mask;
    std::unique_ptr<Slot[]> slot;
  };
  bool Contains(const Table &table, uint64_t hash, uint32_t now_stamp, uint32_t ttl_stamps) const;

  std::atomic<Table *> table_{nullptr};
};

}  // namespace llmroute
