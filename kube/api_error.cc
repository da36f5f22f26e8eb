#include "kube/api_error.h"

#include "base/http_status.h"
#include "base/json_fields.h"
#include "base/strings.h"
#include "base/yaml_json.h"

namespace tessera::kube {
namespace {

// Enough of a proxy's error page to recognise it, not enough to flood a log.
constexpr size_t kMaxQuotedBody = 300;

std::string StringField(const nlohmann::json& object, const char* field) {
  if (!object.is_object()) return "";
  const auto it = object.find(field);
  return it != object.end() && it->is_string() ? it->get<std::string>() : "";
}

// The message plus whichever field causes it does not already spell out. The
// server's message for a 422 usually lists them, but not for every kind of
// validation (admission webhooks, CEL rules with messageExpression).
std::string MessageWithCauses(const nlohmann::json& status) {
  std::string message = StringField(status, "message");
  const auto details = status.find("details");
  if (details == status.end() || !details->is_object()) return message;
  const auto causes = details->find("causes");
  if (causes == details->end() || !causes->is_array()) return message;
  for (const nlohmann::json& cause : *causes) {
    const std::string cause_message = StringField(cause, "message");
    if (cause_message.empty() || message.find(cause_message) != std::string::npos) continue;
    const std::string field = StringField(cause, "field");
    message += message.empty() ? "" : "; ";
    if (!field.empty()) {
      message += field;
      message += ": ";
    }
    message += cause_message;
  }
  return message;
}

Status Make(int http_status, std::string_view reason, const std::string& message,
            std::string_view request) {
  std::string text(request);
  text += ": ";
  text += message.empty() ? "the server gave no reason" : message;
  text += " (HTTP " + std::to_string(http_status);
  if (!reason.empty()) {
    text += ' ';
    text += reason;
  }
  text += ')';
  return Status(StatusCodeForHttp(http_status, reason), std::move(text));
}

}  // namespace

StatusCode StatusCodeForHttp(int http_status, std::string_view reason) {
  if (http_status >= 200 && http_status < 300) return StatusCode::kOk;
  // Every server error is worth a retry, as client-go treats them.
  if (http_status >= 500 && http_status < 600) return StatusCode::kUnavailable;
  switch (http_status) {
    // The API server's statuses that mean what they mean anywhere.
    case 400:
    case 401:
    case 403:
    case 404:
    case 413:
      return StatusCodeForHttpStatus(http_status);
    // Its kinds of bad request, and what its conflicts and expiries ask of
    // the caller (see the table in the header).
    case 406:
    case 415:
    case 422:
      return StatusCode::kInvalidArgument;
    case 405:
      return StatusCode::kUnimplemented;
    case 409:
      return reason == "AlreadyExists" ? StatusCode::kAlreadyExists : StatusCode::kAborted;
    case 410:
      return StatusCode::kOutOfRange;
    case 429:
      return StatusCode::kUnavailable;
    default:
      // A status the API server does not send is not guessed at: a proxy's
      // 499 read as Cancelled would look like the caller's own stop, a 408
      // read as DeadlineExceeded would be retried.
      return StatusCode::kUnknown;
  }
}

Status StatusFromStatusObject(const nlohmann::json& status, std::string_view request) {
  if (!status.is_object() || StringField(status, "kind") != "Status") {
    return Status(StatusCode::kUnknown,
                  std::string(request) + ": expected a Status object, got " + DescribeJson(status));
  }
  int code = 500;
  if (const auto it = status.find("code"); it != status.end() && it->is_number_integer()) {
    code = it->get<int>();
  }
  return Make(code, StringField(status, "reason"), MessageWithCauses(status), request);
}

Status StatusFromApiResponse(int http_status, std::string_view body, std::string_view request) {
  auto parsed = ParseJson(body);
  if (parsed.ok() && parsed->is_object() && StringField(*parsed, "kind") == "Status") {
    return Make(http_status, StringField(*parsed, "reason"), MessageWithCauses(*parsed), request);
  }
  std::string text(body.substr(0, kMaxQuotedBody));
  if (body.size() > kMaxQuotedBody) text += "...";
  return Make(http_status, "", text.empty() ? std::string() : Quote(text), request);
}

}  // namespace tessera::kube
