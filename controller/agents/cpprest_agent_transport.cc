#include "controller/agents/cpprest_agent_transport.h"

#include <vector>

#include <boost/asio/ssl.hpp>
#include <cpprest/http_client.h>

namespace tessera::controller {
namespace {

namespace http = web::http;

http::http_request ToMessage(const AgentRequest& request) {
  http::http_request message(request.method);
  message.set_request_uri(request.path);
  if (!request.bearer_token.empty()) {
    message.headers().add("Authorization", "Bearer " + request.bearer_token);
  }
  if (!request.body.empty()) {
    // From bytes: cpprest's string overload reads its string buffer through
    // a byte stream buffer, a type pun UBSan's vptr check reports.
    message.set_body(std::vector<unsigned char>(request.body.begin(), request.body.end()));
    message.headers().set_content_type("application/json");
  }
  return message;
}

}  // namespace

CpprestAgentTransport::CpprestAgentTransport(std::filesystem::path ca_file,
                                             std::chrono::milliseconds timeout)
    : ca_file_(std::move(ca_file)),
      timeout_(timeout),
      pending_(std::make_unique<pplx::cancellation_token_source>()) {}

CpprestAgentTransport::~CpprestAgentTransport() { CancelPending(); }

std::shared_ptr<http::client::http_client> CpprestAgentTransport::ClientFor(
    const std::string& endpoint, std::chrono::milliseconds timeout) {
  const std::scoped_lock lock(mutex_);
  std::shared_ptr<http::client::http_client>& client = clients_[{endpoint, timeout.count()}];
  if (!client) {
    http::client::http_client_config config;
    config.set_timeout(timeout);
    if (!ca_file_.empty()) {
      config.set_ssl_context_callback([ca = ca_file_.string()](boost::asio::ssl::context& context) {
        context.load_verify_file(ca);
      });
    }
    client = std::make_shared<http::client::http_client>(endpoint, config);
  }
  return client;
}

StatusOr<AgentReply> CpprestAgentTransport::Send(const AgentRequest& request) {
  try {
    http::http_response response =
        ClientFor(request.endpoint, timeout_)->request(ToMessage(request)).get();
    return AgentReply{.status = response.status_code(),
                      .body = response.extract_utf8string(true).get()};
  } catch (const std::exception& error) {
    return UnavailableError("agent " + request.endpoint + ": " + error.what());
  }
}

void CpprestAgentTransport::SendAsync(const AgentRequest& request,
                                      std::chrono::milliseconds timeout, ReplyCallback done) {
  const std::string endpoint = request.endpoint;
  auto finish = [endpoint, done](const pplx::task<AgentReply>& reply) {
    try {
      done(reply.get());
    } catch (const pplx::task_canceled&) {
      done(CancelledError("agent " + endpoint + ": request cancelled"));
    } catch (const std::exception& error) {
      done(UnavailableError("agent " + endpoint + ": " + error.what()));
    }
  };
  try {
    pplx::cancellation_token token = pplx::cancellation_token::none();
    {
      const std::scoped_lock lock(mutex_);
      token = pending_->get_token();
    }
    ClientFor(endpoint, timeout)
        ->request(ToMessage(request), token)
        .then([](const http::http_response& response) {
          return response.extract_utf8string(true).then(
              [status = response.status_code()](const std::string& body) {
                return AgentReply{.status = status, .body = body};
              });
        })
        .then(finish);
  } catch (const std::exception& error) {
    done(UnavailableError("agent " + endpoint + ": " + error.what()));
  }
}

void CpprestAgentTransport::CancelPending() {
  const std::scoped_lock lock(mutex_);
  pending_->cancel();
  pending_ = std::make_unique<pplx::cancellation_token_source>();
}

}  // namespace tessera::controller
