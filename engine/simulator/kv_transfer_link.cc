#include "engine/simulator/kv_transfer_link.h"

#include <algorithm>

namespace tessera::simulator {

KvTransferLink::KvTransferLink(double time_scale) : time_scale_(time_scale) {}

KvTransferLink::Transfer KvTransferLink::Queue(std::chrono::steady_clock::time_point now,
                                               int64_t bytes, double bandwidth_bytes_per_second) {
  const double simulated = static_cast<double>(bytes) / bandwidth_bytes_per_second;
  const auto start = std::max(now, free_at_);
  free_at_ = start + std::chrono::duration_cast<std::chrono::steady_clock::duration>(
                         std::chrono::duration<double>(simulated * time_scale_));
  return Transfer{.ends = free_at_,
                  .seconds = std::chrono::duration<double>(free_at_ - now).count() / time_scale_};
}

}  // namespace tessera::simulator
