// The line reader's decoding: the best class of each frame, repeats merged and blanks dropped,
// each digit's confidence the best probability of its run, its top list without the blank, its
// box the image columns of its frames; bad scorer output and blank images are errors.
#include "inkstone/vision/line_reader.hpp"

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "glyphs.hpp"
#include "inkstone/tensor/error.hpp"

namespace inkstone {
namespace {

constexpr int kClasses = 11, kBlank = 10;

LineReaderOptions options(int frames) {
  LineReaderOptions o;
  o.frames = frames;
  o.classes = kClasses;
  o.blank = kBlank;
  for (int d = 0; d < 10; ++d) o.class_names.push_back(std::to_string(d));
  o.class_names.push_back("blank");
  return o;
}

// Frames of one-hot-ish probabilities: `best` of each frame gets p, the rest share 1 - p.
std::vector<float> frames_of(const std::vector<int>& best, float p = 0.9f) {
  std::vector<float> out;
  for (int b : best)
    for (int c = 0; c < kClasses; ++c) out.push_back(c == b ? p : (1 - p) / (kClasses - 1));
  return out;
}

TEST(LineReader, MergesRepeatsDropsBlanksAndKeepsDoubledDigits) {
  LinePlacement identity;  // strip column x is image column x
  identity.ink = PixelBox{0, 5, 128, 20};
  const std::vector<int> best = {kBlank, 1, 1, kBlank, 2, kBlank, 2, 2, kBlank, 7};
  std::vector<float> p = frames_of(best);
  p[2 * kClasses + 1] = 0.97f;  // frame 2 is the 1's most confident frame
  const Reading r = decode_line(p, options(10), identity);
  EXPECT_EQ(r.text, "1227");
  ASSERT_EQ(r.digits.size(), 4u);
  EXPECT_FLOAT_EQ(r.digits[0].confidence, 0.97f);
  EXPECT_FLOAT_EQ(r.digits[1].confidence, 0.9f);
  EXPECT_EQ(r.digits[0].label, "1");
  ASSERT_EQ(r.digits[0].top.size(), 3u);
  EXPECT_EQ(r.digits[0].top[0].first, 1);
  for (const auto& [c, q] : r.digits[3].top) EXPECT_NE(c, kBlank);
  // Frame f covers strip columns [8 + 4f, 12 + 4f): the 1 is frames 1-2 -> columns 12..20.
  EXPECT_EQ(r.digits[0].box.x, 12);
  EXPECT_EQ(r.digits[0].box.width, 8);
  EXPECT_EQ(r.digits[0].box.y, 5);
  EXPECT_EQ(r.digits[0].box.height, 20);
  EXPECT_EQ(r.digits[3].box.x, 8 + 4 * 9);
}

TEST(LineReader, AllBlankReadsAsNothing) {
  LinePlacement p;
  p.ink = PixelBox{0, 0, 128, 32};
  const Reading r = decode_line(frames_of(std::vector<int>(12, kBlank)), options(12), p);
  EXPECT_EQ(r.text, "");
  EXPECT_TRUE(r.digits.empty());
}

TEST(LineReader, ReadsAnImageThroughItsStrip) {
  // A stand-in scorer that checks it got the normalized strip and reads "42" in its middle.
  const Image page = test_glyphs::draw_string("42", 6);
  LineReaderOptions o = options(28);
  int calls = 0;
  const LineScorer scorer = [&](const Image& strip) {
    ++calls;
    EXPECT_EQ(strip.width, 128);
    EXPECT_EQ(strip.height, 32);
    EXPECT_EQ(*strip.at(0, 0), 0);
    std::vector<int> best(28, kBlank);
    best[10] = 4;
    best[16] = 2;
    return frames_of(best);
  };
  const Reading r = read_digit_line(page, scorer, o);
  EXPECT_EQ(calls, 1);
  EXPECT_EQ(r.text, "42");
  ASSERT_EQ(r.digits.size(), 2u);
  // The boxes lie inside the page's ink, the 4 left of the 2.
  EXPECT_GE(r.digits[0].box.x, 30);
  EXPECT_LT(r.digits[0].box.x, r.digits[1].box.x);
  EXPECT_LE(r.digits[1].box.x + r.digits[1].box.width, page.width - 30);
  EXPECT_EQ(r.digits[0].box.y, 30);
  EXPECT_EQ(r.digits[0].box.height, 56);
}

TEST(LineReader, BadScoresAndBlankImagesAreErrors) {
  LinePlacement p;
  p.ink = PixelBox{0, 0, 10, 10};
  EXPECT_THROW(decode_line(std::vector<float>(5, 0.1f), options(3), p), Error);  // wrong count
  std::vector<float> nan = frames_of({1, 2, 3});
  nan[4] = std::nanf("");
  EXPECT_THROW(decode_line(nan, options(3), p), Error);
  LineReaderOptions bad = options(3);
  bad.blank = 11;
  EXPECT_THROW(decode_line(frames_of({1, 2, 3}), bad, p), Error);
  const LineScorer never = [](const Image&) -> std::vector<float> {
    ADD_FAILURE() << "a blank page was scored";
    return {};
  };
  EXPECT_THROW(read_digit_line(Image(80, 40, 1, 240), never, options(28)), Error);
  LineReaderOptions small = options(28);
  small.max_pixels = 100;
  EXPECT_THROW(read_digit_line(test_glyphs::draw_string("1", 0), never, small), Error);
}

}  // namespace
}  // namespace inkstone
