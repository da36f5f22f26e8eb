// The TLS material of a KubeConfig, parsed once when a client is made so that
// bad PEM is an error naming the kubeconfig field rather than a handshake
// failure on every request, and shared by every connection the client opens.

#ifndef TESSERA_KUBE_TLS_CREDENTIALS_H_
#define TESSERA_KUBE_TLS_CREDENTIALS_H_

#include <memory>
#include <vector>

#include <openssl/types.h>

#include "base/status.h"
#include "kube/kube_config.h"

namespace tessera::kube {

// Immutable after FromConfig, so any number of threads may ApplyTo at once.
class TlsCredentials {
 public:
  // InvalidArgument naming the field ("certificate-authority", "client-certificate",
  // "client-key") when its PEM holds nothing usable, or when the key does not
  // belong to the certificate.
  static StatusOr<std::shared_ptr<const TlsCredentials>> FromConfig(const KubeConfig& config);

  ~TlsCredentials();
  TlsCredentials(const TlsCredentials&) = delete;
  TlsCredentials& operator=(const TlsCredentials&) = delete;

  // Makes `context` trust exactly the configured CA certificates (when any
  // are configured, as client-go does: a cluster CA replaces the system trust
  // store rather than adding to it), present the client certificate chain and
  // key (when configured), and refuse protocols older than TLS 1.2. Never
  // fails: everything that could fail was checked by FromConfig.
  void ApplyTo(SSL_CTX* context) const;

  bool has_certificate_authority() const { return !authorities_.empty(); }
  bool has_client_certificate() const { return client_key_ != nullptr; }

 private:
  TlsCredentials() = default;

  std::vector<X509*> authorities_;
  // The leaf first, then any intermediates.
  std::vector<X509*> client_chain_;
  EVP_PKEY* client_key_ = nullptr;
};

}  // namespace tessera::kube

#endif  // TESSERA_KUBE_TLS_CREDENTIALS_H_
