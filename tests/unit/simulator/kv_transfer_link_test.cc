#include "engine/simulator/kv_transfer_link.h"

#include <chrono>

#include <gtest/gtest.h>

namespace tessera::simulator {
namespace {

using std::chrono::milliseconds;

constexpr std::chrono::steady_clock::time_point kStart{std::chrono::hours(1)};

// 3,000 prompt tokens of llama-3.1-8b's bf16 cache (131,072 bytes each)
// over 4 GB/s: 98.3 ms of simulated time, 9.83 ms of wall time at 0.1.
TEST(KvTransferLinkTest, TakesBytesOverBandwidthScaledToWallTime) {
  KvTransferLink link(0.1);
  const KvTransferLink::Transfer transfer = link.Queue(kStart, 3000 * 131072, 4e9);
  EXPECT_NEAR(transfer.seconds, 0.098304, 1e-9);
  EXPECT_NEAR(std::chrono::duration<double>(transfer.ends - kStart).count(), 0.0098304, 1e-9);
}

TEST(KvTransferLinkTest, OverlappingTransfersQueueAndLaterOnesStartFresh) {
  KvTransferLink link(1.0);
  const KvTransferLink::Transfer first = link.Queue(kStart, 1'000'000'000, 1e9);
  const KvTransferLink::Transfer second =
      link.Queue(kStart + milliseconds(500), 1'000'000'000, 1e9);
  EXPECT_NEAR(first.seconds, 1.0, 1e-9);
  // Half a second waiting behind the first, then its own second.
  EXPECT_NEAR(second.seconds, 1.5, 1e-9);
  EXPECT_EQ(second.ends, kStart + milliseconds(2000));
  const KvTransferLink::Transfer later = link.Queue(kStart + milliseconds(5000), 500'000'000, 1e9);
  EXPECT_NEAR(later.seconds, 0.5, 1e-9);
}

}  // namespace
}  // namespace tessera::simulator
