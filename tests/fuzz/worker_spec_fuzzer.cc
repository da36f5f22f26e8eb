// libFuzzer target over the agent's request parsing: PUT /v1/workers/{id}
// bodies and worker ids. Any input must give a value or an error, never a
// crash, and an accepted spec must survive its canonical JSON unchanged.

#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "wire/worker_spec.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  (void)tessera::wire::ValidateWorkerId(text);
  tessera::StatusOr<tessera::wire::WorkerSpec> spec = tessera::wire::ParseWorkerSpec(text);
  if (!spec.ok()) {
    if (spec.status().message().empty()) std::abort();
    return 0;
  }
  tessera::StatusOr<tessera::wire::WorkerSpec> again =
      tessera::wire::WorkerSpecFromJson(tessera::wire::WorkerSpecToJson(*spec));
  if (!again.ok() || !(*again == *spec)) std::abort();
  return 0;
}
