#include "engine/model/model_catalog.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "engine/model/resolve_model.h"

namespace tessera::model {
namespace {

using hardware::DataType;
using ::testing::HasSubstr;

TEST(ModelCatalogTest, EveryEntryIsValidAndLowerCase) {
  ASSERT_GE(CatalogModels().size(), 8u);
  for (const ModelArchitecture& model : CatalogModels()) {
    EXPECT_TRUE(model.Validate().ok()) << model.name << ": " << model.Validate();
    for (char c : model.name) EXPECT_FALSE(c >= 'A' && c <= 'Z') << model.name;
    EXPECT_FALSE(model.hugging_face_id.empty()) << model.name;
  }
}

TEST(ModelCatalogTest, FindsByCatalogNameCaseInsensitively) {
  EXPECT_EQ(FindCatalogModel("llama-3.1-70b")->num_layers, 80);
  EXPECT_EQ(FindCatalogModel("Llama-3.1-70B")->name, "llama-3.1-70b");
}

// Seed 001's draft models: Llama 3.2 1B and Llama 3.1 8B share the 70B's vocabulary.
TEST(ModelCatalogTest, HasTheSpeculativeDraftsOfLlama70b) {
  const StatusOr<ModelArchitecture> one = FindCatalogModel("meta-llama/Llama-3.2-1B-Instruct");
  ASSERT_TRUE(one.ok()) << one.status();
  EXPECT_EQ(one->name, "llama-3.2-1b");
  EXPECT_EQ(one->num_layers, 16);
  EXPECT_EQ(one->head_dim, 64);
  EXPECT_TRUE(one->tie_word_embeddings);
  EXPECT_EQ(FindCatalogModel("meta-llama/Llama-3.2-3B")->name, "llama-3.2-3b");
  for (std::string_view name : {"llama-3.2-1b", "llama-3.2-3b", "llama-3.1-8b", "llama-3.3-70b"}) {
    EXPECT_EQ(FindCatalogModel(name)->vocab_size, FindCatalogModel("llama-3.1-70b")->vocab_size)
        << name;
  }
}

TEST(ModelCatalogTest, ResolvesHuggingFaceIds) {
  EXPECT_EQ(FindCatalogModel("meta-llama/Llama-3.1-70B-Instruct")->name, "llama-3.1-70b");
  EXPECT_EQ(FindCatalogModel("meta-llama/Meta-Llama-3.1-70B-Instruct")->name, "llama-3.1-70b");
  EXPECT_EQ(FindCatalogModel("meta-llama/Llama-3.3-70B-Instruct")->name, "llama-3.3-70b");
  EXPECT_EQ(FindCatalogModel("meta-llama/Llama-2-7b-chat-hf")->name, "llama-2-7b");
  EXPECT_EQ(FindCatalogModel("Qwen/Qwen3-8B")->name, "qwen3-8b");
  EXPECT_EQ(FindCatalogModel("deepseek-ai/DeepSeek-R1")->name, "deepseek-r1");
  // A distinct checkpoint with its own weight format keeps its own entry.
  const StatusOr<ModelArchitecture> fp8 = FindCatalogModel("amd/Llama-3.1-8B-Instruct-FP8-KV");
  ASSERT_TRUE(fp8.ok());
  EXPECT_EQ(fp8->name, "llama-3.1-8b-fp8");
  EXPECT_EQ(fp8->weight_type, DataType::kFloat8E4M3);
}

TEST(ModelCatalogTest, UnknownModelListsTheCatalog) {
  const StatusOr<ModelArchitecture> missing = FindCatalogModel("gpt-5");
  ASSERT_FALSE(missing.ok());
  EXPECT_EQ(missing.status().code(), StatusCode::kNotFound);
  EXPECT_THAT(missing.status().message(), HasSubstr("unknown model \"gpt-5\""));
  EXPECT_THAT(missing.status().message(), HasSubstr("llama-3.1-70b"));
  EXPECT_THAT(missing.status().message(), HasSubstr("config.json"));
}

TEST(ResolveModelTest, DirectoryOrCatalog) {
  const StatusOr<ModelArchitecture> directory =
      ResolveModel(TESSERA_SOURCE_DIR "/tests/fixtures/models/qwen3-8b");
  ASSERT_TRUE(directory.ok()) << directory.status();
  EXPECT_EQ(directory->num_layers, 36);
  EXPECT_EQ(ResolveModel("qwen3-8b")->num_layers, 36);
  EXPECT_THAT(ResolveModel("/no/such/model").status().message(),
              HasSubstr("model directory /no/such/model does not exist"));
  EXPECT_EQ(ResolveModel("").status().code(), StatusCode::kInvalidArgument);
}

}  // namespace
}  // namespace tessera::model
