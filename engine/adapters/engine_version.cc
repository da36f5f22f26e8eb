#include "engine/adapters/engine_version.h"

#include <array>

#include "base/numbers.h"
#include "base/strings.h"

namespace tessera::adapters {

std::string EngineVersion::ToString() const {
  return std::to_string(major) + "." + std::to_string(minor) + "." + std::to_string(patch);
}

StatusOr<EngineVersion> ParseEngineVersion(std::string_view text) {
  std::array<int, 3> parts{};
  size_t count = 0;
  size_t position = 0;
  while (count < parts.size() && position <= text.size()) {
    size_t end = position;
    while (end < text.size() && text[end] >= '0' && text[end] <= '9') ++end;
    const std::optional<int> number = ParseInteger<int>(text.substr(position, end - position));
    if (!number) break;
    parts.at(count++) = *number;
    position = end;
    if (position == text.size() || text[position] != '.') break;
    ++position;
  }
  const bool tag_follows = position == text.size() || text[position] == '+' ||
                           text[position] == '-' || (count == 3 && text[position - 1] == '.');
  if (count < 2 || !tag_follows) {
    return InvalidArgumentError("must be an engine release such as 0.6.6 or 0.9.0, got " +
                                Quote(text));
  }
  return EngineVersion{.major = parts[0], .minor = parts[1], .patch = parts[2]};
}

}  // namespace tessera::adapters
