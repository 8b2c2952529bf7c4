#include "core/random.hpp"

#include <functional>
#include <random>
#include <thread>

namespace llmroute {

namespace {

uint64_t SeedForThisThread() {
  std::random_device device;
  const uint64_t entropy = (static_cast<uint64_t>(device()) << 32) ^ device();
  return entropy ^ std::hash<std::thread::id>{}(std::this_thread::get_id());
}

}  // namespace

uint64_t ThreadLocalRandom::Next() {
  // Constant-initialised and initial-exec (see thread_slot.cpp); seeded on first use.
  __attribute__((tls_model("initial-exec"))) thread_local uint64_t state = 0;
  __attribute__((tls_model("initial-exec"))) thread_local bool seeded = false;
  if (!seeded) [[unlikely]] {
    state = SeedForThisThread();
    seeded = true;
  }
  state += 0xa0761d6478bd642fULL;
  const unsigned __int128 product =
      static_cast<unsigned __int128>(state) * (state ^ 0xe7037ed1a0b428dbULL);
  return static_cast<uint64_t>(product >> 64) ^ static_cast<uint64_t>(product);
}

}  // namespace llmroute
