#include "kube/resource_type.h"

#include <gtest/gtest.h>

#include "kube/object_fields.h"

namespace tessera::kube {
namespace {

TEST(ResourceTypeTest, CoreGroupPaths) {
  const ResourceType pods{"", "v1", "pods", "Pod", true};
  EXPECT_EQ(pods.ApiVersion(), "v1");
  EXPECT_EQ(pods.Path(""), "/api/v1/pods");
  EXPECT_EQ(pods.Path("kube-system"), "/api/v1/namespaces/kube-system/pods");
  EXPECT_EQ(pods.Path("ns", "p"), "/api/v1/namespaces/ns/pods/p");
  EXPECT_EQ(pods.Path("ns", "p", "status"), "/api/v1/namespaces/ns/pods/p/status");
  EXPECT_EQ(pods.QualifiedName(), "pods");
  EXPECT_EQ(resource_types::Namespaces().Path("ignored", "default"), "/api/v1/namespaces/default");
}

TEST(ResourceTypeTest, NamedGroupPaths) {
  const ResourceType& leases = resource_types::Leases();
  EXPECT_EQ(leases.ApiVersion(), "coordination.k8s.io/v1");
  EXPECT_EQ(leases.Path("tessera", "controller"),
            "/apis/coordination.k8s.io/v1/namespaces/tessera/leases/controller");
  EXPECT_EQ(resource_types::Events().Path("default"),
            "/apis/events.k8s.io/v1/namespaces/default/events");
  EXPECT_EQ(resource_types::ModelDeployments().Path("serving", "llama", "status"),
            "/apis/serving.tessera.io/v1alpha1/namespaces/serving/modeldeployments/llama/status");
  EXPECT_EQ(resource_types::ModelDeploymentRoles().Path("serving", "llama-decode", "scale"),
            "/apis/serving.tessera.io/v1alpha1/namespaces/serving/modeldeploymentroles/"
            "llama-decode/scale");
  EXPECT_EQ(resource_types::ModelDeploymentRoles().kind, "ModelDeploymentRole");
}

TEST(ResourceTypeTest, ClusterScopedIgnoresTheNamespace) {
  const ResourceType& nodes = resource_types::GpuNodes();
  EXPECT_FALSE(nodes.namespaced);
  EXPECT_EQ(nodes.kind, "GPUNode");
  EXPECT_EQ(nodes.Path("serving", "node-a"), "/apis/serving.tessera.io/v1alpha1/gpunodes/node-a");
  EXPECT_EQ(nodes.Path(""), "/apis/serving.tessera.io/v1alpha1/gpunodes");
  EXPECT_EQ(nodes.QualifiedName(), "gpunodes.serving.tessera.io");
  EXPECT_EQ(resource_types::CustomResourceDefinitions().Path("", "x.y"),
            "/apis/apiextensions.k8s.io/v1/customresourcedefinitions/x.y");
}

TEST(ObjectFieldsTest, KeysAndVersions) {
  const nlohmann::json object = {
      {"metadata", {{"name", "a"}, {"namespace", "n"}, {"resourceVersion", "5"}}}};
  const auto key = ObjectKeyOf(object);
  ASSERT_TRUE(key.ok());
  EXPECT_EQ(key->ToString(), "n/a");
  EXPECT_EQ(ResourceVersionOf(object), "5");
  EXPECT_EQ(ResourceVersionOf(nlohmann::json::array()), "");
  EXPECT_EQ(ObjectKeyOf({{"metadata", {{"namespace", "n"}}}}).status().message(),
            "metadata.name: is required");
  EXPECT_EQ(ObjectKeyOf({{"spec", {}}}).status().message(), "metadata: is required");
  EXPECT_EQ(DumpJson({{"a", 1}}).value(), R"({"a":1})");
  EXPECT_EQ(DumpJson(nlohmann::json("\xff")).status().code(), StatusCode::kInvalidArgument);
}

}  // namespace
}  // namespace tessera::kube
