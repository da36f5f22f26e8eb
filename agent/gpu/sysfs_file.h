// Reads of the small text attributes the kernel exposes in sysfs. Each is one
// open, one read and one close: the GPU backend reads dozens of them on every
// scrape from the agent's event loop.

#ifndef TESSERA_AGENT_GPU_SYSFS_FILE_H_
#define TESSERA_AGENT_GPU_SYSFS_FILE_H_

#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace tessera::agent {

// The attribute's text without trailing whitespace; nullopt when it cannot be
// opened or read (absent, hidden by the driver, or refused with an error such
// as EOPNOTSUPP, which amdgpu returns for sensors a part lacks).
std::optional<std::string> ReadSysfsText(const std::filesystem::path& path);

// A decimal integer, or hexadecimal with a 0x prefix; nullopt when the text is
// anything else.
std::optional<int64_t> ParseSysfsInteger(std::string_view text);
std::optional<int64_t> ReadSysfsInteger(const std::filesystem::path& path);

// The names in a directory, "." and ".." left out, unsorted; empty when it
// cannot be listed.
std::vector<std::string> ListSysfsDirectory(const std::filesystem::path& directory);

// Leading and trailing ASCII whitespace removed.
std::string_view TrimSysfsText(std::string_view text);

}  // namespace tessera::agent

#endif  // TESSERA_AGENT_GPU_SYSFS_FILE_H_
