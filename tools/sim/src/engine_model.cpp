#include "engine_model.hpp"

#include <algorithm>
#include <cmath>
#include <stdexcept>

namespace sim {

size_t KvCache::CachedPrefix(const uint64_t *hashes, size_t n, int64_t now_ns) const {
  size_t k = 0;
  for (; k < n; ++k) {
    const auto it = entries_.find(hashes[k]);
    // A block another request is still computing is not a hit: this request computes it too.
    if (it == entries_.end() || it->second.ready_ns > now_ns) break;
  }
  return k;
}

int64_t KvCache::Cost(const uint64_t *hashes, size_t n, int64_t private_blocks) const {
  int64_t cost = private_blocks;
  for (size_t k = 0; k < n; ++k) {
    const auto it = entries_.find(hashes[k]);
    if (it == entries_.end() || it->second.refs == 0) ++cost;  // allocated, or taken off the LRU
  }
  return cost;
}

void KvCache::MakeRoom() {
  if (used_ + static_cast<int64_t>(lru_.size()) < total_) return;  // a free block is left
  if (lru_.empty()) throw std::logic_error("KvCache: no block to evict");
  entries_.erase(lru_.front());
  lru_.pop_front();
}

void KvCache::Pin(const uint64_t *hashes, size_t n, int64_t private_blocks, int64_t ready_ns) {
  for (size_t k = 0; k < n; ++k) {
    auto it = entries_.find(hashes[k]);
    if (it != entries_.end()) {
      if (it->second.refs++ == 0) {
        lru_.erase(it->second.lru);
        ++used_;
      }
      continue;
    }
    MakeRoom();
    Entry e;
    e.refs = 1;
    e.ready_ns = ready_ns;
    entries_.emplace(hashes[k], e);
    ++used_;
  }
  for (int64_t k = 0; k < private_blocks; ++k) {
    MakeRoom();
    ++used_;
  }
}

void KvCache::Release(const uint64_t *hashes, size_t n, int64_t private_blocks,
                      const uint64_t *kept, size_t kept_count, int64_t now_ns) {
  used_ -= private_blocks;
  // The prompt's blocks go back to the LRU tail first, the output's after them: the output is
  // the newest part of the conversation, so it is kept longest.
  for (size_t k = 0; k < n; ++k) {
    auto it = entries_.find(hashes[k]);
    if (it == entries_.end()) throw std::logic_error("KvCache: released a block it does not hold");
    if (--it->second.refs == 0) {
      --used_;
      it->second.lru = lru_.insert(lru_.end(), hashes[k]);
    }
  }
  for (size_t k = 0; k < kept_count; ++k) {
    if (entries_.count(kept[k]) != 0) continue;  // already cached (another request's copy)
    MakeRoom();
    Entry e;
    e.refs = 0;
    e.ready_ns = now_ns;
    e.lru = lru_.insert(lru_.end(), kept[k]);
    entries_.emplace(kept[k], e);
  }
}

int64_t Engine::PrivateBlocks(const EngineRequest &r) const {
  // Every block of prompt + output that is not one of the prompt's full blocks (reserved at
  // admission; vLLM allocates them as decoding goes and preempts when it runs out instead).
  const int64_t b = params_.block_tokens;
  const int64_t total = (r.prompt_tokens + r.output_tokens + b - 1) / b;
  return total - static_cast<int64_t>(r.prompt_hashes->size());
}

bool Engine::Fits(int64_t prompt_tokens, int64_t output_tokens) const {
  const int64_t b = params_.block_tokens;
  return (prompt_tokens + output_tokens + b - 1) / b <= params_.kv_blocks;
}

std::vector<Admitted> Engine::Admit(int64_t now_ns) {
  std::vector<Admitted> out;
  while (!waiting_.empty() && static_cast<int64_t>(running_.size()) < params_.max_running) {
    const EngineRequest &r = waiting_.front();
    const std::vector<uint64_t> &h = *r.prompt_hashes;
    const int64_t private_blocks = PrivateBlocks(r);
    if (cache_.Cost(h.data(), h.size(), private_blocks) > cache_.Available()) break;
    const size_t cached_blocks = cache_.CachedPrefix(h.data(), h.size(), now_ns);
    // At least the prompt's last token is computed (vLLM recomputes it on a full hit).
    const int64_t cached_tokens =
        std::min(static_cast<int64_t>(cached_blocks) * params_.block_tokens, r.prompt_tokens - 1);
    const int64_t uncached = r.prompt_tokens - cached_tokens;
    const int64_t start = std::max(now_ns, prefill_free_ns_);
    const double prefill_ms = params_.prefill_overhead_ms +
                              1000.0 * static_cast<double>(uncached) / params_.prefill_tokens_per_s;
    const int64_t end = start + static_cast<int64_t>(std::llround(prefill_ms * 1e6));
    prefill_free_ns_ = end;
    cache_.Pin(h.data(), h.size(), private_blocks, end);
    Slot run;
    run.request = r;
    run.private_blocks = private_blocks;
    running_.emplace(r.id, run);
    out.push_back(Admitted{r.id, cached_tokens, end});
    waiting_.pop_front();
  }
  return out;
}

int64_t Engine::StartDecode(uint32_t id, int64_t now_ns) {
  Slot &run = running_.at(id);
  run.decoding = true;
  // Its context over the decode, on average: the prompt and half the output.
  decoding_context_ += run.request.prompt_tokens + run.request.output_tokens / 2;
  const double tpot_ms = params_.decode_base_ms + params_.decode_ms_per_ktoken *
                                                      static_cast<double>(decoding_context_) / 1000;
  const double decode_ms =
      tpot_ms * static_cast<double>(std::max<int64_t>(0, run.request.output_tokens - 1));
  return now_ns + static_cast<int64_t>(std::llround(decode_ms * 1e6));
}

void Engine::Finish(uint32_t id, const std::vector<uint64_t> &output_hashes, int64_t now_ns) {
  auto it = running_.find(id);
  if (it == running_.end()) throw std::logic_error("Engine::Finish: not running");
  const Slot &run = it->second;
  if (run.decoding) {
    decoding_context_ -= run.request.prompt_tokens + run.request.output_tokens / 2;
  }
  const std::vector<uint64_t> &h = *run.request.prompt_hashes;
  cache_.Release(h.data(), h.size(), run.private_blocks, output_hashes.data(),
                 std::min<size_t>(output_hashes.size(), static_cast<size_t>(run.private_blocks)),
                 now_ns);
  running_.erase(it);
}

}  // namespace sim
