#include "benchmarks/http_stack/beast_sse_server.h"

#include <cstdio>
#include <memory>
#include <utility>

#include <boost/asio/io_context.hpp>

#include "benchmarks/http_stack/sse_workload.h"
#include "http/http_server.h"

namespace tessera::bench {
namespace {

class ExchangeSink final : public SseSink {
 public:
  explicit ExchangeSink(std::shared_ptr<http::HttpExchange> exchange)
      : exchange_(std::move(exchange)) {}

  bool Emit(std::string_view event) override { return exchange_->Write(event).ok(); }
  void End() override { (void)exchange_->End(); }

 private:
  std::shared_ptr<http::HttpExchange> exchange_;
};

}  // namespace

int RunBeastSseServer(uint16_t port) {
  boost::asio::io_context io_context(1);
  SseScheduler scheduler(io_context);
  http::HttpServerOptions options;
  options.port = port;
  StatusOr<std::unique_ptr<http::HttpServer>> server = http::HttpServer::Start(
      io_context, options, [&scheduler](const std::shared_ptr<http::HttpExchange>& exchange) {
        const std::optional<StreamWorkload> workload =
            ParseStreamWorkload(exchange->request().query);
        if (!workload) {
          (void)exchange->Respond(http::HttpResponse::Json(
              400, http::JsonErrorBody(400, "query: need events=N&interval_ms=M")));
          return;
        }
        if (!exchange
                 ->StartStream(
                     200, {{"Content-Type", "text/event-stream"}, {"Cache-Control", "no-cache"}})
                 .ok()) {
          return;
        }
        scheduler.Add(std::make_shared<ExchangeSink>(exchange), *workload);
      });
  if (!server.ok()) {
    std::fprintf(stderr, "beast server: %s\n", server.status().ToString().c_str());
    return 1;
  }
  std::printf("READY %u\n", static_cast<unsigned>((*server)->port()));
  std::fflush(stdout);
  io_context.run();
  return 0;
}

}  // namespace tessera::bench
