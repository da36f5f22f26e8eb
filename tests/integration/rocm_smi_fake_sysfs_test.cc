// The rocm-smi backend against the real librocm_smi64 (Debian's 5.2.3) on a
// fake MI300X sysfs tree.
//
// Each test forks. The child enters a private mount namespace, mounts tmpfs
// over /sys/class and /sys/devices (where the library reads; drm and KFD
// entries are symlinks into /sys/devices) and over /dev/shm (where the
// library keeps a process-shared mutex per device, so concurrent tests and
// the host stay apart), lays out the tree, and runs the test body. Its
// GoogleTest failures print as they happen; its exit status tells the
// parent. Where mount namespaces are not permitted (not root, or a
// container without CAP_SYS_ADMIN) the test is skipped, saying why.

#include <array>
#include <cerrno>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <functional>
#include <iostream>
#include <string>
#include <system_error>

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <sched.h>
#include <sys/mount.h>
#include <sys/wait.h>
#include <unistd.h>

#include "agent/gpu/rocm_smi_gpu_backend.h"
#include "tests/unit/agent/gpu/fake_amdgpu_tree.h"

namespace tessera::agent {
namespace {

namespace fs = std::filesystem;
using hardware::ComputePartition;
using hardware::MemoryPartition;
using ::testing::ElementsAre;
using testing::FakeGpu;
using testing::FakeTree;
using ::testing::HasSubstr;
using testing::kGiB;
using testing::WriteFakeAmdgpuTree;
using testing::WriteText;

constexpr int kNamespacesUnavailable = 77;

// Empty when the child is in a private namespace with fresh tmpfs mounts;
// otherwise why not.
std::string EnterPrivateSysfs(bool& permitted) {
  permitted = true;
  auto failure = [&permitted](const std::string& what) {
    const int error = errno;
    permitted = error != EPERM && error != EACCES && error != ENOSYS;
    return what + ": " + std::generic_category().message(error);
  };
  if (::unshare(CLONE_NEWNS) != 0) return failure("unshare(CLONE_NEWNS)");
  // Nothing mounted here may propagate back to the host's namespace.
  if (::mount(nullptr, "/", nullptr, MS_REC | MS_PRIVATE, nullptr) != 0) {
    return failure("mount --make-rprivate /");
  }
  for (const char* target : {"/sys/class", "/sys/devices", "/dev/shm"}) {
    if (::mount("tessera-fake-sysfs", target, "tmpfs", MS_NOSUID | MS_NODEV, "mode=0755") != 0) {
      return failure(std::string("mount -t tmpfs ") + target);
    }
  }
  return "";
}

// Runs `body` in a forked child inside a private mount namespace; see the
// file comment.
void RunInFakeSysfs(const std::function<void()>& body) {
  if (::geteuid() != 0) {
    GTEST_SKIP() << "the librocm_smi64 fake-sysfs test needs root: it mounts tmpfs over "
                    "/sys/class inside a private mount namespace (unshare -m)";
  }
  std::array<int, 2> pipe_fds{};
  ASSERT_EQ(::pipe(pipe_fds.data()), 0);
  std::cout.flush();
  std::fflush(nullptr);
  const pid_t child = ::fork();
  ASSERT_GE(child, 0) << std::generic_category().message(errno);
  if (child == 0) {
    ::close(pipe_fds[0]);
    bool permitted = true;
    const std::string error = EnterPrivateSysfs(permitted);
    if (!error.empty()) {
      const ssize_t written = ::write(pipe_fds[1], error.data(), error.size());
      (void)written;  // the exit status alone still tells the parent
      ::_exit(permitted ? 2 : kNamespacesUnavailable);
    }
    ::close(pipe_fds[1]);
    body();
    const bool failed = ::testing::Test::HasFailure();
    std::cout.flush();
    // exit, not _exit: the library's static state is torn down and, in the
    // sanitizer build, LeakSanitizer checks the child as well. The child has
    // one thread.
    std::exit(failed ? 1 : 0);  // NOLINT(concurrency-mt-unsafe)
  }
  ::close(pipe_fds[1]);
  std::string reason;
  std::array<char, 512> buffer{};
  for (ssize_t n = 0; (n = ::read(pipe_fds[0], buffer.data(), buffer.size())) > 0;) {
    reason.append(buffer.data(), static_cast<size_t>(n));
  }
  ::close(pipe_fds[0]);
  int status = 0;
  ASSERT_EQ(::waitpid(child, &status, 0), child);
  if (WIFEXITED(status) && WEXITSTATUS(status) == kNamespacesUnavailable) {
    GTEST_SKIP() << "mount namespaces are not permitted here (" << reason
                 << "); the librocm_smi64 fake-sysfs test needs CAP_SYS_ADMIN";
  }
  ASSERT_TRUE(WIFEXITED(status)) << "the namespaced child was killed by signal " << WTERMSIG(status)
                                 << " (SIGABRT: an assertion inside librocm_smi64?)";
  EXPECT_EQ(WEXITSTATUS(status), 0) << "the namespaced child failed: " << reason
                                    << (reason.empty() ? "its failures are printed above" : "");
}

// An MI300X as amdgpu shows it, with readings every GPU makes different.
FakeGpu Mi300x(const std::string& pci_bus_id, int seed) {
  return FakeGpu{
      .pci_bus_id = pci_bus_id,
      .unique_id = 0x4e4a6e1d3d2c1b00U + static_cast<uint64_t>(seed),
      .vbios_version = "113-M3000100-10" + std::to_string(seed),
      .numa_node = seed % 2,
      .vram_used_bytes = (10 + seed) * kGiB,
      .busy_percent = 10 + seed,
      .junction_celsius = 50.0 + seed,
      .memory_celsius = 40.0 + seed,
      .power_watts = 200.0 + seed,
      .gfx_clock_hz = 2'100'000'000,
      .memory_clock_hz = 1'300'000'000,
      .ecc_correctable = seed,
      .ecc_uncorrectable = 0,
  };
}

FakeGpu Cpx(FakeGpu gpu) {
  gpu.compute_partition = "CPX";
  gpu.memory_partition = "NPS4";
  gpu.partitions = 8;
  return gpu;
}

std::unique_ptr<RocmSmiGpuBackend> CreateOrFail() {
  StatusOr<std::unique_ptr<RocmSmiGpuBackend>> backend = RocmSmiGpuBackend::Create("node-a");
  EXPECT_TRUE(backend.ok()) << backend.status();
  return backend.ok() ? *std::move(backend) : nullptr;
}

TEST(RocmSmiFakeSysfsTest, TwoSpxGpusNumberedInKfdOrder) {
  RunInFakeSysfs([] {
    // drm lists 0000:26 first, KFD (and so HIP) 0000:05: HIP's order wins.
    const std::vector<FakeGpu> gpus = {Mi300x("0000:26:00.0", 2), Mi300x("0000:05:00.0", 1)};
    const FakeTree tree = WriteFakeAmdgpuTree("/", gpus, /*kfd_order=*/{1, 0});
    const std::unique_ptr<RocmSmiGpuBackend> backend = CreateOrFail();
    ASSERT_NE(backend, nullptr);
    EXPECT_EQ(backend->name(), "rocm-smi");
    StatusOr<NodeInventory> inventory = backend->Read();
    ASSERT_TRUE(inventory.ok()) << inventory.status();
    EXPECT_EQ(inventory->hostname, "node-a");
    EXPECT_EQ(inventory->backend, "rocm-smi");
    ASSERT_EQ(inventory->gpus.size(), 2U);

    const GpuDevice& first = inventory->gpus[0];
    EXPECT_EQ(first.index, 0);
    EXPECT_EQ(first.pci_bus_id, "0000:05:00.0");
    EXPECT_EQ(first.product, "mi300x");
    EXPECT_EQ(first.display_name, "AMD Instinct MI300X");
    EXPECT_EQ(first.unique_id, "0x4e4a6e1d3d2c1b01");
    EXPECT_EQ(first.vbios_version, "113-M3000100-101");
    EXPECT_EQ(first.numa_node, 1);
    EXPECT_EQ(first.partition_mode, (hardware::PartitionMode{}));
    EXPECT_THAT(first.available_compute_modes,
                ElementsAre(ComputePartition::kSpx, ComputePartition::kDpx, ComputePartition::kQpx,
                            ComputePartition::kCpx));
    EXPECT_THAT(first.available_memory_modes,
                ElementsAre(MemoryPartition::kNps1, MemoryPartition::kNps4));
    EXPECT_EQ(first.vram_total_bytes, 192 * kGiB);
    EXPECT_EQ(first.vram_used_bytes, 11 * kGiB);
    EXPECT_EQ(first.compute_units, 304);
    EXPECT_EQ(first.busy_percent, 11);
    EXPECT_EQ(first.edge_temperature_celsius, std::nullopt) << "an MI300X has no edge sensor";
    EXPECT_EQ(first.junction_temperature_celsius, 51);
    EXPECT_EQ(first.memory_temperature_celsius, 41);
    EXPECT_EQ(first.power_watts, 201);
    EXPECT_EQ(first.power_cap_watts, 750);
    EXPECT_EQ(first.gfx_clock_mhz, 2100);
    EXPECT_EQ(first.memory_clock_mhz, 1300);
    EXPECT_EQ(first.ecc_correctable_errors, 1);
    EXPECT_EQ(first.ecc_uncorrectable_errors, 0);
    EXPECT_EQ(first.pcie_width, 16);
    EXPECT_EQ(first.pcie_speed_gts, 32);
    ASSERT_EQ(first.partitions.size(), 1U);
    EXPECT_EQ(first.partitions[0].index, 0);
    EXPECT_EQ(first.partitions[0].gpu_index, 0);
    EXPECT_EQ(first.partitions[0].vram_total_bytes, 192 * kGiB);
    EXPECT_EQ(first.partitions[0].vram_used_bytes, 11 * kGiB);
    EXPECT_EQ(first.partitions[0].compute_units, 304);
    EXPECT_EQ(first.partitions[0].busy_percent, 11);

    const GpuDevice& second = inventory->gpus[1];
    EXPECT_EQ(second.pci_bus_id, "0000:26:00.0");
    EXPECT_EQ(second.busy_percent, 12);
    EXPECT_EQ(second.numa_node, 0);
    ASSERT_EQ(second.partitions.size(), 1U);
    EXPECT_EQ(second.partitions[0].index, 1);
    EXPECT_EQ(inventory->FindPartition(1)->gpu_index, 1);

    // Every Read reads the hardware again.
    WriteText(tree.device_directories[1] / "gpu_busy_percent", "97\n");
    WriteText(tree.device_directories[1] / "mem_info_vram_used", std::to_string(150 * kGiB));
    WriteText(tree.device_directories[1] / "hwmon/hwmon1/temp2_input", "83000\n");
    WriteText(tree.device_directories[1] / "hwmon/hwmon1/power1_average", "698000000\n");
    const auto start = std::chrono::steady_clock::now();
    inventory = backend->Read();
    const std::chrono::duration<double, std::milli> took = std::chrono::steady_clock::now() - start;
    ASSERT_TRUE(inventory.ok()) << inventory.status();
    std::cout << "Read() of 2 GPUs took " << took.count() << " ms\n";
    EXPECT_EQ(inventory->gpus[0].busy_percent, 97);
    EXPECT_EQ(inventory->gpus[0].partitions[0].vram_used_bytes, 150 * kGiB);
    EXPECT_EQ(inventory->gpus[0].junction_temperature_celsius, 83);
    EXPECT_EQ(inventory->gpus[0].power_watts, 698);
    EXPECT_EQ(inventory->gpus[1].busy_percent, 12);
  });
}

TEST(RocmSmiFakeSysfsTest, TwoCpxNps4GpusAreSixteenPartitions) {
  RunInFakeSysfs([] {
    FakeGpu second = Cpx(Mi300x("0000:26:00.0", 2));
    // Newer kernels give MI300-class parts power1_input only.
    second.power_average = false;
    second.power_watts = 512;
    const FakeTree tree = WriteFakeAmdgpuTree("/", {Cpx(Mi300x("0000:05:00.0", 1)), second});
    const fs::path processes = "/sys/class/kfd/kfd/proc";
    WriteText(processes / "4242" / ("vram_" + std::to_string(tree.gpu_ids[0][3])),
              std::to_string(20 * kGiB) + "\n");
    WriteText(processes / "4243" / ("vram_" + std::to_string(tree.gpu_ids[0][3])),
              std::to_string(kGiB) + "\n");
    WriteText(processes / "4243" / ("vram_" + std::to_string(tree.gpu_ids[1][0])),
              std::to_string(5 * kGiB) + "\n");

    const std::unique_ptr<RocmSmiGpuBackend> backend = CreateOrFail();
    ASSERT_NE(backend, nullptr);
    const auto start = std::chrono::steady_clock::now();
    const StatusOr<NodeInventory> inventory = backend->Read();
    const std::chrono::duration<double, std::milli> took = std::chrono::steady_clock::now() - start;
    ASSERT_TRUE(inventory.ok()) << inventory.status();
    std::cout << "Read() of 2 GPUs in CPX took " << took.count() << " ms\n";
    ASSERT_EQ(inventory->gpus.size(), 2U) << "one physical GPU per PCI device, not per partition";
    const std::vector<const GpuPartition*> partitions = inventory->Partitions();
    ASSERT_EQ(partitions.size(), 16U);
    for (int i = 0; i < 16; ++i) {
      const GpuPartition& partition = *partitions[static_cast<size_t>(i)];
      EXPECT_EQ(partition.index, i);
      EXPECT_EQ(partition.gpu_index, i / 8);
      EXPECT_EQ(partition.index_in_gpu, i % 8);
      EXPECT_EQ(partition.vram_total_bytes, 24 * kGiB);
      EXPECT_EQ(partition.compute_units, 38);
      EXPECT_EQ(partition.busy_percent, 10 + 1 + i / 8) << "the GPU's busy %";
    }
    EXPECT_EQ(partitions[3]->vram_used_bytes, 21 * kGiB);
    EXPECT_EQ(partitions[8]->vram_used_bytes, 5 * kGiB);
    EXPECT_EQ(partitions[0]->vram_used_bytes, 0);

    const GpuDevice& first = inventory->gpus[0];
    EXPECT_EQ(first.pci_bus_id, "0000:05:00.0");
    EXPECT_EQ(first.partition_mode,
              (hardware::PartitionMode{ComputePartition::kCpx, MemoryPartition::kNps4}));
    EXPECT_EQ(first.vram_total_bytes, 192 * kGiB);
    EXPECT_EQ(first.vram_used_bytes, 11 * kGiB) << "mem_info_vram_used covers the whole GPU";
    EXPECT_EQ(first.compute_units, 304);
    EXPECT_EQ(first.power_watts, 201);
    EXPECT_EQ(inventory->gpus[1].power_watts, 512) << "power1_input when power1_average is absent";
    EXPECT_EQ(inventory->gpus[1].pci_bus_id, "0000:26:00.0");

    // The device list is fixed at rsmi_init; a new mode needs a new agent.
    WriteText(tree.device_directories[1] / "current_compute_partition", "SPX\n");
    const StatusOr<NodeInventory> changed = backend->Read();
    EXPECT_EQ(changed.status().code(), StatusCode::kFailedPrecondition);
    EXPECT_THAT(changed.status().message(), HasSubstr("0000:26:00.0: partition mode changed from "
                                                      "cpx/nps4 to spx/nps4"));
    EXPECT_THAT(changed.status().message(), HasSubstr("restart the agent"));
  });
}

TEST(RocmSmiFakeSysfsTest, WithoutAmdgpuTheErrorSaysSo) {
  RunInFakeSysfs([] {
    const StatusOr<std::unique_ptr<RocmSmiGpuBackend>> backend = RocmSmiGpuBackend::Create("n");
    ASSERT_FALSE(backend.ok());
    EXPECT_THAT(backend.status().message(), HasSubstr("rsmi_init failed: RSMI_STATUS_INIT_ERROR"));
    EXPECT_THAT(backend.status().message(), HasSubstr("no AMD GPU driver (amdgpu) found"));
  });
}

TEST(RocmSmiFakeSysfsTest, AnMi300HwmonWithoutIn0FailsInitialisationClearly) {
  RunInFakeSysfs([] {
    FakeGpu gpu = Mi300x("0000:05:00.0", 1);
    gpu.vddgfx_label = false;  // what amdgpu really shows for GC 9.4.3
    WriteFakeAmdgpuTree("/", {gpu});
    const StatusOr<std::unique_ptr<RocmSmiGpuBackend>> backend = RocmSmiGpuBackend::Create("n");
    ASSERT_FALSE(backend.ok());
    EXPECT_THAT(backend.status().message(), HasSubstr("rsmi_init failed: RSMI_STATUS_INIT_ERROR"));
    EXPECT_THAT(backend.status().message(), HasSubstr("hwmon0/in0_label is missing"));
  });
}

}  // namespace
}  // namespace tessera::agent
