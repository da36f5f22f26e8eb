// Worker ids the controller gives its workers:
//
//   <namespace>.<deployment>.<role>-<template hash>-<ordinal>
//   serving.llama-70b.decode-5f0c2a91-2
//
// The template hash identifies the spec the worker runs (everything but its
// partitions), so "is this worker up to date" is read off the id, and a spec
// change yields new ids: a rollout starts new workers beside the old instead
// of replacing them in place. The ordinal is the lowest free one, so names
// are deterministic and a restarted controller derives the same ones.

#ifndef TESSERA_CONTROLLER_RECONCILER_WORKER_NAMING_H_
#define TESSERA_CONTROLLER_RECONCILER_WORKER_NAMING_H_

#include <optional>
#include <string>
#include <string_view>

#include "wire/worker_spec.h"

namespace tessera::controller {

// 8 hex digits of FNV-1a over the spec's canonical JSON without partitions
// and bootstrap port. Stable across releases as long as the JSON is.
std::string TemplateHash(const wire::WorkerSpec& spec);

// "<namespace>.<deployment>.<role>", shortened (with a hash of the full
// names in place of the tail) when it would make an id over the agent's
// 128-character limit.
std::string WorkerIdPrefix(std::string_view namespace_name, std::string_view deployment,
                           std::string_view role);

std::string WorkerId(std::string_view prefix, std::string_view template_hash, int ordinal);

struct ParsedWorkerId {
  std::string prefix{};
  std::string template_hash{};
  int ordinal = 0;
};
// nullopt for ids not made by WorkerId().
std::optional<ParsedWorkerId> ParseWorkerId(std::string_view id);

}  // namespace tessera::controller

#endif  // TESSERA_CONTROLLER_RECONCILER_WORKER_NAMING_H_
