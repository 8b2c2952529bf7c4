// Per-model statistics: picks and fallbacks, counted by model name (after alias resolution) for
// the router's lifetime, so they survive reloads.
//
// Picks are counted on the pick path, so the counters are sharded by thread slot, each shard on
// its own cache line: threads picking the same model at once do not write the same line, and a
// pick pays one relaxed fetch_add on a line its thread slot owns. The pick path finds its counters
// through the model group (resolved when the snapshot is built), never through the registry.
#pragma once

#include <array>
#include <atomic>
#include <cstdint>
#include <memory>
#include <shared_mutex>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "core/string_map.hpp"
#include "core/thread_slot.hpp"

namespace llmroute {

class ModelCounters {
 public:
  void AddPick() { slots_[ThisThreadSlot()].picks.fetch_add(1, std::memory_order_relaxed); }
  void AddFallback() { slots_[ThisThreadSlot()].fallbacks.fetch_add(1, std::memory_order_relaxed); }
  // Hedged calls (execution/hedged_attempt.hpp): hedges started, and those that won. Rare
  // (bounded by the hedge budget), so they are not sharded.
  void AddHedge() { hedges_.fetch_add(1, std::memory_order_relaxed); }
  void AddHedgeWin() { hedge_wins_.fetch_add(1, std::memory_order_relaxed); }
  int64_t Picks() const;
  int64_t Fallbacks() const;
  int64_t Hedges() const { return hedges_.load(std::memory_order_relaxed); }
  int64_t HedgeWins() const { return hedge_wins_.load(std::memory_order_relaxed); }

 private:
  struct alignas(64) Slot {
    std::atomic<int64_t> picks{0};
    std::atomic<int64_t> fallbacks{0};
  };
  std::array<Slot, kThreadSlots> slots_{};
  std::atomic<int64_t> hedges_{0};
  std::atomic<int64_t> hedge_wins_{0};
};

class ModelStatsRegistry {
 public:
  // Past this many distinct model names (globs can let callers invent names), further names
  // share one entry named kOverflowName, so memory and metric cardinality stay bounded.
  static constexpr size_t kMaxModels = 4096;
  static constexpr std::string_view kOverflowName = "(other)";

  // The counters of `model`, created on first use. Never null; valid for the registry's life.
  ModelCounters *For(std::string_view model);

  struct Entry {
    std::string model;
    int64_t picks;
    int64_t fallbacks;
    int64_t hedges = 0;
    int64_t hedge_wins = 0;
  };
  // Every model seen, sorted by name (the overflow entry last, when used).
  std::vector<Entry> Read() const;

 private:
  mutable std::shared_mutex mutex_;
  StringMap<std::unique_ptr<ModelCounters>> models_;  // guarded by mutex_
  ModelCounters overflow_;
  std::atomic<bool> overflow_used_{false};
};

}  // namespace llmroute
