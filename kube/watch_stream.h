// A watch: the events of one collection after a resourceVersion, read from a
// long-lived chunked response as they arrive. KubeClient::Watch opens one.
//
//   TESSERA_ASSIGN_OR_RETURN(auto watch, client.Watch(type, "ns", {.resource_version = rv}));
//   while (true) {
//     TESSERA_ASSIGN_OR_RETURN(std::optional<WatchEvent> event, watch->Next());
//     if (!event) break;  // the server's timeoutSeconds passed: watch again from rv
//     ...
//   }

#ifndef TESSERA_KUBE_WATCH_STREAM_H_
#define TESSERA_KUBE_WATCH_STREAM_H_

#include <atomic>
#include <cstddef>
#include <deque>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "base/status.h"
#include "kube/watch_event.h"
#include "kube/watch_event_splitter.h"

namespace tessera::kube {

// The body of a response as it arrives: the seam between the HTTP library and
// the event framing, so the framing can be tested without a server.
class ResponseBody {
 public:
  virtual ~ResponseBody() = default;

  // Blocks until some bytes are available, copies up to `capacity` of them
  // (capacity > 0) and returns how many; 0 at the end of the body. Cancelled
  // after Cancel(); Unavailable when the connection fails; DeadlineExceeded
  // when the server stays silent past the request timeout.
  virtual StatusOr<size_t> Read(char* buffer, size_t capacity) = 0;

  // Callable from any thread, any number of times: a blocked or later Read()
  // returns Cancelled promptly.
  virtual void Cancel() = 0;
};

// Next() belongs to one thread; Stop() may be called from any.
class WatchStream {
 public:
  // `description` ("watch /apis/...") prefixes errors.
  WatchStream(std::unique_ptr<ResponseBody> body, std::string description,
              size_t max_event_bytes = kDefaultMaxWatchEventBytes);
  ~WatchStream();
  WatchStream(const WatchStream&) = delete;
  WatchStream& operator=(const WatchStream&) = delete;

  // The next event, blocking until one arrives. nullopt when the server ended
  // the watch cleanly (its timeoutSeconds passed, or it is shutting down):
  // watch again from the last resourceVersion seen. ERROR events are returned
  // as events; StatusFromStatusObject tells what they mean. Errors: Cancelled
  // after Stop(); Unavailable when the connection fails or the stream ends
  // inside an event; InvalidArgument for an event that is not valid JSON;
  // ResourceExhausted for one beyond the size limit. After an error or
  // nullopt the stream is finished and Next() repeats the outcome.
  StatusOr<std::optional<WatchEvent>> Next();

  // Ends the watch from any thread; a blocked Next() returns Cancelled.
  void Stop();

  const std::string& description() const { return description_; }

 private:
  // Reads one chunk into pending_; sets finished_ at the end.
  Status ReadChunk();

  std::unique_ptr<ResponseBody> body_;
  const std::string description_;
  WatchEventSplitter splitter_;
  std::vector<char> buffer_;
  std::deque<std::string> pending_;
  std::optional<Status> finished_;
  std::atomic<bool> stopped_{false};
};

}  // namespace tessera::kube

#endif  // TESSERA_KUBE_WATCH_STREAM_H_
