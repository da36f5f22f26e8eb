#include "router/policy/prefix_tree.h"

#include <algorithm>
#include <queue>
#include <utility>

namespace tessera::router {

struct PrefixTree::Node {
  std::string edge;  // the characters from the parent to this node
  Node* parent = nullptr;
  std::map<char, std::unique_ptr<Node>> children;
  // Who holds the prefix ending here, and the tick each last used it.
  std::vector<std::pair<TenantId, uint64_t>> tenants;

  std::pair<TenantId, uint64_t>* Find(TenantId tenant) {
    for (auto& entry : tenants) {
      if (entry.first == tenant) return &entry;
    }
    return nullptr;
  }
  bool Has(TenantId tenant) const {
    return std::any_of(tenants.begin(), tenants.end(),
                       [tenant](const auto& entry) { return entry.first == tenant; });
  }
  bool ChildHas(TenantId tenant) const {
    return std::any_of(children.begin(), children.end(),
                       [tenant](const auto& child) { return child.second->Has(tenant); });
  }
};

namespace {

size_t CommonPrefixLength(std::string_view a, std::string_view b) {
  const size_t limit = std::min(a.size(), b.size());
  size_t length = 0;
  while (length < limit && a[length] == b[length]) ++length;
  return length;
}

}  // namespace

PrefixTree::PrefixTree(size_t max_chars_per_tenant)
    : max_chars_per_tenant_(max_chars_per_tenant), root_(std::make_unique<Node>()) {}

PrefixTree::~PrefixTree() {
  // Freed iteratively: a recursive destructor could exhaust the stack on a
  // deep tree.
  std::vector<std::unique_ptr<Node>> pending;
  pending.push_back(std::move(root_));
  while (!pending.empty()) {
    std::unique_ptr<Node> node = std::move(pending.back());
    pending.pop_back();
    for (auto& [first, child] : node->children) pending.push_back(std::move(child));
  }
}

PrefixTree::TenantId PrefixTree::IdOf(std::string_view tenant) {
  const auto found = tenant_ids_.find(tenant);
  if (found != tenant_ids_.end()) return found->second;
  const auto id = static_cast<TenantId>(tenant_names_.size());
  tenant_ids_.emplace(std::string(tenant), id);
  tenant_names_.emplace_back(tenant);
  tenant_chars_.push_back(0);
  return id;
}

void PrefixTree::Touch(Node& node, TenantId tenant) {
  if (auto* entry = node.Find(tenant)) {
    entry->second = tick_;
    return;
  }
  node.tenants.emplace_back(tenant, tick_);
  tenant_chars_[tenant] += node.edge.size();
}

void PrefixTree::Insert(std::string_view text, std::string_view tenant_name) {
  const TenantId tenant = IdOf(tenant_name);
  ++tick_;
  Node* node = root_.get();
  size_t position = 0;
  while (position < text.size()) {
    const std::string_view rest = text.substr(position);
    auto child = node->children.find(rest.front());
    if (child == node->children.end()) {
      auto leaf = std::make_unique<Node>();
      leaf->edge = std::string(rest);
      leaf->parent = node;
      Node& added = *leaf;
      node->children.emplace(rest.front(), std::move(leaf));
      ++node_count_;
      Touch(added, tenant);
      break;
    }
    Node* next = child->second.get();
    const size_t common = CommonPrefixLength(next->edge, rest);
    if (common < next->edge.size()) {
      // Split `next` at `common`: the tenants that held all of it hold the
      // first part too, so every tenant's character count is unchanged.
      auto middle = std::make_unique<Node>();
      middle->edge = next->edge.substr(0, common);
      middle->parent = node;
      middle->tenants = next->tenants;
      std::unique_ptr<Node> tail = std::move(child->second);
      tail->edge.erase(0, common);
      tail->parent = middle.get();
      middle->children.emplace(tail->edge.front(), std::move(tail));
      child->second = std::move(middle);
      ++node_count_;
      next = child->second.get();
    }
    Touch(*next, tenant);
    position += common;
    node = next;
  }
  if (tenant_chars_[tenant] > max_chars_per_tenant_) {
    EvictDownTo(tenant, max_chars_per_tenant_ - max_chars_per_tenant_ / 8);
  }
}

PrefixTree::Match PrefixTree::LongestMatch(
    std::string_view text, const std::function<bool(std::string_view tenant)>& eligible) const {
  const auto holds_eligible = [&](const Node& node) {
    return std::any_of(node.tenants.begin(), node.tenants.end(),
                       [&](const auto& entry) { return eligible(tenant_names_[entry.first]); });
  };
  const Node* node = root_.get();
  const Node* deepest = nullptr;
  size_t position = 0;
  while (position < text.size()) {
    const auto child = node->children.find(text[position]);
    if (child == node->children.end() || !holds_eligible(*child->second)) break;
    const Node& next = *child->second;
    const size_t common = CommonPrefixLength(next.edge, text.substr(position));
    position += common;
    deepest = &next;
    if (common < next.edge.size()) break;
    node = &next;
  }
  Match match;
  if (deepest == nullptr) return match;
  uint64_t latest = 0;
  for (const auto& [tenant, tick] : deepest->tenants) {
    if (tick >= latest && eligible(tenant_names_[tenant])) {
      latest = tick;
      match.tenant = tenant_names_[tenant];
    }
  }
  match.matched_chars = position;
  return match;
}

void PrefixTree::EvictDownTo(TenantId tenant, size_t target_chars) {
  // The tenant's leaves (nodes it holds where none of the children is
  // also held by it), least recently used first.
  using Entry = std::pair<uint64_t, Node*>;
  std::priority_queue<Entry, std::vector<Entry>, std::greater<>> leaves;
  std::vector<Node*> stack{root_.get()};
  while (!stack.empty()) {
    Node* node = stack.back();
    stack.pop_back();
    for (auto& [first, child] : node->children) stack.push_back(child.get());
    if (node == root_.get()) continue;
    if (const auto* entry = node->Find(tenant); entry != nullptr && !node->ChildHas(tenant)) {
      leaves.emplace(entry->second, node);
    }
  }
  while (tenant_chars_[tenant] > target_chars && !leaves.empty()) {
    Node* node = leaves.top().second;
    leaves.pop();
    std::erase_if(node->tenants, [tenant](const auto& entry) { return entry.first == tenant; });
    tenant_chars_[tenant] -= node->edge.size();
    Node* parent = node->parent;
    PruneIfEmpty(*node);  // may free `node`
    if (parent != root_.get()) {
      if (const auto* entry = parent->Find(tenant); entry != nullptr && !parent->ChildHas(tenant)) {
        leaves.emplace(entry->second, parent);
      }
    }
  }
}

void PrefixTree::PruneIfEmpty(Node& node) {
  if (&node == root_.get() || !node.tenants.empty() || !node.children.empty()) return;
  Node* parent = node.parent;
  parent->children.erase(node.edge.front());  // frees `node`
  --node_count_;
}

void PrefixTree::RemoveTenant(std::string_view tenant_name) {
  const auto found = tenant_ids_.find(tenant_name);
  if (found == tenant_ids_.end()) return;
  RemoveFromSubtree(*root_, found->second);
  tenant_chars_[found->second] = 0;
}

void PrefixTree::RemoveFromSubtree(Node& subtree, TenantId tenant) {
  // Iterative, as prompts can make the tree deep: in reverse pre-order every
  // node comes after its descendants, so a node whose subtree has emptied is
  // pruned too, and a pruned node is never visited again. (Not
  // std::views::reverse: Clang 14 cannot compile it against libstdc++ 12.)
  std::vector<Node*> order;
  std::vector<Node*> stack{&subtree};
  while (!stack.empty()) {
    Node* node = stack.back();
    stack.pop_back();
    order.push_back(node);
    for (auto& [first, child] : node->children) stack.push_back(child.get());
  }
  std::reverse(order.begin(), order.end());
  for (Node* node : order) {
    std::erase_if(node->tenants, [tenant](const auto& entry) { return entry.first == tenant; });
    PruneIfEmpty(*node);
  }
}

size_t PrefixTree::TenantChars(std::string_view tenant) const {
  const auto found = tenant_ids_.find(tenant);
  return found == tenant_ids_.end() ? 0 : tenant_chars_[found->second];
}

}  // namespace tessera::router
