#include "engine/openai/kv_transfer_params.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "engine/openai/completion_request.h"

namespace tessera::openai {
namespace {

using nlohmann::json;
using ::testing::HasSubstr;

StatusOr<std::optional<KvTransferParams>> Read(const char* params) {
  return ReadKvTransferParams(json{{"kv_transfer_params", json::parse(params)}});
}

TEST(KvTransferParamsTest, AbsentOrNullMeansNone) {
  StatusOr<std::optional<KvTransferParams>> absent = ReadKvTransferParams(json::object());
  ASSERT_TRUE(absent.ok()) << absent.status();
  EXPECT_FALSE(absent->has_value());
  StatusOr<std::optional<KvTransferParams>> null = Read("null");
  ASSERT_TRUE(null.ok()) << null.status();
  EXPECT_FALSE(null->has_value());
}

TEST(KvTransferParamsTest, ReadsTheToyProxysPrefillRequest) {
  StatusOr<std::optional<KvTransferParams>> params =
      Read(R"({"do_remote_decode": true, "do_remote_prefill": false, "remote_engine_id": null,
               "remote_block_ids": null, "remote_host": null, "remote_port": null})");
  ASSERT_TRUE(params.ok()) << params.status();
  ASSERT_TRUE(params->has_value());
  EXPECT_TRUE((*params)->do_remote_decode);
  EXPECT_FALSE((*params)->do_remote_prefill);
  EXPECT_TRUE((*params)->remote_block_ids.empty());
}

TEST(KvTransferParamsTest, RoundTripsThePrefillWorkersAnswer) {
  const KvTransferParams answer{.remote_engine_id = "4f0c",
                                .remote_block_ids = {3, 4, 9},
                                .remote_request_id = "cmpl-7",
                                .remote_host = "10.0.0.5",
                                .remote_port = 5600,
                                .tp_size = 2};
  const json body{{"kv_transfer_params", RemotePrefillJson(answer)}};
  EXPECT_EQ(body["kv_transfer_params"]["do_remote_prefill"], true);
  EXPECT_EQ(body["kv_transfer_params"]["do_remote_decode"], false);
  StatusOr<std::optional<KvTransferParams>> read = ReadKvTransferParams(body);
  ASSERT_TRUE(read.ok()) << read.status();
  const KvTransferParams& params = **read;
  EXPECT_TRUE(params.do_remote_prefill);
  EXPECT_EQ(params.remote_engine_id, "4f0c");
  EXPECT_EQ(params.remote_block_ids, (std::vector<int64_t>{3, 4, 9}));
  EXPECT_EQ(params.remote_request_id, "cmpl-7");
  EXPECT_EQ(params.remote_host, "10.0.0.5");
  EXPECT_EQ(params.remote_port, 5600);
  EXPECT_EQ(params.tp_size, 2);
}

TEST(KvTransferParamsTest, WrongTypesNameTheField) {
  EXPECT_THAT(Read("[]").status().message(),
              HasSubstr("kv_transfer_params: must be a JSON object"));
  EXPECT_THAT(Read(R"({"do_remote_decode": "yes"})").status().message(),
              HasSubstr("kv_transfer_params.do_remote_decode: must be true or false"));
  EXPECT_THAT(Read(R"({"remote_block_ids": "7"})").status().message(),
              HasSubstr("kv_transfer_params.remote_block_ids: must be a list of block ids"));
  EXPECT_THAT(Read(R"({"remote_block_ids": [1, -2]})").status().message(),
              HasSubstr("kv_transfer_params.remote_block_ids[1]: must be a block id"));
  EXPECT_THAT(Read(R"({"remote_port": 70000})").status().message(),
              HasSubstr("kv_transfer_params.remote_port"));
  EXPECT_THAT(Read(R"({"remote_host": 5})").status().message(),
              HasSubstr("kv_transfer_params.remote_host: must be a string"));
}

TEST(KvTransferParamsTest, RemotePrefillNeedsTheWholeAnswer) {
  EXPECT_THAT(Read(R"({"do_remote_prefill": true, "remote_engine_id": "e",
                       "remote_request_id": "r", "remote_block_ids": [1],
                       "remote_host": "h"})")
                  .status()
                  .message(),
              HasSubstr("kv_transfer_params.remote_port: is required with do_remote_prefill"));
  EXPECT_THAT(Read(R"({"do_remote_prefill": true, "remote_engine_id": "e",
                       "remote_block_ids": [1], "remote_host": "h", "remote_port": 1})")
                  .status()
                  .message(),
              HasSubstr("kv_transfer_params.remote_request_id: is required"));
  EXPECT_THAT(Read(R"({"do_remote_prefill": true, "do_remote_decode": true})").status().message(),
              HasSubstr("cannot be true together with do_remote_decode"));
}

TEST(KvTransferParamsTest, CompletionRequestsCarryThemAndReportTheFieldAsParam) {
  const auto request = ParseCompletionRequest(
      json::parse(
          R"({"prompt":"x","max_tokens":1,"kv_transfer_params":{"do_remote_decode":true}})"),
      Endpoint::kCompletions);
  ASSERT_TRUE(request.ok()) << request.status();
  ASSERT_TRUE(request->kv_transfer.has_value());
  EXPECT_TRUE(request->kv_transfer->do_remote_decode);
  const auto bad = ParseCompletionRequest(
      json::parse(R"({"prompt":"x","kv_transfer_params":{"remote_block_ids":{}}})"),
      Endpoint::kCompletions);
  EXPECT_EQ(FieldOf(bad.status()), "kv_transfer_params.remote_block_ids");
}

}  // namespace
}  // namespace tessera::openai
