// An approximate radix tree of the prompts recently sent to each worker: the
// router's model of what every worker's prefix cache holds, after SGLang's
// cache-aware router. "Approximate" because it works on characters, not the
// engine's tokens and KV blocks, and because it only sees what it routed:
// a worker's own evictions are not reported back.
//
// Memory is bounded: each worker ("tenant") may own at most
// `max_chars_per_tenant` characters of the tree. Inserting past the bound
// evicts that tenant's least recently used leaves until it holds 7/8 of the
// bound, so eviction runs in batches rather than on every insert. Nodes no
// tenant owns are freed at once.
//
// Not thread-safe: the router uses it from its one event-loop thread.

#ifndef TESSERA_ROUTER_POLICY_PREFIX_TREE_H_
#define TESSERA_ROUTER_POLICY_PREFIX_TREE_H_

#include <cstddef>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

namespace tessera::router {

class PrefixTree {
 public:
  struct Match {
    size_t matched_chars = 0;
    std::string tenant{};  // empty when nothing matched
  };

  explicit PrefixTree(size_t max_chars_per_tenant);
  ~PrefixTree();
  PrefixTree(const PrefixTree&) = delete;
  PrefixTree& operator=(const PrefixTree&) = delete;

  // Records that `tenant` has just been sent `text`: it now holds every
  // prefix of it, most recently used.
  void Insert(std::string_view text, std::string_view tenant);

  // The longest prefix of `text` that a tenant accepted by `eligible` holds,
  // and of the tenants holding all of it the one that used it last.
  Match LongestMatch(std::string_view text,
                     const std::function<bool(std::string_view tenant)>& eligible) const;

  // Forgets `tenant` entirely (the worker left the membership).
  void RemoveTenant(std::string_view tenant);

  // Characters of the tree `tenant` owns; 0 for a tenant it does not know.
  size_t TenantChars(std::string_view tenant) const;
  size_t node_count() const { return node_count_; }

 private:
  using TenantId = uint32_t;
  struct Node;

  TenantId IdOf(std::string_view tenant);
  // Marks `node` as used by `tenant` at the current tick.
  void Touch(Node& node, TenantId tenant);
  void EvictDownTo(TenantId tenant, size_t target_chars);
  void RemoveFromSubtree(Node& subtree, TenantId tenant);
  // Frees `node` when no tenant owns it and it has no children.
  void PruneIfEmpty(Node& node);

  const size_t max_chars_per_tenant_;
  std::unique_ptr<Node> root_;
  size_t node_count_ = 0;
  uint64_t tick_ = 0;
  std::map<std::string, TenantId, std::less<>> tenant_ids_;
  std::vector<std::string> tenant_names_;  // by TenantId
  std::vector<size_t> tenant_chars_;       // by TenantId
};

}  // namespace tessera::router

#endif  // TESSERA_ROUTER_POLICY_PREFIX_TREE_H_
