#include "base/http_status.h"

#include <gtest/gtest.h>

namespace tessera {
namespace {

TEST(HttpStatusTest, StatusCodesForHttpErrors) {
  EXPECT_EQ(StatusCodeForHttpStatus(400), StatusCode::kInvalidArgument);
  EXPECT_EQ(StatusCodeForHttpStatus(404), StatusCode::kNotFound);
  EXPECT_EQ(StatusCodeForHttpStatus(429), StatusCode::kResourceExhausted);
  EXPECT_EQ(StatusCodeForHttpStatus(503), StatusCode::kUnavailable);
  EXPECT_EQ(StatusCodeForHttpStatus(504), StatusCode::kDeadlineExceeded);
  EXPECT_EQ(StatusCodeForHttpStatus(418), StatusCode::kFailedPrecondition);
  EXPECT_EQ(StatusCodeForHttpStatus(502), StatusCode::kInternal);
  EXPECT_EQ(StatusCodeForHttpStatus(302), StatusCode::kUnknown);
}

TEST(HttpStatusTest, HttpStatusesForErrors) {
  EXPECT_EQ(HttpStatusForStatusCode(StatusCode::kInvalidArgument), 400);
  EXPECT_EQ(HttpStatusForStatusCode(StatusCode::kOutOfRange), 400);
  EXPECT_EQ(HttpStatusForStatusCode(StatusCode::kUnauthenticated), 401);
  EXPECT_EQ(HttpStatusForStatusCode(StatusCode::kPermissionDenied), 403);
  EXPECT_EQ(HttpStatusForStatusCode(StatusCode::kNotFound), 404);
  EXPECT_EQ(HttpStatusForStatusCode(StatusCode::kAlreadyExists), 409);
  EXPECT_EQ(HttpStatusForStatusCode(StatusCode::kFailedPrecondition), 409);
  EXPECT_EQ(HttpStatusForStatusCode(StatusCode::kResourceExhausted), 503);
  EXPECT_EQ(HttpStatusForStatusCode(StatusCode::kUnavailable), 503);
  EXPECT_EQ(HttpStatusForStatusCode(StatusCode::kInternal), 500);
  EXPECT_EQ(HttpStatusForStatusCode(StatusCode::kDeadlineExceeded), 500);
}

// What a client reads from a server's answer is the code the server meant,
// wherever the server's mapping is one to one.
TEST(HttpStatusTest, OneToOneCodesRoundTrip) {
  for (const StatusCode code :
       {StatusCode::kInvalidArgument, StatusCode::kUnauthenticated, StatusCode::kPermissionDenied,
        StatusCode::kNotFound, StatusCode::kUnavailable}) {
    EXPECT_EQ(StatusCodeForHttpStatus(HttpStatusForStatusCode(code)), code) << StatusCodeName(code);
  }
}

}  // namespace
}  // namespace tessera
