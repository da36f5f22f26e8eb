// The socket-free parts of http/: URLs, serialization, messages.

#include "http/http_message.h"

#include <string>
#include <vector>

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "http/http_url.h"
#include "http/http_wire.h"

namespace tessera::http {
namespace {

using ::testing::HasSubstr;

TEST(ParseHttpUrlTest, SplitsHostPortAndTarget) {
  StatusOr<HttpUrl> url = ParseHttpUrl("http://127.0.0.1:8000/v1/completions?stream=true");
  ASSERT_TRUE(url.ok()) << url.status();
  EXPECT_EQ(url->host, "127.0.0.1");
  EXPECT_EQ(url->port, 8000);
  EXPECT_EQ(url->target, "/v1/completions?stream=true");
  EXPECT_EQ(url->Authority(), "127.0.0.1:8000");
}

TEST(ParseHttpUrlTest, DefaultsPortAndPath) {
  StatusOr<HttpUrl> url = ParseHttpUrl("http://engine-0");
  ASSERT_TRUE(url.ok()) << url.status();
  EXPECT_EQ(url->host, "engine-0");
  EXPECT_EQ(url->port, 80);
  EXPECT_EQ(url->target, "/");
  StatusOr<HttpUrl> query_only = ParseHttpUrl("http://engine-0:81?x=1");
  ASSERT_TRUE(query_only.ok()) << query_only.status();
  EXPECT_EQ(query_only->target, "/?x=1");
}

TEST(ParseHttpUrlTest, AcceptsBracketedIpv6) {
  StatusOr<HttpUrl> url = ParseHttpUrl("http://[::1]:9000/health");
  ASSERT_TRUE(url.ok()) << url.status();
  EXPECT_EQ(url->host, "::1");
  EXPECT_EQ(url->port, 9000);
  EXPECT_EQ(url->Authority(), "[::1]:9000");
}

TEST(ParseHttpUrlTest, RejectionsQuoteTheUrlAndSayWhy) {
  const std::vector<std::pair<std::string, std::string>> cases = {
      {"https://a:1/", "https is not supported"},
      {"ftp://a/", "must start with http://"},
      {"http://:80/", "missing host"},
      {"http://a:0/", "port must be a number from 1 to 65535"},
      {"http://a:70000/", "port must be a number from 1 to 65535"},
      {"http://a:8x/", "port must be a number from 1 to 65535"},
      {"http://a:/", "empty port"},
      {"http://[::1/", "unterminated IPv6 literal"},
      {"http://user@a/", "user information is not supported"},
  };
  for (const auto& [url, why] : cases) {
    StatusOr<HttpUrl> parsed = ParseHttpUrl(url);
    ASSERT_FALSE(parsed.ok()) << url;
    EXPECT_EQ(parsed.status().code(), StatusCode::kInvalidArgument);
    EXPECT_THAT(parsed.status().message(), HasSubstr("\"" + url + "\"")) << url;
    EXPECT_THAT(parsed.status().message(), HasSubstr(why)) << url;
  }
}

TEST(HttpWireTest, ResponseHeadCarriesFramingAndDropsCallerFraming) {
  std::string out;
  const std::vector<HttpHeader> headers = {{"Content-Type", "application/json"},
                                           {"Content-Length", "999"},
                                           {"Connection", "keep-alive"}};
  AppendResponseHead(out, 11, 200, headers, BodyFraming::kContentLength, 12, true);
  EXPECT_EQ(out, "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 12\r\n\r\n");
}

TEST(HttpWireTest, ChunkedHeadAndClose) {
  std::string out;
  AppendResponseHead(out, 11, 404, {}, BodyFraming::kChunked, 0, false);
  EXPECT_EQ(out,
            "HTTP/1.1 404 Not Found\r\nTransfer-Encoding: chunked\r\nConnection: close\r\n\r\n");
}

TEST(HttpWireTest, Http10KeepAliveIsExplicit) {
  std::string out;
  AppendResponseHead(out, 10, 200, {}, BodyFraming::kContentLength, 0, true);
  EXPECT_THAT(out, HasSubstr("Connection: keep-alive\r\n"));
}

TEST(HttpWireTest, ChunksAreHexSized) {
  std::string out;
  AppendChunk(out, std::string(300, 'x'));
  AppendLastChunk(out);
  EXPECT_EQ(out, "12c\r\n" + std::string(300, 'x') + "\r\n0\r\n\r\n");
}

TEST(HttpWireTest, RequestGetsHostAndContentLength) {
  std::string out;
  const std::vector<HttpHeader> headers = {{"Content-Type", "application/json"}};
  AppendRequest(out, "POST", "/v1/completions", "127.0.0.1:8000", headers, "{}");
  EXPECT_EQ(out,
            "POST /v1/completions HTTP/1.1\r\nHost: 127.0.0.1:8000\r\n"
            "Content-Type: application/json\r\nContent-Length: 2\r\n\r\n{}");
  out.clear();
  AppendRequest(out, "GET", "/health", "h:1", {}, "");
  EXPECT_EQ(out, "GET /health HTTP/1.1\r\nHost: h:1\r\n\r\n");
}

TEST(HttpWireTest, ValidateHeadersNamesTheOffender) {
  EXPECT_TRUE(ValidateHeaders(std::vector<HttpHeader>{{"X-Ok", "fine value"}}).ok());
  const Status injected = ValidateHeaders(std::vector<HttpHeader>{{"X-Bad", "a\r\nSet-Cookie: x"}});
  EXPECT_EQ(injected.code(), StatusCode::kInvalidArgument);
  EXPECT_THAT(injected.message(), HasSubstr("\"X-Bad\""));
  const Status bad_name = ValidateHeaders(std::vector<HttpHeader>{{"Bad Name", "v"}});
  EXPECT_THAT(bad_name.message(), HasSubstr("\"Bad Name\""));
  EXPECT_FALSE(ValidateHeaders(std::vector<HttpHeader>{{"", "v"}}).ok());
}

TEST(HttpWireTest, ConnectionCloseIsATokenOfAnyCase) {
  EXPECT_TRUE(HasConnectionClose(std::vector<HttpHeader>{{"connection", "Upgrade, CLOSE"}}));
  EXPECT_FALSE(HasConnectionClose(std::vector<HttpHeader>{{"Connection", "keep-alive"}}));
  EXPECT_FALSE(HasConnectionClose(std::vector<HttpHeader>{{"X-Connection", "close"}}));
}

TEST(HttpMessageTest, HeaderLookupIgnoresCase) {
  HttpRequest request;
  request.headers = {{"Content-Type", "application/json"}, {"content-type", "second"}};
  EXPECT_EQ(request.Header("CONTENT-TYPE"), "application/json");
  EXPECT_FALSE(request.Header("Accept").has_value());
}

TEST(HttpMessageTest, JsonErrorBodyHasTheOpenAiShape) {
  const nlohmann::json body = nlohmann::json::parse(JsonErrorBody(413, "too \"big\""));
  EXPECT_EQ(body["error"]["message"], "too \"big\"");
  EXPECT_EQ(body["error"]["type"], "Payload Too Large");
  EXPECT_TRUE(body["error"]["param"].is_null());
  EXPECT_EQ(body["error"]["code"], 413);
}

TEST(HttpMessageTest, ReasonPhraseOfAnUndefinedStatus) {
  EXPECT_EQ(HttpReasonPhrase(799), "Unknown");
}

TEST(PercentEncodeTest, EscapesAllButUnreservedAndRoundTrips) {
  EXPECT_EQ(PercentEncode("default.llama-8b.decode_0~x"), "default.llama-8b.decode_0~x");
  EXPECT_EQ(PercentEncode("a b/c?d&e%"), "a%20b%2Fc%3Fd%26e%25");
  const std::string all_bytes = [] {
    std::string text;
    for (int byte = 1; byte < 256; ++byte) text += static_cast<char>(byte);
    return text;
  }();
  EXPECT_EQ(PercentDecode(PercentEncode(all_bytes)).value(), all_bytes);
}

}  // namespace
}  // namespace tessera::http
