// The HTTP endpoint of a running `tessera up`: the dashboard and the
// read-only JSON API of docs/up-api.md, which the CLI reads too.
//
// It answers from what it last learned, never by waiting on someone else:
// the agent's node and workers are polled every `poll_period` and its
// merged metrics every `metrics_period` into MetricsHistory; deployments,
// their status and events are read from the manifests directory on each
// request (a few small files). Everything runs on the caller's io_context
// thread; nothing takes a lock but MetricsHistory's own.

#ifndef TESSERA_CLI_UP_UP_SERVER_H_
#define TESSERA_CLI_UP_UP_SERVER_H_

#include <chrono>
#include <memory>
#include <string>

#include <boost/asio/io_context.hpp>
#include <nlohmann/json.hpp>

#include "base/logging.h"
#include "base/status.h"
#include "cli/up/up_paths.h"

namespace tessera::cli {

struct UpServerOptions {
  std::string host = "127.0.0.1";
  int port = 8480;
  UpPaths paths{};
  std::string agent_url{};  // http://127.0.0.1:8481
  std::string agent_token{};
  std::string node_name{};  // the agent's name for the controller
  std::chrono::milliseconds poll_period{500};
  std::chrono::milliseconds metrics_period{2000};
  std::string started_at{};
};

class UpServer {
 public:
  // Binds host:port (an error names it when taken) and starts polling once
  // the io_context runs.
  static StatusOr<std::unique_ptr<UpServer>> Start(boost::asio::io_context& io_context,
                                                   UpServerOptions options, Logger logger);
  ~UpServer();
  UpServer(const UpServer&) = delete;
  UpServer& operator=(const UpServer&) = delete;

  // The URL clients use, e.g. http://127.0.0.1:8480.
  std::string url() const;

  // Stops polling and closes the listener; call on the io_context thread.
  void Stop();

 private:
  class Impl;
  explicit UpServer(std::shared_ptr<Impl> impl);
  std::shared_ptr<Impl> impl_;
};

}  // namespace tessera::cli

#endif  // TESSERA_CLI_UP_UP_SERVER_H_
