// Prefix block hashes (llmr_prefix_hashes): the prompt cut into fixed-size blocks, each block's
// hash chained to the previous one, so that hash i identifies blocks 0..i together, as vLLM's
// automatic prefix caching identifies a KV block by its tokens and its prefix
// (https://docs.vllm.ai/en/latest/design/prefix_caching/) and as the Gateway API Inference
// Extension's prefix-cache scorer hashes the prompt in blocks of characters
// (kubernetes-sigs/gateway-api-inference-extension, pkg/epp/.../plugins/multi/prefix).
//
// The function is fixed forever, so that every gateway instance and every binding computes the
// same values (the header documents it; tests/core/test_prefix_hash.cpp and each binding check
// the same vectors): FNV-1a 64 (offset basis 0xcbf29ce484222325, prime 0x100000001b3) over
//   block 0:  the block's bytes
//   block i:  the 8 bytes of hash i-1, little-endian, then the block's bytes
// each started from the offset basis. Only whole blocks are hashed; a shorter tail is ignored.
#pragma once

#include <cstddef>
#include <cstdint>

namespace llmroute {

constexpr uint64_t kFnvOffsetBasis = 0xcbf29ce484222325ULL;
constexpr uint64_t kFnvPrime = 0x100000001b3ULL;
// Largest block size llmr_prefix_hashes accepts (1 MiB).
constexpr uint32_t kMaxPrefixBlockBytes = 1U << 20;
// Most prefix hashes one pick may carry: the Gateway API Inference Extension's
// maxPrefixBlocksToMatch default (DefaultMaxPrefixBlocks = 256).
constexpr size_t kMaxPickPrefixHashes = 256;

// Writes the hashes of the first min(len / block_bytes, cap) blocks of `text` to `out` and
// returns how many. block_bytes > 0 (the caller checks).
size_t PrefixHashes(const unsigned char *text, size_t len, uint32_t block_bytes, uint64_t *out,
                    size_t cap);

}  // namespace llmroute
