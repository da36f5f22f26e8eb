#include "agent/gpu/sysfs_file.h"

#include <array>
#include <cerrno>

#include <dirent.h>
#include <fcntl.h>
#include <unistd.h>

#include "base/numbers.h"

namespace tessera::agent {
namespace {

constexpr std::string_view kWhitespace = " \t\n\r\v\f";

}  // namespace

std::string_view TrimSysfsText(std::string_view text) {
  const size_t first = text.find_first_not_of(kWhitespace);
  if (first == std::string_view::npos) return {};
  const size_t last = text.find_last_not_of(kWhitespace);
  return text.substr(first, last - first + 1);
}

std::optional<std::string> ReadSysfsText(const std::filesystem::path& path) {
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return std::nullopt;
  // sysfs attributes are at most a page; the largest we read (a KFD node's
  // properties) stays well below two.
  std::string text;
  std::array<char, 4096> buffer{};
  bool failed = false;
  while (true) {
    const ssize_t n = ::read(fd, buffer.data(), buffer.size());
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) failed = true;
    if (n <= 0) break;
    text.append(buffer.data(), static_cast<size_t>(n));
  }
  ::close(fd);
  if (failed) return std::nullopt;
  return std::string(TrimSysfsText(text));
}

std::optional<int64_t> ParseSysfsInteger(std::string_view text) {
  text = TrimSysfsText(text);
  int base = 10;
  bool negative = false;
  if (text.starts_with('-')) {
    negative = true;
    text.remove_prefix(1);
  }
  if (text.starts_with("0x") || text.starts_with("0X")) {
    base = 16;
    text.remove_prefix(2);
  }
  const std::optional<uint64_t> value = ParseInteger<uint64_t>(text, base);
  if (!value || *value > static_cast<uint64_t>(INT64_MAX)) return std::nullopt;
  const auto signed_value = static_cast<int64_t>(*value);
  return negative ? -signed_value : signed_value;
}

std::vector<std::string> ListSysfsDirectory(const std::filesystem::path& directory) {
  std::vector<std::string> names;
  DIR* listing = ::opendir(directory.c_str());
  if (listing == nullptr) return names;
  // readdir is safe on a stream no other thread reads.
  while (const dirent* entry = ::readdir(listing)) {  // NOLINT(concurrency-mt-unsafe)
    const std::string_view name = entry->d_name;
    if (name != "." && name != "..") names.emplace_back(name);
  }
  ::closedir(listing);
  return names;
}

std::optional<int64_t> ReadSysfsInteger(const std::filesystem::path& path) {
  const std::optional<std::string> text = ReadSysfsText(path);
  if (!text) return std::nullopt;
  return ParseSysfsInteger(*text);
}

}  // namespace tessera::agent
