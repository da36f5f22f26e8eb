// A client of the Kubernetes API server for JSON objects of known types:
// get, list (with pagination), create, update (optimistic concurrency through
// metadata.resourceVersion), status updates, patches, deletes with
// preconditions, and watches.
//
// Every failure is a Status (see api_error.h for what the server's answers
// map to); transport failures are Unavailable, a silent server past the
// timeout DeadlineExceeded, a cancelled request Cancelled. Nothing throws.
//
//   TESSERA_ASSIGN_OR_RETURN(KubeConfig config, LoadDefaultConfig(flags.kubeconfig));
//   TESSERA_ASSIGN_OR_RETURN(auto client, KubeClient::FromConfig(config));
//   TESSERA_ASSIGN_OR_RETURN(auto node, client->Get(resource_types::GpuNodes(), {"", "node-a"}));

#ifndef TESSERA_KUBE_KUBE_CLIENT_H_
#define TESSERA_KUBE_KUBE_CLIENT_H_

#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

#include "base/clock.h"
#include "base/status.h"
#include "kube/bearer_token.h"
#include "kube/kube_config.h"
#include "kube/resource_type.h"
#include "kube/watch_stream.h"
#include "resources/object_meta.h"

namespace tessera::kube {

using resources::ObjectKey;

// Lets one thread abandon another's requests: after Cancel(), every request
// made with this canceller — in flight or started later — fails promptly with
// Cancelled, until Reset(). Thread-safe.
class RequestCanceller {
 public:
  RequestCanceller();
  ~RequestCanceller();
  RequestCanceller(const RequestCanceller&) = delete;
  RequestCanceller& operator=(const RequestCanceller&) = delete;

  void Cancel();
  // Lets later requests run again (a restarted informer reuses its canceller).
  void Reset();
  bool cancelled() const;

 private:
  friend class KubeClient;
  struct State;
  std::unique_ptr<State> state_;
};

struct CallOptions {
  // How long the server may stay silent (no byte of the answer) before the
  // request fails with DeadlineExceeded; zero means the client's default.
  std::chrono::milliseconds timeout{0};
  // Not owned; must outlive the call.
  const RequestCanceller* canceller = nullptr;
};

struct ListOptions {
  std::string label_selector{};
  std::string field_selector{};
  // Empty: the latest state, read from etcd (consistent). "0": whatever the
  // API server's cache holds (cheap, possibly stale). Anything else: at least
  // that recent.
  std::string resource_version{};
  // Items per request; 0 asks for everything at once.
  int64_t limit = 0;
  // Continues a list from the `metadata.continue` of an earlier page. With a
  // token only that one page is returned, and its `metadata.continue` leads on.
  std::string continue_token{};
  // With a limit and no continue token: true fetches every page (client-go's
  // pager) and returns a single list with the first page's resourceVersion,
  // which all pages share; false returns just the first page.
  bool all_pages = true;
};

enum class PatchType {
  // application/merge-patch+json (RFC 7386): maps merge, null deletes, lists
  // are replaced whole.
  kMerge,
  // application/json-patch+json (RFC 6902): a list of operations; "test"
  // operations make it conditional.
  kJson,
  // application/strategic-merge-patch+json: built-in types only (not custom
  // resources); lists merge by their patch keys.
  kStrategicMerge,
};

struct DeleteOptions {
  // Preconditions: the delete fails with Aborted (409 Conflict) unless the
  // object still has this resourceVersion / uid.
  std::optional<std::string> resource_version{};
  std::optional<std::string> uid{};
  // "Foreground", "Background" or "Orphan"; empty leaves the server's default.
  std::string propagation_policy{};
  std::optional<int64_t> grace_period_seconds{};
};

struct WatchOptions {
  // Events after this version; empty starts with synthetic ADDED events for
  // every existing object (watch-from-now semantics are not offered: they race
  // with the list a watcher must do first).
  std::string resource_version{};
  std::string label_selector{};
  std::string field_selector{};
  // The server ends the watch cleanly after this long (timeoutSeconds).
  std::chrono::seconds timeout{300};
  bool allow_bookmarks = true;
  size_t max_event_bytes = kDefaultMaxWatchEventBytes;
};

struct KubeClientOptions {
  // The default CallOptions::timeout.
  std::chrono::milliseconds request_timeout{std::chrono::seconds(30)};
  std::string user_agent = "tessera";
  // Times token-file re-reads. Null means SystemClock::Default(). Not owned.
  const Clock* clock = nullptr;
  std::chrono::nanoseconds token_refresh_period = kTokenRefreshPeriod;
};

// Thread-safe: any number of threads may issue requests at once; connections
// are pooled per timeout. Destroying the client cancels what is in flight.
class KubeClient {
 public:
  // InvalidArgument naming the field for an unusable server URL or TLS
  // material (see TlsCredentials).
  static StatusOr<std::unique_ptr<KubeClient>> FromConfig(KubeConfig config,
                                                          KubeClientOptions options = {});

  // Sizes cpprestsdk's process-wide thread pool, on which every client's
  // requests and watches complete (cpprest's default is 40 threads, each
  // with its own malloc arena). Call once, before the first client.
  static void UseThreads(size_t threads);

  ~KubeClient();
  KubeClient(const KubeClient&) = delete;
  KubeClient& operator=(const KubeClient&) = delete;

  // The configuration's server and default namespace.
  const std::string& server() const;
  const std::string& default_namespace() const;

  StatusOr<nlohmann::json> Get(const ResourceType& type, const ObjectKey& key,
                               const CallOptions& call = {});

  // A list object ({"items": [...], "metadata": {"resourceVersion": ...}}).
  // `namespace_name` empty lists across all namespaces. When a multi-page
  // list's continue token expires mid-way (410 Expired: the snapshot was
  // compacted), the whole list is fetched again in one request, as client-go's
  // pager does.
  StatusOr<nlohmann::json> List(const ResourceType& type, std::string_view namespace_name,
                                const ListOptions& options = {}, const CallOptions& call = {});

  // POST; returns the created object. The namespace is `namespace_name`, or
  // the object's metadata.namespace when that is empty. AlreadyExists when
  // the name is taken.
  StatusOr<nlohmann::json> Create(const ResourceType& type, std::string_view namespace_name,
                                  const nlohmann::json& object, const CallOptions& call = {});

  // PUT to the object's own URL (from its metadata); returns the stored
  // object. With metadata.resourceVersion set, Aborted when the object has
  // changed since (re-read and retry: RetryOnConflict).
  StatusOr<nlohmann::json> Update(const ResourceType& type, const nlohmann::json& object,
                                  const CallOptions& call = {});

  // PUT to .../status: only the status is written (for types with a status
  // subresource); the same concurrency rules.
  StatusOr<nlohmann::json> UpdateStatus(const ResourceType& type, const nlohmann::json& object,
                                        const CallOptions& call = {});

  // PATCH the object or its `subresource` ("status", "scale").
  StatusOr<nlohmann::json> Patch(const ResourceType& type, const ObjectKey& key,
                                 const nlohmann::json& patch, PatchType patch_type,
                                 std::string_view subresource = "", const CallOptions& call = {});

  // NotFound when there is nothing to delete (callers that only want it gone
  // treat that as success).
  Status Delete(const ResourceType& type, const ObjectKey& key, const DeleteOptions& options = {},
                const CallOptions& call = {});

  // Opens a watch: the answer's headers have arrived when this returns, and
  // errors the server gives at once (401, 403, 410, ...) are returned here.
  // The stream's own silence timeout is options.timeout plus a margin; stop
  // it with WatchStream::Stop() or call.canceller.
  StatusOr<std::unique_ptr<WatchStream>> Watch(const ResourceType& type,
                                               std::string_view namespace_name,
                                               const WatchOptions& options,
                                               const CallOptions& call = {});

  // One request to `path_and_query` (e.g. "/version"), for what the typed
  // methods do not cover. `body` null sends none. Returns the parsed answer.
  StatusOr<nlohmann::json> Request(std::string_view method, std::string_view path_and_query,
                                   const nlohmann::json* body, std::string_view content_type,
                                   const CallOptions& call = {});

 private:
  struct Impl;
  explicit KubeClient(std::unique_ptr<Impl> impl);

  std::unique_ptr<Impl> impl_;
};

}  // namespace tessera::kube

#endif  // TESSERA_KUBE_KUBE_CLIENT_H_
