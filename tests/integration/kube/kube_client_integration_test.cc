// KubeClient and WatchStream against a real kube-apiserver: both kinds of
// credentials, TLS verification, CRUD with optimistic concurrency, the status
// subresource, pagination, and watches that expire and resume.

#include <atomic>
#include <chrono>
#include <filesystem>
#include <set>
#include <string>
#include <thread>

#include <arpa/inet.h>
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include "base/file.h"
#include "base/units.h"
#include "kube/api_error.h"
#include "kube/kube_client.h"
#include "kube/object_fields.h"
#include "kube/retry.h"
#include "tests/integration/kube/kube_test_environment.h"

namespace tessera::kube::integration {
namespace {

using std::chrono::milliseconds;
using std::chrono::seconds;
using ::testing::HasSubstr;

class KubeClientIntegrationTest : public ::testing::Test {
 protected:
  void SetUp() override {
    TESSERA_REQUIRE_KUBE();
    client_ = MakeClient(*TokenKubeconfigPath());
    ASSERT_NE(client_, nullptr);
    const Status ready = EnsureTestResources(*client_);
    ASSERT_TRUE(ready.ok()) << ready;
  }

  // The user the server takes us for (a SelfSubjectReview).
  static std::string WhoAmI(KubeClient& client) {
    const nlohmann::json review = {{"apiVersion", "authentication.k8s.io/v1"},
                                   {"kind", "SelfSubjectReview"}};
    auto answer = client.Request("POST", "/apis/authentication.k8s.io/v1/selfsubjectreviews",
                                 &review, "application/json");
    EXPECT_TRUE(answer.ok()) << answer.status();
    if (!answer.ok()) return "";
    return (*answer)["status"]["userInfo"]["username"].get<std::string>();
  }

  std::unique_ptr<KubeClient> client_;
};

TEST_F(KubeClientIntegrationTest, TokenAndClientCertificateKubeconfigsAuthenticate) {
  EXPECT_EQ(WhoAmI(*client_), "tessera-admin");
  ASSERT_TRUE(CertKubeconfigPath()) << "TESSERA_TEST_CERT_KUBECONFIG is not set";
  auto cert_client = MakeClient(*CertKubeconfigPath());
  ASSERT_NE(cert_client, nullptr);
  EXPECT_EQ(WhoAmI(*cert_client), "tessera-test");
}

TEST_F(KubeClientIntegrationTest, AWrongTokenIsUnauthenticated) {
  auto config = LoadKubeconfig(*TokenKubeconfigPath());
  ASSERT_TRUE(config.ok());
  config->token = "not-the-token";
  auto client = KubeClient::FromConfig(*config);
  ASSERT_TRUE(client.ok());
  const auto answer = (*client)->Get(resource_types::Namespaces(), {"", "default"});
  EXPECT_EQ(answer.status().code(), StatusCode::kUnauthenticated) << answer.status();
}

TEST_F(KubeClientIntegrationTest, ARotatedTokenFileIsReReadAfterA401) {
  auto config = LoadKubeconfig(*TokenKubeconfigPath());
  ASSERT_TRUE(config.ok());
  char pattern[] = "/tmp/tessera-it-token-XXXXXX";
  const std::filesystem::path directory = mkdtemp(pattern);
  const std::string good_token = config->token;
  config->token_file = (directory / "token").string();
  ASSERT_TRUE(WriteFileAtomically(config->token_file, "expired-token").ok());
  config->token = "";
  auto client = KubeClient::FromConfig(*config);
  ASSERT_TRUE(client.ok());
  EXPECT_EQ((*client)->Get(resource_types::Namespaces(), {"", "default"}).status().code(),
            StatusCode::kUnauthenticated);
  // kubelet rotates the projected token; well within the minute the client
  // would otherwise wait, the 401 makes it look again.
  ASSERT_TRUE(WriteFileAtomically(config->token_file, good_token + "\n").ok());
  const auto answer = (*client)->Get(resource_types::Namespaces(), {"", "default"});
  EXPECT_TRUE(answer.ok()) << answer.status();
  std::filesystem::remove_all(directory);
}

TEST_F(KubeClientIntegrationTest, TlsVerificationUsesTheServerName) {
  auto config = LoadKubeconfig(*TokenKubeconfigPath());
  ASSERT_TRUE(config.ok());
  // The serving certificate names IP:127.0.0.1 and DNS:localhost.
  KubeConfig by_name = *config;
  by_name.tls_server_name = "localhost";
  auto client = KubeClient::FromConfig(by_name);
  ASSERT_TRUE(client.ok());
  EXPECT_TRUE((*client)->Get(resource_types::Namespaces(), {"", "default"}).ok());

  KubeConfig wrong_name = *config;
  wrong_name.tls_server_name = "kubernetes.example";
  client = KubeClient::FromConfig(wrong_name);
  ASSERT_TRUE(client.ok());
  const auto refused = (*client)->Get(resource_types::Namespaces(), {"", "default"});
  EXPECT_EQ(refused.status().code(), StatusCode::kUnavailable) << refused.status();

  KubeConfig untrusted = *config;  // the system roots do not know the test CA
  untrusted.certificate_authority_pem.clear();
  client = KubeClient::FromConfig(untrusted);
  ASSERT_TRUE(client.ok());
  EXPECT_EQ((*client)->Get(resource_types::Namespaces(), {"", "default"}).status().code(),
            StatusCode::kUnavailable);

  KubeConfig insecure = untrusted;
  insecure.insecure_skip_tls_verify = true;
  client = KubeClient::FromConfig(insecure);
  ASSERT_TRUE(client.ok());
  EXPECT_TRUE((*client)->Get(resource_types::Namespaces(), {"", "default"}).ok());
}

TEST_F(KubeClientIntegrationTest, CreateGetUpdateDelete) {
  const std::string name = UniqueName("crud");
  auto created = client_->Create(Gadgets(), kNamespace, Gadget(name, 1));
  ASSERT_TRUE(created.ok()) << created.status();
  const std::string first_version = ResourceVersionOf(*created);
  EXPECT_FALSE(first_version.empty());

  const auto again = client_->Create(Gadgets(), kNamespace, Gadget(name, 1));
  EXPECT_EQ(again.status().code(), StatusCode::kAlreadyExists) << again.status();
  EXPECT_THAT(again.status().message(), HasSubstr("already exists"));

  auto fetched = client_->Get(Gadgets(), {std::string(kNamespace), name});
  ASSERT_TRUE(fetched.ok()) << fetched.status();
  EXPECT_EQ((*fetched)["spec"]["replicas"], 1);

  nlohmann::json changed = *fetched;
  changed["spec"]["replicas"] = 2;
  auto updated = client_->Update(Gadgets(), changed);
  ASSERT_TRUE(updated.ok()) << updated.status();
  EXPECT_NE(ResourceVersionOf(*updated), first_version);

  // Writing over the version read before someone else's update loses.
  changed["spec"]["replicas"] = 3;
  const auto stale = client_->Update(Gadgets(), changed);
  EXPECT_EQ(stale.status().code(), StatusCode::kAborted) << stale.status();
  EXPECT_THAT(stale.status().message(), HasSubstr("the object has been modified"));

  // RetryOnConflict: re-read, re-apply, write.
  int attempts = 0;
  const Status retried = RetryOnConflict([&]() -> Status {
    ++attempts;
    TESSERA_ASSIGN_OR_RETURN(nlohmann::json current,
                             client_->Get(Gadgets(), {std::string(kNamespace), name}));
    if (attempts == 1) current["metadata"]["resourceVersion"] = first_version;  // stale once
    current["spec"]["replicas"] = 4;
    return client_->Update(Gadgets(), current).status();
  });
  EXPECT_TRUE(retried.ok()) << retried;
  EXPECT_EQ(attempts, 2);

  const auto invalid = client_->Patch(Gadgets(), {std::string(kNamespace), name},
                                      {{"spec", {{"replicas", -1}}}}, PatchType::kMerge);
  EXPECT_EQ(invalid.status().code(), StatusCode::kInvalidArgument) << invalid.status();
  EXPECT_THAT(invalid.status().message(), HasSubstr("spec.replicas"));

  auto patched = client_->Patch(
      Gadgets(), {std::string(kNamespace), name},
      nlohmann::json::parse(R"([{"op":"replace","path":"/spec/replicas","value":5}])"),
      PatchType::kJson);
  ASSERT_TRUE(patched.ok()) << patched.status();
  EXPECT_EQ((*patched)["spec"]["replicas"], 5);

  const Status wrong_uid =
      client_->Delete(Gadgets(), {std::string(kNamespace), name}, {.uid = "not-its-uid"});
  EXPECT_EQ(wrong_uid.code(), StatusCode::kAborted) << wrong_uid;
  const Status deleted = client_->Delete(Gadgets(), {std::string(kNamespace), name},
                                         {.uid = MetadataString(*patched, "uid")});
  EXPECT_TRUE(deleted.ok()) << deleted;
  EXPECT_EQ(client_->Get(Gadgets(), {std::string(kNamespace), name}).status().code(),
            StatusCode::kNotFound);
  EXPECT_EQ(client_->Delete(Gadgets(), {std::string(kNamespace), name}).code(),
            StatusCode::kNotFound);
}

TEST_F(KubeClientIntegrationTest, StatusSubresourceWritesOnlyTheStatus) {
  const std::string name = UniqueName("status");
  auto created = client_->Create(Gadgets(), kNamespace, Gadget(name, 1));
  ASSERT_TRUE(created.ok()) << created.status();
  nlohmann::json object = *created;
  object["spec"]["replicas"] = 9;  // ignored by /status
  object["status"] = {{"ready", 1}};
  auto updated = client_->UpdateStatus(Gadgets(), object);
  ASSERT_TRUE(updated.ok()) << updated.status();
  EXPECT_EQ((*updated)["status"]["ready"], 1);
  EXPECT_EQ((*updated)["spec"]["replicas"], 1);

  // A plain update ignores the status in turn.
  nlohmann::json spec_only = *updated;
  spec_only["status"]["ready"] = 7;
  spec_only["spec"]["replicas"] = 2;
  auto spec_updated = client_->Update(Gadgets(), spec_only);
  ASSERT_TRUE(spec_updated.ok()) << spec_updated.status();
  EXPECT_EQ((*spec_updated)["status"]["ready"], 1);

  // Stale status writes conflict like any other.
  object["status"]["ready"] = 2;
  EXPECT_EQ(client_->UpdateStatus(Gadgets(), object).status().code(), StatusCode::kAborted);

  auto patched = client_->Patch(Gadgets(), {std::string(kNamespace), name},
                                {{"status", {{"ready", 3}}}}, PatchType::kMerge, "status");
  ASSERT_TRUE(patched.ok()) << patched.status();
  EXPECT_EQ((*patched)["status"]["ready"], 3);
  EXPECT_EQ((*patched)["spec"]["replicas"], 2);
}

TEST_F(KubeClientIntegrationTest, ListPaginatesFiveObjectsTwoAtATime) {
  const std::string run = UniqueName("page");
  std::set<std::string> names;
  for (int i = 0; i < 5; ++i) {
    const std::string name = run + "-" + std::to_string(i);
    names.insert(name);
    ASSERT_TRUE(client_->Create(Gadgets(), kNamespace, Gadget(name, i, {{"run", run}})).ok());
  }
  const ListOptions options{.label_selector = "run=" + run, .limit = 2};
  auto list = client_->List(Gadgets(), kNamespace, options);
  ASSERT_TRUE(list.ok()) << list.status();
  std::set<std::string> listed;
  for (const auto& item : (*list)["items"]) listed.insert(MetadataString(item, "name"));
  EXPECT_EQ(listed, names);
  EXPECT_FALSE(ResourceVersionOf(*list).empty());
  EXPECT_FALSE((*list)["metadata"].contains("continue"));

  // Page by page: 2 + 2 + 1, every page at the first page's resourceVersion.
  ListOptions page_options = options;
  page_options.all_pages = false;
  std::vector<size_t> sizes;
  std::string version;
  while (true) {
    auto page = client_->List(Gadgets(), kNamespace, page_options);
    ASSERT_TRUE(page.ok()) << page.status();
    sizes.push_back((*page)["items"].size());
    if (version.empty()) version = ResourceVersionOf(*page);
    EXPECT_EQ(ResourceVersionOf(*page), version);
    page_options.continue_token = MetadataString(*page, "continue");
    if (page_options.continue_token.empty()) break;
  }
  EXPECT_EQ(sizes, (std::vector<size_t>{2, 2, 1}));
}

// Reads events until the stream ends or `predicate` holds.
std::vector<WatchEvent> ReadUntil(WatchStream& stream,
                                  const std::function<bool(const WatchEvent&)>& predicate,
                                  bool& ended) {
  std::vector<WatchEvent> events;
  ended = false;
  while (true) {
    auto event = stream.Next();
    EXPECT_TRUE(event.ok()) << event.status();
    if (!event.ok()) return events;
    if (!event->has_value()) {
      ended = true;
      return events;
    }
    events.push_back(std::move(**event));
    if (predicate(events.back())) return events;
  }
}

TEST_F(KubeClientIntegrationTest, WatchExpiresAndResumesFromTheLastResourceVersion) {
  const std::string run = UniqueName("watch");
  const std::string name = run + "-a";
  auto list = client_->List(Gadgets(), kNamespace, {.label_selector = "run=" + run});
  ASSERT_TRUE(list.ok());
  std::string version = ResourceVersionOf(*list);

  WatchOptions options{
      .resource_version = version, .label_selector = "run=" + run, .timeout = seconds(2)};
  auto watch = client_->Watch(Gadgets(), kNamespace, options);
  ASSERT_TRUE(watch.ok()) << watch.status();
  ASSERT_TRUE(client_->Create(Gadgets(), kNamespace, Gadget(name, 1, {{"run", run}})).ok());
  bool ended = false;
  auto events = ReadUntil(
      **watch, [](const WatchEvent&) { return false; }, ended);
  EXPECT_TRUE(ended) << "timeoutSeconds=2 should end the watch";
  ASSERT_FALSE(events.empty());
  EXPECT_EQ(events.front().type, WatchEvent::Type::kAdded);
  for (const WatchEvent& event : events) version = event.ResourceVersion();

  // Changes while no watch is open are not lost: the next watch resumes
  // from the last version seen.
  auto current = client_->Get(Gadgets(), {std::string(kNamespace), name});
  ASSERT_TRUE(current.ok());
  (*current)["spec"]["replicas"] = 2;
  ASSERT_TRUE(client_->Update(Gadgets(), *current).ok());
  ASSERT_TRUE(client_->Delete(Gadgets(), {std::string(kNamespace), name}).ok());

  options.resource_version = version;
  options.timeout = seconds(30);
  watch = client_->Watch(Gadgets(), kNamespace, options);
  ASSERT_TRUE(watch.ok()) << watch.status();
  events = ReadUntil(
      **watch, [](const WatchEvent& event) { return event.type == WatchEvent::Type::kDeleted; },
      ended);
  ASSERT_FALSE(ended);
  std::vector<WatchEvent::Type> types;
  for (const WatchEvent& event : events) {
    if (event.type != WatchEvent::Type::kBookmark) types.push_back(event.type);
  }
  EXPECT_EQ(types, (std::vector{WatchEvent::Type::kModified, WatchEvent::Type::kDeleted}));
  EXPECT_EQ(events.back().object["spec"]["replicas"], 2);
}

TEST_F(KubeClientIntegrationTest, WatchFromAVersionTooOldIsGone) {
  // The watch cache of a type starts when its CRD is established; version 1
  // is older than anything it holds.
  auto watch =
      client_->Watch(Gadgets(), kNamespace, {.resource_version = "1", .timeout = seconds(5)});
  if (!watch.ok()) {
    EXPECT_EQ(watch.status().code(), StatusCode::kOutOfRange) << watch.status();
    return;
  }
  auto event = (*watch)->Next();
  ASSERT_TRUE(event.ok()) << event.status();
  ASSERT_TRUE(event->has_value());
  ASSERT_EQ((*event)->type, WatchEvent::Type::kError) << (*event)->object.dump();
  const Status status = StatusFromStatusObject((*event)->object, (*watch)->description());
  EXPECT_EQ(status.code(), StatusCode::kOutOfRange) << status;
  std::printf("watch from version 1: %s\n", status.ToString().c_str());
}

TEST_F(KubeClientIntegrationTest, StoppingAnIdleWatchIsPrompt) {
  auto watch = client_->Watch(Gadgets(), kNamespace,
                              {.label_selector = "run=nothing-matches", .timeout = seconds(60)});
  ASSERT_TRUE(watch.ok()) << watch.status();
  std::atomic<bool> returned{false};
  std::thread reader([&] {
    // Bookmarks may come; nothing else matches the selector.
    while (true) {
      const auto event = (*watch)->Next();
      if (event.ok() && event->has_value()) {
        EXPECT_EQ((*event)->type, WatchEvent::Type::kBookmark) << (*event)->object.dump();
        continue;
      }
      EXPECT_EQ(event.status().code(), StatusCode::kCancelled) << event.status();
      break;
    }
    returned = true;
  });
  std::this_thread::sleep_for(milliseconds(300));
  EXPECT_FALSE(returned);
  const auto stopped_at = std::chrono::steady_clock::now();
  (*watch)->Stop();
  reader.join();
  const auto took = std::chrono::steady_clock::now() - stopped_at;
  std::printf("an idle watch stopped in %s\n",
              FormatDuration(std::chrono::duration_cast<std::chrono::nanoseconds>(took)).c_str());
  EXPECT_LT(took, seconds(5));
}

// A listener that accepts connections and never answers.
class SilentServer {
 public:
  SilentServer() {
    listener_ = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    sockaddr_in address{};
    address.sin_family = AF_INET;
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t length = sizeof(address);
    ::bind(listener_, reinterpret_cast<sockaddr*>(&address), length);
    ::listen(listener_, 16);
    ::getsockname(listener_, reinterpret_cast<sockaddr*>(&address), &length);
    port_ = ntohs(address.sin_port);
  }
  ~SilentServer() { ::close(listener_); }
  std::string url() const { return "http://127.0.0.1:" + std::to_string(port_); }

 private:
  int listener_ = -1;
  uint16_t port_ = 0;
};

TEST(KubeClientTimeoutTest, ASilentServerIsDeadlineExceeded) {
  // Needs no control plane: the kernel completes the handshake, then nothing.
  SilentServer server;
  auto client =
      KubeClient::FromConfig({.server = server.url()}, {.request_timeout = milliseconds(300)});
  ASSERT_TRUE(client.ok());
  const auto started = std::chrono::steady_clock::now();
  const auto answer = (*client)->Get(resource_types::Namespaces(), {"", "default"});
  EXPECT_EQ(answer.status().code(), StatusCode::kDeadlineExceeded) << answer.status();
  EXPECT_THAT(answer.status().message(), HasSubstr("did not answer within 300ms"));
  const auto override_answer =
      (*client)->Get(resource_types::Namespaces(), {"", "default"}, {.timeout = milliseconds(100)});
  EXPECT_EQ(override_answer.status().code(), StatusCode::kDeadlineExceeded);
  std::printf("two timeouts (300ms, 100ms) took %s\n",
              FormatDuration(std::chrono::steady_clock::now() - started).c_str());
}

}  // namespace
}  // namespace tessera::kube::integration
