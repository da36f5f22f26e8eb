// A prefill worker's link for KV transfers, as both disaggregation protocols
// model it: moving B bytes at W bytes per second takes B ÷ W of simulated
// time, and the link carries one transfer at a time, so transfers that
// overlap queue behind each other and share its bandwidth.

#ifndef TESSERA_ENGINE_SIMULATOR_KV_TRANSFER_LINK_H_
#define TESSERA_ENGINE_SIMULATOR_KV_TRANSFER_LINK_H_

#include <chrono>
#include <cstdint>

namespace tessera::simulator {

class KvTransferLink {
 public:
  struct Transfer {
    std::chrono::steady_clock::time_point ends{};  // in wall time
    // Simulated seconds from when the transfer was queued to its end,
    // waiting behind earlier transfers included.
    double seconds = 0;
  };

  // `time_scale`: wall seconds per simulated second, as --time-scale.
  explicit KvTransferLink(double time_scale);

  // Queues a transfer ready at `now` (wall time). Precondition:
  // bandwidth_bytes_per_second > 0.
  Transfer Queue(std::chrono::steady_clock::time_point now, int64_t bytes,
                 double bandwidth_bytes_per_second);

 private:
  double time_scale_;
  std::chrono::steady_clock::time_point free_at_{};
};

}  // namespace tessera::simulator

#endif  // TESSERA_ENGINE_SIMULATOR_KV_TRANSFER_LINK_H_
