#include "http/http_client.h"

#include <utility>

#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>

#include "http/client_core.h"

namespace tessera::http {
namespace {

// Handlers that gather the head and the whole body into `response`; the
// caller adds on_complete.
HttpCallHandlers CollectInto(const std::shared_ptr<HttpClientResponse>& response) {
  HttpCallHandlers handlers;
  handlers.on_head = [response](const HttpResponseHead& head) {
    response->status = head.status;
    response->headers = head.headers;
  };
  handlers.on_body = [response](std::string_view data,
                                std::chrono::steady_clock::time_point /*arrival*/) {
    response->body += data;
  };
  return handlers;
}

}  // namespace

HttpClient::HttpClient(boost::asio::io_context& io_context, HttpClientOptions options)
    : core_(std::make_shared<ClientCore>(io_context, options)) {}

HttpClient::~HttpClient() { core_->Close(); }

std::shared_ptr<HttpCall> HttpClient::Start(HttpClientRequest request, HttpCallHandlers handlers) {
  auto call =
      std::make_shared<HttpCall>(core_->io_context(), std::move(request), std::move(handlers));
  // Posted even on the io_context thread, so that no callback runs inside
  // Start().
  boost::asio::post(core_->io_context(), [core = core_, call] { core->Begin(call); });
  return call;
}

void HttpClient::Fetch(HttpClientRequest request,
                       std::function<void(StatusOr<HttpClientResponse> response)> on_done) {
  auto response = std::make_shared<HttpClientResponse>();
  HttpCallHandlers handlers = CollectInto(response);
  handlers.on_complete = [response, on_done = std::move(on_done)](const Status& status) {
    if (!on_done) return;
    if (status.ok()) {
      on_done(std::move(*response));
    } else {
      on_done(status);
    }
  };
  Start(std::move(request), std::move(handlers));
}

size_t HttpClient::idle_connection_count() const { return core_->idle_connection_count(); }

StatusOr<HttpClientResponse> FetchAndWait(HttpClientRequest request, HttpClientOptions options) {
  boost::asio::io_context io_context;
  HttpClient client(io_context, options);
  auto response = std::make_shared<HttpClientResponse>();
  Status outcome = UnavailableError("no answer");
  HttpCallHandlers handlers = CollectInto(response);
  // The connection would stay pooled, and run() with it, until its idle
  // timeout: the answer is all this caller wants.
  handlers.on_complete = [&outcome, &io_context](const Status& status) {
    outcome = status;
    io_context.stop();
  };
  client.Start(std::move(request), std::move(handlers));
  io_context.run();
  // A non-2xx status completes with an error after the whole body was read.
  if (!outcome.ok() && response->status == 0) return outcome;
  return std::move(*response);
}

}  // namespace tessera::http
