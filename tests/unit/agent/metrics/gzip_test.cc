#include "agent/metrics/gzip.h"

#include <gtest/gtest.h>
#include <zlib.h>

namespace tessera::agent {
namespace {

// Inflates every member of `data`, as Go's and Python's gzip readers do.
std::string Gunzip(const std::string& data) {
  std::string out;
  size_t offset = 0;
  while (offset < data.size()) {
    z_stream stream{};
    EXPECT_EQ(inflateInit2(&stream, 15 + 16), Z_OK);
    stream.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(data.data() + offset));  // NOLINT
    stream.avail_in = static_cast<uInt>(data.size() - offset);
    std::string chunk(1 << 16, '\0');
    int result = Z_OK;
    while (result == Z_OK) {
      stream.next_out = reinterpret_cast<Bytef*>(chunk.data());  // NOLINT
      stream.avail_out = static_cast<uInt>(chunk.size());
      result = inflate(&stream, Z_NO_FLUSH);
      out.append(chunk.data(), chunk.size() - stream.avail_out);
    }
    EXPECT_EQ(result, Z_STREAM_END);
    offset += stream.total_in;
    inflateEnd(&stream);
    if (result != Z_STREAM_END) break;
  }
  return out;
}

TEST(GzipTest, ConcatenatedMembersReadAsTheirContentsJoined) {
  std::string agent = "# TYPE gpu_gfx_activity gauge\ngpu_gfx_activity{gpu_id=\"0\"} 12\n";
  std::string engines;
  for (int i = 0; i < 5000; ++i) engines += "vllm:num_requests_running{worker=\"w\"} 1\n";
  const std::string body = GzipMember(agent) + GzipMember(engines);
  EXPECT_LT(body.size(), engines.size() / 20);
  EXPECT_EQ(Gunzip(body), agent + engines);
  EXPECT_EQ(Gunzip(GzipMember("")), "");
}

TEST(GzipTest, ReadsAcceptEncoding) {
  EXPECT_TRUE(AcceptsGzip("gzip"));
  EXPECT_TRUE(AcceptsGzip("deflate, GZIP"));
  EXPECT_TRUE(AcceptsGzip("br;q=1.0, gzip;q=0.8"));
  EXPECT_TRUE(AcceptsGzip("*"));
  EXPECT_FALSE(AcceptsGzip(""));
  EXPECT_FALSE(AcceptsGzip("identity"));
  EXPECT_FALSE(AcceptsGzip("gzip;q=0"));
  EXPECT_FALSE(AcceptsGzip("gzip; q=0.000, br"));
  EXPECT_FALSE(AcceptsGzip("gzipx"));
}

}  // namespace
}  // namespace tessera::agent
