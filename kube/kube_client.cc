#include "kube/kube_client.h"

#include <algorithm>
#include <map>
#include <mutex>
#include <system_error>
#include <utility>
#include <vector>

#include <boost/asio/ssl.hpp>
#include <cpprest/http_client.h>
#include <pplx/pplxtasks.h>
#include <pplx/threadpool.h>

#include "base/units.h"
#include "base/yaml_json.h"
#include "kube/api_error.h"
#include "kube/object_fields.h"
#include "kube/request_cancellation.h"
#include "kube/tls_credentials.h"

namespace tessera::kube {
namespace {

namespace http = web::http;
using nlohmann::json;

// A watch is silent for as long as nothing changes (bookmarks come about once
// a minute, but only when asked for and not from every server), so its
// silence timeout is its own timeoutSeconds plus this: long enough that a
// healthy idle watch is never cut, short enough that a dead connection is.
constexpr std::chrono::seconds kWatchSilenceMargin{30};

// Distinct timeouts each get an http_client (cpprest sets timeouts per
// client, and each client pools its own connections). Callers use a handful;
// beyond this many, one-off clients are made rather than kept.
constexpr size_t kMaxPooledClients = 8;

std::string PatchContentType(PatchType type) {
  switch (type) {
    case PatchType::kMerge:
      return "application/merge-patch+json";
    case PatchType::kJson:
      return "application/json-patch+json";
    case PatchType::kStrategicMerge:
      return "application/strategic-merge-patch+json";
  }
  return "application/merge-patch+json";
}

void AddQuery(std::string& query, std::string_view name, std::string_view value) {
  query += query.empty() ? "?" : "&";
  query += name;
  query += '=';
  query += web::uri::encode_data_string(std::string(value));
}

std::string WithoutQuery(std::string_view path_and_query) {
  return std::string(path_and_query.substr(0, path_and_query.find('?')));
}

Status RequestCancelled(std::string_view request) {
  return CancelledError(std::string(request) + ": cancelled");
}

// What a failure below HTTP means: the server did not answer in time, the
// caller gave up, or the server could not be reached (refused, reset, TLS).
Status TransportError(const std::error_code& code, std::string_view what, std::string_view request,
                      const std::string& server, std::chrono::milliseconds timeout) {
  if (code == std::errc::operation_canceled) return RequestCancelled(request);
  if (code == std::errc::timed_out) {
    return DeadlineExceededError(std::string(request) + ": " + server + " did not answer within " +
                                 FormatDuration(timeout));
  }
  return UnavailableError(std::string(request) + ": cannot reach " + server + ": " +
                          std::string(what));
}

// The body of a watch response, read as cpprest receives it.
class CpprestResponseBody final : public ResponseBody {
 public:
  CpprestResponseBody(std::shared_ptr<http::client::http_client> client,
                      std::unique_ptr<CancellationScope> scope, http::http_response response,
                      std::string server, std::chrono::milliseconds timeout)
      : client_(std::move(client)),
        scope_(std::move(scope)),
        response_(std::move(response)),
        server_(std::move(server)),
        timeout_(timeout) {}

  ~CpprestResponseBody() override {
    // Closing the connection makes cpprest finish the response; nothing of it
    // may still run when the registrations go, and a response dropped while
    // cpprest still reads into it is never freed.
    scope_->Cancel();
    try {
      response_.content_ready().wait();
    } catch (const std::exception&) {
      // Cancelled or failed: either way cpprest is done with it.
    }
  }

  CpprestResponseBody(const CpprestResponseBody&) = delete;
  CpprestResponseBody& operator=(const CpprestResponseBody&) = delete;

  StatusOr<size_t> Read(char* buffer, size_t capacity) override {
    auto* bytes = reinterpret_cast<uint8_t*>(buffer);
    try {
      auto streambuf = response_.body().streambuf();
      // getn(n) waits for n bytes (cpprest's body buffer is never synced), so
      // wait for one and then take whatever else has already arrived.
      size_t read = streambuf.getn(bytes, 1).get();
      if (read == 0) return scope_->Cancelled() ? StatusOr<size_t>(RequestCancelled("read")) : 0;
      const size_t available = std::min(streambuf.in_avail(), capacity - 1);
      if (available > 0) read += streambuf.getn(bytes + 1, available).get();
      return read;
    } catch (const http::http_exception& error) {
      return TransportError(error.error_code(), error.what(), "read", server_, timeout_);
    } catch (const pplx::task_canceled&) {
      return RequestCancelled("read");
    } catch (const std::exception& error) {
      if (scope_->Cancelled()) return RequestCancelled("read");
      return UnavailableError(std::string("read: ") + error.what());
    }
  }

  void Cancel() override { scope_->Cancel(); }

 private:
  std::shared_ptr<http::client::http_client> client_;
  std::unique_ptr<CancellationScope> scope_;
  http::http_response response_;
  std::string server_;
  std::chrono::milliseconds timeout_;
};

struct OpenedResponse {
  http::http_response response;
  std::unique_ptr<CancellationScope> scope;
  std::shared_ptr<http::client::http_client> client;
};

}  // namespace

struct KubeClient::Impl {
  Impl(KubeConfig kube_config, KubeClientOptions client_options,
       std::shared_ptr<const TlsCredentials> credentials, const Clock& clock)
      : config(std::move(kube_config)),
        options(std::move(client_options)),
        tls(std::move(credentials)),
        tokens(config.token, config.token_file, clock, options.token_refresh_period) {}

  http::client::http_client_config MakeConfig(std::chrono::milliseconds timeout) const {
    http::client::http_client_config client_config;
    client_config.set_timeout(timeout);
    client_config.set_validate_certificates(!config.insecure_skip_tls_verify);
    client_config.set_ssl_context_callback([credentials = tls](boost::asio::ssl::context& context) {
      credentials->ApplyTo(context.native_handle());
    });
    return client_config;
  }

  std::shared_ptr<http::client::http_client> ClientFor(std::chrono::milliseconds timeout) {
    const std::lock_guard lock(mutex);
    if (const auto it = clients.find(timeout.count()); it != clients.end()) return it->second;
    auto client = std::make_shared<http::client::http_client>(config.server, MakeConfig(timeout));
    if (clients.size() < kMaxPooledClients) clients.emplace(timeout.count(), client);
    return client;
  }

  std::chrono::milliseconds TimeoutOf(const CallOptions& call) const {
    return call.timeout > std::chrono::milliseconds::zero() ? call.timeout
                                                            : options.request_timeout;
  }

  static std::shared_ptr<CancelRegistry> CallerRegistry(const CallOptions& call) {
    return call.canceller == nullptr ? nullptr : call.canceller->state_->registry;
  }

  // Sends one request and waits for the answer's headers. A 401 with a token
  // file is retried once when re-reading the file gives a different token.
  StatusOr<OpenedResponse> Open(const std::string& method, std::string_view path_and_query,
                                const std::string* body, std::string_view content_type,
                                std::chrono::milliseconds timeout,
                                std::shared_ptr<http::client::http_client> client,
                                const CallOptions& call) {
    const std::string description = method + " " + WithoutQuery(path_and_query);
    std::string token = tokens.Token();
    for (int attempt = 0;; ++attempt) {
      auto scope = std::make_unique<CancellationScope>(shutdown, CallerRegistry(call));
      if (scope->Cancelled()) return RequestCancelled(description);
      try {
        http::http_request request(method);
        request.set_request_uri(web::uri(std::string(path_and_query)));
        http::http_headers& headers = request.headers();
        headers.add("Accept", "application/json");
        headers.add("User-Agent", options.user_agent);
        if (!token.empty()) headers.add("Authorization", "Bearer " + token);
        // cpprest takes the name it sends as SNI and verifies the
        // certificate against from the Host header, so tls-server-name goes
        // there; the API server does not route by Host.
        if (!config.tls_server_name.empty()) headers.add("Host", config.tls_server_name);
        if (body != nullptr) {
          // From bytes: cpprest's string overload reads its string buffer
          // through a byte stream buffer, a type pun UBSan's vptr check
          // reports.
          request.set_body(std::vector<unsigned char>(body->begin(), body->end()));
          headers.set_content_type(std::string(content_type));
        }
        http::http_response response = client->request(request, scope->Token()).get();
        if (response.status_code() == http::status_codes::Unauthorized && attempt == 0 &&
            tokens.rotates()) {
          std::string refreshed = tokens.Refresh();
          if (refreshed != token) {
            token = std::move(refreshed);
            continue;
          }
        }
        return OpenedResponse{std::move(response), std::move(scope), std::move(client)};
      } catch (const http::http_exception& error) {
        if (scope->Cancelled()) return RequestCancelled(description);
        return TransportError(error.error_code(), error.what(), description, config.server,
                              timeout);
      } catch (const pplx::task_canceled&) {
        return RequestCancelled(description);
      } catch (const std::exception& error) {
        if (scope->Cancelled()) return RequestCancelled(description);
        return UnavailableError(description + ": " + error.what());
      }
    }
  }

  // A whole request: the answer parsed, or the error it carries.
  StatusOr<json> Call(const std::string& method, std::string_view path_and_query, const json* body,
                      std::string_view content_type, const CallOptions& call) {
    const std::string description = method + " " + WithoutQuery(path_and_query);
    std::optional<std::string> body_text;
    if (body != nullptr) {
      auto dumped = DumpJson(*body);
      if (!dumped.ok()) return dumped.status().WithContext(description);
      body_text = std::move(dumped).value();
    }
    const std::chrono::milliseconds timeout = TimeoutOf(call);
    TESSERA_ASSIGN_OR_RETURN(OpenedResponse opened,
                             Open(method, path_and_query, body_text ? &*body_text : nullptr,
                                  content_type, timeout, ClientFor(timeout), call));
    std::string text;
    try {
      text = opened.response.extract_utf8string(true).get();
    } catch (const http::http_exception& error) {
      if (opened.scope->Cancelled()) return RequestCancelled(description);
      return TransportError(error.error_code(), error.what(), description, config.server, timeout);
    } catch (const std::exception& error) {
      if (opened.scope->Cancelled()) return RequestCancelled(description);
      return UnavailableError(description + ": reading the answer: " + error.what());
    }
    const int status = opened.response.status_code();
    if (status < 200 || status >= 300) return StatusFromApiResponse(status, text, description);
    auto parsed = ParseJson(text);
    if (!parsed.ok()) {
      return Status(StatusCode::kDataLoss,
                    description + ": the answer is not JSON: " + parsed.status().message());
    }
    return parsed;
  }

  KubeConfig config;
  KubeClientOptions options;
  std::shared_ptr<const TlsCredentials> tls;
  BearerTokenSource tokens;
  std::shared_ptr<CancelRegistry> shutdown = std::make_shared<CancelRegistry>();
  std::mutex mutex;
  std::map<int64_t, std::shared_ptr<http::client::http_client>> clients;
};

void KubeClient::UseThreads(size_t threads) {
  crossplat::threadpool::initialize_with_threads(threads);
}

StatusOr<std::unique_ptr<KubeClient>> KubeClient::FromConfig(KubeConfig config,
                                                             KubeClientOptions options) {
  if (!config.server.starts_with("https://") && !config.server.starts_with("http://")) {
    return InvalidArgumentError("server: must be an http:// or https:// URL, got \"" +
                                config.server + "\"");
  }
  TESSERA_ASSIGN_OR_RETURN(std::shared_ptr<const TlsCredentials> tls,
                           TlsCredentials::FromConfig(config));
  const Clock& clock = options.clock != nullptr ? *options.clock : SystemClock::Default();
  auto impl = std::make_unique<Impl>(std::move(config), std::move(options), std::move(tls), clock);
  try {
    // Parses the server URL now, so a bad one fails here and not per request.
    (void)impl->ClientFor(impl->options.request_timeout);
  } catch (const std::exception& error) {
    return InvalidArgumentError("server: " + impl->config.server + ": " + error.what());
  }
  return std::unique_ptr<KubeClient>(new KubeClient(std::move(impl)));
}

KubeClient::KubeClient(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}

KubeClient::~KubeClient() { impl_->shutdown->Cancel(); }

const std::string& KubeClient::server() const { return impl_->config.server; }

const std::string& KubeClient::default_namespace() const { return impl_->config.namespace_name; }

StatusOr<json> KubeClient::Request(std::string_view method, std::string_view path_and_query,
                                   const json* body, std::string_view content_type,
                                   const CallOptions& call) {
  return impl_->Call(std::string(method), path_and_query, body, content_type, call);
}

StatusOr<json> KubeClient::Get(const ResourceType& type, const ObjectKey& key,
                               const CallOptions& call) {
  if (key.name.empty()) return InvalidArgumentError("get " + type.QualifiedName() + ": no name");
  return impl_->Call("GET", type.Path(key.namespace_name, key.name), nullptr, "", call);
}

StatusOr<json> KubeClient::List(const ResourceType& type, std::string_view namespace_name,
                                const ListOptions& options, const CallOptions& call) {
  std::string query;
  if (!options.label_selector.empty()) AddQuery(query, "labelSelector", options.label_selector);
  if (!options.field_selector.empty()) AddQuery(query, "fieldSelector", options.field_selector);
  if (!options.resource_version.empty()) {
    AddQuery(query, "resourceVersion", options.resource_version);
  }
  if (options.limit > 0) AddQuery(query, "limit", std::to_string(options.limit));
  const std::string path = type.Path(namespace_name);
  const bool paginate = options.limit > 0 && options.continue_token.empty() && options.all_pages;
  if (!paginate) {
    std::string single = query;
    if (!options.continue_token.empty()) AddQuery(single, "continue", options.continue_token);
    return impl_->Call("GET", path + single, nullptr, "", call);
  }
  json list;
  std::string continue_token;
  for (bool first = true; first || !continue_token.empty(); first = false) {
    std::string page_query = query;
    if (!continue_token.empty()) AddQuery(page_query, "continue", continue_token);
    auto page = impl_->Call("GET", path + page_query, nullptr, "", call);
    if (!page.ok()) {
      if (!first && page.status().code() == StatusCode::kOutOfRange) {
        // The snapshot the token pins was compacted away: start over with a
        // single unpaginated list, as client-go's pager does.
        ListOptions whole = options;
        whole.limit = 0;
        return List(type, namespace_name, whole, call);
      }
      return page.status();
    }
    json& body = *page;
    continue_token = MetadataString(body, "continue");
    json items = body.contains("items") && body["items"].is_array() ? std::move(body["items"])
                                                                    : json::array();
    if (first) {
      list = std::move(body);
      list["items"] = std::move(items);
    } else {
      for (json& item : items) list["items"].push_back(std::move(item));
    }
  }
  if (list.contains("metadata") && list["metadata"].is_object()) {
    list["metadata"].erase("continue");
    list["metadata"].erase("remainingItemCount");
  }
  return list;
}

StatusOr<json> KubeClient::Create(const ResourceType& type, std::string_view namespace_name,
                                  const json& object, const CallOptions& call) {
  std::string target_namespace(namespace_name);
  if (target_namespace.empty()) target_namespace = MetadataString(object, "namespace");
  if (type.namespaced && target_namespace.empty()) {
    return InvalidArgumentError("create " + type.QualifiedName() + ": no namespace");
  }
  return impl_->Call("POST", type.Path(target_namespace), &object, "application/json", call);
}

StatusOr<json> KubeClient::Update(const ResourceType& type, const json& object,
                                  const CallOptions& call) {
  auto key = ObjectKeyOf(object);
  if (!key.ok()) return key.status().WithContext("update " + type.QualifiedName());
  if (type.namespaced && key->namespace_name.empty()) {
    return InvalidArgumentError("update " + type.QualifiedName() +
                                ": metadata.namespace: is required");
  }
  return impl_->Call("PUT", type.Path(key->namespace_name, key->name), &object, "application/json",
                     call);
}

StatusOr<json> KubeClient::UpdateStatus(const ResourceType& type, const json& object,
                                        const CallOptions& call) {
  auto key = ObjectKeyOf(object);
  if (!key.ok()) return key.status().WithContext("update status of " + type.QualifiedName());
  if (type.namespaced && key->namespace_name.empty()) {
    return InvalidArgumentError("update status of " + type.QualifiedName() +
                                ": metadata.namespace: is required");
  }
  return impl_->Call("PUT", type.Path(key->namespace_name, key->name, "status"), &object,
                     "application/json", call);
}

StatusOr<json> KubeClient::Patch(const ResourceType& type, const ObjectKey& key, const json& patch,
                                 PatchType patch_type, std::string_view subresource,
                                 const CallOptions& call) {
  if (key.name.empty()) return InvalidArgumentError("patch " + type.QualifiedName() + ": no name");
  return impl_->Call("PATCH", type.Path(key.namespace_name, key.name, subresource), &patch,
                     PatchContentType(patch_type), call);
}

Status KubeClient::Delete(const ResourceType& type, const ObjectKey& key,
                          const DeleteOptions& options, const CallOptions& call) {
  if (key.name.empty()) return InvalidArgumentError("delete " + type.QualifiedName() + ": no name");
  json body = {{"kind", "DeleteOptions"}, {"apiVersion", "v1"}};
  if (options.resource_version)
    body["preconditions"]["resourceVersion"] = *options.resource_version;
  if (options.uid) body["preconditions"]["uid"] = *options.uid;
  if (!options.propagation_policy.empty()) body["propagationPolicy"] = options.propagation_policy;
  if (options.grace_period_seconds) body["gracePeriodSeconds"] = *options.grace_period_seconds;
  return impl_
      ->Call("DELETE", type.Path(key.namespace_name, key.name), &body, "application/json", call)
      .status();
}

StatusOr<std::unique_ptr<WatchStream>> KubeClient::Watch(const ResourceType& type,
                                                         std::string_view namespace_name,
                                                         const WatchOptions& options,
                                                         const CallOptions& call) {
  std::string query;
  AddQuery(query, "watch", "1");
  if (!options.resource_version.empty()) {
    AddQuery(query, "resourceVersion", options.resource_version);
  }
  if (options.allow_bookmarks) AddQuery(query, "allowWatchBookmarks", "true");
  if (!options.label_selector.empty()) AddQuery(query, "labelSelector", options.label_selector);
  if (!options.field_selector.empty()) AddQuery(query, "fieldSelector", options.field_selector);
  AddQuery(query, "timeoutSeconds", std::to_string(std::max<int64_t>(1, options.timeout.count())));
  const std::string path = type.Path(namespace_name);
  const std::string description = "watch " + path;
  const std::chrono::milliseconds timeout =
      std::chrono::duration_cast<std::chrono::milliseconds>(options.timeout + kWatchSilenceMargin);
  std::shared_ptr<http::client::http_client> client;
  try {
    // Its own client: the timeout is the watch's, and the connection is held
    // for the stream's whole life anyway.
    client = std::make_shared<http::client::http_client>(impl_->config.server,
                                                         impl_->MakeConfig(timeout));
  } catch (const std::exception& error) {
    return InvalidArgumentError(description + ": " + error.what());
  }
  TESSERA_ASSIGN_OR_RETURN(OpenedResponse opened,
                           impl_->Open("GET", path + query, nullptr, "", timeout, client, call));
  const int status = opened.response.status_code();
  if (status != http::status_codes::OK) {
    std::string text;
    try {
      text = opened.response.extract_utf8string(true).get();
    } catch (const std::exception&) {
      // The status line alone still says what went wrong.
    }
    return StatusFromApiResponse(status, text, description);
  }
  auto body = std::make_unique<CpprestResponseBody>(
      std::move(opened.client), std::move(opened.scope), std::move(opened.response),
      impl_->config.server, timeout);
  return std::make_unique<WatchStream>(std::move(body), description, options.max_event_bytes);
}

}  // namespace tessera::kube
