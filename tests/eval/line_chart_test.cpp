// Plot drawing: nice tick values, tick labels, text and lines on the canvas, and a whole chart
// that encodes to a PNG of the requested size.
#include <gtest/gtest.h>

#include <cmath>
#include <string>
#include <vector>

#include "inkstone/data/image.hpp"
#include "inkstone/eval/canvas.hpp"
#include "inkstone/eval/line_chart.hpp"
#include "inkstone/tensor/error.hpp"

namespace inkstone {
namespace {

TEST(NiceTicks, StepsOfOneTwoOrFiveTimesAPowerOfTen) {
  EXPECT_EQ(nice_ticks(0, 10, 5), (std::vector<double>{0, 2, 4, 6, 8, 10}));
  const auto t = nice_ticks(0.9012, 0.9934, 6);  // step 0.02
  ASSERT_GE(t.size(), 2u);
  EXPECT_NEAR(t[1] - t[0], 0.02, 1e-12);
  EXPECT_LE(t.front(), 0.9012);
  EXPECT_GE(t.back(), 0.9934);
  const auto u = nice_ticks(-3.2, 47, 6);  // step 10
  EXPECT_DOUBLE_EQ(u.front(), -10);
  EXPECT_DOUBLE_EQ(u.back(), 50);
  const auto flat = nice_ticks(1, 1, 6);  // a flat series still gets a range
  EXPECT_LT(flat.front(), 1);
  EXPECT_GT(flat.back(), 1);
  EXPECT_THROW(nice_ticks(0, NAN), Error);
}

TEST(NiceTicks, LabelsShowTheDecimalsTheStepNeeds) {
  EXPECT_EQ(format_tick(0.25, 0.05), "0.25");
  EXPECT_EQ(format_tick(0.9, 0.02), "0.90");
  EXPECT_EQ(format_tick(10, 5), "10");
  EXPECT_EQ(format_tick(0.00002, 0.00001), "2e-05");
}

int count_color(const Image& img, Rgb c) {
  int n = 0;
  for (int y = 0; y < img.height; ++y)
    for (int x = 0; x < img.width; ++x) {
      const uint8_t* p = img.at(x, y);
      n += p[0] == c.r && p[1] == c.g && p[2] == c.b;
    }
  return n;
}

TEST(Canvas, TextAndLinesLandWhereAsked) {
  Canvas c(100, 40);
  const Rgb red{255, 0, 0};
  c.text(2, 2, "I", red, 1);  // 'I': rows .###. / ..#.. x5 / .###.: 3 + 5 + 3 = 11 pixels
  EXPECT_EQ(count_color(c.image(), red), 11);
  EXPECT_EQ(Canvas::text_width("abc", 2), 34);
  const Rgb blue{0, 0, 255};
  c.line(10, 30, 89, 30, blue, 1);
  EXPECT_EQ(count_color(c.image(), blue), 80);
  c.line(-50, -50, 500, 500, blue, 3);  // clipped, no crash
  c.text(0, 0, "\x01\xff", red);        // unprintable: drawn as '?'
}

TEST(LineChart, DrawsSeriesAndLegendIntoAPng) {
  LineChart chart;
  chart.title = "Accuracy";
  chart.x_label = "epoch";
  chart.y_label = "accuracy";
  chart.integer_x = true;
  chart.series.push_back({"train", {1, 2, 3, 4}, {0.9, 0.95, 0.97, 0.98}, series_color(0), false});
  chart.series.push_back(
      {"validation", {1, 2, 3, 4}, {0.93, 0.96, NAN, 0.975}, series_color(0), true});
  Canvas c(640, 400);
  draw_line_chart(c, 0, 0, 640, 400, chart);
  EXPECT_GT(count_color(c.image(), series_color(0)), 300);  // lines, markers, legend swatches
  const std::vector<uint8_t> png = encode_png(c.image());
  ASSERT_GT(png.size(), 8u);
  EXPECT_EQ(png[1], 'P');
  LineChart empty;
  EXPECT_THROW(draw_line_chart(c, 0, 0, 640, 400, empty), Error);
  EXPECT_THROW(draw_line_chart(c, 0, 0, 50, 50, chart), Error);  // no room
}

}  // namespace
}  // namespace inkstone
