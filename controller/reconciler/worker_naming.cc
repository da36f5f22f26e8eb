#include "controller/reconciler/worker_naming.h"

#include <array>
#include <cstdint>
#include <cstdio>

#include "base/fnv1a.h"
#include "base/numbers.h"

namespace tessera::controller {
namespace {

// Room for ".<role>-<hash>-<ordinal>" after the prefix within 128 characters.
constexpr size_t kMaxNamesLength = 96;

std::string Hex8(uint64_t value) {
  std::array<char, 17> text{};
  std::snprintf(text.data(), text.size(), "%08x", static_cast<unsigned>(value ^ (value >> 32)));
  return {text.data(), 8};
}

}  // namespace

std::string TemplateHash(const wire::WorkerSpec& spec) {
  wire::WorkerSpec template_spec = spec;
  template_spec.partitions.clear();
  template_spec.bootstrap_port.reset();
  return Hex8(Fnv1a64(wire::WorkerSpecToJson(template_spec).dump()));
}

std::string WorkerIdPrefix(std::string_view namespace_name, std::string_view deployment,
                           std::string_view role) {
  std::string names = std::string(namespace_name) + "." + std::string(deployment);
  if (names.size() > kMaxNamesLength) {
    names = names.substr(0, kMaxNamesLength - 9) + "-" + Hex8(Fnv1a64(names));
  }
  return names + "." + std::string(role);
}

std::string WorkerId(std::string_view prefix, std::string_view template_hash, int ordinal) {
  return std::string(prefix) + "-" + std::string(template_hash) + "-" + std::to_string(ordinal);
}

std::optional<ParsedWorkerId> ParseWorkerId(std::string_view id) {
  const size_t ordinal_dash = id.rfind('-');
  if (ordinal_dash == std::string_view::npos || ordinal_dash < 10) return std::nullopt;
  const size_t hash_dash = ordinal_dash - 9;
  if (id[hash_dash] != '-') return std::nullopt;
  ParsedWorkerId parsed;
  const std::string_view ordinal = id.substr(ordinal_dash + 1);
  const std::optional<int> number = ParseInteger<int>(ordinal);
  if (!number || *number < 0) return std::nullopt;
  parsed.ordinal = *number;
  parsed.template_hash = std::string(id.substr(hash_dash + 1, 8));
  for (char c : parsed.template_hash) {
    if ((c < '0' || c > '9') && (c < 'a' || c > 'f')) return std::nullopt;
  }
  parsed.prefix = std::string(id.substr(0, hash_dash));
  return parsed;
}

}  // namespace tessera::controller
