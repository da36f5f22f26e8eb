#include "benchmarks/http_stack/cpprest_sse_server.h"

#include <cstdio>
#include <exception>
#include <ios>
#include <memory>
#include <string>
#include <thread>
#include <utility>

#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <cpprest/http_listener.h>
#include <cpprest/producerconsumerstream.h>
#include <pplx/threadpool.h>
#include <unistd.h>

#include "benchmarks/http_stack/sse_workload.h"

namespace tessera::bench {
namespace {

using Buffer = concurrency::streams::producer_consumer_buffer<uint8_t>;

class BufferSink final : public SseSink {
 public:
  explicit BufferSink(Buffer buffer) : buffer_(std::move(buffer)) {}

  bool Emit(std::string_view event) override {
    try {
      // producer_consumer_buffer copies synchronously; sync() hands what is
      // buffered to the waiting reader, which cpprest writes as a chunk.
      buffer_.putn_nocopy(reinterpret_cast<const uint8_t*>(event.data()), event.size());
      buffer_.sync();
      return true;
    } catch (const std::exception& /*error*/) {
      return false;
    }
  }

  void End() override {
    try {
      buffer_.close(std::ios_base::out);
    } catch (const std::exception& /*error*/) {
    }
  }

 private:
  Buffer buffer_;
};

void Serve(const web::http::http_request& request, SseScheduler& scheduler) {
  const std::optional<StreamWorkload> workload = ParseStreamWorkload(request.request_uri().query());
  if (!workload) {
    request.reply(web::http::status_codes::BadRequest).then([](const pplx::task<void>& reply) {
      try {
        reply.get();
      } catch (const std::exception& /*error*/) {
      }
    });
    return;
  }
  Buffer buffer;
  web::http::http_response response(web::http::status_codes::OK);
  response.headers().add("Cache-Control", "no-cache");
  response.set_body(buffer.create_istream(), "text/event-stream");
  request.reply(response).then([](const pplx::task<void>& reply) {
    try {
      reply.get();
    } catch (const std::exception& /*error*/) {
    }
  });
  scheduler.Add(std::make_shared<BufferSink>(std::move(buffer)), *workload);
}

}  // namespace

int RunCpprestSseServer(uint16_t port, int threads) {
  if (threads > 0) crossplat::threadpool::initialize_with_threads(static_cast<size_t>(threads));
  boost::asio::io_context scheduler_context(1);
  SseScheduler scheduler(scheduler_context);
  std::thread scheduler_thread(
      [&scheduler_context, work = boost::asio::make_work_guard(scheduler_context)] {
        scheduler_context.run();
      });
  scheduler_thread.detach();
  try {
    static web::http::experimental::listener::http_listener listener(
        web::uri("http://127.0.0.1:" + std::to_string(port) + "/"));
    listener.support(
        web::http::methods::POST,
        [&scheduler](const web::http::http_request& request) { Serve(request, scheduler); });
    listener.open().wait();
  } catch (const std::exception& error) {
    std::fprintf(stderr, "cpprest server: %s\n", error.what());
    return 1;
  }
  std::printf("READY %u\n", static_cast<unsigned>(port));
  std::fflush(stdout);
  while (true) ::pause();  // until the benchmark kills the process
}

}  // namespace tessera::bench
