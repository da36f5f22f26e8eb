// HttpFetcher on the project's HTTP client: keep-alive connections to the
// engines, every request bounded by one timeout.

#ifndef TESSERA_AGENT_METRICS_HTTP_CLIENT_FETCHER_H_
#define TESSERA_AGENT_METRICS_HTTP_CLIENT_FETCHER_H_

#include <chrono>
#include <string>

#include <boost/asio/io_context.hpp>

#include "agent/metrics/http_fetcher.h"
#include "http/http_client.h"

namespace tessera::agent {

class HttpClientFetcher final : public HttpFetcher {
 public:
  // `timeout` bounds connecting, each silence and the whole request. Requests
  // still in flight when the fetcher is destroyed never call back.
  HttpClientFetcher(boost::asio::io_context& loop, std::chrono::milliseconds timeout);

  void Fetch(const std::string& url, Done done) override;

 private:
  http::HttpClient client_;
};

}  // namespace tessera::agent

#endif  // TESSERA_AGENT_METRICS_HTTP_CLIENT_FETCHER_H_
