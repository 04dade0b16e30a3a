// Small helpers the federation's sources share.
#pragma once

#include <chrono>
#include <cstdint>

namespace lapis::federation {

// Milliseconds since the epoch (envelope times, delivery records).
inline int64_t NowMs() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

}  // namespace lapis::federation
