#include "agent/api/admin_server.h"

#include <future>
#include <string_view>
#include <vector>

#include <boost/asio/post.hpp>
#include <boost/asio/ssl.hpp>
#include <cpprest/http_listener.h>
#include <nlohmann/json.hpp>
#include <pplx/threadpool.h>

namespace tessera::agent {
namespace {

namespace http = web::http;

// Bodies go to cpprest as bytes: its std::string overloads read a string
// buffer through a byte stream buffer, a type pun UBSan's vptr check reports.
void Reply(const http::http_request& request, int status, std::string_view body,
           const std::string& content_type, const std::string& content_encoding = "") {
  http::http_response reply(static_cast<http::status_code>(status));
  if (!content_encoding.empty()) reply.headers().add("Content-Encoding", content_encoding);
  reply.set_body(std::vector<unsigned char>(body.begin(), body.end()));
  reply.headers().set_content_type(content_type);
  (void)request.reply(reply);
}

void ReplyError(const http::http_request& request, int status, const std::string& message) {
  Reply(request, status, nlohmann::json{{"error", {{"code", status}, {"message", message}}}}.dump(),
        "application/json");
}

}  // namespace

AdminServer::AdminServer(boost::asio::io_context& loop, AdminRoutes& routes,
                         AdminServerOptions options, Logger logger)
    : loop_(loop), routes_(routes), options_(std::move(options)), logger_(std::move(logger)) {}

AdminServer::~AdminServer() { Close(); }

void AdminServer::UseThreads(size_t threads) {
  crossplat::threadpool::initialize_with_threads(threads);
}

Status AdminServer::Open() {
  const bool tls = !options_.tls_certificate_file.empty();
  const std::string address = std::string(tls ? "https://" : "http://") + options_.host + ":" +
                              std::to_string(options_.port);
  http::experimental::listener::http_listener_config config;
  config.set_timeout(std::chrono::seconds(30));
  if (tls) {
    config.set_ssl_context_callback(
        [certificate = options_.tls_certificate_file,
         key = options_.tls_private_key_file](boost::asio::ssl::context& context) {
          context.set_options(
              boost::asio::ssl::context::default_workarounds | boost::asio::ssl::context::no_sslv2 |
              boost::asio::ssl::context::no_sslv3 | boost::asio::ssl::context::no_tlsv1 |
              boost::asio::ssl::context::no_tlsv1_1);
          context.use_certificate_chain_file(certificate);
          context.use_private_key_file(key, boost::asio::ssl::context::pem);
        });
  }
  try {
    listener_ = std::make_unique<http::experimental::listener::http_listener>(address, config);
    listener_->support([this](const http::http_request& request) { Serve(request); });
    listener_->open().wait();
  } catch (const std::exception& error) {
    listener_.reset();
    return UnavailableError("cannot serve the admin API on " + address + ": " + error.what());
  }
  logger_.Info("admin API listening", {{"address", address}});
  return OkStatus();
}

void AdminServer::Close() {
  if (!listener_) return;
  try {
    listener_->close().wait();
  } catch (const std::exception& error) {
    logger_.Warning("closing the admin API", {{"error", error.what()}});
  }
  listener_.reset();
}

void AdminServer::Serve(const http::http_request& request) {
  try {
    const http::http_headers& headers = request.headers();
    if (headers.has("Content-Length") && headers.content_length() > options_.max_request_bytes) {
      ReplyError(request, 413,
                 "request body over " + std::to_string(options_.max_request_bytes) + " bytes");
      return;
    }
    ApiRequest api;
    api.method = request.method();
    const web::uri uri = request.relative_uri();
    api.path = web::uri::decode(uri.path());
    for (const auto& [key, value] : web::uri::split_query(uri.query())) {
      api.query[web::uri::decode(key)] = web::uri::decode(value);
    }
    if (const auto authorization = headers.find("Authorization"); authorization != headers.end()) {
      api.authorization = authorization->second;
    }
    if (const auto encoding = headers.find("Accept-Encoding"); encoding != headers.end()) {
      api.accept_encoding = encoding->second;
    }
    const std::vector<unsigned char> body = request.extract_vector().get();
    if (body.size() > options_.max_request_bytes) {
      ReplyError(request, 413,
                 "request body over " + std::to_string(options_.max_request_bytes) + " bytes");
      return;
    }
    api.body.assign(body.begin(), body.end());

    std::promise<ApiResponse> answered;
    std::future<ApiResponse> answer = answered.get_future();
    boost::asio::post(loop_, [this, &api, &answered] {
      try {
        answered.set_value(routes_.Handle(api));
      } catch (...) {
        answered.set_exception(std::current_exception());
      }
    });
    const ApiResponse response = answer.get();
    Reply(request, response.status, response.body, response.content_type,
          response.content_encoding);
  } catch (const std::exception& error) {
    logger_.Error("admin API request failed", {{"error", error.what()}});
    ReplyError(request, 500, std::string("internal error: ") + error.what());
  }
}

}  // namespace tessera::agent
