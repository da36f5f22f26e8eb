#include "base/status.h"

#include <memory>
#include <sstream>
#include <string>
#include <utility>

#include <gtest/gtest.h>

namespace tessera {
namespace {

TEST(StatusTest, DefaultIsOk) {
  const Status status;
  EXPECT_TRUE(status.ok());
  EXPECT_EQ(status.code(), StatusCode::kOk);
  EXPECT_EQ(status.message(), "");
  EXPECT_EQ(status, OkStatus());
}

TEST(StatusTest, OkDropsAnyMessage) {
  const Status status(StatusCode::kOk, "ignored");
  EXPECT_TRUE(status.ok());
  EXPECT_EQ(status.message(), "");
}

TEST(StatusTest, ErrorConstructorsSetTheirCode) {
  EXPECT_EQ(InvalidArgumentError("m").code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(NotFoundError("m").code(), StatusCode::kNotFound);
  EXPECT_EQ(AlreadyExistsError("m").code(), StatusCode::kAlreadyExists);
  EXPECT_EQ(FailedPreconditionError("m").code(), StatusCode::kFailedPrecondition);
  EXPECT_EQ(OutOfRangeError("m").code(), StatusCode::kOutOfRange);
  EXPECT_EQ(UnavailableError("m").code(), StatusCode::kUnavailable);
  EXPECT_EQ(InternalError("m").code(), StatusCode::kInternal);
  EXPECT_EQ(UnimplementedError("m").code(), StatusCode::kUnimplemented);
  EXPECT_EQ(AbortedError("m").code(), StatusCode::kAborted);
  EXPECT_EQ(PermissionDeniedError("m").code(), StatusCode::kPermissionDenied);
  EXPECT_EQ(UnauthenticatedError("m").code(), StatusCode::kUnauthenticated);
  EXPECT_EQ(ResourceExhaustedError("m").code(), StatusCode::kResourceExhausted);
  EXPECT_EQ(DeadlineExceededError("m").code(), StatusCode::kDeadlineExceeded);
  EXPECT_FALSE(InvalidArgumentError("m").ok());
  EXPECT_EQ(InvalidArgumentError("bad value").message(), "bad value");
}

TEST(StatusTest, CodeNames) {
  EXPECT_EQ(StatusCodeName(StatusCode::kOk), "OK");
  EXPECT_EQ(StatusCodeName(StatusCode::kCancelled), "CANCELLED");
  EXPECT_EQ(StatusCodeName(StatusCode::kUnknown), "UNKNOWN");
  EXPECT_EQ(StatusCodeName(StatusCode::kInvalidArgument), "INVALID_ARGUMENT");
  EXPECT_EQ(StatusCodeName(StatusCode::kDeadlineExceeded), "DEADLINE_EXCEEDED");
  EXPECT_EQ(StatusCodeName(StatusCode::kNotFound), "NOT_FOUND");
  EXPECT_EQ(StatusCodeName(StatusCode::kAlreadyExists), "ALREADY_EXISTS");
  EXPECT_EQ(StatusCodeName(StatusCode::kPermissionDenied), "PERMISSION_DENIED");
  EXPECT_EQ(StatusCodeName(StatusCode::kResourceExhausted), "RESOURCE_EXHAUSTED");
  EXPECT_EQ(StatusCodeName(StatusCode::kFailedPrecondition), "FAILED_PRECONDITION");
  EXPECT_EQ(StatusCodeName(StatusCode::kAborted), "ABORTED");
  EXPECT_EQ(StatusCodeName(StatusCode::kOutOfRange), "OUT_OF_RANGE");
  EXPECT_EQ(StatusCodeName(StatusCode::kUnimplemented), "UNIMPLEMENTED");
  EXPECT_EQ(StatusCodeName(StatusCode::kInternal), "INTERNAL");
  EXPECT_EQ(StatusCodeName(StatusCode::kUnavailable), "UNAVAILABLE");
  EXPECT_EQ(StatusCodeName(StatusCode::kDataLoss), "DATA_LOSS");
  EXPECT_EQ(StatusCodeName(StatusCode::kUnauthenticated), "UNAUTHENTICATED");
}

TEST(StatusTest, ToStringAndStreaming) {
  EXPECT_EQ(OkStatus().ToString(), "OK");
  EXPECT_EQ(NotFoundError("model \"x\" not found").ToString(), "NOT_FOUND: model \"x\" not found");
  std::ostringstream out;
  out << InvalidArgumentError("replicas: must be >= 0, got -1");
  EXPECT_EQ(out.str(), "INVALID_ARGUMENT: replicas: must be >= 0, got -1");
}

TEST(StatusTest, WithContextPrefixesMessageAndKeepsCode) {
  const Status status = InvalidArgumentError("unknown kind \"foo\"").WithContext("spec.engine");
  EXPECT_EQ(status.code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(status.message(), "spec.engine: unknown kind \"foo\"");
}

TEST(StatusTest, WithContextNests) {
  const Status status = NotFoundError("missing").WithContext("inner").WithContext("outer");
  EXPECT_EQ(status.message(), "outer: inner: missing");
  EXPECT_EQ(status.code(), StatusCode::kNotFound);
}

TEST(StatusTest, WithContextOnOkStaysOk) {
  const Status status = OkStatus().WithContext("spec");
  EXPECT_TRUE(status.ok());
  EXPECT_EQ(status.message(), "");
}

TEST(StatusTest, Equality) {
  EXPECT_EQ(InvalidArgumentError("a"), InvalidArgumentError("a"));
  EXPECT_NE(InvalidArgumentError("a"), InvalidArgumentError("b"));
  EXPECT_NE(InvalidArgumentError("a"), NotFoundError("a"));
}

TEST(StatusOrTest, HoldsValue) {
  StatusOr<int> result = 42;
  ASSERT_TRUE(result.ok());
  EXPECT_TRUE(result.status().ok());
  EXPECT_EQ(result.value(), 42);
  EXPECT_EQ(*result, 42);
  *result = 7;
  EXPECT_EQ(result.value(), 7);
}

TEST(StatusOrTest, HoldsError) {
  const StatusOr<int> result = NotFoundError("no such worker \"w-9\"");
  ASSERT_FALSE(result.ok());
  EXPECT_EQ(result.status().code(), StatusCode::kNotFound);
  EXPECT_EQ(result.status().message(), "no such worker \"w-9\"");
}

TEST(StatusOrTest, ArrowAndMoveOut) {
  StatusOr<std::string> result = std::string("hello");
  EXPECT_EQ(result->size(), 5u);
  const std::string moved = std::move(result).value();
  EXPECT_EQ(moved, "hello");
}

TEST(StatusOrTest, MoveOnlyValue) {
  StatusOr<std::unique_ptr<int>> result = std::make_unique<int>(3);
  ASSERT_TRUE(result.ok());
  std::unique_ptr<int> owned = *std::move(result);
  EXPECT_EQ(*owned, 3);
}

Status FailIf(bool fail) { return fail ? InvalidArgumentError("failed") : OkStatus(); }

StatusOr<int> Half(int value) {
  if (value % 2 != 0) return InvalidArgumentError(std::to_string(value) + " is odd");
  return value / 2;
}

Status RunSteps(bool fail_first, int* steps) {
  TESSERA_RETURN_IF_ERROR(FailIf(fail_first));
  ++*steps;
  TESSERA_RETURN_IF_ERROR(FailIf(false));
  ++*steps;
  return OkStatus();
}

TEST(StatusMacrosTest, ReturnIfErrorStopsAtFirstError) {
  int steps = 0;
  EXPECT_EQ(RunSteps(true, &steps), InvalidArgumentError("failed"));
  EXPECT_EQ(steps, 0);
  EXPECT_TRUE(RunSteps(false, &steps).ok());
  EXPECT_EQ(steps, 2);
}

StatusOr<int> Quarter(int value) {
  TESSERA_ASSIGN_OR_RETURN(const int half, Half(value));
  // A second use in the same scope must not collide with the first.
  TESSERA_ASSIGN_OR_RETURN(const int quarter, Half(half));
  return quarter;
}

TEST(StatusMacrosTest, AssignOrReturnAssignsOrPropagates) {
  ASSERT_TRUE(Quarter(12).ok());
  EXPECT_EQ(*Quarter(12), 3);
  EXPECT_EQ(Quarter(7).status(), InvalidArgumentError("7 is odd"));
  EXPECT_EQ(Quarter(6).status(), InvalidArgumentError("3 is odd"));
}

StatusOr<std::unique_ptr<int>> MakeBox(int value) { return std::make_unique<int>(value); }

Status AssignExisting(int* out) {
  std::unique_ptr<int> box;
  TESSERA_ASSIGN_OR_RETURN(box, MakeBox(5));
  *out = *box;
  return OkStatus();
}

TEST(StatusMacrosTest, AssignOrReturnMovesIntoExistingVariable) {
  int out = 0;
  ASSERT_TRUE(AssignExisting(&out).ok());
  EXPECT_EQ(out, 5);
}

}  // namespace
}  // namespace tessera
