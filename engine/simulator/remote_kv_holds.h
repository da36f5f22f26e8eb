// The prefill side of vLLM's NixlConnector, as bookkeeping: the finished
// requests whose KV blocks wait for a decode worker to read them. A hold
// ends when a decode worker has read the blocks, or when nobody has started
// reading them within the timeout (VLLM_NIXL_ABORT_REQUEST_TIMEOUT), so a
// decode worker that never comes cannot strand the prefill worker's cache.
// The caller frees the blocks of every hold that ends.
//
// Reading pins a hold: it does not expire mid-transfer. Unlike vLLM, where a
// decode worker reading expired blocks silently gets whatever now occupies
// them, a read of a hold that is gone fails, and says whether it expired or
// was read already.
//
// Not thread-safe; time comes from the injected clock.

#ifndef TESSERA_ENGINE_SIMULATOR_REMOTE_KV_HOLDS_H_
#define TESSERA_ENGINE_SIMULATOR_REMOTE_KV_HOLDS_H_

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <deque>
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

#include "base/clock.h"
#include "base/status.h"

namespace tessera::simulator {

struct HeldKv {
  std::string request_id{};
  std::vector<int64_t> block_ids{};
  int64_t prompt_tokens = 0;
  std::chrono::steady_clock::time_point expires{};
  bool reading = false;
};

class RemoteKvHolds {
 public:
  // `timeout`: how long a hold waits for its reader, on `clock`;
  // `timeout_label` is how errors state it ("480s", in the simulated time
  // users configure rather than the clock's).
  RemoteKvHolds(const Clock& clock, std::chrono::nanoseconds timeout, std::string timeout_label);

  // A request finished with its blocks kept; its timeout starts now.
  void Hold(const std::string& request_id, std::vector<int64_t> block_ids, int64_t prompt_tokens);

  // A decode worker starts reading `request_id`'s blocks. NotFound when
  // nothing is held under that id (with why: never held, read already, or
  // expired); InvalidArgument when `block_ids` are not the held ones;
  // FailedPrecondition when another read is in progress.
  StatusOr<HeldKv> BeginRead(const std::string& request_id, const std::vector<int64_t>& block_ids);

  // The read of `request_id` ended, done or abandoned by its reader (vLLM's
  // decode worker tells the prefill worker to free the blocks either way):
  // the hold is gone. False when there was none.
  bool EndRead(const std::string& request_id);

  // Ends the holds whose timeout has passed and that nobody is reading;
  // returns their request ids.
  std::vector<std::string> Expire();

  // When the next hold expires, unless it is read first; nullopt when no
  // hold can expire.
  std::optional<std::chrono::steady_clock::time_point> NextExpiry() const;

  size_t size() const { return holds_.size(); }

 private:
  // Why an id is no longer held, for a clear error to a late reader.
  void RememberGone(const std::string& request_id, std::string reason);

  const Clock& clock_;
  std::chrono::nanoseconds timeout_;
  std::string timeout_label_;
  std::unordered_map<std::string, HeldKv> holds_;
  // The most recently ended holds, oldest first, bounded.
  std::deque<std::string> gone_order_;
  std::unordered_map<std::string, std::string> gone_;
};

}  // namespace tessera::simulator

#endif  // TESSERA_ENGINE_SIMULATOR_REMOTE_KV_HOLDS_H_
