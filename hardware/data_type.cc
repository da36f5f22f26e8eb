#include "hardware/data_type.h"

#include <string>

#include "base/strings.h"

namespace tessera::hardware {
int64_t BytesPerElement(DataType type) {
  switch (type) {
    case DataType::kFloat32:
      return 4;
    case DataType::kFloat16:
    case DataType::kBFloat16:
      return 2;
    case DataType::kFloat8E4M3:
    case DataType::kFloat8E5M2:
    case DataType::kInt8:
      return 1;
  }
  return 2;
}

std::string_view DataTypeName(DataType type) {
  switch (type) {
    case DataType::kFloat32:
      return "float32";
    case DataType::kFloat16:
      return "float16";
    case DataType::kBFloat16:
      return "bfloat16";
    case DataType::kFloat8E4M3:
      return "fp8_e4m3";
    case DataType::kFloat8E5M2:
      return "fp8_e5m2";
    case DataType::kInt8:
      return "int8";
  }
  return "unknown";
}

StatusOr<DataType> ParseDataType(std::string_view text) {
  const std::string name = AsciiLower(text);
  if (name == "float32" || name == "fp32" || name == "float") return DataType::kFloat32;
  if (name == "float16" || name == "fp16" || name == "half") return DataType::kFloat16;
  if (name == "bfloat16" || name == "bf16") return DataType::kBFloat16;
  if (name == "fp8" || name == "fp8_e4m3" || name == "float8_e4m3fn" || name == "float8_e4m3fnuz") {
    return DataType::kFloat8E4M3;
  }
  if (name == "fp8_e5m2" || name == "float8_e5m2" || name == "float8_e5m2fnuz") {
    return DataType::kFloat8E5M2;
  }
  if (name == "int8") return DataType::kInt8;
  return InvalidArgumentError("unknown data type \"" + std::string(text) +
                              "\"; expected one of float32, float16, bfloat16, fp8, "
                              "fp8_e4m3, fp8_e5m2, int8");
}

StatusOr<DataType> ParseKvCacheDataType(std::string_view text, DataType weight_type) {
  const std::string name = AsciiLower(text);
  if (name == "auto") {
    // vLLM's "auto" follows the model's activation dtype, which stays 16-bit
    // for 8-bit quantized checkpoints.
    if (BytesPerElement(weight_type) == 1) return DataType::kBFloat16;
    if (weight_type == DataType::kFloat32) return DataType::kFloat32;
    return weight_type;
  }
  if (name == "float16" || name == "fp16" || name == "half") return DataType::kFloat16;
  if (name == "bfloat16" || name == "bf16") return DataType::kBFloat16;
  if (name == "fp8" || name == "fp8_e4m3") return DataType::kFloat8E4M3;
  if (name == "fp8_e5m2") return DataType::kFloat8E5M2;
  return InvalidArgumentError("unknown KV-cache data type \"" + std::string(text) +
                              "\"; expected one of auto, float16, bfloat16, fp8, fp8_e4m3, "
                              "fp8_e5m2");
}

}  // namespace tessera::hardware
