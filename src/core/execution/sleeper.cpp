#include "core/execution/sleeper.hpp"

#include <chrono>
#include <thread>

#include "core/execution/cancel_token.hpp"

namespace llmroute {

void SystemSleeper::Sleep(int64_t duration_ns, CancelToken *cancel) {
  if (duration_ns <= 0) return;
  if (cancel != nullptr) {
    cancel->WaitFor(duration_ns);
  } else {
    std::this_thread::sleep_for(std::chrono::nanoseconds(duration_ns));
  }
}

}  // namespace llmroute
