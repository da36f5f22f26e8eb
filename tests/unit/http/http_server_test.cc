// HttpServer and HttpExchange over loopback, driven by HttpClient and by raw
// sockets for what a well-behaved client never sends.

#include "http/http_server.h"

#include <chrono>
#include <future>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <boost/asio/post.hpp>
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "base/clock.h"
#include "http/http_exchange.h"
#include "tests/unit/http/loopback.h"

namespace tessera::http {
namespace {

using testing::Await;
using ::testing::HasSubstr;
using testing::LoopbackTest;
using testing::RawConnection;
using ::testing::StartsWith;
using testing::WaitUntil;

using HttpServerTest = LoopbackTest;

std::vector<HttpHeader> EventStreamHeaders() {
  return {{"Content-Type", "text/event-stream"}, {"Cache-Control", "no-cache"}};
}

// The body of a raw HTTP/1.1 response, parsed as JSON.
nlohmann::json JsonBodyOf(const std::string& response) {
  const size_t body = response.find("\r\n\r\n");
  if (body == std::string::npos) return nullptr;
  return nlohmann::json::parse(response.substr(body + 4), nullptr, /*allow_exceptions=*/false);
}

// Writes events next..count-1 to `exchange`, one per io_context turn so
// that each goes out in its own write, then ends the stream.
void WriteEvents(boost::asio::io_context& io, const std::shared_ptr<HttpExchange>& exchange,
                 int next, int count) {
  if (next == count) {
    EXPECT_TRUE(exchange->End().ok());
    return;
  }
  EXPECT_TRUE(exchange->Write("data: " + std::to_string(next) + "\n\n").ok());
  boost::asio::post(io,
                    [&io, exchange, next, count] { WriteEvents(io, exchange, next + 1, count); });
}

std::string ExpectedEvents(int count) {
  std::string events;
  for (int i = 0; i < count; ++i) events += "data: " + std::to_string(i) + "\n\n";
  return events;
}

TEST_F(HttpServerTest, HandlerSeesTheParsedRequestAndRespondsInFull) {
  std::promise<HttpRequest> seen;
  StartServer([&seen](const std::shared_ptr<HttpExchange>& exchange) {
    seen.set_value(exchange->request());
    EXPECT_TRUE(exchange->Respond(HttpResponse::Json(200, R"({"ok":true})")).ok());
  });
  HttpClientRequest request =
      HttpClientRequest::PostJson(Url("/v1/completions?stream=false"), R"({"prompt":"hi"})");
  request.headers.push_back({"X-Request-Id", "r-1"});
  StatusOr<HttpClientResponse> response = Fetch(request);
  ASSERT_TRUE(response.ok()) << response.status();
  EXPECT_EQ(response->status, 200);
  EXPECT_EQ(response->body, R"({"ok":true})");
  EXPECT_EQ(response->Header("content-type"), "application/json");
  EXPECT_EQ(response->Header("content-length"), "11");

  std::future<HttpRequest> seen_future = seen.get_future();
  const HttpRequest received = Await(seen_future);
  EXPECT_EQ(received.method, "POST");
  EXPECT_EQ(received.target, "/v1/completions?stream=false");
  EXPECT_EQ(received.path, "/v1/completions");
  EXPECT_EQ(received.query, "stream=false");
  EXPECT_EQ(received.version, 11);
  EXPECT_EQ(received.body, R"({"prompt":"hi"})");
  EXPECT_EQ(received.Header("x-request-id"), "r-1");
  EXPECT_EQ(received.Header("Host"), "127.0.0.1:" + std::to_string(port_));
}

TEST_F(HttpServerTest, StreamsManyChunksInOrderAsTheyAreWritten) {
  constexpr int kEvents = 500;
  StartServer([this](const std::shared_ptr<HttpExchange>& exchange) {
    ASSERT_TRUE(exchange->StartStream(200, EventStreamHeaders()).ok());
    WriteEvents(io_.io_context(), exchange, 0, kEvents);
  });
  HttpResponseHead head;
  std::string body;
  std::vector<std::chrono::steady_clock::time_point> arrivals;
  std::promise<Status> done;
  client().Start(HttpClientRequest::PostJson(Url("/v1/completions"), "{}"),
                 {.on_head = [&head](const HttpResponseHead& received) { head = received; },
                  .on_body =
                      [&](std::string_view data, std::chrono::steady_clock::time_point arrival) {
                        body += data;
                        arrivals.push_back(arrival);
                      },
                  .on_complete = [&done](const Status& status) { done.set_value(status); }});
  std::future<Status> result = done.get_future();
  const Status status = Await(result);
  ASSERT_TRUE(status.ok()) << status;
  EXPECT_EQ(head.status, 200);
  EXPECT_EQ(head.Header("Transfer-Encoding"), "chunked");
  EXPECT_EQ(head.Header("Content-Type"), "text/event-stream");
  EXPECT_EQ(body, ExpectedEvents(kEvents));
  EXPECT_GT(arrivals.size(), 1U) << "the body should arrive in pieces, not at the end";
  for (size_t i = 1; i < arrivals.size(); ++i) EXPECT_LE(arrivals[i - 1], arrivals[i]);
}

TEST_F(HttpServerTest, AnotherThreadCanStreamThroughTheExchange) {
  constexpr int kEvents = 2000;
  std::promise<std::shared_ptr<HttpExchange>> handed_over;
  StartServer([&handed_over](const std::shared_ptr<HttpExchange>& exchange) {
    handed_over.set_value(exchange);
  });
  std::string body;
  std::promise<Status> done;
  client().Start(
      HttpClientRequest::PostJson(Url("/stream"), "{}"),
      {.on_body = [&body](std::string_view data,
                          std::chrono::steady_clock::time_point /*arrival*/) { body += data; },
       .on_complete = [&done](const Status& status) { done.set_value(status); }});
  std::future<std::shared_ptr<HttpExchange>> exchange_future = handed_over.get_future();
  const std::shared_ptr<HttpExchange> exchange = Await(exchange_future);
  // This (test) thread is not the io_context's.
  ASSERT_TRUE(exchange->StartStream(200, EventStreamHeaders()).ok());
  for (int i = 0; i < kEvents; ++i) {
    ASSERT_TRUE(exchange->Write("data: " + std::to_string(i) + "\n\n").ok());
  }
  ASSERT_TRUE(exchange->End().ok());
  std::future<Status> result = done.get_future();
  const Status status = Await(result);
  ASSERT_TRUE(status.ok()) << status;
  EXPECT_EQ(body, ExpectedEvents(kEvents));
}

TEST_F(HttpServerTest, ClientDisconnectMidStreamCancelsTheExchange) {
  std::promise<std::shared_ptr<HttpExchange>> handed_over;
  std::promise<Status> server_closed;
  StartServer([&](const std::shared_ptr<HttpExchange>& exchange) {
    exchange->OnClose([&server_closed](const Status& status) { server_closed.set_value(status); });
    ASSERT_TRUE(exchange->StartStream(200, EventStreamHeaders()).ok());
    ASSERT_TRUE(exchange->Write("data: first\n\n").ok());
    handed_over.set_value(exchange);
  });
  std::promise<void> first_piece;
  bool got_first = false;  // io_context thread only
  std::promise<Status> client_done;
  const std::shared_ptr<HttpCall> call = client().Start(
      HttpClientRequest::PostJson(Url("/stream"), "{}"),
      {.on_body =
           [&](std::string_view /*data*/, std::chrono::steady_clock::time_point /*arrival*/) {
             if (!got_first) first_piece.set_value();
             got_first = true;
           },
       .on_complete = [&client_done](const Status& status) { client_done.set_value(status); }});
  std::future<void> first = first_piece.get_future();
  Await(first);
  call->Cancel();

  std::future<Status> client_result = client_done.get_future();
  EXPECT_EQ(Await(client_result).code(), StatusCode::kCancelled);
  std::future<Status> server_result = server_closed.get_future();
  const Status closed = Await(server_result);
  EXPECT_EQ(closed.code(), StatusCode::kCancelled);
  EXPECT_THAT(closed.message(), HasSubstr("client closed the connection"));

  std::future<std::shared_ptr<HttpExchange>> exchange_future = handed_over.get_future();
  const std::shared_ptr<HttpExchange> exchange = Await(exchange_future);
  EXPECT_TRUE(exchange->cancelled());
  const Status write = exchange->Write("data: more\n\n");
  EXPECT_EQ(write.code(), StatusCode::kCancelled);
  EXPECT_THAT(write.message(), HasSubstr("POST /stream"));
  EXPECT_EQ(exchange->End().code(), StatusCode::kCancelled);
  // A callback registered after the end still learns how it ended.
  std::promise<Status> late;
  exchange->OnClose([&late](const Status& status) { late.set_value(status); });
  std::future<Status> late_result = late.get_future();
  EXPECT_EQ(Await(late_result).code(), StatusCode::kCancelled);
}

TEST_F(HttpServerTest, BodyOverTheLimitIs413AndNeverReachesTheHandler) {
  HttpServerOptions options = ServerOptions();
  options.max_body_bytes = 1024;
  bool handled = false;  // io_context thread only
  StartServer(
      [&handled](const std::shared_ptr<HttpExchange>& exchange) {
        handled = true;
        EXPECT_TRUE(exchange->Respond(HttpResponse::Text(200, "ok")).ok());
      },
      options);
  StatusOr<HttpClientResponse> response =
      Fetch(HttpClientRequest::PostJson(Url("/v1/completions"), std::string(5000, 'x')));
  ASSERT_FALSE(response.ok());
  EXPECT_EQ(response.status().code(), StatusCode::kInvalidArgument);
  EXPECT_THAT(response.status().message(), HasSubstr("HTTP 413 Payload Too Large"));
  EXPECT_THAT(response.status().message(), HasSubstr("request body exceeds the limit of"));
  EXPECT_FALSE(io_.Run([&handled] { return handled; }));
}

TEST_F(HttpServerTest, ChunkedBodyOverTheLimitIs413) {
  HttpServerOptions options = ServerOptions();
  options.max_body_bytes = 1024;
  StartServer(
      [](const std::shared_ptr<HttpExchange>& exchange) {
        EXPECT_TRUE(exchange->Respond(HttpResponse::Text(200, "ok")).ok());
      },
      options);
  RawConnection connection(port_);
  ASSERT_TRUE(connection.connected());
  ASSERT_TRUE(connection.Send(
      "POST /v1/completions HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n800\r\n" +
      std::string(2048, 'x') + "\r\n0\r\n\r\n"));
  const std::string response = connection.ReadUntilClose();
  EXPECT_THAT(response, StartsWith("HTTP/1.1 413 Payload Too Large\r\n"));
  EXPECT_THAT(response, HasSubstr("Connection: close\r\n"));
  EXPECT_EQ(JsonBodyOf(response)["error"]["code"], 413);
}

TEST_F(HttpServerTest, MalformedRequestIs400WithAJsonError) {
  StartServer([](const std::shared_ptr<HttpExchange>& exchange) {
    EXPECT_TRUE(exchange->Respond(HttpResponse::Text(200, "ok")).ok());
  });
  RawConnection connection(port_);
  ASSERT_TRUE(connection.connected());
  ASSERT_TRUE(connection.Send("GET / HTTP/1.1\r\nHost x\r\n\r\n"));
  const std::string response = connection.ReadUntilClose();
  EXPECT_THAT(response, StartsWith("HTTP/1.1 400 Bad Request\r\n"));
  EXPECT_THAT(response, HasSubstr("Content-Type: application/json\r\n"));
  const nlohmann::json body = JsonBodyOf(response);
  EXPECT_EQ(body["error"]["code"], 400);
  EXPECT_THAT(body["error"]["message"].get<std::string>(), HasSubstr("malformed HTTP request"));
}

TEST_F(HttpServerTest, Http2PriorKnowledgePrefaceIsRejectedAtOnce) {
  StartServer([](const std::shared_ptr<HttpExchange>& exchange) {
    EXPECT_TRUE(exchange->Respond(HttpResponse::Text(200, "ok")).ok());
  });
  RawConnection connection(port_);
  ASSERT_TRUE(connection.connected());
  const auto start = std::chrono::steady_clock::now();
  // The preface, then an empty SETTINGS frame, as a gRPC client sends them.
  ASSERT_TRUE(connection.Send(std::string("PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n") +
                              std::string("\x00\x00\x00\x04\x00\x00\x00\x00\x00", 9)));
  const std::string response = connection.ReadUntilClose();
  const auto elapsed = std::chrono::steady_clock::now() - start;
  EXPECT_THAT(response, StartsWith("HTTP/1.1 400 Bad Request\r\n"));
  EXPECT_THAT(JsonBodyOf(response)["error"]["message"].get<std::string>(),
              HasSubstr("HTTP/1.0 and HTTP/1.1 only"));
  // sglang-router waits up to 5 s for an answer; "at once" is far below.
  EXPECT_LT(elapsed, std::chrono::seconds(2));
}

TEST_F(HttpServerTest, HeaderOverTheLimitIs431) {
  HttpServerOptions options = ServerOptions();
  options.max_header_bytes = 4096;
  StartServer(
      [](const std::shared_ptr<HttpExchange>& exchange) {
        EXPECT_TRUE(exchange->Respond(HttpResponse::Text(200, "ok")).ok());
      },
      options);
  RawConnection connection(port_);
  ASSERT_TRUE(connection.connected());
  ASSERT_TRUE(connection.Send("GET / HTTP/1.1\r\nHost: x\r\nX-Big: " + std::string(8192, 'b') +
                              "\r\n\r\n"));
  EXPECT_THAT(connection.ReadUntilClose(),
              StartsWith("HTTP/1.1 431 Request Header Fields Too Large\r\n"));
}

TEST_F(HttpServerTest, KeepAliveServesSequentialRequestsOnOneConnection) {
  StartServer([this](const std::shared_ptr<HttpExchange>& exchange) {
    const std::string body = "body-" + exchange->request().path.substr(1) +
                             " connections=" + std::to_string(server_->connection_count());
    EXPECT_TRUE(exchange->Respond(HttpResponse::Text(200, body)).ok());
  });
  RawConnection connection(port_);
  ASSERT_TRUE(connection.connected());
  ASSERT_TRUE(connection.Send("GET /a HTTP/1.1\r\nHost: x\r\n\r\n"));
  EXPECT_THAT(connection.ReadUntil("connections=1"), HasSubstr("body-a"));
  ASSERT_TRUE(connection.Send("GET /b HTTP/1.1\r\nHost: x\r\n\r\n"));
  EXPECT_THAT(connection.ReadUntil("connections=1"), HasSubstr("body-b"));

  // The client's pool does the same.
  StatusOr<HttpClientResponse> first = Fetch(HttpClientRequest{.url = Url("/c")});
  ASSERT_TRUE(first.ok()) << first.status();
  EXPECT_EQ(first->body, "body-c connections=2");
  EXPECT_EQ(io_.Run([this] { return client_->idle_connection_count(); }), 1U);
  StatusOr<HttpClientResponse> second = Fetch(HttpClientRequest{.url = Url("/d")});
  ASSERT_TRUE(second.ok()) << second.status();
  EXPECT_EQ(second->body, "body-d connections=2");
}

TEST_F(HttpServerTest, AnswersExpectContinueBeforeTheBody) {
  StartServer([](const std::shared_ptr<HttpExchange>& exchange) {
    EXPECT_TRUE(exchange->Respond(HttpResponse::Text(200, "got " + exchange->request().body)).ok());
  });
  RawConnection connection(port_);
  ASSERT_TRUE(connection.connected());
  ASSERT_TRUE(connection.Send(
      "POST /x HTTP/1.1\r\nHost: x\r\nExpect: 100-continue\r\nContent-Length: 5\r\n\r\n"));
  EXPECT_EQ(connection.ReadUntil("\r\n\r\n"), "HTTP/1.1 100 Continue\r\n\r\n");
  ASSERT_TRUE(connection.Send("hello"));
  EXPECT_THAT(connection.ReadUntil("got hello"), StartsWith("HTTP/1.1 200 OK\r\n"));
}

TEST_F(HttpServerTest, HeadResponsesCarryNoBody) {
  StartServer([](const std::shared_ptr<HttpExchange>& exchange) {
    EXPECT_TRUE(exchange->Respond(HttpResponse::Text(200, "twelve bytes")).ok());
  });
  StatusOr<HttpClientResponse> response =
      Fetch(HttpClientRequest{.method = "HEAD", .url = Url("/")});
  ASSERT_TRUE(response.ok()) << response.status();
  EXPECT_EQ(response->Header("Content-Length"), "12");
  EXPECT_EQ(response->body, "");
}

TEST_F(HttpServerTest, Http10StreamIsUnframedAndEndsWithTheConnection) {
  StartServer([](const std::shared_ptr<HttpExchange>& exchange) {
    ASSERT_TRUE(exchange->StartStream(200, EventStreamHeaders()).ok());
    ASSERT_TRUE(exchange->Write("data: a\n\n").ok());
    ASSERT_TRUE(exchange->Write("data: b\n\n").ok());
    ASSERT_TRUE(exchange->End().ok());
  });
  RawConnection connection(port_);
  ASSERT_TRUE(connection.connected());
  ASSERT_TRUE(connection.Send("GET /s HTTP/1.0\r\n\r\n"));
  const std::string response = connection.ReadUntilClose();
  EXPECT_THAT(response, StartsWith("HTTP/1.1 200 OK\r\n"));
  EXPECT_THAT(response, Not(HasSubstr("Transfer-Encoding")));
  EXPECT_THAT(response, HasSubstr("\r\n\r\ndata: a\n\ndata: b\n\n"));
}

TEST_F(HttpServerTest, IdleConnectionClosesAfterTheIdleTimeout) {
  HttpServerOptions options = ServerOptions();
  options.clock = &clock_;
  options.idle_timeout = std::chrono::seconds(5);
  std::promise<void> answered;
  StartServer(
      [&answered](const std::shared_ptr<HttpExchange>& exchange) {
        exchange->OnClose([&answered](const Status& /*status*/) { answered.set_value(); });
        EXPECT_TRUE(exchange->Respond(HttpResponse::Text(200, "done")).ok());
      },
      options);
  RawConnection connection(port_);
  ASSERT_TRUE(connection.connected());
  ASSERT_TRUE(connection.Send("GET / HTTP/1.1\r\nHost: x\r\n\r\n"));
  EXPECT_THAT(connection.ReadUntil("done"), StartsWith("HTTP/1.1 200 OK\r\n"));
  // The idle deadline is set when the exchange ends, right after its close
  // callback and before the next io_context task; advance only after that.
  std::future<void> answered_future = answered.get_future();
  Await(answered_future);
  EXPECT_EQ(ServerConnections(), 1U);
  clock_.Advance(std::chrono::seconds(6));
  EXPECT_TRUE(connection.WaitForClose());
  EXPECT_TRUE(WaitUntil(io_, [this] { return server_->connection_count() == 0; }));
}

TEST_F(HttpServerTest, SlowReaderHitsTheBackpressureBound) {
  HttpServerOptions options = ServerOptions();
  options.max_queued_bytes = size_t{64} * 1024;
  std::promise<Status> write_failed;
  std::promise<Status> closed;
  StartServer(
      [&](const std::shared_ptr<HttpExchange>& exchange) {
        exchange->OnClose([&closed](const Status& status) { closed.set_value(status); });
        ASSERT_TRUE(exchange->StartStream(200, EventStreamHeaders()).ok());
        // Write 16 KiB per io_context turn until the bound stops us; the
        // kernel's socket buffers take a few MiB first.
        auto write_more = std::make_shared<std::function<void(size_t)>>();
        *write_more = [&, exchange, write_more](size_t written) {
          const Status status = exchange->Write(std::string(size_t{16} * 1024, 'x'));
          if (!status.ok() || written > (size_t{256} << 20)) {
            write_failed.set_value(status);
            *write_more = nullptr;  // breaks the cycle
            return;
          }
          boost::asio::post(io_.io_context(), [write_more, written] {
            if (*write_more) (*write_more)(written + size_t{16} * 1024);
          });
        };
        (*write_more)(0);
      },
      options);
  RawConnection connection(port_, /*receive_buffer_bytes=*/4096);
  ASSERT_TRUE(connection.connected());
  ASSERT_TRUE(connection.Send("GET /stream HTTP/1.1\r\nHost: x\r\n\r\n"));
  // ...and never reads.
  std::future<Status> write_result = write_failed.get_future();
  const Status write = Await(write_result);
  EXPECT_EQ(write.code(), StatusCode::kResourceExhausted);
  EXPECT_THAT(write.message(), HasSubstr("the client is not reading the stream"));
  std::future<Status> closed_result = closed.get_future();
  EXPECT_EQ(Await(closed_result).code(), StatusCode::kResourceExhausted);
}

TEST_F(HttpServerTest, GracefulShutdownClosesIdleConnectionsAndFinishesStreams) {
  std::promise<std::shared_ptr<HttpExchange>> handed_over;
  StartServer([&handed_over](const std::shared_ptr<HttpExchange>& exchange) {
    if (exchange->request().path == "/idle") {
      EXPECT_TRUE(exchange->Respond(HttpResponse::Text(200, "idle")).ok());
      return;
    }
    ASSERT_TRUE(exchange->StartStream(200, EventStreamHeaders()).ok());
    handed_over.set_value(exchange);
  });
  RawConnection idle(port_);
  ASSERT_TRUE(idle.connected());
  ASSERT_TRUE(idle.Send("GET /idle HTTP/1.1\r\nHost: x\r\n\r\n"));
  EXPECT_THAT(idle.ReadUntil("idle"), StartsWith("HTTP/1.1 200 OK\r\n"));

  std::string body;
  std::promise<Status> stream_done;
  client().Start(
      HttpClientRequest::PostJson(Url("/stream"), "{}"),
      {.on_body = [&body](std::string_view data,
                          std::chrono::steady_clock::time_point /*arrival*/) { body += data; },
       .on_complete = [&stream_done](const Status& status) { stream_done.set_value(status); }});
  std::future<std::shared_ptr<HttpExchange>> exchange_future = handed_over.get_future();
  const std::shared_ptr<HttpExchange> exchange = Await(exchange_future);

  std::promise<void> drained;
  io_.Run([&] {
    server_->Shutdown([&drained] { drained.set_value(); });
    return 0;
  });
  EXPECT_TRUE(idle.WaitForClose());
  EXPECT_FALSE(RawConnection(port_).connected()) << "no longer accepting";
  ASSERT_TRUE(exchange->Write("data: last\n\n").ok());
  ASSERT_TRUE(exchange->End().ok());
  std::future<Status> stream_result = stream_done.get_future();
  EXPECT_TRUE(Await(stream_result).ok());
  EXPECT_EQ(body, "data: last\n\n");
  std::future<void> drained_future = drained.get_future();
  Await(drained_future, "drained");
}

TEST_F(HttpServerTest, CloseCutsStreamsOffOnBothSides) {
  std::promise<Status> server_side;
  std::promise<void> started;
  StartServer([&](const std::shared_ptr<HttpExchange>& exchange) {
    exchange->OnClose([&server_side](const Status& status) { server_side.set_value(status); });
    ASSERT_TRUE(exchange->StartStream(200, EventStreamHeaders()).ok());
    started.set_value();
  });
  std::promise<Status> client_side;
  client().Start(
      HttpClientRequest::PostJson(Url("/stream"), "{}"),
      {.on_complete = [&client_side](const Status& status) { client_side.set_value(status); }});
  std::future<void> started_future = started.get_future();
  Await(started_future);
  io_.Run([this] {
    server_->Close();
    return 0;
  });
  std::future<Status> server_result = server_side.get_future();
  EXPECT_EQ(Await(server_result).code(), StatusCode::kUnavailable);
  std::future<Status> client_result = client_side.get_future();
  const Status client_status = Await(client_result);
  EXPECT_EQ(client_status.code(), StatusCode::kUnavailable);
  EXPECT_THAT(client_status.message(), HasSubstr("before the response was complete"));
}

TEST_F(HttpServerTest, ExchangeMisuseIsReportedNotSent) {
  struct Outcomes {
    Status write_before_start;
    Status bad_header;
    Status first;
    Status second;
    Status write_after_respond;
  };
  std::promise<Outcomes> outcomes;
  StartServer([&outcomes](const std::shared_ptr<HttpExchange>& exchange) {
    Outcomes result;
    result.write_before_start = exchange->Write("x");
    HttpResponse bad = HttpResponse::Text(200, "bad");
    bad.headers.push_back({"X-Evil", "a\r\nSet-Cookie: b"});
    result.bad_header = exchange->Respond(bad);
    result.first = exchange->Respond(HttpResponse::Text(200, "fine"));
    result.second = exchange->Respond(HttpResponse::Text(200, "again"));
    result.write_after_respond = exchange->Write("x");
    outcomes.set_value(result);
  });
  StatusOr<HttpClientResponse> response = Fetch(HttpClientRequest{.url = Url("/")});
  ASSERT_TRUE(response.ok()) << response.status();
  EXPECT_EQ(response->body, "fine");
  EXPECT_FALSE(response->Header("X-Evil").has_value());
  std::future<Outcomes> outcomes_future = outcomes.get_future();
  const Outcomes result = Await(outcomes_future);
  EXPECT_EQ(result.write_before_start.code(), StatusCode::kFailedPrecondition);
  EXPECT_EQ(result.bad_header.code(), StatusCode::kInvalidArgument);
  EXPECT_THAT(result.bad_header.message(), HasSubstr("\"X-Evil\""));
  EXPECT_TRUE(result.first.ok());
  EXPECT_EQ(result.second.code(), StatusCode::kFailedPrecondition);
  EXPECT_EQ(result.write_after_respond.code(), StatusCode::kFailedPrecondition);
}

// A screen that wants a token: what the agent's admin API does.
std::optional<HttpResponse> RequireToken(const HttpRequest& head) {
  if (head.Header("Authorization") == "Bearer secret") return std::nullopt;
  HttpResponse refused = HttpResponse::Json(401, R"({"error":"token"})");
  refused.headers.push_back({"WWW-Authenticate", "Bearer"});
  return refused;
}

TEST_F(HttpServerTest, ScreenAnswersAtTheHeadersWithoutReadingTheBody) {
  HttpServerOptions options = ServerOptions();
  options.screen = RequireToken;
  bool handled = false;  // io_context thread only
  StartServer(
      [&handled](const std::shared_ptr<HttpExchange>& exchange) {
        handled = true;
        EXPECT_TRUE(exchange->Respond(HttpResponse::Text(200, "ok")).ok());
      },
      options);
  RawConnection connection(port_);
  ASSERT_TRUE(connection.connected());
  // A body of 100 MB is announced; the answer comes before any of it.
  ASSERT_TRUE(
      connection.Send("PUT /v1/workers/x HTTP/1.1\r\nHost: x\r\n"
                      "Content-Length: 100000000\r\n\r\n{\"a"));
  const std::string response = connection.ReadUntil(R"({"error":"token"})");
  EXPECT_THAT(response, StartsWith("HTTP/1.1 401 Unauthorized\r\n"));
  EXPECT_THAT(response, HasSubstr("WWW-Authenticate: Bearer\r\n"));
  EXPECT_THAT(response, HasSubstr("Connection: close\r\n"));
  EXPECT_FALSE(io_.Run([&handled] { return handled; }));
}

TEST_F(HttpServerTest, ScreenLetsAcceptedRequestsThroughToTheHandler) {
  HttpServerOptions options = ServerOptions();
  options.screen = RequireToken;
  StartServer(
      [](const std::shared_ptr<HttpExchange>& exchange) {
        EXPECT_TRUE(exchange->Respond(HttpResponse::Text(200, exchange->request().body)).ok());
      },
      options);
  HttpClientRequest request = HttpClientRequest::PostJson(Url("/v1/x"), R"({"a":1})");
  request.headers.push_back({"Authorization", "Bearer secret"});
  StatusOr<HttpClientResponse> response = Fetch(request);
  ASSERT_TRUE(response.ok()) << response.status();
  EXPECT_EQ(response->body, R"({"a":1})");
}

TEST_F(HttpServerTest, AtTheConnectionLimitTheLongestWaitingConnectionMakesRoom) {
  HttpServerOptions options = ServerOptions();
  options.max_connections = 2;
  StartServer(
      [](const std::shared_ptr<HttpExchange>& exchange) {
        EXPECT_TRUE(exchange->Respond(HttpResponse::Text(200, "served")).ok());
      },
      options);
  RawConnection oldest(port_);
  ASSERT_TRUE(oldest.connected());
  ASSERT_TRUE(WaitUntil(io_, [this] { return server_->connection_count() == 1; }));
  RawConnection half_sent(port_);
  ASSERT_TRUE(half_sent.Send("GET / HTTP/1.1\r\nHost:"));
  ASSERT_TRUE(WaitUntil(io_, [this] { return server_->connection_count() == 2; }));
  RawConnection newcomer(port_);
  ASSERT_TRUE(newcomer.Send("GET / HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n"));
  EXPECT_THAT(newcomer.ReadUntilClose(), HasSubstr("served"));
  EXPECT_TRUE(oldest.WaitForClose()) << "the idle connection that waited longest made room";
  EXPECT_TRUE(half_sent.Send(" x\r\n\r\n"));
  EXPECT_THAT(half_sent.ReadUntil("served"), HasSubstr("served")) << "the younger one stayed";
}

TEST_F(HttpServerTest, AtTheConnectionLimitWithAllBusyTheNewcomerIsClosed) {
  HttpServerOptions options = ServerOptions();
  options.max_connections = 1;
  std::vector<std::shared_ptr<HttpExchange>> held;  // io_context thread only
  StartServer([&held](const std::shared_ptr<HttpExchange>& exchange) { held.push_back(exchange); },
              options);
  RawConnection busy(port_);
  ASSERT_TRUE(busy.Send("GET /slow HTTP/1.1\r\nHost: x\r\n\r\n"));
  ASSERT_TRUE(WaitUntil(io_, [&held] { return held.size() == 1; }));
  RawConnection newcomer(port_);
  EXPECT_TRUE(newcomer.WaitForClose());
  EXPECT_EQ(io_.Run([this] { return server_->connection_count(); }), 1U);
  io_.Run([&held] {
    EXPECT_TRUE(held.front()->Respond(HttpResponse::Text(200, "finally")).ok());
    return 0;
  });
  EXPECT_THAT(busy.ReadUntil("finally"), HasSubstr("finally")) << "the busy one was kept";
}

TEST_F(HttpServerTest, TlsFilesThatCannotBeUsedAreNamed) {
  boost::asio::io_context io;
  const HttpHandler handler = [](const std::shared_ptr<HttpExchange>& /*exchange*/) {};
  HttpServerOptions only_certificate;
  only_certificate.tls_certificate_file = "/nonexistent/tls.crt";
  EXPECT_THAT(HttpServer::Start(io, only_certificate, handler).status().message(),
              HasSubstr("give both for TLS, or neither"));
  HttpServerOptions missing = only_certificate;
  missing.tls_private_key_file = "/nonexistent/tls.key";
  const Status status = HttpServer::Start(io, missing, handler).status();
  EXPECT_EQ(status.code(), StatusCode::kInvalidArgument);
  EXPECT_THAT(status.message(), HasSubstr("tls certificate /nonexistent/tls.crt"));
}

TEST_F(HttpServerTest, StartRejectsBadOptionsAndBusyPorts) {
  boost::asio::io_context io;
  const HttpHandler handler = [](const std::shared_ptr<HttpExchange>& /*exchange*/) {};
  HttpServerOptions small_header;
  small_header.max_header_bytes = 10;
  StatusOr<std::unique_ptr<HttpServer>> rejected = HttpServer::Start(io, small_header, handler);
  ASSERT_FALSE(rejected.ok());
  EXPECT_EQ(rejected.status().code(), StatusCode::kInvalidArgument);
  EXPECT_THAT(rejected.status().message(), HasSubstr("max_header_bytes"));

  HttpServerOptions no_timeout;
  no_timeout.idle_timeout = std::chrono::milliseconds(0);
  EXPECT_THAT(HttpServer::Start(io, no_timeout, handler).status().message(),
              HasSubstr("idle_timeout: must be positive"));
  EXPECT_THAT(HttpServer::Start(io, {}, nullptr).status().message(), HasSubstr("handler"));

  StatusOr<std::unique_ptr<HttpServer>> first = HttpServer::Start(io, {}, handler);
  ASSERT_TRUE(first.ok()) << first.status();
  EXPECT_NE((*first)->port(), 0);
  HttpServerOptions same_port;
  same_port.port = (*first)->port();
  StatusOr<std::unique_ptr<HttpServer>> second = HttpServer::Start(io, same_port, handler);
  ASSERT_FALSE(second.ok());
  EXPECT_EQ(second.status().code(), StatusCode::kUnavailable);
  EXPECT_THAT(second.status().message(),
              HasSubstr("listen on 127.0.0.1:" + std::to_string(same_port.port)));
}

}  // namespace
}  // namespace tessera::http
