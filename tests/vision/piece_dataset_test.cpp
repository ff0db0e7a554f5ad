// Reader training data with a reject class: the candidate pieces of a string, their labels
// against the true digit boxes, and a whole piece dataset cut from synthetic strings.
#include "inkstone/vision/piece_dataset.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <set>

#include "inkstone/data/mnist_style.hpp"
#include "inkstone/tensor/error.hpp"
#include "vision/glyphs.hpp"

namespace inkstone {
namespace {

using test_glyphs::draw_digit;
using test_glyphs::draw_string;
using test_glyphs::kScale;

TEST(PieceLabel, OneDigitFragmentsAndJoins) {
  // Three digits 40 pixels wide at x = 0, 50, 100 (the middle one touches nothing).
  const std::vector<PixelBox> boxes = {{0, 0, 40, 50}, {50, 0, 40, 50}, {100, 0, 40, 50}};
  EXPECT_EQ(piece_label(0, 40, boxes, "472"), 4);
  EXPECT_EQ(piece_label(48, 92, boxes, "472"), 7);                // margins of paper on both sides
  EXPECT_EQ(piece_label(52, 96, boxes, "472"), 7);                // 95% of the 7
  EXPECT_EQ(piece_label(0, 20, boxes, "472"), kPieceNone);        // half a 4
  EXPECT_EQ(piece_label(0, 90, boxes, "472"), kPieceNone);        // the 4 and the 7
  EXPECT_EQ(piece_label(20, 90, boxes, "472"), kPieceNone);       // half the 4 and the 7
  EXPECT_EQ(piece_label(30, 90, boxes, "472"), kPieceAmbiguous);  // the 7 and a quarter of the 4
  EXPECT_EQ(piece_label(0, 28, boxes, "472"), kPieceAmbiguous);   // 70% of the 4
  EXPECT_EQ(piece_label(0, 40, boxes, "4_2"), 4);
  EXPECT_EQ(piece_label(50, 90, boxes, "4_2"), kPieceAmbiguous);  // an empty box is no digit
  EXPECT_EQ(piece_label(0, 40, {}, ""), kPieceNone);
}

TEST(DigitStringPieces, SeparateDigitsAreWholeBlobPieces) {
  const Image img = draw_string("407", 20);  // glyph cells 40 wide at 30, 90, 150
  std::vector<StringPiece> pieces = digit_string_pieces(img);
  // Blobs this wide are also cut (candidates the classifier rejects); the whole ones are the
  // digits.
  ASSERT_GT(pieces.size(), 3u);
  pieces.erase(std::remove_if(pieces.begin(), pieces.end(),
                              [](const StringPiece& p) { return !p.whole_blob; }),
               pieces.end());
  ASSERT_EQ(pieces.size(), 3u);
  for (size_t i = 0; i < 3; ++i) {
    EXPECT_EQ(pieces[i].input.width, 28);
    const int cell = 30 + static_cast<int>(i) * 60;
    EXPECT_GE(pieces[i].x0, cell);
    EXPECT_LE(pieces[i].x1, cell + 5 * kScale);
    EXPECT_GT(pieces[i].x1 - pieces[i].x0, 2 * kScale);
  }
}

TEST(DigitStringPieces, TouchingDigitsGiveEachDigitAndSomeRejects) {
  // The glyphs of "5038" one font pixel apart, joined by ligatures: one blob.
  const std::string digits = "5038";
  Image img = draw_string(digits, kScale);
  test_glyphs::join_with_ligatures(img, digits, kScale);
  std::vector<PixelBox> cells;
  for (int i = 0; i < 4; ++i) cells.push_back({30 + i * 6 * kScale, 30, 5 * kScale, 7 * kScale});
  const std::vector<StringPiece> pieces = digit_string_pieces(img);
  std::set<int> labels;
  int whole = 0;
  for (const StringPiece& p : pieces) {
    const int label = piece_label(p.x0, p.x1, cells, digits);
    labels.insert(label);
    if (p.whole_blob) {
      ++whole;
      EXPECT_EQ(label, kPieceNone);  // four digits: the reader reads it whole only as a last resort
    }
  }
  for (int d : {5, 0, 3, 8}) EXPECT_TRUE(labels.count(d)) << "no piece is the digit " << d;
  EXPECT_TRUE(labels.count(kPieceNone));
  EXPECT_EQ(whole, 1);
}

// 28x28 MNIST-style glyph digits, `per_class` of each, labelled 0-9.
Dataset glyph_digits(int per_class) {
  Dataset d;
  d.name = "glyphs";
  d.channels = 1;
  d.height = d.width = 28;
  d.num_classes = 10;
  for (int k = 0; k < per_class; ++k)
    for (int c = 0; c < 10; ++c) {
      Image img(5 * kScale + 40, 7 * kScale + 40, 1, 235);
      draw_digit(img, c, 20 + k % 3, 20);
      const Image input = mnist_style(img);
      d.images.insert(d.images.end(), input.pixels.begin(), input.pixels.end());
      d.labels.push_back(c);
    }
  return d;
}

TEST(MakePieceDataset, ElevenClassesWithBoundedRejects) {
  PieceDatasetOptions o;
  o.strings = 30;
  o.length = 4;
  Rng rng(3);
  const Dataset d = make_piece_dataset(glyph_digits(3), o, rng);
  EXPECT_EQ(d.num_classes, 11);
  ASSERT_EQ(d.class_names.size(), 11u);
  EXPECT_EQ(d.class_names[10], kRejectClassName);
  EXPECT_EQ(d.class_names[7], "7");
  ASSERT_EQ(d.images.size(), static_cast<size_t>(d.size()) * 28 * 28);
  const int64_t none = std::count(d.labels.begin(), d.labels.end(), kPieceNone);
  const int64_t digits = d.size() - none;
  EXPECT_GE(digits, 60);  // most of the 120 digits are found as one piece
  EXPECT_GT(none, 0);
  EXPECT_LE(none, digits);  // reject_ratio 1
  for (int32_t l : d.labels) EXPECT_TRUE(l >= 0 && l <= 10);
  std::set<int32_t> seen(d.labels.begin(), d.labels.end());
  EXPECT_GE(seen.size(), 8u);

  o.reject_ratio = 0;
  Rng again(3);
  const Dataset no_rejects = make_piece_dataset(glyph_digits(3), o, again);
  EXPECT_EQ(std::count(no_rejects.labels.begin(), no_rejects.labels.end(), kPieceNone), 0);
  EXPECT_EQ(no_rejects.size(), digits);  // the same strings, the same digit pieces

  o.strings = 0;
  EXPECT_THROW(make_piece_dataset(glyph_digits(1), o, rng), Error);
}

}  // namespace
}  // namespace inkstone
