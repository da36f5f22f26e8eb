#include "agent/supervisor/worker_status.h"

namespace tessera::agent {

std::map<int, std::string> PartitionHolders(const std::vector<WorkerStatus>& workers) {
  std::map<int, std::string> holders;
  for (const WorkerStatus& worker : workers) {
    for (int partition : worker.held_partitions) holders[partition] = worker.id;
  }
  return holders;
}

}  // namespace tessera::agent
