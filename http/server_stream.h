// The byte stream under one server connection: plain TCP, or TLS over TCP.
// Internal to http/. ServerConnection speaks HTTP over this interface
// so that one connection state machine serves both; the cost is one
// type-erased handler per read or write, small beside the system call.
//
// Everything runs on the io_context thread. One read and one write may be
// outstanding at the same time (Asio's TLS stream allows that too).

#ifndef TESSERA_HTTP_SERVER_STREAM_H_
#define TESSERA_HTTP_SERVER_STREAM_H_

#include <cstddef>
#include <functional>
#include <memory>

#include <boost/asio/buffer.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/system/error_code.hpp>

namespace boost::asio::ssl {
class context;  // NOLINT(readability-identifier-naming): Asio's name.
}  // namespace boost::asio::ssl

namespace tessera::http {

class ServerStream {
 public:
  using IoHandler = std::function<void(const boost::system::error_code& error, size_t bytes)>;
  using DoneHandler = std::function<void(const boost::system::error_code& error)>;

  virtual ~ServerStream() = default;

  // The TLS server handshake; a plain stream completes at once (posted).
  virtual void AsyncHandshake(DoneHandler handler) = 0;
  virtual void AsyncReadSome(boost::asio::mutable_buffer buffer, IoHandler handler) = 0;
  // Writes all of `buffer`.
  virtual void AsyncWrite(boost::asio::const_buffer buffer, IoHandler handler) = 0;
  // No more bytes from this side: TCP's half-close. A TLS stream does not
  // send close_notify first; every response here is framed, so the client
  // cannot mistake a truncation for a complete answer.
  virtual void ShutdownSend() = 0;
  // Closes the socket; outstanding operations complete with
  // operation_aborted.
  virtual void Close() = 0;
};

// `socket` as is.
std::unique_ptr<ServerStream> MakePlainServerStream(boost::asio::ip::tcp::socket socket);

// TLS over `socket`, server side. `context` holds the certificate and key
// and must outlive the stream.
std::unique_ptr<ServerStream> MakeTlsServerStream(boost::asio::ip::tcp::socket socket,
                                                  boost::asio::ssl::context& context);

}  // namespace tessera::http

#endif  // TESSERA_HTTP_SERVER_STREAM_H_
