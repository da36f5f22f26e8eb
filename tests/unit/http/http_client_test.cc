// HttpClient's errors and connection handling over loopback.

#include "http/http_client.h"

#include <chrono>
#include <future>
#include <memory>
#include <string>

#include <boost/asio/ip/tcp.hpp>
#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include "base/clock.h"
#include "http/http_server.h"
#include "tests/unit/http/loopback.h"

namespace tessera::http {
namespace {

using testing::Await;
using ::testing::HasSubstr;
using testing::LoopbackTest;
using testing::WaitUntil;

using HttpClientTest = LoopbackTest;

// A loopback port nobody listens on: bound, then released.
uint16_t UnusedPort() {
  boost::asio::io_context io;
  boost::asio::ip::tcp::acceptor acceptor(
      io, boost::asio::ip::tcp::endpoint(boost::asio::ip::address_v4::loopback(), 0));
  return acceptor.local_endpoint().port();
}

TEST_F(HttpClientTest, RefusedConnectionIsUnavailable) {
  const uint16_t port = UnusedPort();
  StatusOr<HttpClientResponse> response = Fetch(HttpClientRequest::PostJson(
      "http://127.0.0.1:" + std::to_string(port) + "/v1/completions", "{}"));
  ASSERT_FALSE(response.ok());
  EXPECT_EQ(response.status().code(), StatusCode::kUnavailable);
  EXPECT_THAT(response.status().message(),
              HasSubstr("cannot connect to 127.0.0.1:" + std::to_string(port)));
  EXPECT_THAT(response.status().message(), HasSubstr("refused"));
  EXPECT_THAT(response.status().message(), HasSubstr("POST http://127.0.0.1:"));
}

TEST_F(HttpClientTest, BadUrlIsInvalidArgument) {
  StatusOr<HttpClientResponse> response = Fetch(HttpClientRequest{.url = "ftp://example/"});
  ASSERT_FALSE(response.ok());
  EXPECT_EQ(response.status().code(), StatusCode::kInvalidArgument);
  EXPECT_THAT(response.status().message(), HasSubstr("\"ftp://example/\""));
}

TEST_F(HttpClientTest, ErrorStatusBecomesAStatusWithTheBody) {
  StartServer([](const std::shared_ptr<HttpExchange>& exchange) {
    const int status = exchange->request().path == "/missing" ? 404 : 503;
    EXPECT_TRUE(
        exchange->Respond(HttpResponse::Json(status, JsonErrorBody(status, "no such thing"))).ok());
  });
  StatusOr<HttpClientResponse> missing = Fetch(HttpClientRequest{.url = Url("/missing")});
  ASSERT_FALSE(missing.ok());
  EXPECT_EQ(missing.status().code(), StatusCode::kNotFound);
  EXPECT_THAT(missing.status().message(), HasSubstr("GET " + Url("/missing") + ": HTTP 404"));
  EXPECT_THAT(missing.status().message(), HasSubstr("no such thing"));
  StatusOr<HttpClientResponse> busy = Fetch(HttpClientRequest{.url = Url("/busy")});
  EXPECT_EQ(busy.status().code(), StatusCode::kUnavailable);
}

TEST_F(HttpClientTest, ErrorBodyStillReachesOnBody) {
  StartServer([](const std::shared_ptr<HttpExchange>& exchange) {
    EXPECT_TRUE(exchange->Respond(HttpResponse::Json(429, R"({"detail":"slow down"})")).ok());
  });
  int status = 0;
  std::string body;
  std::promise<Status> done;
  client().Start(
      HttpClientRequest{.url = Url("/")},
      {.on_head = [&status](const HttpResponseHead& head) { status = head.status; },
       .on_body = [&body](std::string_view data,
                          std::chrono::steady_clock::time_point /*arrival*/) { body += data; },
       .on_complete = [&done](const Status& result) { done.set_value(result); }});
  std::future<Status> result = done.get_future();
  EXPECT_EQ(Await(result).code(), StatusCode::kResourceExhausted);
  EXPECT_EQ(status, 429);
  EXPECT_EQ(body, R"({"detail":"slow down"})");
}

TEST_F(HttpClientTest, SilentServerTimesOutOnTheInjectedClock) {
  FakeClock clock;
  client_options_.clock = &clock;
  client_options_.read_timeout = std::chrono::seconds(30);
  client_options_.timer_resolution = std::chrono::milliseconds(5);
  std::promise<void> received;
  std::shared_ptr<HttpExchange> held;  // io_context thread only; never answered
  StartServer([&](const std::shared_ptr<HttpExchange>& exchange) {
    held = exchange;
    received.set_value();
  });
  std::promise<Status> done;
  client().Start(HttpClientRequest::PostJson(Url("/slow"), "{}"),
                 {.on_complete = [&done](const Status& status) { done.set_value(status); }});
  std::future<void> received_future = received.get_future();
  Await(received_future);
  clock.Advance(std::chrono::seconds(31));
  std::future<Status> result = done.get_future();
  const Status status = Await(result);
  EXPECT_EQ(status.code(), StatusCode::kDeadlineExceeded);
  EXPECT_THAT(status.message(), HasSubstr("no response bytes for read_timeout 30s"));
  // The server learns that the client gave up.
  std::promise<Status> server_side;
  io_.Run([&] {
    held->OnClose([&server_side](const Status& closed) { server_side.set_value(closed); });
    return 0;
  });
  std::future<Status> server_result = server_side.get_future();
  EXPECT_EQ(Await(server_result).code(), StatusCode::kCancelled);
}

TEST_F(HttpClientTest, PooledConnectionClosedByTheServerIsReplaced) {
  FakeClock server_clock;
  HttpServerOptions options = ServerOptions();
  options.clock = &server_clock;
  options.idle_timeout = std::chrono::seconds(5);
  std::promise<void> first_answered;
  int answered = 0;  // io_context thread only
  StartServer(
      [&](const std::shared_ptr<HttpExchange>& exchange) {
        if (++answered == 1) {
          exchange->OnClose(
              [&first_answered](const Status& /*status*/) { first_answered.set_value(); });
        }
        EXPECT_TRUE(exchange->Respond(HttpResponse::Text(200, "ok")).ok());
      },
      options);
  ASSERT_TRUE(Fetch(HttpClientRequest{.url = Url("/")}).ok());
  EXPECT_EQ(io_.Run([this] { return client_->idle_connection_count(); }), 1U);
  // The server sets its idle deadline when the exchange ends; advance after.
  std::future<void> first_answered_future = first_answered.get_future();
  Await(first_answered_future);
  EXPECT_EQ(ServerConnections(), 1U);
  server_clock.Advance(std::chrono::seconds(6));
  ASSERT_TRUE(WaitUntil(io_, [this] { return server_->connection_count() == 0; }));
  // The pooled connection is dead; the client must notice and use a new one.
  StatusOr<HttpClientResponse> again = Fetch(HttpClientRequest{.url = Url("/")});
  ASSERT_TRUE(again.ok()) << again.status();
  EXPECT_EQ(again->body, "ok");
}

TEST_F(HttpClientTest, LargeBodiesTravelIntactBothWays) {
  StartServer([](const std::shared_ptr<HttpExchange>& exchange) {
    std::string reversed(exchange->request().body.rbegin(), exchange->request().body.rend());
    EXPECT_TRUE(exchange->Respond(HttpResponse::Text(200, std::move(reversed))).ok());
  });
  std::string body(3 << 20, '\0');
  for (size_t i = 0; i < body.size(); ++i) body[i] = static_cast<char>('a' + i % 26);
  StatusOr<HttpClientResponse> response =
      Fetch(HttpClientRequest{.method = "PUT", .url = Url("/echo"), .body = body});
  ASSERT_TRUE(response.ok()) << response.status();
  EXPECT_EQ(response->body, std::string(body.rbegin(), body.rend()));
}

TEST_F(HttpClientTest, DestroyingTheClientAbandonsCallsSilently) {
  std::promise<void> received;
  std::shared_ptr<HttpExchange> held;  // io_context thread only
  StartServer([&](const std::shared_ptr<HttpExchange>& exchange) {
    held = exchange;
    received.set_value();
  });
  bool completed = false;  // io_context thread only
  client().Start(HttpClientRequest{.url = Url("/")},
                 {.on_complete = [&completed](const Status& /*status*/) { completed = true; }});
  std::future<void> received_future = received.get_future();
  Await(received_future);
  io_.Run([this] {
    client_.reset();
    return 0;
  });
  EXPECT_FALSE(io_.Run([&completed] { return completed; }));
  // The server sees the connection go.
  std::promise<Status> server_side;
  io_.Run([&] {
    held->OnClose([&server_side](const Status& closed) { server_side.set_value(closed); });
    return 0;
  });
  std::future<Status> server_result = server_side.get_future();
  EXPECT_EQ(Await(server_result).code(), StatusCode::kCancelled);
}

}  // namespace
}  // namespace tessera::http
