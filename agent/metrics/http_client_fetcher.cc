#include "agent/metrics/http_client_fetcher.h"

#include <utility>

namespace tessera::agent {

HttpClientFetcher::HttpClientFetcher(boost::asio::io_context& loop,
                                     std::chrono::milliseconds timeout)
    : client_(loop, {.connect_timeout = timeout,
                     .read_timeout = timeout,
                     .total_timeout = timeout,
                     .timer_resolution = std::chrono::milliseconds(50)}) {}

void HttpClientFetcher::Fetch(const std::string& url, Done done) {
  client_.Fetch(http::HttpClientRequest{.url = url},
                [done = std::move(done)](StatusOr<http::HttpClientResponse> response) {
                  if (!response.ok()) {
                    done(response.status());
                    return;
                  }
                  done(std::move(response->body));
                });
}

}  // namespace tessera::agent
