#include "kube/api_error.h"

#include <ostream>
#include <string>

#include <gmock/gmock.h>
#include <gtest/gtest.h>

namespace tessera::kube {
namespace {

using ::testing::HasSubstr;

std::string StatusBody(int code, const std::string& reason, const std::string& message,
                       const std::string& details = "{}") {
  return R"({"kind":"Status","apiVersion":"v1","metadata":{},"status":"Failure","message":")" +
         message + R"(","reason":")" + reason + R"(","details":)" + details + R"(,"code":)" +
         std::to_string(code) + "}";
}

struct Mapping {
  int http;
  std::string reason;
  StatusCode code;
};

// What gtest prints for the parameter (beside the test's name), instead of
// the struct's bytes.
void PrintTo(const Mapping& mapping, std::ostream* out) {
  *out << mapping.http << ' ' << mapping.reason;
}

class ApiErrorMappingTest : public ::testing::TestWithParam<Mapping> {};

TEST_P(ApiErrorMappingTest, KeepsTheServersMessage) {
  const Mapping& mapping = GetParam();
  const Status status = StatusFromApiResponse(
      mapping.http, StatusBody(mapping.http, mapping.reason, "the server says why"),
      "GET /api/v1/namespaces/x");
  EXPECT_EQ(status.code(), mapping.code) << status;
  EXPECT_EQ(status.message(), "GET /api/v1/namespaces/x: the server says why (HTTP " +
                                  std::to_string(mapping.http) + " " + mapping.reason + ")");
}

INSTANTIATE_TEST_SUITE_P(
    Codes, ApiErrorMappingTest,
    ::testing::Values(Mapping{400, "BadRequest", StatusCode::kInvalidArgument},
                      Mapping{401, "Unauthorized", StatusCode::kUnauthenticated},
                      Mapping{403, "Forbidden", StatusCode::kPermissionDenied},
                      Mapping{404, "NotFound", StatusCode::kNotFound},
                      Mapping{405, "MethodNotAllowed", StatusCode::kUnimplemented},
                      Mapping{409, "AlreadyExists", StatusCode::kAlreadyExists},
                      Mapping{409, "Conflict", StatusCode::kAborted},
                      Mapping{410, "Expired", StatusCode::kOutOfRange},
                      Mapping{410, "Gone", StatusCode::kOutOfRange},
                      Mapping{413, "RequestEntityTooLarge", StatusCode::kInvalidArgument},
                      Mapping{415, "UnsupportedMediaType", StatusCode::kInvalidArgument},
                      Mapping{422, "Invalid", StatusCode::kInvalidArgument},
                      Mapping{429, "TooManyRequests", StatusCode::kUnavailable},
                      Mapping{500, "InternalError", StatusCode::kUnavailable},
                      Mapping{503, "ServiceUnavailable", StatusCode::kUnavailable},
                      Mapping{504, "Timeout", StatusCode::kUnavailable},
                      Mapping{418, "Teapot", StatusCode::kUnknown}),
    [](const ::testing::TestParamInfo<Mapping>& param_info) {
      return "Http" + std::to_string(param_info.param.http) + param_info.param.reason;
    });

TEST(ApiErrorTest, InvalidKeepsCausesTheMessageLacks) {
  const std::string details = R"({"name":"w","group":"test.tessera.io","kind":"Widget","causes":[
      {"reason":"FieldValueInvalid","message":"Invalid value: -1: must be >= 0","field":"spec.replicas"},
      {"reason":"FieldValueInvalid","message":"replicas must not exceed maxReplicas","field":"spec"}]})";
  const Status status = StatusFromApiResponse(
      422,
      StatusBody(
          422, "Invalid",
          R"(Widget.test.tessera.io \"w\" is invalid: spec.replicas: Invalid value: -1: must be >= 0)",
          details),
      "POST /apis/test.tessera.io/v1/namespaces/default/widgets");
  EXPECT_EQ(status.code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(status.message(),
            "POST /apis/test.tessera.io/v1/namespaces/default/widgets: Widget.test.tessera.io "
            "\"w\" is invalid: spec.replicas: Invalid value: -1: must be >= 0; spec: replicas must "
            "not exceed maxReplicas (HTTP 422 Invalid)");
}

TEST(ApiErrorTest, ABodyThatIsNotAStatusIsQuoted) {
  const Status status = StatusFromApiResponse(502, "<html>Bad Gateway</html>\n", "GET /x");
  EXPECT_EQ(status.code(), StatusCode::kUnavailable);
  EXPECT_EQ(status.message(), "GET /x: \"<html>Bad Gateway</html>\\x0a\" (HTTP 502)");
  const Status empty = StatusFromApiResponse(401, "", "GET /x");
  EXPECT_EQ(empty.code(), StatusCode::kUnauthenticated);
  EXPECT_EQ(empty.message(), "GET /x: the server gave no reason (HTTP 401)");
  const Status huge = StatusFromApiResponse(500, std::string(10000, 'x'), "GET /x");
  EXPECT_LT(huge.message().size(), 400U);
  EXPECT_THAT(huge.message(), HasSubstr("...\""));
}

TEST(ApiErrorTest, WatchErrorEventStatus) {
  const nlohmann::json gone =
      nlohmann::json::parse(StatusBody(410, "Expired", "too old resource version: 5 (120)"));
  const Status status = StatusFromStatusObject(gone, "watch /api/v1/pods");
  EXPECT_EQ(status.code(), StatusCode::kOutOfRange);
  EXPECT_EQ(status.message(),
            "watch /api/v1/pods: too old resource version: 5 (120) (HTTP 410 Expired)");
  EXPECT_EQ(StatusFromStatusObject(nlohmann::json{{"kind", "Pod"}}, "watch").code(),
            StatusCode::kUnknown);
  EXPECT_EQ(StatusFromStatusObject(nlohmann::json{{"kind", "Status"}}, "watch").code(),
            StatusCode::kUnavailable);  // no code: treated as a server error
}

TEST(ApiErrorTest, SuccessIsOk) {
  EXPECT_EQ(StatusCodeForHttp(200, ""), StatusCode::kOk);
  EXPECT_EQ(StatusCodeForHttp(201, ""), StatusCode::kOk);
}

}  // namespace
}  // namespace tessera::kube
