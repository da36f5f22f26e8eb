#include "http/client_connection.h"

#include <cerrno>

#include <sys/socket.h>

namespace tessera::http {

bool ClientConnection::LooksReusable() {
  if (!socket.is_open() || buffer.size() != 0) return false;
  char byte = 0;
  const ssize_t received = ::recv(socket.native_handle(), &byte, 1, MSG_PEEK | MSG_DONTWAIT);
  // 0 is end of file: the server closed. Bytes would be a response nobody
  // asked for. Only "nothing to read yet" means idle and alive.
  return received < 0 && (errno == EAGAIN || errno == EWOULDBLOCK);
}

}  // namespace tessera::http
