// One request as the engine sees it while it is scheduled.

#ifndef TESSERA_ENGINE_SIMULATOR_SEQUENCE_H_
#define TESSERA_ENGINE_SIMULATOR_SEQUENCE_H_

#include <cstdint>
#include <string>
#include <vector>

#include "engine/simulator/kv_block_manager.h"
#include "engine/tokenizer/stand_in_tokenizer.h"

namespace tessera::simulator {

enum class FinishReason { kNone, kLength, kStop, kAbort };

struct Sequence {
  std::string id;
  // Prompt tokens followed by the tokens generated so far.
  std::vector<tokenizer::TokenId> tokens;
  int64_t prompt_tokens = 0;
  int64_t max_output_tokens = 0;
  // The output length at which the model "emits EOS" (stop), when that comes
  // before max_output_tokens; 0 means never.
  int64_t stop_after_tokens = 0;

  // Tokens whose KV a prefill worker sent (disaggregated decode); they need
  // no compute when the sequence is first admitted.
  int64_t transferred_tokens = 0;
  // Keep the blocks after finishing at max_output_tokens (vLLM's connector,
  // prefill side).
  bool hold_kv_at_length = false;
  int64_t computed_tokens = 0;       // tokens whose KV is in the cache
  int64_t cached_prompt_tokens = 0;  // of those, taken from the prefix cache
  int64_t preemptions = 0;
  SequenceBlocks blocks;

  int64_t output_tokens() const { return static_cast<int64_t>(tokens.size()) - prompt_tokens; }
  // Tokens still to compute before the next token can be sampled.
  int64_t pending_tokens() const { return static_cast<int64_t>(tokens.size()) - computed_tokens; }
};

}  // namespace tessera::simulator

#endif  // TESSERA_ENGINE_SIMULATOR_SEQUENCE_H_
