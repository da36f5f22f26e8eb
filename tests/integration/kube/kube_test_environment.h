// What the integration suites share: the kubeconfigs of a real control plane
// (passed by tests/e2e/test_kube_client.py, which starts etcd and
// kube-apiserver), a client, and a test CRD with a status subresource.
// Without TESSERA_TEST_KUBECONFIG every test skips.

#ifndef TESSERA_TESTS_INTEGRATION_KUBE_KUBE_TEST_ENVIRONMENT_H_
#define TESSERA_TESTS_INTEGRATION_KUBE_KUBE_TEST_ENVIRONMENT_H_

#include <chrono>
#include <functional>
#include <memory>
#include <optional>
#include <string>

#include <nlohmann/json.hpp>

#include "base/status.h"
#include "kube/kube_client.h"
#include "kube/kube_config.h"
#include "kube/resource_type.h"

namespace tessera::kube::integration {

// The namespace every suite works in (created when missing).
inline constexpr std::string_view kNamespace = "kube-client-it";

// gadgets.test.tessera.io/v1, namespaced, with a status subresource and
// spec.replicas >= 0.
const ResourceType& Gadgets();

// $TESSERA_TEST_KUBECONFIG (a token kubeconfig) or
// $TESSERA_TEST_CERT_KUBECONFIG (a client-certificate one); nullopt when unset.
std::optional<std::string> TokenKubeconfigPath();
std::optional<std::string> CertKubeconfigPath();

// Loads the kubeconfig at `path` and makes a client; fails the test on error.
std::unique_ptr<KubeClient> MakeClient(const std::string& path, KubeClientOptions options = {});

// Creates the namespace and the Gadget CRD once per process and waits until
// gadgets are served.
Status EnsureTestResources(KubeClient& client);

// A name no other test (or earlier run against the same server) has used.
std::string UniqueName(std::string_view prefix);

// A Gadget object.
nlohmann::json Gadget(const std::string& name, int replicas,
                      const std::map<std::string, std::string>& labels = {});

// Polls `condition` every 20 ms until it holds or `timeout` passes.
bool Eventually(const std::function<bool()>& condition, std::chrono::milliseconds timeout);

}  // namespace tessera::kube::integration

// Skips the test unless the control plane's kubeconfig was passed.
#define TESSERA_REQUIRE_KUBE()                                                                  \
  do {                                                                                          \
    if (!::tessera::kube::integration::TokenKubeconfigPath()) {                                 \
      GTEST_SKIP() << "TESSERA_TEST_KUBECONFIG is not set (run tests/e2e/test_kube_client.py)"; \
    }                                                                                           \
  } while (false)

#endif  // TESSERA_TESTS_INTEGRATION_KUBE_KUBE_TEST_ENVIRONMENT_H_
