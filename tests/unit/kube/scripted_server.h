// A scripted HTTP/1.1 server on a loopback socket, for testing what the
// Kubernetes client puts on the wire and how it takes the answers.

#ifndef TESSERA_TESTS_UNIT_KUBE_SCRIPTED_SERVER_H_
#define TESSERA_TESTS_UNIT_KUBE_SCRIPTED_SERVER_H_

#include <condition_variable>
#include <cstdint>
#include <cstdio>
#include <functional>
#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include "base/numbers.h"
#include "base/strings.h"

namespace tessera::kube::test_server {

struct SeenRequest {
  std::string method;
  std::string target;
  std::map<std::string, std::string> headers;  // names lower-cased
  std::string body;
};

struct ScriptedResponse {
  // The whole response, status line to body.
  std::string raw;
  // Keep the connection open after writing, until the server is destroyed.
  bool hold_open = false;
};

inline std::string Response(int status, const std::string& body, const std::string& reason = "X") {
  return "HTTP/1.1 " + std::to_string(status) + " " + reason +
         "\r\nContent-Type: application/json\r\nConnection: close\r\nContent-Length: " +
         std::to_string(body.size()) + "\r\n\r\n" + body;
}

// One connection at a time, one request per connection (Connection: close),
// so a request the client pools can never wait behind an idle one.
class ScriptedServer {
 public:
  using Handler = std::function<ScriptedResponse(const SeenRequest&)>;

  explicit ScriptedServer(Handler handler) : handler_(std::move(handler)) {
    listener_ = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    sockaddr_in address{};
    address.sin_family = AF_INET;
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t length = sizeof(address);
    auto* generic = reinterpret_cast<sockaddr*>(&address);
    EXPECT_EQ(::bind(listener_, generic, length), 0);
    EXPECT_EQ(::listen(listener_, 16), 0);
    EXPECT_EQ(::getsockname(listener_, generic, &length), 0);
    port_ = ntohs(address.sin_port);
    thread_ = std::thread([this] { Serve(); });
  }

  ~ScriptedServer() {
    {
      const std::lock_guard lock(mutex_);
      stopping_ = true;
    }
    changed_.notify_all();
    ::shutdown(listener_, SHUT_RDWR);
    thread_.join();
    ::close(listener_);
  }

  std::string url() const { return "http://127.0.0.1:" + std::to_string(port_); }

  std::vector<SeenRequest> requests() const {
    const std::lock_guard lock(mutex_);
    return requests_;
  }

 private:
  void Serve() {
    while (true) {
      const int connection = ::accept4(listener_, nullptr, nullptr, SOCK_CLOEXEC);
      if (connection < 0) return;
      std::optional<SeenRequest> request = ReadRequest(connection);
      if (request) {
        {
          const std::lock_guard lock(mutex_);
          requests_.push_back(*request);
        }
        const ScriptedResponse response = handler_(*request);
        WriteAll(connection, response.raw);
        if (response.hold_open) {
          std::unique_lock lock(mutex_);
          changed_.wait(lock, [this] { return stopping_; });
        }
      }
      ::close(connection);
    }
  }

  static void WriteAll(int fd, std::string_view data) {
    while (!data.empty()) {
      const ssize_t n = ::send(fd, data.data(), data.size(), MSG_NOSIGNAL);
      if (n <= 0) return;
      data.remove_prefix(static_cast<size_t>(n));
    }
  }

  static std::optional<SeenRequest> ReadRequest(int fd) {
    std::string data;
    char buffer[4096];
    size_t header_end = std::string::npos;
    while ((header_end = data.find("\r\n\r\n")) == std::string::npos) {
      const ssize_t n = ::recv(fd, buffer, sizeof(buffer), 0);
      if (n <= 0) return std::nullopt;
      data.append(buffer, static_cast<size_t>(n));
    }
    SeenRequest request;
    const std::string head = data.substr(0, header_end);
    size_t line_end = head.find("\r\n");
    const std::string request_line = head.substr(0, line_end);
    const size_t space = request_line.find(' ');
    request.method = request_line.substr(0, space);
    request.target = request_line.substr(space + 1, request_line.rfind(' ') - space - 1);
    while (line_end != std::string::npos) {
      const size_t start = line_end + 2;
      line_end = head.find("\r\n", start);
      const std::string line = head.substr(start, line_end - start);
      const size_t colon = line.find(':');
      if (colon == std::string::npos) continue;
      request.headers[AsciiLower(line.substr(0, colon))] =
          line.substr(line.find_first_not_of(' ', colon + 1));
    }
    size_t length = 0;
    if (const auto it = request.headers.find("content-length"); it != request.headers.end()) {
      length = ParseInteger<size_t>(it->second).value_or(0);
    }
    request.body = data.substr(header_end + 4);
    while (request.body.size() < length) {
      const ssize_t n = ::recv(fd, buffer, sizeof(buffer), 0);
      if (n <= 0) break;
      request.body.append(buffer, static_cast<size_t>(n));
    }
    return request;
  }

  Handler handler_;
  int listener_ = -1;
  uint16_t port_ = 0;
  mutable std::mutex mutex_;
  std::condition_variable changed_;
  bool stopping_ = false;
  std::vector<SeenRequest> requests_;
  std::thread thread_;
};

// A chunked 200 response carrying `chunks` (an empty chunk ends the body).
inline std::string Chunked(const std::vector<std::string>& chunks) {
  std::string body =
      "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n";
  for (const std::string& chunk : chunks) {
    char size[32];
    std::snprintf(size, sizeof(size), "%zx\r\n", chunk.size());
    body += size + chunk + "\r\n";
  }
  return body;
}

}  // namespace tessera::kube::test_server

#endif  // TESSERA_TESTS_UNIT_KUBE_SCRIPTED_SERVER_H_
