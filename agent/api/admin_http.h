// The admin API in the HTTP stack's terms: the two steps the admin server
// takes for every request, free of any socket so that the fuzz target drives
// exactly what the server runs.

#ifndef TESSERA_AGENT_API_ADMIN_HTTP_H_
#define TESSERA_AGENT_API_ADMIN_HTTP_H_

#include <chrono>
#include <optional>

#include "agent/api/admin_routes.h"
#include "http/http_message.h"

namespace tessera::agent {

// Once the request line and headers are in, before any of the body: the
// answer for a request that may go no further (a route that needs the token,
// without it: 401; a path or query that does not decode: 400), or nullopt.
std::optional<http::HttpResponse> ScreenAdminHead(const AdminRoutes& routes,
                                                  const http::HttpRequest& head);

struct AdminAnswer {
  http::HttpResponse response;
  // See ApiResponse::hold_for.
  std::optional<std::chrono::milliseconds> hold_for{};
};

// The answer to a whole request.
AdminAnswer AnswerAdminRequest(AdminRoutes& routes, http::HttpRequest request);

}  // namespace tessera::agent

#endif  // TESSERA_AGENT_API_ADMIN_HTTP_H_
