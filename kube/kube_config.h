// Where the Kubernetes API server is and how to prove who we are to it: read
// from a kubeconfig file, or from the service account a pod runs as, the way
// client-go's clientcmd and rest.InClusterConfig read them.

#ifndef TESSERA_KUBE_KUBE_CONFIG_H_
#define TESSERA_KUBE_KUBE_CONFIG_H_

#include <filesystem>
#include <functional>
#include <optional>
#include <string>
#include <string_view>

#include "base/environment.h"
#include "base/status.h"

namespace tessera::kube {

// Everything a KubeClient needs, with every file already read into memory
// except the token file, which the client re-reads because projected
// service-account tokens rotate under a running process.
struct KubeConfig {
  // "https://host:port", without a trailing path.
  std::string server{};
  // PEM, one or more certificates. Empty means the system's trust store.
  std::string certificate_authority_pem{};
  bool insecure_skip_tls_verify = false;
  // A static bearer token. When token_file is also set this holds the file's
  // contents at load time and the file wins from then on.
  std::string token{};
  std::string token_file{};
  // PEM; both or neither.
  std::string client_certificate_pem{};
  std::string client_key_pem{};
  // The context's namespace, "default" when it names none.
  std::string namespace_name = "default";
  // The name to verify the server's certificate against (and to send as SNI)
  // instead of the host in `server`.
  std::string tls_server_name{};
};

// Loads `path`, YAML or JSON, and resolves the context named `context`, or
// `current-context` when `context` is empty: that context's cluster (server,
// certificate-authority — relative to the kubeconfig's directory — or
// certificate-authority-data, insecure-skip-tls-verify, tls-server-name), its
// user (token, tokenFile, client-certificate(-data), client-key(-data)) and its
// namespace.
//
// Errors name the file and the field: InvalidArgument for malformed values
// ("kubeconfig /x: users[admin].client-key-data: not valid base64: ..."),
// missing or contradictory fields, and references to entries that do not
// exist; NotFound when the file does not; Unimplemented for credential
// plugins (exec, auth-provider), basic authentication and proxy-url, which
// Tessera does not implement.
StatusOr<KubeConfig> LoadKubeconfig(const std::filesystem::path& path,
                                    std::string_view context = "");

inline constexpr std::string_view kServiceAccountDirectory =
    "/var/run/secrets/kubernetes.io/serviceaccount";

// The configuration of a process running in a pod: the server from
// KUBERNETES_SERVICE_HOST and KUBERNETES_SERVICE_PORT (an IPv6 host goes in
// brackets), the CA from <dir>/ca.crt, the token from <dir>/token (which the
// client keeps re-reading: kubelet rotates it), the namespace from
// <dir>/namespace. FailedPrecondition when the variables are unset (not in a
// pod); NotFound naming the file when the token or CA is missing.
StatusOr<KubeConfig> InClusterConfig(
    const std::filesystem::path& service_account_dir = kServiceAccountDirectory,
    const EnvironmentLookup& environment = ProcessEnvironment);

// The configuration a Tessera process uses, tried in the order
// controller-runtime uses: `explicit_path` (a --kubeconfig flag) when not
// empty; else the first entry of $KUBECONFIG; else the in-cluster
// configuration when KUBERNETES_SERVICE_HOST is set; else ~/.kube/config.
// NotFound when none of them exists.
StatusOr<KubeConfig> LoadDefaultConfig(std::string_view explicit_path,
                                       const EnvironmentLookup& environment = ProcessEnvironment);

}  // namespace tessera::kube

#endif  // TESSERA_KUBE_KUBE_CONFIG_H_
