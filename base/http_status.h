// The one mapping between HTTP status codes and StatusCode, both ways: the
// status Tessera's servers answer an error with, and what an HTTP error
// status means to a client. APIs with a dialect of their own (the Kubernetes
// API server's 410 and retryable 5xx, the agent's 409) map their exceptions
// first and fall back on these.

#ifndef TESSERA_BASE_HTTP_STATUS_H_
#define TESSERA_BASE_HTTP_STATUS_H_

#include "base/status.h"

namespace tessera {

// The HTTP status that answers a request failed with `code`:
//   InvalidArgument, OutOfRange                  400
//   Unauthenticated                              401
//   PermissionDenied                             403
//   NotFound                                     404
//   AlreadyExists, Aborted, FailedPrecondition   409 (the request conflicts
//                                                with what the server holds)
//   ResourceExhausted, Unavailable               503 (try again later)
//   anything else                                500
// Precondition: code is not kOk.
int HttpStatusForStatusCode(StatusCode code);

// The StatusCode that best describes an HTTP error status: 400 and 413
// InvalidArgument, 401 Unauthenticated, 403 PermissionDenied, 404 NotFound,
// 408 and 504 DeadlineExceeded, 409 Aborted, 412 FailedPrecondition, 429
// ResourceExhausted, 499 Cancelled, 501 Unimplemented, 503 Unavailable, other
// 4xx FailedPrecondition, other 5xx Internal, anything else Unknown.
// Precondition: status is not 2xx.
StatusCode StatusCodeForHttpStatus(int status);

}  // namespace tessera

#endif  // TESSERA_BASE_HTTP_STATUS_H_
