#include "hardware/data_type.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

namespace tessera::hardware {
namespace {

using ::testing::HasSubstr;

TEST(DataTypeTest, ParsesTheSpellingsUsersType) {
  EXPECT_EQ(*ParseDataType("float16"), DataType::kFloat16);
  EXPECT_EQ(*ParseDataType("FP16"), DataType::kFloat16);
  EXPECT_EQ(*ParseDataType("half"), DataType::kFloat16);
  EXPECT_EQ(*ParseDataType("bf16"), DataType::kBFloat16);
  EXPECT_EQ(*ParseDataType("float32"), DataType::kFloat32);
  EXPECT_EQ(*ParseDataType("fp8"), DataType::kFloat8E4M3);
  EXPECT_EQ(*ParseDataType("float8_e4m3fnuz"), DataType::kFloat8E4M3);
  EXPECT_EQ(*ParseDataType("fp8_e5m2"), DataType::kFloat8E5M2);
  EXPECT_EQ(*ParseDataType("int8"), DataType::kInt8);
}

TEST(DataTypeTest, SizesInBytes) {
  EXPECT_EQ(BytesPerElement(DataType::kFloat32), 4);
  EXPECT_EQ(BytesPerElement(DataType::kBFloat16), 2);
  EXPECT_EQ(BytesPerElement(DataType::kFloat8E5M2), 1);
  EXPECT_EQ(BytesPerElement(DataType::kInt8), 1);
}

TEST(DataTypeTest, UnknownTypeListsValidOnes) {
  const StatusOr<DataType> type = ParseDataType("float64");
  ASSERT_FALSE(type.ok());
  EXPECT_THAT(type.status().message(), HasSubstr("unknown data type \"float64\""));
  EXPECT_THAT(type.status().message(), HasSubstr("bfloat16"));
}

TEST(KvCacheDataTypeTest, AutoFollowsSixteenBitWeights) {
  EXPECT_EQ(*ParseKvCacheDataType("auto", DataType::kFloat16), DataType::kFloat16);
  EXPECT_EQ(*ParseKvCacheDataType("auto", DataType::kBFloat16), DataType::kBFloat16);
  EXPECT_EQ(*ParseKvCacheDataType("auto", DataType::kFloat8E4M3), DataType::kBFloat16);
  EXPECT_EQ(*ParseKvCacheDataType("fp8", DataType::kBFloat16), DataType::kFloat8E4M3);
}

TEST(KvCacheDataTypeTest, RejectsTypesNoEngineStores) {
  EXPECT_THAT(ParseKvCacheDataType("int8", DataType::kBFloat16).status().message(),
              HasSubstr("unknown KV-cache data type \"int8\""));
}

}  // namespace
}  // namespace tessera::hardware
