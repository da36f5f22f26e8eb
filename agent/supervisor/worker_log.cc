#include "agent/supervisor/worker_log.h"

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <system_error>
#include <vector>

#include "wire/worker_status.h"

namespace tessera::agent {
namespace {

namespace fs = std::filesystem;

// The last `max_bytes` bytes of a file; empty when it does not exist.
std::string ReadEnd(const std::string& path, int64_t max_bytes) {
  std::ifstream file(path, std::ios::binary | std::ios::ate);
  if (!file) return {};
  const std::streamoff size = file.tellg();
  const std::streamoff start = std::max<std::streamoff>(0, size - max_bytes);
  file.seekg(start);
  std::string text(static_cast<size_t>(size - start), '\0');
  file.read(text.data(), static_cast<std::streamsize>(text.size()));
  text.resize(static_cast<size_t>(file.gcount()));
  return text;
}

}  // namespace

StatusOr<bool> RotateLogIfLarger(const std::string& path, int64_t max_bytes, int max_files) {
  std::error_code error;
  const uintmax_t size = fs::file_size(path, error);
  if (error || static_cast<int64_t>(size) <= max_bytes) return false;
  for (int n = max_files - 1; n >= 1; --n) {
    const std::string from = path + "." + std::to_string(n);
    if (fs::exists(from, error)) fs::rename(from, path + "." + std::to_string(n + 1), error);
  }
  if (max_files >= 1) {
    fs::copy_file(path, path + ".1", fs::copy_options::overwrite_existing, error);
    if (error) return InternalError("rotating " + path + ": " + error.message());
  }
  fs::resize_file(path, 0, error);
  if (error) return InternalError("truncating " + path + ": " + error.message());
  return true;
}

StatusOr<std::string> TailLog(const std::string& path, int lines, int64_t max_bytes) {
  std::error_code error;
  if (!fs::exists(path, error)) return NotFoundError("no log at " + path);
  std::string text = ReadEnd(path, max_bytes);
  auto count_lines = [](const std::string& s) {
    return static_cast<int>(std::count(s.begin(), s.end(), '\n'));
  };
  if (count_lines(text) < lines && static_cast<int64_t>(text.size()) < max_bytes) {
    text = ReadEnd(path + ".1", max_bytes - static_cast<int64_t>(text.size())) + text;
  }
  // Keep the last `lines` complete lines (and a final partial one).
  size_t start = text.size();
  int seen = 0;
  if (!text.empty() && text.back() == '\n') --start;
  while (start > 0) {
    if (text[start - 1] == '\n' && ++seen == lines) break;
    --start;
  }
  return text.substr(start);
}

std::vector<std::string> LastOutput(const std::string& path) {
  StatusOr<std::string> tail = TailLog(path, static_cast<int>(wire::kMaxLastOutputLines),
                                       static_cast<int64_t>(wire::kMaxLastOutputBytes));
  std::vector<std::string> lines;
  if (!tail.ok()) return lines;
  size_t begin = 0;
  while (begin < tail->size()) {
    size_t end = tail->find('\n', begin);
    if (end == std::string::npos) end = tail->size();
    std::string line = tail->substr(begin, end - begin);
    if (!line.empty() && line.back() == '\r') line.pop_back();
    if (!line.empty()) lines.push_back(std::move(line));
    begin = end + 1;
  }
  return lines;
}

}  // namespace tessera::agent
