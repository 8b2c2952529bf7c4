// A small per-thread number used to spread per-thread counters over separate cache lines, so
// that threads picking at once do not write the same line.
#pragma once

#include <cstddef>

namespace llmroute {

constexpr size_t kThreadSlots = 16;

// Stable for the calling thread; threads get consecutive numbers modulo kThreadSlots.
size_t ThisThreadSlot();

// std::this_thread::yield, out of line so that headers need not include <thread>.
void YieldThread();

}  // namespace llmroute
