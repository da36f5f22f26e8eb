// What an API server's error answer means, as a Status. The server explains
// failures with a metav1.Status body ({"kind": "Status", "code": 409,
// "reason": "AlreadyExists", "message": ..., "details": {"causes": [...]}});
// the mapping keeps its message, which already names the object and field.
//
//   HTTP                      StatusCode          what the caller should do
//   400 BadRequest, 422       InvalidArgument     fix the request (field causes kept)
//   401 Unauthorized          Unauthenticated     fix the credentials
//   403 Forbidden             PermissionDenied    fix RBAC
//   404 NotFound              NotFound            the object (or type) does not exist
//   409 reason AlreadyExists  AlreadyExists       creating a name that is taken
//   409 otherwise (Conflict)  Aborted             stale resourceVersion: re-read, retry
//                                                 (RetryOnConflict)
//   410 Gone / Expired        OutOfRange          resource version too old: relist
//   429, 5xx                  Unavailable         retry with backoff
//   anything else             Unknown

#ifndef TESSERA_KUBE_API_ERROR_H_
#define TESSERA_KUBE_API_ERROR_H_

#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

#include "base/status.h"

namespace tessera::kube {

// The StatusCode for an HTTP status and a metav1.Status reason, per the table
// above. kOk for 2xx.
StatusCode StatusCodeForHttp(int http_status, std::string_view reason);

// The Status for an error answer: `body` is the response body, a metav1.Status
// when the API server wrote it, otherwise any text (a proxy's error page),
// which is quoted, shortened, instead. `request` ("GET /api/v1/...") prefixes
// the message. Precondition: http_status is not 2xx.
Status StatusFromApiResponse(int http_status, std::string_view body, std::string_view request);

// The same for a metav1.Status object already parsed, as an ERROR watch event
// carries one (its "code" gives the HTTP status: 410 is OutOfRange, the
// resourceVersion being too old). A non-Status object is Unknown.
Status StatusFromStatusObject(const nlohmann::json& status, std::string_view request);

}  // namespace tessera::kube

#endif  // TESSERA_KUBE_API_ERROR_H_
