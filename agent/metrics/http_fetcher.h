// One GET of an engine's local HTTP endpoint (its health or metrics path):
// the seam through which the supervisor probes engines and the scraper reads
// their metrics, so that both run without sockets in tests.

#ifndef TESSERA_AGENT_METRICS_HTTP_FETCHER_H_
#define TESSERA_AGENT_METRICS_HTTP_FETCHER_H_

#include <functional>
#include <string>

#include "base/status.h"

namespace tessera::agent {

class HttpFetcher {
 public:
  // The body of a 2xx answer, or why there was none. ResourceExhausted means
  // the agent could not make the request (out of descriptors): it says
  // nothing about the engine.
  using Done = std::function<void(StatusOr<std::string> body)>;

  virtual ~HttpFetcher() = default;

  // GETs `url`. `done` runs once, later, on the agent's event loop; never
  // within this call.
  virtual void Fetch(const std::string& url, Done done) = 0;
};

}  // namespace tessera::agent

#endif  // TESSERA_AGENT_METRICS_HTTP_FETCHER_H_
