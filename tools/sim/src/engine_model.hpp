// A self-hosted inference engine (vLLM, SGLang) as the engine scenarios model it: a KV cache of
// fixed-size blocks shared between requests through their prompt-prefix hashes (LRU eviction of
// the blocks no running request holds), continuous batching up to a number of running requests,
// prefill time proportional to the prompt tokens not found in the cache, and decode time per
// output token. The parameters and where they come from: tools/sim/README.md, "Engine scenarios".
#ifndef LLMROUTE_SIM_ENGINE_MODEL_HPP
#define LLMROUTE_SIM_ENGINE_MODEL_HPP

#include <cstddef>
#include <cstdint>
#include <deque>
#include <list>
#include <unordered_map>
#include <vector>

namespace sim {

struct EngineParams {
  /** Tokens per KV block (vLLM's and SGLang's page size 16). */
  int64_t block_tokens = 16;
  /** KV-cache capacity, in blocks. */
  int64_t kv_blocks = 26000;
  /** Requests decoded together at most (vLLM's max_num_seqs). */
  int64_t max_running = 256;
  /** Prefill throughput, prompt tokens per second (compute-bound; requests share it in arrival
   * order, as chunked prefill does). */
  double prefill_tokens_per_s = 25000;
  /** Fixed cost of each prefill (scheduling, the first decode step), ms. */
  double prefill_overhead_ms = 5;
  /** Time per output token: the weights read once per step plus every running sequence's KV
   * read (memory-bound), ms = decode_base_ms + decode_ms_per_ktoken x context tokens / 1000. */
  double decode_base_ms = 4.8;
  double decode_ms_per_ktoken = 0.04;
};

/** The KV cache: `total` blocks, each either free, held by running requests (pinned; prompt
 * blocks keyed by their prefix hash, private ones for the rest of the prompt and the output), or
 * cached: keyed by hash, held by nobody, evicted least recently used first. */
class KvCache {
 public:
  explicit KvCache(int64_t total) : total_(total) {}

  /** How many leading hashes are in the cache and computed by `now_ns`. */
  size_t CachedPrefix(const uint64_t *hashes, size_t n, int64_t now_ns) const;
  /** Blocks that pinning these hashes plus `private_blocks` would take from the free and
   * cached ones. */
  int64_t Cost(const uint64_t *hashes, size_t n, int64_t private_blocks) const;
  /** Free plus cached blocks (what new requests may take). */
  int64_t Available() const { return total_ - used_; }
  /** Holds the hashes' blocks (absent ones are allocated, computed at `ready_ns`) and
   * `private_blocks` more, evicting cached blocks as needed. Needs Cost() <= Available(). */
  void Pin(const uint64_t *hashes, size_t n, int64_t private_blocks, int64_t ready_ns);
  /** Releases what Pin() took; then caches `kept` (the output's full blocks, which took private
   * blocks) as computed now. */
  void Release(const uint64_t *hashes, size_t n, int64_t private_blocks, const uint64_t *kept,
               size_t kept_count, int64_t now_ns);
  /** Held blocks / total (what vLLM's kv_cache_usage_perc reports: cached blocks nobody holds
   * count as free). */
  double Utilisation() const { return static_cast<double>(used_) / static_cast<double>(total_); }
  int64_t Total() const { return total_; }

 private:
  struct Entry {
    int32_t refs = 0;
    int64_t ready_ns = 0;
    std::list<uint64_t>::iterator lru;  // valid while refs == 0
  };
  void MakeRoom();  // frees one block, evicting the least recently used cached one if none is free

  int64_t total_;
  int64_t used_ = 0;  // pinned hashed blocks + private blocks
  std::unordered_map<uint64_t, Entry> entries_;
  std::list<uint64_t> lru_;  // cached blocks nobody holds, least recently used first
};

/** A request as the engine sees it. The hashes are the prompt's full blocks' chained prefix
 * hashes (llmr_prefix_hashes over the prompt's tokens), and stay owned by the caller until
 * Finish(). */
struct EngineRequest {
  uint32_t id = 0;
  const std::vector<uint64_t> *prompt_hashes = nullptr;
  int64_t prompt_tokens = 0;
  int64_t output_tokens = 0;
};

/** A request the engine started: when its first token comes out and how many of its prompt
 * tokens came from the cache. */
struct Admitted {
  uint32_t id = 0;
  int64_t cached_tokens = 0;
  int64_t first_token_ns = 0;
};

class Engine {
 public:
  explicit Engine(const EngineParams &params) : params_(params), cache_(params.kv_blocks) {}

  /** Queues a request (FIFO). */
  void Enqueue(const EngineRequest &request) { waiting_.push_back(request); }
  /** Starts the waiting requests that fit now, in order (stops at the first that does not). */
  std::vector<Admitted> Admit(int64_t now_ns);
  /** The request's prefill ended: from now it decodes; returns when its last token comes. */
  int64_t StartDecode(uint32_t id, int64_t now_ns);
  /** The request finished: its blocks are released, the output's full blocks (`output_hashes`,
   * the hashes of the whole sequence's full blocks past the prompt's) stay cached. */
  void Finish(uint32_t id, const std::vector<uint64_t> &output_hashes, int64_t now_ns);

  /** What vLLM's /metrics would show now. */
  int64_t Waiting() const { return static_cast<int64_t>(waiting_.size()); }
  int64_t Running() const { return static_cast<int64_t>(running_.size()); }
  double KvUtilisation() const { return cache_.Utilisation(); }
  /** Whether a request of this size could ever fit. */
  bool Fits(int64_t prompt_tokens, int64_t output_tokens) const;

 private:
  struct Slot {
    EngineRequest request;
    int64_t private_blocks = 0;
    bool decoding = false;
  };
  int64_t PrivateBlocks(const EngineRequest &r) const;

  EngineParams params_;
  KvCache cache_;
  std::deque<EngineRequest> waiting_;
  std::unordered_map<uint32_t, Slot> running_;
  int64_t prefill_free_ns_ = 0;   // when the prefill queue drains
  int64_t decoding_context_ = 0;  // context tokens of the decoding requests
};

}  // namespace sim

#endif  // LLMROUTE_SIM_ENGINE_MODEL_HPP
