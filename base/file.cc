#include "base/file.h"

#include <array>
#include <cerrno>
#include <fstream>
#include <system_error>

#include <fcntl.h>
#include <unistd.h>

namespace tessera {
namespace {

std::string ErrnoText() { return std::generic_category().message(errno); }

}  // namespace

StatusOr<std::string> ReadFile(const std::filesystem::path& path, size_t max_bytes) {
  std::error_code error;
  const auto status = std::filesystem::status(path, error);
  if (error || !std::filesystem::exists(status)) {
    return NotFoundError(path.string() + ": no such file");
  }
  if (std::filesystem::is_directory(status)) {
    return InvalidArgumentError(path.string() + ": is a directory, expected a file");
  }
  std::ifstream in(path, std::ios::binary);
  if (!in) return UnavailableError(path.string() + ": cannot open: " + ErrnoText());
  std::string contents;
  std::array<char, size_t{1} << 16> buffer;
  while (in.read(buffer.data(), buffer.size()) || in.gcount() > 0) {
    contents.append(buffer.data(), static_cast<size_t>(in.gcount()));
    if (contents.size() > max_bytes) {
      return InvalidArgumentError(path.string() + ": larger than the limit of " +
                                  std::to_string(max_bytes) + " bytes");
    }
  }
  if (in.bad()) return UnavailableError(path.string() + ": read failed: " + ErrnoText());
  return contents;
}

Status WriteFileAtomically(const std::filesystem::path& path, std::string_view contents) {
  const std::filesystem::path temporary = path.string() + ".tmp";
  const int fd = ::open(temporary.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (fd < 0) return UnavailableError(temporary.string() + ": cannot create: " + ErrnoText());
  size_t written = 0;
  while (written < contents.size()) {
    const ssize_t n = ::write(fd, contents.data() + written, contents.size() - written);
    if (n < 0) {
      if (errno == EINTR) continue;
      const std::string reason = ErrnoText();
      ::close(fd);
      return UnavailableError(temporary.string() + ": write failed: " + reason);
    }
    written += static_cast<size_t>(n);
  }
  const bool synced = ::fsync(fd) == 0;
  const std::string sync_error = synced ? std::string() : ErrnoText();
  if (::close(fd) != 0 || !synced) {
    return UnavailableError(temporary.string() +
                            ": sync failed: " + (synced ? ErrnoText() : sync_error));
  }
  if (::rename(temporary.c_str(), path.c_str()) != 0) {
    return UnavailableError(path.string() + ": rename failed: " + ErrnoText());
  }
  return OkStatus();
}

}  // namespace tessera
