// Which environment variables a worker spec (and a ModelDeployment's
// spec.engine.env) may set for its engine. One rule, enforced by the agent
// on every PUT and by the controller on every manifest, and mirrored by the
// CRD's CEL validation (crds/serving.tessera.io_modeldeployments.yaml):
//
//   1. A name is upper-case letters, digits and '_', not starting with a
//      digit.
//   2. *_VISIBLE_DEVICES and GPU_DEVICE_ORDINAL are the agent's: it sets
//      them from the worker's partitions.
//   3. A name that makes a program load code from somewhere is refused:
//      one containing LIB, PRELOAD, PLUGIN, TOOLS, PATH, CACHE_DIR,
//      EXTENSIONS_DIR or LOGGING_CONFIG (LD_PRELOAD, HSA_TOOLS_LIB,
//      NCCL_NET_PLUGIN, TRITON_LIBCUDA_PATH, VLLM_LOGGING_CONFIG_PATH, ...).
//   4. Otherwise the name must start with an engine's or its libraries'
//      prefix: VLLM_, SGLANG_, NCCL_, RCCL_, HF_, HUGGING_FACE_,
//      TRANSFORMERS_, TOKENIZERS_, TORCH_, PYTORCH_, TORCHINDUCTOR_,
//      TRITON_, MIOPEN_, HIP_, HSA_, ROCBLAS_, HIPBLASLT_, TENSILE_, AMD_,
//      OMP_, MKL_.
//   5. A value holds no NUL and at most 4,096 bytes.
//
// So PYTHONPATH, LD_LIBRARY_PATH, BASH_ENV, NODE_OPTIONS and the like never
// reach an engine from a spec. An operator who needs one of them (a cache
// directory on fast storage, say) sets it on the agent itself, whose
// environment every worker inherits.

#ifndef TESSERA_WIRE_ENGINE_ENVIRONMENT_H_
#define TESSERA_WIRE_ENGINE_ENVIRONMENT_H_

#include <map>
#include <string>
#include <string_view>

#include "base/status.h"

namespace tessera::wire {

// OK when every entry of `env` passes the rules above; otherwise
// InvalidArgument for the first that does not, named "<path>.<NAME>" with
// the reason ("engine.env.LD_PRELOAD: loads code into the engine; ...").
Status CheckEngineEnvironment(const std::map<std::string, std::string>& env, std::string_view path);

}  // namespace tessera::wire

#endif  // TESSERA_WIRE_ENGINE_ENVIRONMENT_H_
