#include "http/server_stream.h"

#include <utility>

#include <boost/asio/post.hpp>
#include <boost/asio/ssl/context.hpp>
#include <boost/asio/ssl/stream.hpp>
#include <boost/asio/write.hpp>

namespace tessera::http {
namespace {

namespace net = boost::asio;
using tcp = net::ip::tcp;

class PlainServerStream final : public ServerStream {
 public:
  explicit PlainServerStream(tcp::socket socket) : socket_(std::move(socket)) {}

  void AsyncHandshake(DoneHandler handler) override {
    net::post(socket_.get_executor(),
              [handler = std::move(handler)] { handler(boost::system::error_code()); });
  }
  void AsyncReadSome(net::mutable_buffer buffer, IoHandler handler) override {
    socket_.async_read_some(buffer, std::move(handler));
  }
  void AsyncWrite(net::const_buffer buffer, IoHandler handler) override {
    net::async_write(socket_, buffer, std::move(handler));
  }
  void ShutdownSend() override {
    boost::system::error_code ignored;
    (void)socket_.shutdown(tcp::socket::shutdown_send, ignored);
  }
  void Close() override {
    boost::system::error_code ignored;
    (void)socket_.close(ignored);
  }

 private:
  tcp::socket socket_;
};

class TlsServerStream final : public ServerStream {
 public:
  TlsServerStream(tcp::socket socket, net::ssl::context& context)
      : stream_(std::move(socket), context) {}

  void AsyncHandshake(DoneHandler handler) override {
    stream_.async_handshake(net::ssl::stream_base::server, std::move(handler));
  }
  void AsyncReadSome(net::mutable_buffer buffer, IoHandler handler) override {
    stream_.async_read_some(buffer, std::move(handler));
  }
  void AsyncWrite(net::const_buffer buffer, IoHandler handler) override {
    net::async_write(stream_, buffer, std::move(handler));
  }
  void ShutdownSend() override {
    boost::system::error_code ignored;
    (void)stream_.next_layer().shutdown(tcp::socket::shutdown_send, ignored);
  }
  void Close() override {
    boost::system::error_code ignored;
    (void)stream_.next_layer().close(ignored);
  }

 private:
  net::ssl::stream<tcp::socket> stream_;
};

}  // namespace

std::unique_ptr<ServerStream> MakePlainServerStream(tcp::socket socket) {
  return std::make_unique<PlainServerStream>(std::move(socket));
}

std::unique_ptr<ServerStream> MakeTlsServerStream(tcp::socket socket, net::ssl::context& context) {
  return std::make_unique<TlsServerStream>(std::move(socket), context);
}

}  // namespace tessera::http
