// Numeric formats of weights and KV cache, and their sizes.

#ifndef TESSERA_HARDWARE_DATA_TYPE_H_
#define TESSERA_HARDWARE_DATA_TYPE_H_

#include <cstdint>
#include <string_view>

#include "base/status.h"

namespace tessera::hardware {

enum class DataType {
  kFloat32,
  kFloat16,
  kBFloat16,
  kFloat8E4M3,
  kFloat8E5M2,
  kInt8,
};

// Bytes one element occupies in GPU memory.
int64_t BytesPerElement(DataType type);

// Canonical lower-case name as vLLM and Hugging Face spell it: "float16",
// "bfloat16", "float32", "fp8_e4m3", "fp8_e5m2", "int8".
std::string_view DataTypeName(DataType type);

// Accepts the spellings users type for weights: float32/fp32/float,
// float16/fp16/half, bfloat16/bf16, fp8/fp8_e4m3/float8_e4m3fn,
// fp8_e5m2/float8_e5m2, int8. Case-insensitive.
StatusOr<DataType> ParseDataType(std::string_view text);

// Parses vLLM's --kv-cache-dtype: "auto" (the weights' type, except that
// 8-bit weights keep a 16-bit cache as vLLM does), float16/fp16,
// bfloat16/bf16, fp8 (fp8_e4m3, as vLLM uses on MI300-class GPUs), fp8_e4m3,
// fp8_e5m2. float32 and int8 caches are rejected: no engine we drive
// supports them.
StatusOr<DataType> ParseKvCacheDataType(std::string_view text, DataType weight_type);

}  // namespace tessera::hardware

#endif  // TESSERA_HARDWARE_DATA_TYPE_H_
