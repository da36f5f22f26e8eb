// An HttpFetcher whose requests wait until the test answers them.

#ifndef TESSERA_TESTS_UNIT_AGENT_FAKES_FAKE_HTTP_FETCHER_H_
#define TESSERA_TESTS_UNIT_AGENT_FAKES_FAKE_HTTP_FETCHER_H_

#include <string>
#include <string_view>
#include <vector>

#include "agent/metrics/http_fetcher.h"

namespace tessera::agent::testing {

class FakeHttpFetcher final : public HttpFetcher {
 public:
  void Fetch(const std::string& url, Done done) override;

  // Answers every request waiting now whose URL contains `url_part` with
  // `answer`, oldest first; requests made while answering wait. Returns how
  // many were answered.
  int Answer(std::string_view url_part, const StatusOr<std::string>& answer);
  int AnswerAll(const StatusOr<std::string>& answer) { return Answer("", answer); }

  // URLs of the requests waiting, oldest first.
  std::vector<std::string> PendingUrls() const;
  int requests_made() const { return requests_made_; }

 private:
  struct Request {
    std::string url;
    Done done;
  };
  std::vector<Request> pending_;
  int requests_made_ = 0;
};

}  // namespace tessera::agent::testing

#endif  // TESSERA_TESTS_UNIT_AGENT_FAKES_FAKE_HTTP_FETCHER_H_
