#include "core/engine/prefix_hash.hpp"

namespace llmroute {

namespace {

uint64_t Fnv1a(uint64_t hash, const unsigned char *bytes, size_t n) {
  for (size_t i = 0; i < n; ++i) {
    hash ^= bytes[i];
    hash *= kFnvPrime;
  }
  return hash;
}

}  // namespace

size_t PrefixHashes(const unsigned char *text, size_t len, uint32_t block_bytes, uint64_t *out,
                    size_t cap) {
  const size_t blocks = len / block_bytes;
  const size_t count = blocks < cap ? blocks : cap;
  uint64_t previous = 0;
  for (size_t i = 0; i < count; ++i) {
    uint64_t hash = kFnvOffsetBasis;
    if (i > 0) {
      unsigned char chain[8];
      for (int b = 0; b < 8; ++b) chain[b] = static_cast<unsigned char>(previous >> (8 * b));
      hash = Fnv1a(hash, chain, sizeof chain);
    }
    hash = Fnv1a(hash, text + i * block_bytes, block_bytes);
    out[i] = hash;
    previous = hash;
  }
  return count;
}

}  // namespace llmroute
