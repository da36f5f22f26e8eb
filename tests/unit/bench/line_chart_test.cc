#include "cli/bench/chart/line_chart.h"

#include <cmath>
#include <cstdint>
#include <string>
#include <vector>

#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <zlib.h>

namespace tessera::bench::chart {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;

uint32_t BigEndian(const std::string& bytes, size_t offset) {
  uint32_t value = 0;
  for (size_t i = 0; i < 4; ++i) value = value << 8 | static_cast<uint8_t>(bytes[offset + i]);
  return value;
}

struct Decoded {
  uint32_t width = 0;
  uint32_t height = 0;
  std::vector<uint8_t> scanlines;  // filter byte, then RGB, per row
};

// Walks the chunks, checking every CRC, and inflates the image data.
Decoded Decode(const std::string& png) {
  Decoded decoded;
  EXPECT_EQ(png.substr(0, 8), std::string("\x89PNG\r\n\x1a\n", 8));
  std::string compressed;
  std::vector<std::string> types;
  for (size_t offset = 8; offset < png.size();) {
    const uint32_t length = BigEndian(png, offset);
    const std::string type = png.substr(offset + 4, 4);
    const uint32_t crc = BigEndian(png, offset + 8 + length);
    EXPECT_EQ(crc, crc32(0, reinterpret_cast<const Bytef*>(png.data() + offset + 4), length + 4))
        << type;
    if (type == "IHDR") {
      decoded.width = BigEndian(png, offset + 8);
      decoded.height = BigEndian(png, offset + 12);
    } else if (type == "IDAT") {
      compressed += png.substr(offset + 8, length);
    }
    types.push_back(type);
    offset += 12 + length;
  }
  EXPECT_THAT(types, ElementsAre("IHDR", "IDAT", "IEND"));
  decoded.scanlines.resize(size_t{decoded.height} * (size_t{decoded.width} * 3 + 1));
  uLongf size = decoded.scanlines.size();
  EXPECT_EQ(uncompress(decoded.scanlines.data(), &size,
                       reinterpret_cast<const Bytef*>(compressed.data()), compressed.size()),
            Z_OK);
  EXPECT_EQ(size, decoded.scanlines.size());
  return decoded;
}

bool HasColor(const Decoded& image, uint8_t red, uint8_t green, uint8_t blue) {
  const size_t stride = image.width * 3 + 1;
  for (size_t row = 0; row < image.height; ++row) {
    for (size_t x = 0; x < image.width; ++x) {
      const uint8_t* pixel = &image.scanlines[row * stride + 1 + x * 3];
      if (pixel[0] == red && pixel[1] == green && pixel[2] == blue) return true;
    }
  }
  return false;
}

LineChartSpec TwoSeries() {
  LineChartSpec spec;
  spec.title = "throughput vs latency";
  spec.x_label = "output tok/s";
  spec.left_label = "TTFT (ms)";
  spec.right_label = "TPOT (ms)";
  spec.series = {
      {.label = "TTFT", .points = {{100, 50}, {400, 90}, {900, 400}}},
      {.label = "TPOT", .points = {{100, 20}, {400, 22}, {900, 35}}, .right_axis = true}};
  spec.width = 640;
  spec.height = 360;
  return spec;
}

TEST(LineChartTest, RendersAValidPngWithTheSeriesColors) {
  StatusOr<std::string> png = RenderLineChartPng(TwoSeries());
  ASSERT_TRUE(png.ok()) << png.status();
  const Decoded image = Decode(*png);
  EXPECT_EQ(image.width, 640u);
  EXPECT_EQ(image.height, 360u);
  // White background in the corner, the first two palette colors drawn.
  EXPECT_EQ(image.scanlines[1], 255);
  EXPECT_EQ(image.scanlines[3], 255);
  EXPECT_TRUE(HasColor(image, 31, 119, 180));
  EXPECT_TRUE(HasColor(image, 230, 120, 20));
}

TEST(LineChartTest, FlatAndSinglePointSeriesStillRender) {
  LineChartSpec spec = TwoSeries();
  spec.series = {{.label = "one", .points = {{5, 5}}}};
  EXPECT_TRUE(RenderLineChartPng(spec).ok());
  spec.series = {{.label = "flat", .points = {{0, 0}, {0, 0}}}};
  EXPECT_TRUE(RenderLineChartPng(spec).ok());
}

TEST(LineChartTest, BadSpecsNameTheField) {
  LineChartSpec spec = TwoSeries();
  spec.series.clear();
  EXPECT_THAT(RenderLineChartPng(spec).status().message(), HasSubstr("at least one"));
  spec = TwoSeries();
  spec.series[1].points.clear();
  EXPECT_THAT(RenderLineChartPng(spec).status().message(), HasSubstr("TPOT: has no points"));
  spec = TwoSeries();
  spec.series[0].points[1].second = NAN;
  EXPECT_THAT(RenderLineChartPng(spec).status().message(), HasSubstr("not finite"));
  spec = TwoSeries();
  spec.width = 10;
  EXPECT_THAT(RenderLineChartPng(spec).status().message(), HasSubstr("chart size"));
}

TEST(NiceTicksTest, StepsOfOneTwoOrFive) {
  EXPECT_THAT(NiceTicks(0, 10), ElementsAre(0, 2, 4, 6, 8, 10));
  EXPECT_THAT(NiceTicks(0, 940), ElementsAre(0, 200, 400, 600, 800, 1000));
  EXPECT_THAT(NiceTicks(0, 3.3), ElementsAre(0, 1, 2, 3, 4));
  const std::vector<double> small = NiceTicks(0, 0.07);
  EXPECT_NEAR(small[1] - small[0], 0.02, 1e-12);  // 0.07 / 5 = 0.014 rounds up to 0.02
  EXPECT_EQ(NiceTicks(5, 5).size(), 6u);          // a flat range is widened
}

}  // namespace
}  // namespace tessera::bench::chart
