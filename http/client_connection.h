// A client's TCP connection to one server, with its read buffer: what a call
// borrows and what the keep-alive pool keeps. Internal to http/.

#ifndef TESSERA_HTTP_CLIENT_CONNECTION_H_
#define TESSERA_HTTP_CLIENT_CONNECTION_H_

#include <chrono>
#include <string>

#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core/flat_buffer.hpp>

namespace tessera::http {

struct ClientConnection {
  ClientConnection(boost::asio::io_context& io_context, std::string connection_authority)
      : socket(io_context), authority(std::move(connection_authority)) {}

  // Whether an idle connection can carry another request: open, not closed
  // by the server, and with no stray bytes waiting. One non-blocking peek;
  // the server may still close it a moment later, which callers handle.
  bool LooksReusable();

  boost::asio::ip::tcp::socket socket;
  boost::beast::flat_buffer buffer;
  std::string authority;  // "host:port", the pool's key
  std::chrono::steady_clock::time_point idle_since;
};

}  // namespace tessera::http

#endif  // TESSERA_HTTP_CLIENT_CONNECTION_H_
