// Whole-file reads and crash-safe writes.

#ifndef TESSERA_BASE_FILE_H_
#define TESSERA_BASE_FILE_H_

#include <cstddef>
#include <filesystem>
#include <string>
#include <string_view>

#include "base/status.h"

namespace tessera {

// Reads the whole file. NotFound when it does not exist; InvalidArgument when
// it is larger than `max_bytes`, so a stray huge file cannot exhaust memory.
StatusOr<std::string> ReadFile(const std::filesystem::path& path,
                               size_t max_bytes = size_t{64} << 20);

// Replaces `path` with `contents` so that a reader (or a crash) sees either
// the old or the new file, never a partial one: write a temporary file beside
// it, fsync, rename over.
Status WriteFileAtomically(const std::filesystem::path& path, std::string_view contents);

}  // namespace tessera

#endif  // TESSERA_BASE_FILE_H_
