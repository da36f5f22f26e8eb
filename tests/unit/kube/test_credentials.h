// A throw-away self-signed certificate (CN=tessera-unit-test, P-256), its key,
// and an unrelated key, for tests that parse TLS material. Made with
//   openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes
//     -days 36500 -subj /CN=tessera-unit-test
// Nothing trusts it.

#ifndef TESSERA_TESTS_UNIT_KUBE_TEST_CREDENTIALS_H_
#define TESSERA_TESTS_UNIT_KUBE_TEST_CREDENTIALS_H_

#include <string>
#include <string_view>

#include <openssl/evp.h>

namespace tessera::kube::test_credentials {

inline constexpr std::string_view kCertificatePem = R"(-----BEGIN CERTIFICATE-----
MIIBNDCB2wIUZ7bVPYeO4a2Tjx/Nlph6+tlzqt4wCgYIKoZIzj0EAwIwHDEaMBgG
A1UEAwwRdGVzc2VyYS11bml0LXRlc3QwIBcNMjYxMjAyMDYxMzE1WhgPMjEyNjEx
MDgwNjEzMTVaMBwxGjAYBgNVBAMMEXRlc3NlcmEtdW5pdC10ZXN0MFkwEwYHKoZI
zj0CAQYIKoZIzj0DAQcDQgAESRuoThC7jxpIHWip1Ok7WirlBFd2xwXfuTxV0QYL
JrWRTPwWV8WWqpuHf2W4bi9CNZThxWTNabu7ZHow0uc9PTAKBggqhkjOPQQDAgNI
ADBFAiB/Sobujfjew3+kcUAH2tlYrsSIebwCl6JRFYrMUOC7mQIhAKhVghnyCjZk
J15R80GXlIPGiafyE/jenDmrmO9X01M+
-----END CERTIFICATE-----
)";

inline constexpr std::string_view kKeyPem = R"(-----BEGIN PRIVATE KEY-----
MIGHAgEAMBMGByqGSM49AgEGCCqGSM49AwEHBG0wawIBAQQgbosPUFrNN6VDGh4m
h9Frk1Aba/yo4zccuqBndkIxI8ehRANCAARJG6hOELuPGkgdaKnU6TtaKuUEV3bH
Bd+5PFXRBgsmtZFM/BZXxZaqm4d/ZbhuL0I1lOHFZM1pu7tkejDS5z09
-----END PRIVATE KEY-----
)";

inline constexpr std::string_view kOtherKeyPem = R"(-----BEGIN PRIVATE KEY-----
MIGHAgEAMBMGByqGSM49AgEGCCqGSM49AwEHBG0wawIBAQQgXkxuYlvAetfWp3Gu
9RH/5zD52/m/UIQ7UqGs0lG2gpOhRANCAAQrQYwYpg3CRa0mVvKLxLmlYoaLHWYK
QDJW81pPFxPGvvfUjrYTQXoCHMmsv7JPR6iRWU40dHyjPrZcQ0TJ09sb
-----END PRIVATE KEY-----
)";

// `bytes` in standard base64 with padding, as kubeconfigs carry certificates
// and keys in their *-data fields.
inline std::string Base64(std::string_view bytes) {
  std::string encoded((bytes.size() + 2) / 3 * 4 + 1, '\0');  // and OpenSSL's NUL
  const int length = EVP_EncodeBlock(reinterpret_cast<unsigned char*>(encoded.data()),
                                     reinterpret_cast<const unsigned char*>(bytes.data()),
                                     static_cast<int>(bytes.size()));
  encoded.resize(static_cast<size_t>(length));
  return encoded;
}

}  // namespace tessera::kube::test_credentials

#endif  // TESSERA_TESTS_UNIT_KUBE_TEST_CREDENTIALS_H_
