// A supervised worker as the supervisor keeps it: what the API reports
// (wire::WorkerStatus) and what only this agent needs to know.

#ifndef TESSERA_AGENT_SUPERVISOR_WORKER_STATUS_H_
#define TESSERA_AGENT_SUPERVISOR_WORKER_STATUS_H_

#include <map>
#include <string>
#include <vector>

#include "wire/worker_status.h"

namespace tessera::agent {

struct WorkerStatus : wire::WorkerStatus {
  std::string log_path{};
  // The partitions no other worker may take: the spec's, and while
  // replacing, the next spec's as well.
  std::vector<int> held_partitions{};
};

// Which worker holds each partition (by node-wide index).
std::map<int, std::string> PartitionHolders(const std::vector<WorkerStatus>& workers);

}  // namespace tessera::agent

#endif  // TESSERA_AGENT_SUPERVISOR_WORKER_STATUS_H_
