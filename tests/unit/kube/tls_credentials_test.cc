#include "kube/tls_credentials.h"

#include <memory>

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <openssl/ssl.h>

#include "tests/unit/kube/test_credentials.h"

namespace tessera::kube {
namespace {

using ::testing::HasSubstr;
namespace creds = test_credentials;

TEST(TlsCredentialsTest, EmptyConfigNeedsNothing) {
  const auto credentials = TlsCredentials::FromConfig(KubeConfig{});
  ASSERT_TRUE(credentials.ok()) << credentials.status();
  EXPECT_FALSE((*credentials)->has_certificate_authority());
  EXPECT_FALSE((*credentials)->has_client_certificate());
}

TEST(TlsCredentialsTest, ParsesAndAppliesCaAndClientCertificate) {
  KubeConfig config;
  // A bundle of two certificates is fine.
  config.certificate_authority_pem =
      std::string(creds::kCertificatePem) + std::string(creds::kCertificatePem);
  config.client_certificate_pem = creds::kCertificatePem;
  config.client_key_pem = creds::kKeyPem;
  const auto credentials = TlsCredentials::FromConfig(config);
  ASSERT_TRUE(credentials.ok()) << credentials.status();
  EXPECT_TRUE((*credentials)->has_certificate_authority());
  EXPECT_TRUE((*credentials)->has_client_certificate());

  std::unique_ptr<SSL_CTX, decltype(&SSL_CTX_free)> context(SSL_CTX_new(TLS_client_method()),
                                                            &SSL_CTX_free);
  (*credentials)->ApplyTo(context.get());
  EXPECT_EQ(SSL_CTX_check_private_key(context.get()), 1);
  EXPECT_NE(SSL_CTX_get0_certificate(context.get()), nullptr);
  EXPECT_EQ(SSL_CTX_get_min_proto_version(context.get()), TLS1_2_VERSION);
  // Applying twice (every new connection does) is harmless.
  (*credentials)->ApplyTo(context.get());
}

TEST(TlsCredentialsTest, ErrorsNameTheField) {
  KubeConfig config;
  config.certificate_authority_pem = "not a certificate";
  EXPECT_THAT(TlsCredentials::FromConfig(config).status().message(),
              HasSubstr("certificate-authority: holds no PEM certificate"));

  config.certificate_authority_pem =
      "-----BEGIN CERTIFICATE-----\nAAAA!!!!\n-----END CERTIFICATE-----\n";
  EXPECT_THAT(TlsCredentials::FromConfig(config).status().message(),
              HasSubstr("certificate-authority: not a valid PEM certificate"));

  config = KubeConfig{};
  config.client_certificate_pem = creds::kCertificatePem;
  config.client_key_pem = "junk";
  EXPECT_THAT(TlsCredentials::FromConfig(config).status().message(),
              HasSubstr("client-key: not a PEM private key"));

  config.client_key_pem = creds::kOtherKeyPem;
  EXPECT_THAT(TlsCredentials::FromConfig(config).status().message(),
              HasSubstr("client-key: does not belong to the first certificate"));

  config.client_key_pem = "";
  EXPECT_THAT(TlsCredentials::FromConfig(config).status().message(),
              HasSubstr("client-certificate: is set without client-key"));
}

}  // namespace
}  // namespace tessera::kube
