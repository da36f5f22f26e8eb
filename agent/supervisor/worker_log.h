// Worker logs: the engine appends to one file the agent never holds open, so
// the engine keeps logging across agent restarts. Rotation copies the file
// aside and truncates it in place (the engine's O_APPEND writes continue at
// the new end), as logrotate's copytruncate does.

#ifndef TESSERA_AGENT_SUPERVISOR_WORKER_LOG_H_
#define TESSERA_AGENT_SUPERVISOR_WORKER_LOG_H_

#include <cstdint>
#include <string>
#include <vector>

#include "base/status.h"

namespace tessera::agent {

// When `path` is larger than `max_bytes`: path.(n-1) → path.n, …, path →
// path.1, then truncates path. Keeps `max_files` rotated files. Returns
// whether it rotated.
StatusOr<bool> RotateLogIfLarger(const std::string& path, int64_t max_bytes, int max_files);

// The last `lines` lines of the log (from the newest rotated file too when
// the current one has fewer), at most `max_bytes` of them.
StatusOr<std::string> TailLog(const std::string& path, int lines, int64_t max_bytes);

// The engine's last words: the last non-empty lines of the log, as many as
// wire::kMaxLastOutputLines within wire::kMaxLastOutputBytes; none when
// there is no log.
std::vector<std::string> LastOutput(const std::string& path);

}  // namespace tessera::agent

#endif  // TESSERA_AGENT_SUPERVISOR_WORKER_LOG_H_
