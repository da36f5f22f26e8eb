#include "tests/integration/kube/kube_test_environment.h"

#include <atomic>
#include <cstdlib>
#include <mutex>
#include <random>
#include <thread>

#include <gtest/gtest.h>

namespace tessera::kube::integration {

const ResourceType& Gadgets() {
  static const ResourceType kType{"test.tessera.io", "v1", "gadgets", "Gadget", true};
  return kType;
}

std::optional<std::string> TokenKubeconfigPath() {
  auto path = ProcessEnvironment("TESSERA_TEST_KUBECONFIG");
  if (path && path->empty()) return std::nullopt;
  return path;
}

std::optional<std::string> CertKubeconfigPath() {
  auto path = ProcessEnvironment("TESSERA_TEST_CERT_KUBECONFIG");
  if (path && path->empty()) return std::nullopt;
  return path;
}

std::unique_ptr<KubeClient> MakeClient(const std::string& path, KubeClientOptions options) {
  auto config = LoadKubeconfig(path);
  EXPECT_TRUE(config.ok()) << config.status();
  if (!config.ok()) return nullptr;
  auto client = KubeClient::FromConfig(*config, std::move(options));
  EXPECT_TRUE(client.ok()) << client.status();
  if (!client.ok()) return nullptr;
  return std::move(client).value();
}

bool Eventually(const std::function<bool()>& condition, std::chrono::milliseconds timeout) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  while (true) {
    if (condition()) return true;
    if (std::chrono::steady_clock::now() > deadline) return false;
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
}

std::string UniqueName(std::string_view prefix) {
  static std::atomic<int> counter{0};
  static const uint32_t kRun = std::random_device()();
  char suffix[32];
  std::snprintf(suffix, sizeof(suffix), "-%08x-%d", kRun, counter.fetch_add(1));
  return std::string(prefix) + suffix;
}

nlohmann::json Gadget(const std::string& name, int replicas,
                      const std::map<std::string, std::string>& labels) {
  nlohmann::json object = {
      {"apiVersion", Gadgets().ApiVersion()},
      {"kind", Gadgets().kind},
      {"metadata", {{"name", name}, {"namespace", kNamespace}}},
      {"spec", {{"replicas", replicas}}},
  };
  if (!labels.empty()) object["metadata"]["labels"] = labels;
  return object;
}

namespace {

constexpr std::string_view kGadgetCrd = R"({
  "apiVersion": "apiextensions.k8s.io/v1",
  "kind": "CustomResourceDefinition",
  "metadata": {"name": "gadgets.test.tessera.io"},
  "spec": {
    "group": "test.tessera.io",
    "scope": "Namespaced",
    "names": {"plural": "gadgets", "singular": "gadget", "kind": "Gadget"},
    "versions": [{
      "name": "v1", "served": true, "storage": true,
      "subresources": {"status": {}},
      "schema": {"openAPIV3Schema": {"type": "object", "properties": {
        "spec": {"type": "object", "properties": {
          "replicas": {"type": "integer", "minimum": 0},
          "note": {"type": "string"}}},
        "status": {"type": "object", "properties": {
          "ready": {"type": "integer"}}}}}}
    }]
  }
})";

Status CreateTestResources(KubeClient& client) {
  const nlohmann::json namespace_object = {
      {"apiVersion", "v1"}, {"kind", "Namespace"}, {"metadata", {{"name", kNamespace}}}};
  auto created_namespace = client.Create(resource_types::Namespaces(), "", namespace_object);
  if (!created_namespace.ok() && created_namespace.status().code() != StatusCode::kAlreadyExists) {
    return created_namespace.status();
  }
  auto created_crd = client.Create(resource_types::CustomResourceDefinitions(), "",
                                   nlohmann::json::parse(kGadgetCrd));
  if (!created_crd.ok() && created_crd.status().code() != StatusCode::kAlreadyExists) {
    return created_crd.status();
  }
  // Established comes before the resource is served; a list that succeeds
  // is the real signal.
  Status last;
  const bool served = Eventually(
      [&] {
        last = client.List(Gadgets(), kNamespace).status();
        return last.ok();
      },
      std::chrono::seconds(30));
  return served ? OkStatus() : last;
}

}  // namespace

Status EnsureTestResources(KubeClient& client) {
  static std::mutex mutex;
  static std::optional<Status> result;
  const std::lock_guard lock(mutex);
  if (!result) result = CreateTestResources(client);
  return *result;
}

}  // namespace tessera::kube::integration
