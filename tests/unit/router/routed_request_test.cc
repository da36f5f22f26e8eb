#include "router/proxy/routed_request.h"

#include <string>
#include <vector>

#include <gtest/gtest.h>

namespace tessera::router {
namespace {

using openai::Endpoint;

const std::vector<std::string> kServed{"llama-8b", "meta-llama/Llama-3.1-8B-Instruct"};

ClientError ErrorOf(std::string_view body, Endpoint endpoint = Endpoint::kCompletions) {
  auto read = ReadRoutedRequest(body, endpoint, kServed);
  EXPECT_TRUE(std::holds_alternative<ClientError>(read)) << body;
  return std::holds_alternative<ClientError>(read) ? std::get<ClientError>(read) : ClientError{};
}

TEST(RoutedRequestTest, ReadsAChatRequest) {
  auto read = ReadRoutedRequest(
      R"({"model": "llama-8b", "stream": true, "messages": [
          {"role": "system", "content": "Be brief."}, {"role": "user", "content": "Hi"}]})",
      Endpoint::kChatCompletions, kServed);
  ASSERT_TRUE(std::holds_alternative<RoutedRequest>(read));
  const RoutedRequest& request = std::get<RoutedRequest>(read);
  EXPECT_EQ(request.path, "/v1/chat/completions");
  EXPECT_EQ(request.model, "llama-8b");
  EXPECT_TRUE(request.stream);
  EXPECT_EQ(request.routing_text, "system: Be brief.\nuser: Hi\n");
  EXPECT_EQ(request.body["messages"].size(), 2u);
}

TEST(RoutedRequestTest, TokenIdPromptsRouteByTheirIds) {
  auto read = ReadRoutedRequest(R"({"model": "llama-8b", "prompt": [1, 22, 333]})",
                                Endpoint::kCompletions, kServed);
  ASSERT_TRUE(std::holds_alternative<RoutedRequest>(read));
  EXPECT_EQ(std::get<RoutedRequest>(read).routing_text, "1 22 333 ");
  EXPECT_EQ(std::get<RoutedRequest>(read).path, "/v1/completions");
}

TEST(RoutedRequestTest, BadRequestsAreTheClientsErrors) {
  ClientError error = ErrorOf("{\"model\": ");
  EXPECT_EQ(error.status, 400);
  EXPECT_EQ(error.message, "the request body is not valid JSON");
  error = ErrorOf("[1]");
  EXPECT_EQ(error.message, "the request body must be a JSON object, got array of 1 elements");
  error = ErrorOf(R"({"model": "llama-8b", "prompt": "x", "max_tokens": 0})");
  EXPECT_EQ(error.status, 400);
  EXPECT_EQ(error.param, "max_tokens");
  error = ErrorOf(R"({"model": "llama-8b"})", Endpoint::kChatCompletions);
  EXPECT_EQ(error.param, "messages");
}

TEST(RoutedRequestTest, TheModelMustBeOneTheDeploymentServes) {
  ClientError error = ErrorOf(R"({"prompt": "x"})");
  EXPECT_EQ(error.status, 400);
  EXPECT_EQ(error.param, "model");
  EXPECT_EQ(error.message, "model: is required; this endpoint serves \"llama-8b\"");
  error = ErrorOf(R"({"model": "gpt-4", "prompt": "x"})");
  EXPECT_EQ(error.status, 404);
  EXPECT_EQ(error.type, "NotFoundError");
  EXPECT_EQ(error.message, "The model `gpt-4` does not exist.");
  auto read = ReadRoutedRequest(R"({"model": "meta-llama/Llama-3.1-8B-Instruct", "prompt": "x"})",
                                Endpoint::kCompletions, kServed);
  EXPECT_TRUE(std::holds_alternative<RoutedRequest>(read));
}

}  // namespace
}  // namespace tessera::router
