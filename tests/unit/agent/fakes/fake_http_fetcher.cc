#include "tests/unit/agent/fakes/fake_http_fetcher.h"

#include <utility>

namespace tessera::agent::testing {

void FakeHttpFetcher::Fetch(const std::string& url, Done done) {
  ++requests_made_;
  pending_.push_back({.url = url, .done = std::move(done)});
}

int FakeHttpFetcher::Answer(std::string_view url_part, const StatusOr<std::string>& answer) {
  std::vector<Request> answering;
  std::vector<Request> waiting;
  for (Request& request : pending_) {
    (request.url.find(url_part) != std::string::npos ? answering : waiting)
        .push_back(std::move(request));
  }
  pending_ = std::move(waiting);
  for (Request& request : answering) request.done(answer);
  return static_cast<int>(answering.size());
}

std::vector<std::string> FakeHttpFetcher::PendingUrls() const {
  std::vector<std::string> urls;
  urls.reserve(pending_.size());
  for (const Request& request : pending_) urls.push_back(request.url);
  return urls;
}

}  // namespace tessera::agent::testing
