#include "base/host_port.h"

#include <gtest/gtest.h>

namespace tessera {
namespace {

TEST(ParseHostPortTest, ReadsHostAndPort) {
  StatusOr<HostPort> parsed = ParseHostPort("--listen", "127.0.0.1:8470");
  ASSERT_TRUE(parsed.ok()) << parsed.status();
  EXPECT_EQ(parsed->host, "127.0.0.1");
  EXPECT_EQ(parsed->port, 8470);
  EXPECT_EQ(ParseHostPort("--listen", "localhost:0")->port, 0);
}

TEST(ParseHostPortTest, AnEmptyHostListensEverywhere) {
  EXPECT_EQ(ParseHostPort("--metrics-listen", ":8080")->host, "0.0.0.0");
}

TEST(ParseHostPortTest, RemovesTheBracketsOfAnIpv6Address) {
  StatusOr<HostPort> parsed = ParseHostPort("--listen", "[::1]:8470");
  ASSERT_TRUE(parsed.ok()) << parsed.status();
  EXPECT_EQ(parsed->host, "::1");
}

TEST(ParseHostPortTest, ErrorsNameTheFlag) {
  for (const char* text : {"8470", "host:", "host:http", "host:-1", ""}) {
    StatusOr<HostPort> parsed = ParseHostPort("--metrics-listen", text);
    ASSERT_FALSE(parsed.ok()) << text;
    EXPECT_EQ(parsed.status().message(),
              std::string("--metrics-listen: expected HOST:PORT or :PORT, got \"") + text + "\"");
  }
  EXPECT_EQ(ParseHostPort("--listen", "host:65536").status().message(),
            "--listen: port 65536 out of range (0 to 65535)");
}

}  // namespace
}  // namespace tessera
