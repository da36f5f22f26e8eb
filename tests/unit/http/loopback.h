// Test helpers for http/: an io_context running on its own thread, a
// way to run code on it and wait for the result, and a raw blocking socket
// for sending bytes no well-behaved client would send. Every wait is bounded
// and waits for an event, never for time to pass.

#ifndef TESSERA_TESTS_UNIT_HTTP_LOOPBACK_H_
#define TESSERA_TESTS_UNIT_HTTP_LOOPBACK_H_

#include <cerrno>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <future>
#include <string>
#include <string_view>
#include <thread>
#include <utility>

#include <arpa/inet.h>
#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include "base/clock.h"
#include "http/http_client.h"
#include "http/http_server.h"

namespace tessera::http::testing {

// Long enough for a loaded CI machine; only reached when a test is broken.
inline constexpr std::chrono::seconds kEventTimeout{10};

// Waits for `future`; a test that would wait longer is broken, and hanging
// the suite helps nobody, so it aborts with a message.
template <typename T>
T Await(std::future<T>& future, const char* what = "event") {
  if (future.wait_for(kEventTimeout) != std::future_status::ready) {
    std::fprintf(stderr, "timed out waiting for %s\n", what);
    std::abort();
  }
  return future.get();
}

// An io_context run by a background thread for the lifetime of the object.
class IoThread {
 public:
  IoThread() : work_(boost::asio::make_work_guard(io_context_)) {
    thread_ = std::thread([this] { io_context_.run(); });
  }
  IoThread(const IoThread&) = delete;
  IoThread& operator=(const IoThread&) = delete;
  ~IoThread() { Stop(); }

  boost::asio::io_context& io_context() { return io_context_; }

  // Runs `function` on the io_context thread and returns its result.
  template <typename Function>
  auto Run(Function function) -> decltype(function()) {
    using Result = decltype(function());
    std::packaged_task<Result()> task(std::move(function));
    std::future<Result> result = task.get_future();
    boost::asio::post(io_context_, [&task] { task(); });
    return Await(result, "io_context task");
  }

  void Stop() {
    if (!thread_.joinable()) return;
    work_.reset();
    io_context_.stop();
    thread_.join();
  }

 private:
  boost::asio::io_context io_context_;
  boost::asio::executor_work_guard<boost::asio::io_context::executor_type> work_;
  std::thread thread_;
};

// A blocking IPv4 loopback connection with a receive timeout.
class RawConnection {
 public:
  explicit RawConnection(uint16_t port, int receive_buffer_bytes = 0) {
    fd_ = ::socket(AF_INET, SOCK_STREAM, 0);
    timeval timeout{};
    timeout.tv_sec = kEventTimeout.count();
    ::setsockopt(fd_, SOL_SOCKET, SO_RCVTIMEO, &timeout, sizeof(timeout));
    if (receive_buffer_bytes > 0) {
      ::setsockopt(fd_, SOL_SOCKET, SO_RCVBUF, &receive_buffer_bytes, sizeof(receive_buffer_bytes));
    }
    sockaddr_in address{};
    address.sin_family = AF_INET;
    address.sin_port = htons(port);
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    connected_ = ::connect(fd_, reinterpret_cast<const sockaddr*>(&address), sizeof(address)) == 0;
  }
  RawConnection(const RawConnection&) = delete;
  RawConnection& operator=(const RawConnection&) = delete;
  ~RawConnection() { Close(); }

  bool connected() const { return connected_; }

  bool Send(std::string_view bytes) {
    while (!bytes.empty()) {
      const ssize_t sent = ::send(fd_, bytes.data(), bytes.size(), MSG_NOSIGNAL);
      if (sent <= 0) return false;
      bytes.remove_prefix(static_cast<size_t>(sent));
    }
    return true;
  }

  // Reads until the peer closes the connection (or the receive timeout).
  std::string ReadUntilClose() {
    std::string received;
    char buffer[4096];
    while (true) {
      const ssize_t count = ::recv(fd_, buffer, sizeof(buffer), 0);
      if (count <= 0) break;
      received.append(buffer, static_cast<size_t>(count));
    }
    return received;
  }

  // Reads until `received` contains `marker` (or close, or timeout).
  std::string ReadUntil(std::string_view marker) {
    std::string received;
    char buffer[4096];
    while (received.find(marker) == std::string::npos) {
      const ssize_t count = ::recv(fd_, buffer, sizeof(buffer), 0);
      if (count <= 0) break;
      received.append(buffer, static_cast<size_t>(count));
    }
    return received;
  }

  // Waits for the peer to close the connection, discarding what arrives.
  // False when the receive timeout passed first.
  bool WaitForClose() {
    char buffer[4096];
    while (true) {
      const ssize_t count = ::recv(fd_, buffer, sizeof(buffer), 0);
      if (count == 0) return true;
      if (count < 0) return errno == ECONNRESET;
    }
  }

  void Close() {
    if (fd_ >= 0) ::close(fd_);
    fd_ = -1;
  }

 private:
  int fd_ = -1;
  bool connected_ = false;
};

// Polls `predicate` on the io_context thread until it holds, for state that
// has no event of its own (a count of open connections). Each poll is a
// round trip through the io_context, not a sleep.
template <typename Predicate>
bool WaitUntil(IoThread& io, Predicate predicate) {
  const auto deadline = std::chrono::steady_clock::now() + kEventTimeout;
  while (std::chrono::steady_clock::now() < deadline) {
    if (io.Run(predicate)) return true;
    std::this_thread::yield();
  }
  return false;
}

// A server and a client on one io_context thread over loopback.
class LoopbackTest : public ::testing::Test {
 protected:
  static HttpServerOptions ServerOptions() {
    HttpServerOptions options;
    options.timer_resolution = std::chrono::milliseconds(5);
    return options;
  }

  void TearDown() override {
    io_.Run([this] {
      client_.reset();
      server_.reset();
      return 0;
    });
    io_.Stop();
  }

  void StartServer(HttpHandler handler, HttpServerOptions options = ServerOptions()) {
    StatusOr<std::unique_ptr<HttpServer>> server =
        HttpServer::Start(io_.io_context(), std::move(options), std::move(handler));
    ASSERT_TRUE(server.ok()) << server.status();
    server_ = std::move(server).value();
    port_ = server_->port();
  }

  std::string Url(std::string_view path) const {
    return "http://127.0.0.1:" + std::to_string(port_) + std::string(path);
  }

  HttpClient& client() {
    if (client_ == nullptr) {
      client_ = io_.Run(
          [this] { return std::make_unique<HttpClient>(io_.io_context(), client_options_); });
    }
    return *client_;
  }

  StatusOr<HttpClientResponse> Fetch(HttpClientRequest request) {
    std::promise<StatusOr<HttpClientResponse>> done;
    std::future<StatusOr<HttpClientResponse>> result = done.get_future();
    client().Fetch(std::move(request), [&done](StatusOr<HttpClientResponse> response) {
      done.set_value(std::move(response));
    });
    return Await(result, "fetch");
  }

  size_t ServerConnections() {
    return io_.Run([this] { return server_->connection_count(); });
  }

  // Outlives the io_context thread: the server's deadline sweep may read it
  // until the server is gone, which is after the test body returns.
  FakeClock clock_;
  // Declared first (after the clock) so that it is destroyed last.
  IoThread io_;
  HttpClientOptions client_options_;
  std::unique_ptr<HttpServer> server_;
  std::unique_ptr<HttpClient> client_;
  uint16_t port_ = 0;
};

}  // namespace tessera::http::testing

#endif  // TESSERA_TESTS_UNIT_HTTP_LOOPBACK_H_
