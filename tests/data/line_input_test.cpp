// Line inputs and line datasets: a line of ink is scaled to fit the strip with its aspect ratio
// kept and centred, the placement maps image columns to strip columns and back, bad input is an
// Error; make_line_dataset draws lengths and layouts as asked and line_batch scales pixels to
// [0, 1] and pads labels with -1.
#include "inkstone/data/line_input.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <string>
#include <vector>

#include "data/bar_digits.hpp"
#include "data/resample.hpp"
#include "inkstone/data/line_dataset.hpp"
#include "inkstone/tensor/error.hpp"

namespace inkstone {
namespace {

// The bounding box of the pixels > 0 (crop_to_ink finds it).
PixelBox ink_box(const Image& img) {
  PixelBox box;
  data_detail::crop_to_ink(img, box);
  return box;
}

TEST(LineInput, TallInkFillsTheHeightAndIsCentred) {
  Image ink(300, 100, 1, 0);
  for (int y = 20; y < 80; ++y)  // 60 high, 90 wide: height-bound in a 32x128 strip
    for (int x = 100; x < 190; ++x) *ink.at(x, y) = 200;
  LinePlacement p;
  const Image strip = fit_ink_line(ink, LineInputOptions{}, &p);
  ASSERT_EQ(strip.width, 128);
  ASSERT_EQ(strip.height, 32);
  const PixelBox b = ink_box(strip);
  EXPECT_EQ(b.height, 28);                  // 32 - 2 x margin 2
  EXPECT_EQ(b.width, 42);                   // 90 x 28 / 60
  EXPECT_NEAR(b.x + b.width / 2.0, 64, 1);  // centred
  EXPECT_EQ(p.ink.x, 100);
  EXPECT_EQ(p.ink.width, 90);
  EXPECT_NEAR(p.scale, 42.0 / 90, 1e-9);
  // Image column 100 (the ink's left edge) lands on the strip's ink edge and maps back.
  EXPECT_NEAR(p.offset_x, b.x, 1e-9);
  EXPECT_NEAR(p.image_x(b.x), 100, 1e-9);
  EXPECT_NEAR(p.image_x(b.x + b.width), 190, 1e-9);
}

TEST(LineInput, LongInkIsBoundByTheWidth) {
  Image ink(1000, 40, 1, 0);
  for (int y = 10; y < 30; ++y)
    for (int x = 0; x < 1000; ++x) *ink.at(x, y) = 255;
  const Image strip = fit_ink_line(ink, LineInputOptions{});
  const PixelBox b = ink_box(strip);
  EXPECT_EQ(b.width, 124);
  EXPECT_LE(b.height, 3);
}

TEST(LineInput, DarkOnLightPaperIsInverted) {
  Image page(200, 80, 1, 230);
  for (int y = 20; y < 60; ++y)
    for (int x = 40; x < 160; x += 1)
      if ((x / 10) % 2 == 0) *page.at(x, y) = 20;
  const Image strip = line_input(page);
  const PixelBox b = ink_box(strip);
  EXPECT_EQ(b.height, 28);
  EXPECT_EQ(*strip.at(0, 0), 0);  // the paper is black in the strip
}

TEST(LineInput, BadInputIsAnError) {
  EXPECT_THROW(fit_ink_line(Image(50, 20, 1, 0), LineInputOptions{}), Error);  // no ink
  LineInputOptions tiny;
  tiny.height = 3;
  Image ink(10, 10, 1, 255);
  EXPECT_THROW(fit_ink_line(ink, tiny), Error);
  LineInputOptions margins;
  margins.margin = 16;
  EXPECT_THROW(fit_ink_line(ink, margins), Error);
  EXPECT_THROW(fit_ink_line(Image(10, 10, 3, 255), LineInputOptions{}), Error);  // not grey
}

Dataset bars() {
  return testing::bar_digits();
}

TEST(LineDataset, DrawsLengthsInRangeAndBatchesPadLabels) {
  LineDatasetOptions o;
  o.count = 40;
  o.min_length = 2;
  o.max_length = 4;
  Rng rng(5);
  int64_t calls = 0;
  const LineDataset d = make_line_dataset(bars(), o, rng, [&](int64_t, int64_t) { ++calls; });
  ASSERT_EQ(d.size(), 40);
  EXPECT_EQ(calls, 1);  // at the end (every 1,000 strings and at the end)
  ASSERT_EQ(d.strips.size(), size_t{40} * 32 * 128);
  std::vector<int> lengths(5, 0);
  for (const std::string& t : d.texts) {
    ASSERT_GE(t.size(), 2u);
    ASSERT_LE(t.size(), 4u);
    ++lengths[t.size()];
    for (char c : t) EXPECT_TRUE(c >= '0' && c <= '9');
  }
  EXPECT_GT(lengths[2], 0);
  EXPECT_GT(lengths[4], 0);
  std::vector<int64_t> order(40);
  for (int64_t i = 0; i < 40; ++i) order[static_cast<size_t>(i)] = 39 - i;
  Tensor x, labels;
  line_batch(d, order, 0, 8, x, labels);
  ASSERT_EQ(x.shape(), (Shape{8, 1, 32, 128}));
  size_t longest = 0;
  for (int64_t i = 0; i < 8; ++i)
    longest = std::max(longest, d.texts[static_cast<size_t>(39 - i)].size());
  ASSERT_EQ(labels.shape(), (Shape{8, static_cast<int64_t>(longest)}));
  for (int64_t i = 0; i < 8; ++i) {
    const std::string& t = d.texts[static_cast<size_t>(39 - i)];
    for (size_t j = 0; j < longest; ++j)
      EXPECT_EQ(labels.data()[i * static_cast<int64_t>(longest) + static_cast<int64_t>(j)],
                j < t.size() ? t[j] - '0' : -1);
    EXPECT_FLOAT_EQ(x.data()[i * 32 * 128 + 5 * 128 + 60], d.strip(39 - i)[5 * 128 + 60] / 255.0f);
  }
  float hi = 0;
  for (int64_t i = 0; i < x.numel(); ++i) hi = std::max(hi, x.data()[i]);
  EXPECT_GT(hi, 0.5f);
  EXPECT_LE(hi, 1.0f);
}

TEST(LineDataset, BadOptionsAreErrors) {
  Rng rng(1);
  LineDatasetOptions o;
  o.count = 0;
  EXPECT_THROW(make_line_dataset(bars(), o, rng), Error);
  o.count = 2;
  o.min_length = 5;
  o.max_length = 4;
  EXPECT_THROW(make_line_dataset(bars(), o, rng), Error);
  o.max_length = 5;
  o.layouts = {"boxes"};
  EXPECT_THROW(make_line_dataset(bars(), o, rng), Error);
  o.layouts = {};
  EXPECT_THROW(make_line_dataset(bars(), o, rng), Error);
}

}  // namespace
}  // namespace inkstone
