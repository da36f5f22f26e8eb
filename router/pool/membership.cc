#include "router/pool/membership.h"

#include <set>

#include <nlohmann/json.hpp>

#include "base/json_fields.h"
#include "base/numbers.h"
#include "base/strings.h"
#include "http/http_url.h"

namespace tessera::router {
namespace {

// A base URL: http, a host, an optional port, no path beyond "/". Returned
// without a trailing slash, so "http://h:1/" and "http://h:1" are one worker.
StatusOr<std::string> BaseUrl(std::string_view text) {
  StatusOr<http::HttpUrl> url = http::ParseHttpUrl(text);
  if (!url.ok()) return url.status();
  if (url->target != "/") {
    return InvalidArgumentError("must be a base URL without a path, got " + Quote(text));
  }
  std::string base(text);
  if (base.ends_with('/')) base.pop_back();
  return base;
}

}  // namespace

bool IsServingRole(wire::WorkerRole role) {
  return role == wire::WorkerRole::kAggregated || role == wire::WorkerRole::kPrefill ||
         role == wire::WorkerRole::kDecode;
}

StatusOr<std::vector<WorkerEndpoint>> ParseMembership(std::string_view json_text) {
  const nlohmann::json body = nlohmann::json::parse(json_text, nullptr, /*allow_exceptions=*/false);
  if (body.is_discarded()) return InvalidArgumentError("the body is not valid JSON");
  if (!body.is_object()) {
    return InvalidArgumentError("the body must be a JSON object, got " + DescribeJson(body));
  }
  JsonFields fields(body, "");
  const nlohmann::json* workers = fields.Child("workers");
  TESSERA_RETURN_IF_ERROR(fields.Finish());
  if (workers == nullptr) return InvalidArgumentError("workers: is required");
  if (!workers->is_array()) {
    return InvalidArgumentError("workers: must be an array, got " + DescribeJson(*workers));
  }
  if (workers->size() > kMaxMembers) {
    return InvalidArgumentError("workers: at most " + std::to_string(kMaxMembers) +
                                " workers, got " + std::to_string(workers->size()));
  }
  std::vector<WorkerEndpoint> members;
  std::set<std::string, std::less<>> urls;
  for (size_t i = 0; i < workers->size(); ++i) {
    const std::string path = "workers[" + std::to_string(i) + "]";
    const nlohmann::json& entry = (*workers)[i];
    if (!entry.is_object()) {
      return InvalidArgumentError(path + ": must be an object, got " + DescribeJson(entry));
    }
    JsonFields member(entry, path);
    std::string url;
    std::string role;
    WorkerEndpoint endpoint;
    member.Required("url", url);
    member.Required("role", role);
    member.Optional("bootstrapPort", endpoint.bootstrap_port, 1, 65535);
    TESSERA_RETURN_IF_ERROR(member.Finish());
    StatusOr<std::string> base = BaseUrl(url);
    if (!base.ok()) return base.status().WithContext(path + ".url");
    StatusOr<wire::WorkerRole> parsed_role = wire::ParseWorkerRole(role);
    if (!parsed_role.ok() || !IsServingRole(*parsed_role)) {
      return InvalidArgumentError(path + ".role: must be aggregated, prefill or decode, got " +
                                  Quote(role));
    }
    endpoint.url = *std::move(base);
    endpoint.role = *parsed_role;
    if (endpoint.bootstrap_port && endpoint.role != wire::WorkerRole::kPrefill) {
      return InvalidArgumentError(path + ".bootstrapPort: only prefill workers have one");
    }
    if (!urls.insert(endpoint.url).second) {
      return InvalidArgumentError(path + ".url: " + Quote(endpoint.url) + " is listed twice");
    }
    members.push_back(std::move(endpoint));
  }
  return members;
}

StatusOr<WorkerEndpoint> ParseWorkerFlag(std::string_view text, wire::WorkerRole role) {
  WorkerEndpoint endpoint{.role = role};
  std::string_view url = text;
  if (const size_t comma = text.find(','); comma != std::string_view::npos) {
    url = text.substr(0, comma);
    const std::optional<int> port = ParseInteger<int>(text.substr(comma + 1));
    if (role != wire::WorkerRole::kPrefill) {
      return InvalidArgumentError(Quote(text) + ": only prefill workers have a bootstrap port");
    }
    if (!port || *port < 1 || *port > 65535) {
      return InvalidArgumentError(Quote(text) +
                                  ": the bootstrap port after the comma must be 1-65535");
    }
    endpoint.bootstrap_port = *port;
  }
  StatusOr<std::string> base = BaseUrl(url);
  if (!base.ok()) return base.status();
  endpoint.url = *std::move(base);
  return endpoint;
}

}  // namespace tessera::router
