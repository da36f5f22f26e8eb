#include "agent/api/admin_http.h"

#include <string>
#include <utility>

#include "http/http_url.h"

namespace tessera::agent {
namespace {

// Path and query percent-decoded; the headers the routes read. The body is
// moved when `request` is an rvalue.
StatusOr<ApiRequest> ToApiRequest(http::HttpRequest request) {
  ApiRequest api;
  api.method = std::move(request.method);
  StatusOr<std::string> path = http::PercentDecode(request.path);
  if (!path.ok()) return path.status().WithContext("path");
  api.path = *std::move(path);
  TESSERA_ASSIGN_OR_RETURN(api.query, http::ParseQuery(request.query));
  api.authorization = std::string(request.Header("Authorization").value_or(""));
  api.accept_encoding = std::string(request.Header("Accept-Encoding").value_or(""));
  api.body = std::move(request.body);
  return api;
}

http::HttpResponse ToHttpResponse(ApiResponse response) {
  http::HttpResponse http{.status = response.status, .body = std::move(response.body)};
  http.headers.push_back({"Content-Type", std::move(response.content_type)});
  if (!response.content_encoding.empty()) {
    http.headers.push_back({"Content-Encoding", std::move(response.content_encoding)});
  }
  for (auto& [name, value] : response.headers) {
    http.headers.push_back({std::move(name), std::move(value)});
  }
  return http;
}

}  // namespace

std::optional<http::HttpResponse> ScreenAdminHead(const AdminRoutes& routes,
                                                  const http::HttpRequest& head) {
  StatusOr<ApiRequest> request = ToApiRequest(head);
  if (!request.ok()) return ToHttpResponse(AdminErrorResponse(400, request.status()));
  std::optional<ApiResponse> refused = routes.Screen(*request);
  if (!refused) return std::nullopt;
  return ToHttpResponse(*std::move(refused));
}

AdminAnswer AnswerAdminRequest(AdminRoutes& routes, http::HttpRequest request) {
  StatusOr<ApiRequest> api = ToApiRequest(std::move(request));
  if (!api.ok()) return {.response = ToHttpResponse(AdminErrorResponse(400, api.status()))};
  ApiResponse response = routes.Handle(*api);
  const std::optional<std::chrono::milliseconds> hold_for = response.hold_for;
  return {.response = ToHttpResponse(std::move(response)), .hold_for = hold_for};
}

}  // namespace tessera::agent
