#include "engine/model/hugging_face_directory.h"

#include <cstdio>
#include <filesystem>
#include <fstream>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "engine/model/model_catalog.h"

namespace tessera::model {
namespace {

using hardware::DataType;
using ::testing::HasSubstr;

const std::filesystem::path kFixtures = TESSERA_SOURCE_DIR "/tests/fixtures/models";

class TemporaryDirectory {
 public:
  TemporaryDirectory() {
    char pattern[] = "/tmp/tessera-test-XXXXXX";
    path_ = mkdtemp(pattern);
  }
  ~TemporaryDirectory() { std::filesystem::remove_all(path_); }
  TemporaryDirectory(const TemporaryDirectory&) = delete;
  TemporaryDirectory& operator=(const TemporaryDirectory&) = delete;
  const std::filesystem::path& path() const { return path_; }

 private:
  std::filesystem::path path_;
};

// Writes a safetensors file: little-endian header length, JSON header, data.
void WriteSafetensors(const std::filesystem::path& file, const std::string& header,
                      size_t data_bytes) {
  std::ofstream out(file, std::ios::binary);
  uint64_t length = header.size();
  for (int i = 0; i < 8; ++i) out.put(static_cast<char>((length >> (8 * i)) & 0xff));
  out << header << std::string(data_bytes, '\0');
}

TEST(HuggingFaceDirectoryTest, LoadsLlamaWithItsCheckpointSize) {
  const StatusOr<ModelArchitecture> model =
      LoadHuggingFaceDirectory(kFixtures / "llama-3.1-8b-instruct");
  ASSERT_TRUE(model.ok()) << model.status();
  const ModelArchitecture catalog = *FindCatalogModel("llama-3.1-8b");
  EXPECT_EQ(model->num_layers, catalog.num_layers);
  EXPECT_EQ(model->num_key_value_heads, 8);
  EXPECT_EQ(model->head_dim, 128);
  EXPECT_EQ(model->max_position_embeddings, 131072);  // llama3 RoPE does not stretch it
  EXPECT_EQ(model->weight_type, DataType::kBFloat16);
  EXPECT_EQ(model->checkpoint_bytes, 16'060'522'496);
  EXPECT_EQ(CountParameters(*model).total, CountParameters(catalog).total);
  EXPECT_EQ(KvCacheBytesPerToken(*model, DataType::kBFloat16), 131'072);
}

TEST(HuggingFaceDirectoryTest, LoadsDeepSeekLatentAttentionAndExperts) {
  const StatusOr<ModelArchitecture> model = LoadHuggingFaceDirectory(kFixtures / "deepseek-r1");
  ASSERT_TRUE(model.ok()) << model.status();
  ASSERT_TRUE(model->latent_attention.has_value());
  EXPECT_EQ(model->latent_attention->kv_lora_rank, 512);
  ASSERT_TRUE(model->experts.has_value());
  EXPECT_EQ(model->experts->routed_experts, 256);
  EXPECT_EQ(model->experts->first_dense_layers, 3);
  EXPECT_EQ(model->weight_type, DataType::kFloat8E4M3);  // from quantization_config
  EXPECT_EQ(model->max_position_embeddings, 163840);     // yarn: 4096 × 40
  EXPECT_FALSE(model->checkpoint_bytes.has_value());
  EXPECT_EQ(CountParameters(*model).total, 671'026'419'200);
}

TEST(HuggingFaceDirectoryTest, LoadsQwen3WithExplicitHeadDim) {
  const StatusOr<ModelArchitecture> model = LoadHuggingFaceDirectory(kFixtures / "qwen3-8b");
  ASSERT_TRUE(model.ok()) << model.status();
  EXPECT_TRUE(model->query_key_norm);
  EXPECT_EQ(CountParameters(*model).total, 8'190'735'360);
}

TEST(HuggingFaceDirectoryTest, MalformedJsonGivesThePosition) {
  const StatusOr<ModelArchitecture> model = LoadHuggingFaceDirectory(kFixtures / "malformed-json");
  ASSERT_FALSE(model.ok());
  EXPECT_EQ(model.status().code(), StatusCode::kInvalidArgument);
  EXPECT_THAT(model.status().message(), HasSubstr("config.json"));
  EXPECT_THAT(model.status().message(), HasSubstr("line"));
}

TEST(HuggingFaceDirectoryTest, MissingFieldIsNamed) {
  const StatusOr<ModelArchitecture> model = LoadHuggingFaceDirectory(kFixtures / "missing-layers");
  ASSERT_FALSE(model.ok());
  EXPECT_THAT(model.status().message(), HasSubstr("config.json: num_hidden_layers is required"));
}

TEST(HuggingFaceDirectoryTest, WrongTypeIsNamedWithTheValue) {
  const StatusOr<ModelArchitecture> model = LoadHuggingFaceDirectory(kFixtures / "wrong-type");
  ASSERT_FALSE(model.ok());
  EXPECT_THAT(model.status().message(),
              HasSubstr("config.json: hidden_size must be a positive integer, got \"4096\""));
}

TEST(HuggingFaceDirectoryTest, BadIndexIsRejected) {
  const StatusOr<ModelArchitecture> model = LoadHuggingFaceDirectory(kFixtures / "bad-index");
  ASSERT_FALSE(model.ok());
  EXPECT_THAT(model.status().message(), HasSubstr("metadata.total_size must be a positive"));
}

TEST(HuggingFaceDirectoryTest, DirectoryWithoutConfigIsNotAModel) {
  TemporaryDirectory empty;
  const StatusOr<ModelArchitecture> model = LoadHuggingFaceDirectory(empty.path());
  ASSERT_FALSE(model.ok());
  EXPECT_EQ(model.status().code(), StatusCode::kNotFound);
  EXPECT_THAT(model.status().message(), HasSubstr("is not a Hugging Face model directory"));
}

TEST(HuggingFaceDirectoryTest, SizesUnindexedSafetensorsFromTheirHeaders) {
  TemporaryDirectory directory;
  std::filesystem::copy_file(kFixtures / "qwen3-8b" / "config.json",
                             directory.path() / "config.json");
  WriteSafetensors(directory.path() / "model.safetensors",
                   R"({"__metadata__":{"format":"pt"},)"
                   R"("a":{"dtype":"BF16","shape":[2,3],"data_offsets":[0,12]},)"
                   R"("b":{"dtype":"BF16","shape":[4],"data_offsets":[12,20]}})",
                   20);
  const StatusOr<ModelArchitecture> model = LoadHuggingFaceDirectory(directory.path());
  ASSERT_TRUE(model.ok()) << model.status();
  EXPECT_EQ(model->checkpoint_bytes, 20);
}

TEST(SafetensorsTest, RejectsTruncatedAndImplausibleHeaders) {
  TemporaryDirectory directory;
  const std::filesystem::path file = directory.path() / "broken.safetensors";
  std::ofstream(file, std::ios::binary) << "abc";
  EXPECT_THAT(SafetensorsDataBytes(file).status().message(), HasSubstr("too short"));

  WriteSafetensors(file, R"({"a":{"data_offsets":[8,4]}})", 0);
  EXPECT_THAT(SafetensorsDataBytes(file).status().message(), HasSubstr("no valid data_offsets"));

  std::ofstream out(file, std::ios::binary | std::ios::trunc);
  out << std::string("\xff\xff\xff\xff\xff\xff\xff\x7f", 8);
  out.close();
  EXPECT_THAT(SafetensorsDataBytes(file).status().message(), HasSubstr("not plausible"));
}

TEST(ParseHuggingFaceConfigTest, ReadsTextConfigOfMultimodalModels) {
  const nlohmann::json config = {{"model_type", "llava"},
                                 {"text_config",
                                  {{"num_hidden_layers", 32},
                                   {"hidden_size", 4096},
                                   {"num_attention_heads", 32},
                                   {"num_key_value_heads", 8},
                                   {"intermediate_size", 14336},
                                   {"vocab_size", 128256},
                                   {"max_position_embeddings", 8192}}}};
  const StatusOr<ModelArchitecture> model = ParseHuggingFaceConfig(config, "vision");
  ASSERT_TRUE(model.ok()) << model.status();
  EXPECT_EQ(model->num_layers, 32);
}

TEST(ParseHuggingFaceConfigTest, RejectsNonObjects) {
  EXPECT_THAT(ParseHuggingFaceConfig(nlohmann::json::array(), "x").status().message(),
              HasSubstr("expected a JSON object"));
}

TEST(ParseHuggingFaceConfigTest, RejectsUnknownTorchDtype) {
  const nlohmann::json config = {{"num_hidden_layers", 2},   {"hidden_size", 64},
                                 {"num_attention_heads", 4}, {"intermediate_size", 128},
                                 {"vocab_size", 100},        {"max_position_embeddings", 128},
                                 {"torch_dtype", "float12"}};
  EXPECT_THAT(ParseHuggingFaceConfig(config, "x").status().message(),
              HasSubstr("torch_dtype: unknown data type \"float12\""));
}

}  // namespace
}  // namespace tessera::model
