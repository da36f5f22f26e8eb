#include "kube/kube_config.h"

#include <cstdlib>
#include <filesystem>
#include <map>
#include <ostream>
#include <string>

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "base/file.h"
#include "tests/unit/kube/test_credentials.h"

namespace tessera::kube {
namespace {

using ::testing::HasSubstr;
using ::testing::StartsWith;

class KubeconfigTest : public ::testing::Test {
 protected:
  void SetUp() override {
    char pattern[] = "/tmp/tessera-kubeconfig-test-XXXXXX";
    directory_ = mkdtemp(pattern);
  }
  void TearDown() override { std::filesystem::remove_all(directory_); }

  std::filesystem::path Write(const std::string& name, const std::string& contents) {
    const std::filesystem::path path = directory_ / name;
    std::filesystem::create_directories(path.parent_path());
    EXPECT_TRUE(WriteFileAtomically(path, contents).ok());
    return path;
  }

  // `data` as a kubeconfig's certificate-authority-data, decoded.
  StatusOr<std::string> DecodeData(const std::string& data) {
    const nlohmann::json kubeconfig = {
        {"current-context", "c"},
        {"clusters",
         {{{"name", "k"},
           {"cluster", {{"server", "https://h:1"}, {"certificate-authority-data", data}}}}}},
        {"contexts", {{{"name", "c"}, {"context", {{"cluster", "k"}}}}}}};
    StatusOr<KubeConfig> config = LoadKubeconfig(Write("config", kubeconfig.dump()));
    if (!config.ok()) return config.status();
    return config->certificate_authority_pem;
  }

  std::filesystem::path directory_;
};

constexpr std::string_view kTwoContexts = R"(
apiVersion: v1
kind: Config
current-context: dev
clusters:
- name: prod
  cluster:
    server: https://prod.example:6443/
    certificate-authority: certs/ca.crt
    tls-server-name: kubernetes.default
- name: dev
  cluster:
    server: https://127.0.0.1:6443
    insecure-skip-tls-verify: true
users:
- name: admin
  user:
    token: s3cret
- name: robot
  user:
    client-certificate: certs/client.crt
    client-key: /ABSOLUTE/client.key
contexts:
- name: dev
  context: {cluster: dev, user: admin}
- name: prod
  context: {cluster: prod, user: robot, namespace: serving}
)";

TEST_F(KubeconfigTest, CurrentContextWithToken) {
  const auto path = Write("config", std::string(kTwoContexts));
  const StatusOr<KubeConfig> config = LoadKubeconfig(path);
  ASSERT_TRUE(config.ok()) << config.status();
  EXPECT_EQ(config->server, "https://127.0.0.1:6443");
  EXPECT_TRUE(config->insecure_skip_tls_verify);
  EXPECT_EQ(config->token, "s3cret");
  EXPECT_EQ(config->token_file, "");
  EXPECT_EQ(config->namespace_name, "default");
  EXPECT_TRUE(config->certificate_authority_pem.empty());
}

TEST_F(KubeconfigTest, NamedContextWithFilesRelativeToTheKubeconfig) {
  Write("kube/certs/ca.crt", "CA PEM");
  Write("kube/certs/client.crt", "CLIENT CERT");
  const auto key = Write("keys/client.key", "CLIENT KEY");
  std::string text(kTwoContexts);
  text.replace(text.find("/ABSOLUTE/client.key"), 20, key.string());
  const auto path = Write("kube/config", text);
  const StatusOr<KubeConfig> config = LoadKubeconfig(path, "prod");
  ASSERT_TRUE(config.ok()) << config.status();
  EXPECT_EQ(config->server, "https://prod.example:6443");  // trailing slash dropped
  EXPECT_EQ(config->certificate_authority_pem, "CA PEM");
  EXPECT_EQ(config->client_certificate_pem, "CLIENT CERT");
  EXPECT_EQ(config->client_key_pem, "CLIENT KEY");
  EXPECT_EQ(config->tls_server_name, "kubernetes.default");
  EXPECT_EQ(config->namespace_name, "serving");
  EXPECT_FALSE(config->insecure_skip_tls_verify);
  EXPECT_TRUE(config->token.empty());
}

TEST_F(KubeconfigTest, InlineDataAsJson) {
  // kube_fixture.py writes JSON kubeconfigs; JSON is YAML too.
  const std::string json = R"({
    "apiVersion": "v1", "kind": "Config", "current-context": "c",
    "clusters": [{"name": "k", "cluster": {"server": "https://10.0.0.1:443",
        "certificate-authority-data": ")" +
                           test_credentials::Base64(test_credentials::kCertificatePem) + R"("}}],
    "users": [{"name": "u", "user": {
        "client-certificate-data": ")" +
                           test_credentials::Base64(test_credentials::kCertificatePem) + R"(",
        "client-key-data": ")" +
                           test_credentials::Base64(test_credentials::kKeyPem) + R"("}}],
    "contexts": [{"name": "c", "context": {"cluster": "k", "user": "u"}}]})";
  const StatusOr<KubeConfig> config = LoadKubeconfig(Write("config.json", json));
  ASSERT_TRUE(config.ok()) << config.status();
  EXPECT_EQ(config->certificate_authority_pem, test_credentials::kCertificatePem);
  EXPECT_EQ(config->client_certificate_pem, test_credentials::kCertificatePem);
  EXPECT_EQ(config->client_key_pem, test_credentials::kKeyPem);
}

TEST_F(KubeconfigTest, TokenFileIsReadAndKept) {
  Write("token", "  projected-token\n");
  const auto path = Write("config", R"(
current-context: c
clusters: [{name: k, cluster: {server: "https://h:1"}}]
users: [{name: u, user: {tokenFile: token}}]
contexts: [{name: c, context: {cluster: k, user: u}}]
)");
  const StatusOr<KubeConfig> config = LoadKubeconfig(path);
  ASSERT_TRUE(config.ok()) << config.status();
  EXPECT_EQ(config->token, "projected-token");
  EXPECT_EQ(config->token_file, (directory_ / "token").string());
}

TEST_F(KubeconfigTest, AContextWithoutUserIsAnonymous) {
  const auto path = Write("config", R"(
current-context: c
clusters: [{name: k, cluster: {server: "https://h:1"}}]
contexts: [{name: c, context: {cluster: k}}]
)");
  const StatusOr<KubeConfig> config = LoadKubeconfig(path);
  ASSERT_TRUE(config.ok()) << config.status();
  EXPECT_TRUE(config->token.empty());
  EXPECT_TRUE(config->client_certificate_pem.empty());
}

// Base64 as Go's encoding/base64.StdEncoding reads the *-data fields.

TEST_F(KubeconfigTest, Base64DataRoundTripsEveryLength) {
  std::string bytes;
  for (int i = 0; i < 300; ++i) {
    const StatusOr<std::string> decoded = DecodeData(test_credentials::Base64(bytes));
    ASSERT_TRUE(decoded.ok()) << decoded.status();
    EXPECT_EQ(*decoded, bytes);
    bytes.push_back(static_cast<char>(i * 37));
  }
}

TEST_F(KubeconfigTest, Base64DataKnownVectors) {
  // RFC 4648 section 10.
  EXPECT_EQ(test_credentials::Base64("f"), "Zg==");
  EXPECT_EQ(test_credentials::Base64("fo"), "Zm8=");
  EXPECT_EQ(test_credentials::Base64("foobar"), "Zm9vYmFy");
  EXPECT_EQ(*DecodeData("Zm9vYg=="), "foob");
  EXPECT_EQ(*DecodeData("Zm9vYmE="), "fooba");
  EXPECT_EQ(*DecodeData(""), "");
}

TEST_F(KubeconfigTest, Base64DataLineBreaksAreSkipped) {
  EXPECT_EQ(*DecodeData("Zm9v\r\nYmFy\n"), "foobar");
}

TEST_F(KubeconfigTest, Base64DataRejectsWhatGoRejects) {
  EXPECT_THAT(
      DecodeData("Zm9v YmFy").status().message(),
      HasSubstr("certificate-authority-data: not valid base64: unexpected character at offset 4"));
  EXPECT_THAT(DecodeData("Zm9").status().message(), HasSubstr("multiple of 4"));
  EXPECT_THAT(DecodeData("Z===").status().message(), HasSubstr("padding"));
  EXPECT_THAT(DecodeData("Zg==Zg==").status().message(), HasSubstr("padding"));
  EXPECT_THAT(DecodeData("Zm9v-_").status().message(),
              HasSubstr("unexpected character at offset 4"));
  EXPECT_EQ(DecodeData("Zg=").status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(DecodeData("Zg=a").status().code(), StatusCode::kInvalidArgument);
}

struct BadKubeconfig {
  std::string name;
  std::string yaml;
  StatusCode code;
  std::string message;
};

// What gtest prints for the parameter (beside the test's name), instead of
// the struct's bytes.
void PrintTo(const BadKubeconfig& kubeconfig, std::ostream* out) { *out << kubeconfig.name; }

class KubeconfigErrorTest : public KubeconfigTest,
                            public ::testing::WithParamInterface<BadKubeconfig> {};

constexpr std::string_view kHeader = R"(
current-context: c
clusters: [{name: k, cluster: {server: "https://h:1"}}]
contexts: [{name: c, context: {cluster: k, user: admin}}]
)";

TEST_P(KubeconfigErrorTest, NamesTheFileAndTheField) {
  const auto path = Write("config", GetParam().yaml);
  const StatusOr<KubeConfig> config = LoadKubeconfig(path);
  ASSERT_FALSE(config.ok());
  EXPECT_EQ(config.status().code(), GetParam().code) << config.status();
  EXPECT_THAT(config.status().message(), StartsWith("kubeconfig " + path.string() + ": "));
  EXPECT_THAT(config.status().message(), HasSubstr(GetParam().message));
}

INSTANTIATE_TEST_SUITE_P(
    Kubeconfig, KubeconfigErrorTest,
    ::testing::Values(
        BadKubeconfig{"BadBase64",
                      std::string(kHeader) +
                          "users: [{name: admin, user: {client-certificate-data: QUJD, "
                          "client-key-data: 'not*base64'}}]",
                      StatusCode::kInvalidArgument,
                      "users[admin].client-key-data: not valid base64: unexpected character at "
                      "offset 3"},
        BadKubeconfig{"NoCurrentContext", "clusters: []", StatusCode::kInvalidArgument,
                      "current-context: is not set"},
        BadKubeconfig{"UnknownContext", "current-context: nope\ncontexts: [{name: c, context: {}}]",
                      StatusCode::kInvalidArgument,
                      "current-context: contexts has no entry named \"nope\" (it has c)"},
        BadKubeconfig{"UnknownUser", std::string(kHeader) + "users: [{name: other, user: {}}]",
                      StatusCode::kInvalidArgument,
                      "contexts[c].user: users has no entry named \"admin\" (it has other)"},
        BadKubeconfig{
            "UnknownCluster", "current-context: c\ncontexts: [{name: c, context: {cluster: x}}]",
            StatusCode::kInvalidArgument, "contexts[c].cluster: clusters has no entry named \"x\""},
        BadKubeconfig{"NoServer",
                      "current-context: c\nclusters: [{name: k, cluster: {}}]\n"
                      "contexts: [{name: c, context: {cluster: k}}]",
                      StatusCode::kInvalidArgument, "clusters[k].server: is required"},
        BadKubeconfig{"ServerNotAString",
                      "current-context: c\nclusters: [{name: k, cluster: {server: 7}}]\n"
                      "contexts: [{name: c, context: {cluster: k}}]",
                      StatusCode::kInvalidArgument, "clusters[k].server: must be a string, got 7"},
        BadKubeconfig{"Exec",
                      std::string(kHeader) +
                          "users: [{name: admin, user: {exec: {command: aws-iam-authenticator}}}]",
                      StatusCode::kUnimplemented,
                      "users[admin].exec: exec credential plugins (\"aws-iam-authenticator\") are "
                      "not supported"},
        BadKubeconfig{
            "AuthProvider",
            std::string(kHeader) + "users: [{name: admin, user: {auth-provider: {name: gcp}}}]",
            StatusCode::kUnimplemented,
            "users[admin].auth-provider: auth-provider plugins (\"gcp\") are not "
            "supported"},
        BadKubeconfig{
            "BasicAuth",
            std::string(kHeader) + "users: [{name: admin, user: {username: a, password: b}}]",
            StatusCode::kUnimplemented, "users[admin]: basic authentication"},
        BadKubeconfig{"CertificateTwice",
                      std::string(kHeader) + "users: [{name: admin, user: {client-certificate: a, "
                                             "client-certificate-data: QUJD}}]",
                      StatusCode::kInvalidArgument,
                      "users[admin]: client-certificate and client-certificate-data are both "
                      "set"},
        BadKubeconfig{
            "CertificateWithoutKey",
            std::string(kHeader) + "users: [{name: admin, user: {client-certificate-data: QUJD}}]",
            StatusCode::kInvalidArgument,
            "users[admin]: client-certificate is set without client-key"},
        BadKubeconfig{"MissingKeyFile",
                      std::string(kHeader) +
                          "users: [{name: admin, user: {client-certificate-data: QUJD, "
                          "client-key: missing.key}}]",
                      StatusCode::kNotFound, "users[admin].client-key: "},
        BadKubeconfig{"MissingTokenFile",
                      std::string(kHeader) + "users: [{name: admin, user: {tokenFile: gone}}]",
                      StatusCode::kNotFound, "users[admin].tokenFile: "},
        BadKubeconfig{"InsecureWithCa",
                      "current-context: c\nclusters: [{name: k, cluster: {server: 'https://h:1', "
                      "insecure-skip-tls-verify: true, certificate-authority-data: QUJD}}]\n"
                      "contexts: [{name: c, context: {cluster: k}}]",
                      StatusCode::kInvalidArgument,
                      "clusters[k]: insecure-skip-tls-verify and a certificate authority are both "
                      "set"},
        BadKubeconfig{"InsecureNotBool",
                      "current-context: c\nclusters: [{name: k, cluster: {server: 'https://h:1', "
                      "insecure-skip-tls-verify: 'yes'}}]\n"
                      "contexts: [{name: c, context: {cluster: k}}]",
                      StatusCode::kInvalidArgument,
                      "clusters[k].insecure-skip-tls-verify: must be true or false"},
        BadKubeconfig{"ProxyUrl",
                      "current-context: c\nclusters: [{name: k, cluster: {server: 'https://h:1', "
                      "proxy-url: 'http://proxy:3128'}}]\n"
                      "contexts: [{name: c, context: {cluster: k}}]",
                      StatusCode::kUnimplemented,
                      "clusters[k].proxy-url: proxies are not supported"},
        BadKubeconfig{"NotYaml", "clusters: [", StatusCode::kInvalidArgument, "line"}),
    [](const ::testing::TestParamInfo<BadKubeconfig>& param_info) {
      return param_info.param.name;
    });

TEST_F(KubeconfigTest, MissingFileIsNotFound) {
  const StatusOr<KubeConfig> config = LoadKubeconfig(directory_ / "absent");
  EXPECT_EQ(config.status().code(), StatusCode::kNotFound);
  EXPECT_THAT(config.status().message(), HasSubstr("kubeconfig: "));
  EXPECT_THAT(config.status().message(), HasSubstr("absent: no such file"));
}

class InClusterTest : public KubeconfigTest {
 protected:
  EnvironmentLookup Environment() const {
    return [this](const char* name) -> std::optional<std::string> {
      const auto it = environment_.find(name);
      if (it == environment_.end()) return std::nullopt;
      return it->second;
    };
  }

  std::map<std::string, std::string> environment_{{"KUBERNETES_SERVICE_HOST", "10.96.0.1"},
                                                  {"KUBERNETES_SERVICE_PORT", "443"}};
};

TEST_F(InClusterTest, ReadsTheServiceAccount) {
  Write("sa/token", "eyJhbGciOi.token\n");
  Write("sa/ca.crt", "CLUSTER CA");
  Write("sa/namespace", "serving\n");
  const StatusOr<KubeConfig> config = InClusterConfig(directory_ / "sa", Environment());
  ASSERT_TRUE(config.ok()) << config.status();
  EXPECT_EQ(config->server, "https://10.96.0.1:443");
  EXPECT_EQ(config->token, "eyJhbGciOi.token");
  EXPECT_EQ(config->token_file, (directory_ / "sa" / "token").string());
  EXPECT_EQ(config->certificate_authority_pem, "CLUSTER CA");
  EXPECT_EQ(config->namespace_name, "serving");
}

TEST_F(InClusterTest, Ipv6HostIsBracketedAndNamespaceDefaults) {
  environment_["KUBERNETES_SERVICE_HOST"] = "fd00::1";
  Write("sa/token", "t");
  Write("sa/ca.crt", "CA");
  const StatusOr<KubeConfig> config = InClusterConfig(directory_ / "sa", Environment());
  ASSERT_TRUE(config.ok()) << config.status();
  EXPECT_EQ(config->server, "https://[fd00::1]:443");
  EXPECT_EQ(config->namespace_name, "default");
}

TEST_F(InClusterTest, OutsideAPodIsFailedPrecondition) {
  environment_.clear();
  const StatusOr<KubeConfig> config = InClusterConfig(directory_, Environment());
  EXPECT_EQ(config.status().code(), StatusCode::kFailedPrecondition);
  EXPECT_THAT(config.status().message(), HasSubstr("KUBERNETES_SERVICE_HOST"));
}

TEST_F(InClusterTest, MissingTokenNamesIt) {
  Write("sa/ca.crt", "CA");
  const StatusOr<KubeConfig> config = InClusterConfig(directory_ / "sa", Environment());
  EXPECT_EQ(config.status().code(), StatusCode::kNotFound);
  EXPECT_THAT(config.status().message(), HasSubstr("in-cluster config: token: "));
}

TEST_F(InClusterTest, DefaultConfigOrder) {
  const auto explicit_path =
      Write("explicit",
            "current-context: c\n"
            "clusters: [{name: k, cluster: {server: 'https://explicit:1'}}]\n"
            "contexts: [{name: c, context: {cluster: k}}]\n");
  const auto env_path = Write("env",
                              "current-context: c\n"
                              "clusters: [{name: k, cluster: {server: 'https://env:1'}}]\n"
                              "contexts: [{name: c, context: {cluster: k}}]\n");
  Write("home/.kube/config",
        "current-context: c\n"
        "clusters: [{name: k, cluster: {server: 'https://home:1'}}]\n"
        "contexts: [{name: c, context: {cluster: k}}]\n");
  environment_.clear();
  environment_["HOME"] = (directory_ / "home").string();
  environment_["KUBECONFIG"] = ":" + env_path.string() + ":" + explicit_path.string();

  auto config = LoadDefaultConfig(explicit_path.string(), Environment());
  ASSERT_TRUE(config.ok()) << config.status();
  EXPECT_EQ(config->server, "https://explicit:1");

  config = LoadDefaultConfig("", Environment());
  ASSERT_TRUE(config.ok()) << config.status();
  EXPECT_EQ(config->server, "https://env:1");

  environment_.erase("KUBECONFIG");
  config = LoadDefaultConfig("", Environment());
  ASSERT_TRUE(config.ok()) << config.status();
  EXPECT_EQ(config->server, "https://home:1");

  // In a pod (the real service-account directory is absent here, so this
  // fails, but it fails as in-cluster config).
  environment_["KUBERNETES_SERVICE_HOST"] = "10.0.0.1";
  environment_["KUBERNETES_SERVICE_PORT"] = "443";
  config = LoadDefaultConfig("", Environment());
  ASSERT_FALSE(config.ok());
  EXPECT_THAT(config.status().message(), HasSubstr("in-cluster config"));

  environment_.clear();
  config = LoadDefaultConfig("", Environment());
  EXPECT_EQ(config.status().code(), StatusCode::kNotFound);
  EXPECT_THAT(config.status().message(), HasSubstr("pass --kubeconfig"));
}

}  // namespace
}  // namespace tessera::kube
