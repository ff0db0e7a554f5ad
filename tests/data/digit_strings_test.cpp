// Synthetic digit strings: the text matches the digits drawn, boxes follow the layout (clear
// gaps, touching neighbours, printed boxes), output is deterministic for a seed, options are
// checked.
#include "inkstone/data/digit_strings.hpp"

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "data/bar_digits.hpp"
#include "inkstone/tensor/error.hpp"

namespace inkstone {
namespace {

Dataset bars() {
  return testing::bar_digits();
}

DigitString make(const std::string& layout, uint64_t seed = 3) {
  DigitStringOptions o;
  o.layout = layout;
  o.length = 6;
  Rng rng(seed);
  return synth_digit_string(bars(), o, rng);
}

TEST(DigitStrings, GapsLeaveClearSpaceBetweenDigits) {
  const DigitString s = make("gaps");
  ASSERT_EQ(s.text.size(), 6u);
  ASSERT_EQ(s.boxes.size(), 6u);
  for (char c : s.text) EXPECT_TRUE(c >= '0' && c <= '9');
  for (size_t i = 1; i < s.boxes.size(); ++i)
    EXPECT_GE(s.boxes[i].x - (s.boxes[i - 1].x + s.boxes[i - 1].width), 3) << i;
  // Dark ink on light paper: the image's corner is paper, a box centre is ink.
  EXPECT_GT(*s.image.at(0, 0), 150);
  const PixelBox& b = s.boxes[0];
  EXPECT_LT(*s.image.at(b.x + b.width / 2, b.y + b.height / 2), 100);
}

TEST(DigitStrings, TouchingNeighboursMeetOrOverlap) {
  const DigitString s = make("touching");
  for (size_t i = 1; i < s.boxes.size(); ++i)
    EXPECT_LE(s.boxes[i].x, s.boxes[i - 1].x + s.boxes[i - 1].width) << i;
}

TEST(DigitStrings, BoxesAreEvenlySpacedCells) {
  const DigitString s = make("boxes");
  for (size_t i = 1; i < s.boxes.size(); ++i)
    EXPECT_EQ(s.boxes[i].x - s.boxes[i - 1].x, s.boxes[0].width);
  EXPECT_LT(*s.image.at(s.boxes[0].x, s.boxes[0].y + 5), 60);  // the printed frame
}

TEST(DigitStrings, DeterministicAndChecked) {
  EXPECT_EQ(make("gaps", 5).image.pixels, make("gaps", 5).image.pixels);
  EXPECT_EQ(make("gaps", 5).text, make("gaps", 5).text);
  EXPECT_NE(make("gaps", 5).text + std::to_string(make("gaps", 5).image.width),
            make("gaps", 6).text + std::to_string(make("gaps", 6).image.width));
  EXPECT_THROW(make("zigzag"), Error);
  DigitStringOptions o;
  o.length = 0;
  Rng rng(1);
  EXPECT_THROW(synth_digit_string(bars(), o, rng), Error);
  Dataset wrong = bars();
  wrong.height = 14;
  o.length = 3;
  EXPECT_THROW(synth_digit_string(wrong, o, rng), Error);
}

}  // namespace
}  // namespace inkstone
