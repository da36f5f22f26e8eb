#include "kube/tls_credentials.h"

#include <string>
#include <string_view>

#include <openssl/err.h>
#include <openssl/pem.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>

namespace tessera::kube {
namespace {

// OpenSSL's most recent error as text, and the queue cleared so that it does
// not leak into an unrelated later report.
std::string TakeOpenSslError() {
  const unsigned long code = ERR_get_error();  // NOLINT(google-runtime-int): OpenSSL's type
  ERR_clear_error();
  if (code == 0) return "";
  std::string text(256, '\0');
  ERR_error_string_n(code, text.data(), text.size());
  text.resize(text.find('\0'));
  return text;
}

struct BioDeleter {
  void operator()(BIO* bio) const { BIO_free(bio); }
};

std::unique_ptr<BIO, BioDeleter> MemoryBio(std::string_view pem) {
  return std::unique_ptr<BIO, BioDeleter>(
      BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size())));
}

// Every certificate in `pem`, in order. InvalidArgument when there is none or
// a block is malformed.
Status ReadCertificates(std::string_view pem, std::string_view field, std::vector<X509*>& out) {
  const auto bio = MemoryBio(pem);
  if (bio == nullptr) return InternalError(std::string(field) + ": out of memory");
  while (X509* certificate = PEM_read_bio_X509(bio.get(), nullptr, nullptr, nullptr)) {
    out.push_back(certificate);
  }
  // Reading stops with "no start line" at the end of the input; anything else
  // is a damaged block.
  const unsigned long error = ERR_peek_last_error();  // NOLINT(google-runtime-int)
  if (error != 0 &&
      (ERR_GET_LIB(error) != ERR_LIB_PEM || ERR_GET_REASON(error) != PEM_R_NO_START_LINE)) {
    return InvalidArgumentError(std::string(field) +
                                ": not a valid PEM certificate: " + TakeOpenSslError());
  }
  ERR_clear_error();
  if (out.empty()) {
    return InvalidArgumentError(std::string(field) + ": holds no PEM certificate");
  }
  return OkStatus();
}

}  // namespace

StatusOr<std::shared_ptr<const TlsCredentials>> TlsCredentials::FromConfig(
    const KubeConfig& config) {
  ERR_clear_error();
  std::shared_ptr<TlsCredentials> credentials(new TlsCredentials());
  if (!config.certificate_authority_pem.empty()) {
    TESSERA_RETURN_IF_ERROR(ReadCertificates(config.certificate_authority_pem,
                                             "certificate-authority", credentials->authorities_));
  }
  if (config.client_certificate_pem.empty() != config.client_key_pem.empty()) {
    return InvalidArgumentError(config.client_key_pem.empty()
                                    ? "client-certificate: is set without client-key"
                                    : "client-key: is set without client-certificate");
  }
  if (!config.client_certificate_pem.empty()) {
    TESSERA_RETURN_IF_ERROR(ReadCertificates(config.client_certificate_pem, "client-certificate",
                                             credentials->client_chain_));
    const auto bio = MemoryBio(config.client_key_pem);
    if (bio == nullptr) return InternalError("client-key: out of memory");
    credentials->client_key_ = PEM_read_bio_PrivateKey(bio.get(), nullptr, nullptr, nullptr);
    if (credentials->client_key_ == nullptr) {
      return InvalidArgumentError("client-key: not a PEM private key: " + TakeOpenSslError());
    }
    if (X509_check_private_key(credentials->client_chain_.front(), credentials->client_key_) != 1) {
      return InvalidArgumentError(
          "client-key: does not belong to the first certificate of client-certificate");
    }
  }
  ERR_clear_error();
  return std::shared_ptr<const TlsCredentials>(std::move(credentials));
}

TlsCredentials::~TlsCredentials() {
  for (X509* certificate : authorities_) X509_free(certificate);
  for (X509* certificate : client_chain_) X509_free(certificate);
  EVP_PKEY_free(client_key_);
}

void TlsCredentials::ApplyTo(SSL_CTX* context) const {
  SSL_CTX_set_min_proto_version(context, TLS1_2_VERSION);
  if (!authorities_.empty()) {
    X509_STORE* store = X509_STORE_new();
    // add_cert takes its own reference; a duplicate certificate in the
    // bundle is harmless.
    for (X509* certificate : authorities_) X509_STORE_add_cert(store, certificate);
    SSL_CTX_set_cert_store(context, store);  // the context owns the store now
  }
  if (client_key_ != nullptr) {
    SSL_CTX_use_certificate(context, client_chain_.front());
    for (size_t i = 1; i < client_chain_.size(); ++i) {
      SSL_CTX_add1_chain_cert(context, client_chain_[i]);
    }
    SSL_CTX_use_PrivateKey(context, client_key_);
  }
  ERR_clear_error();
}

}  // namespace tessera::kube
