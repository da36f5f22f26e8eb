#include "cli/up/manifest_directory.h"

#include <filesystem>
#include <string>
#include <string_view>
#include <vector>

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "base/file.h"
#include "resources/model_deployment.h"
#include "resources/router_spec.h"
#include "tests/unit/up/temp_directory.h"

namespace tessera::cli {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;
using ::testing::ElementsAre;
using ::testing::HasSubstr;

// An aggregated deployment named `name`, without a namespace or a router.
std::string Aggregated(std::string_view name, int replicas = 2) {
  return "apiVersion: serving.tessera.io/v1alpha1\n"
         "kind: ModelDeployment\n"
         "metadata:\n"
         "  name: " +
         std::string(name) +
         "\n"
         "spec:\n"
         "  model:\n"
         "    source: meta-llama/Llama-3.1-8B-Instruct\n"
         "  engine:\n"
         "    kind: sim\n"
         "    maxModelLen: 8192\n"
         "  worker:\n"
         "    replicas: " +
         std::to_string(replicas) + "\n";
}

std::vector<std::string> Names(const std::vector<ManifestObject>& objects) {
  std::vector<std::string> names;
  names.reserve(objects.size());
  for (const ManifestObject& object : objects) names.push_back(object.key.ToString());
  return names;
}

resources::ObjectKey Key(std::string_view name) {
  return {.namespace_name = "default", .name = std::string(name)};
}

class ManifestDirectoryTest : public testing::TempDirectoryTest {
 protected:
  fs::path Write(const std::string& name, std::string_view text) {
    const fs::path path = root_ / name;
    EXPECT_TRUE(WriteFileAtomically(path, text).ok());
    return path;
  }

  // The one object of `path`, as `tessera apply -f` would read it.
  static ManifestObject ReadOne(const fs::path& path) {
    StatusOr<std::vector<ManifestObject>> objects = ReadManifests({path.string()});
    EXPECT_TRUE(objects.ok()) << objects.status();
    EXPECT_EQ(objects.ok() ? objects->size() : 0, 1u);
    return objects.ok() && !objects->empty() ? objects->front() : ManifestObject{};
  }

  // The deployment `directory` holds for `key`, parsed as the controller does.
  static resources::ModelDeployment Parsed(const ManifestDirectory& directory,
                                           const resources::ObjectKey& key) {
    const ManifestObject manifest = ReadOne(directory.PathOf(key));
    StatusOr<resources::ModelDeployment> parsed =
        resources::ModelDeploymentFromJson(manifest.object);
    EXPECT_TRUE(parsed.ok()) << parsed.status();
    return parsed.ok() ? *parsed : resources::ModelDeployment{};
  }
};

TEST_F(ManifestDirectoryTest, ReadsASingleFileAndDefaultsTheNamespace) {
  const fs::path path = Write("chat.yaml", Aggregated("chat"));
  const ManifestObject object = ReadOne(path);
  EXPECT_EQ(object.key, Key("chat"));
  EXPECT_EQ(object.source, path.string());
  EXPECT_EQ(object.object["metadata"]["namespace"], "default");
  EXPECT_EQ(object.object["spec"]["worker"]["replicas"], 2);
}

TEST_F(ManifestDirectoryTest, KeepsAGivenNamespace) {
  std::string text = Aggregated("chat");
  text.replace(text.find("  name: chat"), 0, "  namespace: team-a\n");
  const ManifestObject object = ReadOne(Write("chat.yaml", text));
  EXPECT_EQ(object.key.ToString(), "team-a/chat");
}

TEST_F(ManifestDirectoryTest, ReadsEveryDocumentOfAFileNamingEach) {
  const fs::path path = Write("two.yaml", Aggregated("first") + "---\n" + Aggregated("second"));
  StatusOr<std::vector<ManifestObject>> objects = ReadManifests({path.string()});
  ASSERT_TRUE(objects.ok()) << objects.status();
  EXPECT_THAT(Names(*objects), ElementsAre("default/first", "default/second"));
  EXPECT_EQ((*objects)[1].source, path.string() + " document 2");
}

TEST_F(ManifestDirectoryTest, SkipsEmptyDocuments) {
  const fs::path path =
      Write("padded.yaml", "---\n---\n" + Aggregated("chat") + "---\n---\n" + Aggregated("code"));
  StatusOr<std::vector<ManifestObject>> objects = ReadManifests({path.string()});
  ASSERT_TRUE(objects.ok()) << objects.status();
  EXPECT_THAT(Names(*objects), ElementsAre("default/chat", "default/code"));
}

TEST_F(ManifestDirectoryTest, ReadsADirectoryInNameOrderSkippingOtherFiles) {
  Write("b.yaml", Aggregated("second"));
  Write("a.yml", Aggregated("first"));
  Write("c.json", json::parse(R"({"apiVersion": "serving.tessera.io/v1alpha1",
      "kind": "ModelDeployment", "metadata": {"name": "third"},
      "spec": {"model": {"source": "meta-llama/Llama-3.1-8B-Instruct"},
               "engine": {"kind": "sim", "maxModelLen": 8192}, "worker": {"replicas": 1}}})")
                      .dump());
  // Not manifests: the controller's status files, hidden files, other extensions.
  Write("a.status.yaml", "not: a manifest\n");
  Write(".hidden.yaml", "not: a manifest\n");
  Write("notes.txt", "not a manifest\n");
  StatusOr<std::vector<ManifestObject>> objects = ReadManifests({root_.string()});
  ASSERT_TRUE(objects.ok()) << objects.status();
  EXPECT_THAT(Names(*objects), ElementsAre("default/first", "default/second", "default/third"));
  EXPECT_EQ((*objects)[0].source, (root_ / "a.yml").string());
}

TEST_F(ManifestDirectoryTest, BadFieldNamesTheFileDocumentAndFieldPath) {
  std::string bad = Aggregated("broken");
  bad.replace(bad.find("replicas: 2"), 11, "replicas: -1");
  const fs::path path = Write("bad.yaml", Aggregated("good") + "---\n" + bad);
  const Status status = ReadManifests({path.string()}).status();
  EXPECT_EQ(status.code(), StatusCode::kInvalidArgument);
  EXPECT_THAT(status.message(), HasSubstr(path.string() + " document 2: spec.worker.replicas"));
}

TEST_F(ManifestDirectoryTest, UnparsableYamlNamesTheFile) {
  const fs::path path = Write("garbled.yaml", "kind: [unclosed\n");
  const Status status = ReadManifests({path.string()}).status();
  EXPECT_EQ(status.code(), StatusCode::kInvalidArgument);
  EXPECT_THAT(status.message(), HasSubstr(path.string()));
}

TEST_F(ManifestDirectoryTest, WrongKindIsRefused) {
  std::string text = Aggregated("chat");
  text.replace(text.find("kind: ModelDeployment"), 21, "kind: Deployment");
  const fs::path path = Write("chat.yaml", text);
  const Status status = ReadManifests({path.string()}).status();
  EXPECT_EQ(status.code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(status.message(), path.string() + ": kind: expected ModelDeployment");
}

TEST_F(ManifestDirectoryTest, NonStringKindIsRefused) {
  std::string text = Aggregated("chat");
  text.replace(text.find("kind: ModelDeployment"), 21, "kind: [ModelDeployment]");
  const fs::path path = Write("chat.yaml", text);
  const Status status = ReadManifests({path.string()}).status();
  EXPECT_EQ(status.code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(status.message(), path.string() + ": kind: expected ModelDeployment");
}

TEST_F(ManifestDirectoryTest, NonObjectDocumentIsRefused) {
  const fs::path path = Write("list.yaml", "- one\n- two\n");
  EXPECT_EQ(ReadManifests({path.string()}).status().message(),
            path.string() + ": kind: expected ModelDeployment");
}

TEST_F(ManifestDirectoryTest, MissingMetadataIsRefused) {
  std::string text = Aggregated("chat");
  text.erase(text.find("metadata:"), std::string("metadata:\n  name: chat\n").size());
  const fs::path path = Write("chat.yaml", text);
  const Status status = ReadManifests({path.string()}).status();
  EXPECT_EQ(status.code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(status.message(), path.string() + ": metadata: required");
}

TEST_F(ManifestDirectoryTest, KeyDefinedTwiceIsRefusedNamingTheSecond) {
  Write("a.yaml", Aggregated("chat"));
  const fs::path second = Write("b.yaml", Aggregated("chat", 3));
  const Status status = ReadManifests({root_.string()}).status();
  EXPECT_EQ(status.code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(status.message(), second.string() + ": default/chat is defined twice");
}

TEST_F(ManifestDirectoryTest, MissingPathIsNotFound) {
  const std::string missing = (root_ / "absent.yaml").string();
  const Status status = ReadManifests({missing}).status();
  EXPECT_EQ(status.code(), StatusCode::kNotFound);
  EXPECT_EQ(status.message(), "-f " + missing + ": no such file or directory");
}

TEST_F(ManifestDirectoryTest, ApplyCreatesThenLeavesUnchangedThenConfigures) {
  const ManifestDirectory directory(root_ / "manifests");
  fs::create_directories(root_ / "manifests");
  const ManifestObject first = ReadOne(Write("chat.yaml", Aggregated("chat")));

  StatusOr<ApplyResult> created = directory.Apply(first);
  ASSERT_TRUE(created.ok()) << created.status();
  EXPECT_EQ(*created, ApplyResult::kCreated);
  EXPECT_EQ(directory.PathOf(first.key), root_ / "manifests" / "default.chat.yaml");
  EXPECT_TRUE(fs::exists(directory.PathOf(first.key)));

  StatusOr<ApplyResult> again = directory.Apply(first);
  ASSERT_TRUE(again.ok()) << again.status();
  EXPECT_EQ(*again, ApplyResult::kUnchanged);

  const ManifestObject changed = ReadOne(Write("chat.yaml", Aggregated("chat", 3)));
  StatusOr<ApplyResult> configured = directory.Apply(changed);
  ASSERT_TRUE(configured.ok()) << configured.status();
  EXPECT_EQ(*configured, ApplyResult::kConfigured);
  EXPECT_EQ(ReadOne(directory.PathOf(first.key)).object, changed.object);
}

TEST_F(ManifestDirectoryTest, ApplyResultNames) {
  EXPECT_EQ(ApplyResultName(ApplyResult::kCreated), "created");
  EXPECT_EQ(ApplyResultName(ApplyResult::kConfigured), "configured");
  EXPECT_EQ(ApplyResultName(ApplyResult::kUnchanged), "unchanged");
}

TEST_F(ManifestDirectoryTest, QuickstartAppliedTwiceIsUnchanged) {
  const ManifestDirectory directory(root_);
  const ManifestObject quickstart = QuickstartManifest("sim");
  ASSERT_EQ(*directory.Apply(quickstart), ApplyResult::kCreated);
  EXPECT_EQ(*directory.Apply(quickstart), ApplyResult::kUnchanged);
}

TEST_F(ManifestDirectoryTest, ScaleSetsReplicasAndKeepsTheOtherFields) {
  const ManifestDirectory directory(root_);
  const ManifestObject quickstart = QuickstartManifest("sim");
  ASSERT_TRUE(directory.Apply(quickstart).ok());

  ASSERT_TRUE(directory.Scale(quickstart.key, "decode", 4).ok());

  const ManifestObject scaled = ReadOne(directory.PathOf(quickstart.key));
  json expected = quickstart.object;
  expected["spec"]["decode"]["replicas"] = 4;
  EXPECT_EQ(scaled.object, expected);
  const resources::ModelDeployment deployment = Parsed(directory, quickstart.key);
  EXPECT_EQ(deployment.spec.decode->replicas, 4);
  EXPECT_EQ(deployment.spec.prefill->replicas, 1);
}

TEST_F(ManifestDirectoryTest, ScaleToZeroIsAllowed) {
  const ManifestDirectory directory(root_);
  ASSERT_TRUE(directory.Apply(ReadOne(Write("chat.yaml", Aggregated("chat")))).ok());
  ASSERT_TRUE(directory.Scale(Key("chat"), "worker", 0).ok());
  EXPECT_EQ(Parsed(directory, Key("chat")).spec.worker->replicas, 0);
}

TEST_F(ManifestDirectoryTest, ScaleRoleTheDeploymentLacksListsItsRoles) {
  const ManifestDirectory directory(root_);
  const ManifestObject quickstart = QuickstartManifest("sim");
  ASSERT_TRUE(directory.Apply(quickstart).ok());
  const Status status = directory.Scale(quickstart.key, "worker", 3);
  EXPECT_EQ(status.code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(status.message(),
            R"(--role: default/llama-8b has no role "worker"; it has prefill, decode, router)");
}

TEST_F(ManifestDirectoryTest, ScaleRefusesASpecFieldThatIsNoRole) {
  const ManifestDirectory directory(root_);
  const ManifestObject quickstart = QuickstartManifest("sim");
  ASSERT_TRUE(directory.Apply(quickstart).ok());
  const Status status = directory.Scale(quickstart.key, "engine", 3);
  EXPECT_EQ(status.code(), StatusCode::kInvalidArgument);
  EXPECT_THAT(status.message(), HasSubstr(R"(has no role "engine")"));
}

// Every deployment has a router, whether or not its manifest spells out
// `spec.router`, so it can be scaled (to 0: no router, no endpoint).
TEST_F(ManifestDirectoryTest, ScaleRouterOfADeploymentWithoutARouterSection) {
  const ManifestDirectory directory(root_);
  ASSERT_TRUE(directory.Apply(ReadOne(Write("chat.yaml", Aggregated("chat")))).ok());
  const Status status = directory.Scale(Key("chat"), "router", 0);
  ASSERT_TRUE(status.ok()) << status;
  EXPECT_EQ(Parsed(directory, Key("chat")).spec.router.replicas, 0);
}

TEST_F(ManifestDirectoryTest, ScaleUnknownDeploymentIsNotFound) {
  const ManifestDirectory directory(root_);
  const Status status = directory.Scale(Key("absent"), "worker", 1);
  EXPECT_EQ(status.code(), StatusCode::kNotFound);
  EXPECT_THAT(status.message(), HasSubstr("deployment default/absent not found"));
}

TEST_F(ManifestDirectoryTest, ScaleRefusesNegativeReplicasAndLeavesTheFile) {
  const ManifestDirectory directory(root_);
  const ManifestObject quickstart = QuickstartManifest("sim");
  ASSERT_TRUE(directory.Apply(quickstart).ok());
  const StatusOr<std::string> before = ReadFile(directory.PathOf(quickstart.key));
  const Status status = directory.Scale(quickstart.key, "decode", -1);
  EXPECT_EQ(status.code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(status.message(), "--replicas: must be 0 or more");
  EXPECT_EQ(*ReadFile(directory.PathOf(quickstart.key)), *before);
}

TEST_F(ManifestDirectoryTest, DeleteRemovesThenIsNotFound) {
  const ManifestDirectory directory(root_);
  const ManifestObject quickstart = QuickstartManifest("sim");
  ASSERT_TRUE(directory.Apply(quickstart).ok());
  ASSERT_TRUE(directory.Delete(quickstart.key).ok());
  EXPECT_FALSE(fs::exists(directory.PathOf(quickstart.key)));
  const Status again = directory.Delete(quickstart.key);
  EXPECT_EQ(again.code(), StatusCode::kNotFound);
  EXPECT_THAT(again.message(), HasSubstr("default/llama-8b not found"));
}

TEST_F(ManifestDirectoryTest, EmptyUntilADeploymentIsApplied) {
  const ManifestDirectory directory(root_);
  EXPECT_TRUE(directory.Empty());
  Write("default.llama-8b.status.yaml", "observedGeneration: 1\n");
  EXPECT_TRUE(directory.Empty());
  ASSERT_TRUE(directory.Apply(QuickstartManifest("sim")).ok());
  EXPECT_FALSE(directory.Empty());
  ASSERT_TRUE(directory.Delete(Key("llama-8b")).ok());
  EXPECT_TRUE(directory.Empty());
}

TEST_F(ManifestDirectoryTest, MissingDirectoryIsEmpty) {
  EXPECT_TRUE(ManifestDirectory(root_ / "absent").Empty());
}

TEST(QuickstartManifestTest, IsADisaggregatedFp8DeploymentBehindACacheAwareRouter) {
  const ManifestObject quickstart = QuickstartManifest("sim");
  EXPECT_EQ(quickstart.key, Key("llama-8b"));
  StatusOr<resources::ModelDeployment> parsed =
      resources::ModelDeploymentFromJson(quickstart.object);
  ASSERT_TRUE(parsed.ok()) << parsed.status();
  const resources::ModelDeploymentSpec& spec = parsed->spec;
  EXPECT_EQ(parsed->metadata.key(), quickstart.key);
  EXPECT_EQ(spec.mode, resources::DeploymentMode::kDisaggregated);
  ASSERT_TRUE(spec.prefill.has_value());
  ASSERT_TRUE(spec.decode.has_value());
  EXPECT_EQ(spec.prefill->replicas, 1);
  EXPECT_EQ(spec.decode->replicas, 2);
  EXPECT_EQ(spec.engine.kv_cache_dtype, "fp8");
  EXPECT_EQ(spec.engine.kind, wire::EngineKind::kSim);
  EXPECT_EQ(spec.router.replicas, 1);
  EXPECT_EQ(spec.router.policy, resources::RoutingPolicy::kCacheAware);
}

TEST(QuickstartManifestTest, PassesTheEngineKindThrough) {
  StatusOr<resources::ModelDeployment> parsed =
      resources::ModelDeploymentFromJson(QuickstartManifest("vllm").object);
  ASSERT_TRUE(parsed.ok()) << parsed.status();
  EXPECT_EQ(parsed->spec.engine.kind, wire::EngineKind::kVllm);
}

}  // namespace
}  // namespace tessera::cli
