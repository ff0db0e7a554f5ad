#include "inkstone/vision/reading.hpp"

#include <gtest/gtest.h>

#include "inkstone/tensor/error.hpp"
#include "inkstone/vision/components.hpp"
#include "inkstone/vision/reading_json.hpp"
#include "vision/glyphs.hpp"

namespace inkstone {
namespace {

using test_glyphs::draw_digit;
using test_glyphs::draw_string;
using test_glyphs::kScale;

Classifier stand_in() {
  static const test_glyphs::TemplateClassifier t;
  return [](const std::vector<Image>& in) { return t(in); };
}

TEST(ReadDigitString, SeparateDigitsInOrderWithBoxes) {
  const Image img = draw_string("40213", 16);
  const Reading r = read_digit_string(img, stand_in());
  EXPECT_EQ(r.text, "40213");
  ASSERT_EQ(r.digits.size(), 5u);
  for (size_t i = 0; i < 5; ++i) {
    EXPECT_GT(r.digits[i].confidence, 0.9f) << i;
    EXPECT_EQ(r.digits[i].input.width, 28);
    EXPECT_EQ(r.digits[i].box.y, 30);
    EXPECT_EQ(r.digits[i].box.height, 7 * kScale);
    if (i > 0) {
      EXPECT_GT(r.digits[i].box.x, r.digits[i - 1].box.x + r.digits[i - 1].box.width);
    }
  }
  EXPECT_EQ(r.digits[0].box.x, 30);  // the 4's ink starts at the margin
  EXPECT_EQ(r.digits[0].top.size(), 3u);
  EXPECT_EQ(r.digits[0].top[0].first, 4);
}

TEST(ReadDigitString, LightInkOnDarkReadsTheSame) {
  Image img = draw_string("9876", 12);
  for (uint8_t& v : img.pixels) v = static_cast<uint8_t>(255 - v);
  EXPECT_EQ(read_digit_string(img, stand_in()).text, "9876");
}

// The connected components the string reader sees: the ink without ruled lines.
size_t blobs_after_line_removal(const Image& img) {
  Image ink = extract_ink(img);
  remove_horizontal_lines(ink, std::max(40, ink.width / 2));
  return connected_components(ink).size();
}

TEST(ReadDigitString, TouchingDigitsAreSplitByClassifierConfidence) {
  // Glyph cells one font pixel apart, joined by short ligatures (a pen that never left the
  // paper): one connected blob, also after the reader's ruled-line removal.
  const std::string digits = "5038";
  Image img = draw_string(digits, kScale);
  test_glyphs::join_with_ligatures(img, digits, kScale);
  ASSERT_EQ(blobs_after_line_removal(img), 1u);
  // The prior on the digit count, for this font: a glyph and its gap are 6/7 of the line height
  // wide (handwritten digits are narrower).
  ReaderOptions o;
  o.digit_width = 6.0 / 7;
  const Reading r = read_digit_string(img, stand_in(), o);
  EXPECT_EQ(r.text, digits);
}

// A stand-in that is fooled by two joined digits (ink wider than tall in the 28x28 input): it
// reads them as an 8 with 99% — or, given a reject class (11 outputs), as "none" with 99%.
Classifier fooled_by_pairs(bool with_reject) {
  return [with_reject](const std::vector<Image>& in) {
    static const test_glyphs::TemplateClassifier t;
    const std::vector<float> p = t(in);
    std::vector<float> out;
    for (size_t i = 0; i < in.size(); ++i) {
      int x0 = 28, x1 = -1, y0 = 28, y1 = -1;
      for (int y = 0; y < 28; ++y)
        for (int x = 0; x < 28; ++x)
          if (*in[i].at(x, y) > 64) {
            x0 = std::min(x0, x), x1 = std::max(x1, x), y0 = std::min(y0, y), y1 = std::max(y1, y);
          }
      const bool pair = x1 - x0 > y1 - y0;
      for (int c = 0; c < 10; ++c)
        out.push_back(pair ? (!with_reject && c == 8 ? 0.99f : 0.001f) : p[i * 10 + c]);
      if (with_reject) out.push_back(pair ? 0.99f : 0.0f);
    }
    return out;
  };
}

TEST(ReadDigitString, RejectClassMakesTheReaderSplitAJoinedPair) {
  // A 1 and a 7 overlapping by one font pixel, joined by a ligature: one blob narrow enough to
  // be one digit.
  Image img = draw_string("17", -kScale);
  test_glyphs::join_with_ligatures(img, "17", -kScale);
  ASSERT_EQ(blobs_after_line_removal(img), 1u);
  // Without a reject class, the confident wrong reading of the whole blob is kept.
  EXPECT_EQ(read_digit_string(img, fooled_by_pairs(false)).text, "8");
  ReaderOptions o;
  o.classes = 11;
  o.reject_class = 10;
  o.class_names = {"0", "1", "2", "3", "4", "5", "6", "7", "8", "9", kRejectClassName};
  const Reading r = read_digit_string(img, fooled_by_pairs(true), o);
  EXPECT_EQ(r.text, "17");
  for (const DigitReading& d : r.digits) {
    EXPECT_NE(d.cls, 10);
    for (const auto& [cls, prob] : d.top) EXPECT_NE(cls, 10);
  }
}

TEST(ReadDigitString, KnownDigitCountChoosesTheCutsThatGiveIt) {
  // The joined 1 and 7 that a fooled classifier reads as one confident 8: told the string holds
  // two digits, the reader takes the blob's best two-piece reading instead.
  Image img = draw_string("17", -kScale);
  test_glyphs::join_with_ligatures(img, "17", -kScale);
  ReaderOptions o;
  EXPECT_EQ(read_digit_string(img, fooled_by_pairs(false), o).text, "8");
  o.expected_digits = 2;
  EXPECT_EQ(read_digit_string(img, fooled_by_pairs(false), o).text, "17");
  // A count that is already met changes nothing; one that no segmentation reaches (five blobs
  // of at most four digits each) is ignored.
  const Image five = draw_string("40213", 16);
  for (int n : {5, 21, 64}) {
    o.expected_digits = n;
    EXPECT_EQ(read_digit_string(five, stand_in(), o).text, "40213") << n;
  }
}

TEST(ReadDigitString, RejectClassDropsShortFragmentsOnly) {
  // "47" and, well apart, a bar: half a digit tall (a stroke the pen broke off) or full height.
  // The stand-in reads anything narrow (a bar) as "none".
  const auto reader = [](int bar_height, int expected_digits = 0) {
    Image img = draw_string("47", 20, 30);
    const int x = img.width - 25;
    for (int y = 30 + 56 - bar_height; y < 30 + 56; ++y)
      for (int dx = 0; dx < 6; ++dx) *img.at(x + dx, y) = 30;
    ReaderOptions o;
    o.classes = 11;
    o.reject_class = 10;
    o.expected_digits = expected_digits;
    const Classifier bars_are_none = [](const std::vector<Image>& in) {
      static const test_glyphs::TemplateClassifier t;
      const std::vector<float> p = t(in);
      std::vector<float> out;
      for (size_t i = 0; i < in.size(); ++i) {
        int x0 = 28, x1 = -1;
        for (int y = 0; y < 28; ++y)
          for (int x = 0; x < 28; ++x)
            if (*in[i].at(x, y) > 64) x0 = std::min(x0, x), x1 = std::max(x1, x);
        const bool bar = x1 - x0 < 10;
        for (int c = 0; c < 10; ++c) out.push_back(bar ? 0.01f : p[i * 10 + c]);
        out.push_back(bar ? 0.9f : 0.0f);
      }
      return out;
    };
    return read_digit_string(img, bars_are_none, o);
  };
  EXPECT_EQ(reader(30).text, "47");  // 30 of 56 pixels: a fragment, dropped
  // Told there are three digits, the reader keeps the fragment as one; told two, drops it.
  EXPECT_EQ(reader(30, 3).digits.size(), 3u);
  EXPECT_EQ(reader(30, 2).text, "47");
  const Reading tall = reader(56);  // as tall as the digits: kept, read as its best digit
  EXPECT_EQ(tall.digits.size(), 3u);
  EXPECT_LT(tall.digits.back().confidence, 0.05f);
}

TEST(DigitStringPieces, BentCutsSeparateLeaningStrokesStraightCutsCannot) {
  // Two parallel strokes leaning right (6 px wide, one column per two rows), 14 px apart, joined
  // by a 2-px ligature: their columns overlap over most of their width, so every straight cut
  // through the overlap crosses a stroke, while a cut that leans with them crosses only the
  // ligature.
  const int top = 30, height = 56;
  auto left_x = [&](int y) { return 30 + (top + height - y) / 2; };
  // The image with the left stroke, the right one, or both; the ligature's half on a stroke's
  // side goes with it.
  auto draw = [&](bool left, bool right) {
    Image img(120, 116, 1, 235);
    for (int y = top; y < top + height; ++y)
      for (int dx = 0; dx < 6; ++dx) {
        if (left) *img.at(left_x(y) + dx, y) = 30;
        if (right) *img.at(left_x(y) + 14 + dx, y) = 30;
      }
    for (int y = top + 27; y < top + 29; ++y) {
      for (int x = left_x(y) + 6; x < left_x(y) + 10 && left; ++x) *img.at(x, y) = 30;
      for (int x = left_x(y) + 10; x < left_x(y) + 14 && right; ++x) *img.at(x, y) = 30;
    }
    return img;
  };
  const Image both = draw(true, true);
  ASSERT_EQ(blobs_after_line_removal(both), 1u);
  // The model input of one stroke alone (its whole blob, uncut).
  const auto alone = [&](bool left) {
    for (const StringPiece& p : digit_string_pieces(draw(left, !left)))
      if (p.whole_blob) return p.input;
    ADD_FAILURE() << "no whole-blob piece";
    return Image(28, 28, 1);
  };
  // Whether some piece of the pair is that stroke: its input differs from the stroke's alone by
  // under 5% of the stroke's ink.
  const auto separates = [&](bool bent_cuts, const Image& stroke) {
    ReaderOptions o;
    o.bent_cuts = bent_cuts ? 6 : 0;
    double ink = 0;
    for (uint8_t v : stroke.pixels) ink += v;
    for (const StringPiece& p : digit_string_pieces(both, o)) {
      double diff = 0;
      for (size_t i = 0; i < stroke.pixels.size(); ++i)
        diff += std::abs(static_cast<int>(p.input.pixels[i]) - static_cast<int>(stroke.pixels[i]));
      if (diff < 0.05 * ink) return true;
    }
    return false;
  };
  const Image left = alone(true), right = alone(false);
  EXPECT_TRUE(separates(true, left));
  EXPECT_TRUE(separates(true, right));
  EXPECT_FALSE(separates(false, left));
  EXPECT_FALSE(separates(false, right));
}

TEST(ReadDigitString, BlobWithNoAdmissibleCutIsReadWholeNotDropped) {
  // A 4, and a hollow bar 100 px wide and 30 tall beside it: too wide for one digit, and every
  // piece cut from it is shorter than a digit may be. It is read whole, with whatever
  // confidence the classifier gives, rather than lost.
  Image img = draw_string("4", 0);
  Image wide(img.width + 130, img.height, 1, 235);
  for (int y = 0; y < img.height; ++y)
    for (int x = 0; x < img.width; ++x) *wide.at(x, y) = *img.at(x, y);
  const int x0 = img.width, y0 = 30 + 56 - 30;
  for (int y = y0; y < y0 + 30; ++y)
    for (int x = x0; x < x0 + 100; ++x)
      if (y < y0 + 6 || y >= y0 + 24 || x < x0 + 6 || x >= x0 + 94) *wide.at(x, y) = 30;
  const Reading r = read_digit_string(wide, stand_in());
  ASSERT_EQ(r.digits.size(), 2u);
  EXPECT_EQ(r.digits[0].label, "4");
  EXPECT_EQ(r.digits[1].box.x, x0);
  EXPECT_EQ(r.digits[1].box.width, 100);
}

TEST(ReadDigitString, BrokenDigitPiecesAreMergedAndSpecksIgnored) {
  Image img = draw_string("57", 20);
  // Break the 5 between its bar and its body (a pen lifted), and add paper specks.
  for (int x = 30; x < 30 + 5 * kScale; ++x)
    for (int y = 30 + kScale; y < 30 + kScale + 3; ++y) *img.at(x, y) = 235;
  *img.at(5, 5) = 30;
  *img.at(img.width - 4, img.height - 3) = 30;
  const Reading r = read_digit_string(img, stand_in());
  EXPECT_EQ(r.text, "57");
}

TEST(ReadDigitString, RuledLinesAreRemoved) {
  Image img = draw_string("3141", 14);
  for (int x = 0; x < img.width; ++x) {
    *img.at(x, 30 + 7 * kScale - 2) = 60;  // through the bottoms of the digits
    *img.at(x, 12) = 60;                   // above them
  }
  EXPECT_EQ(read_digit_string(img, stand_in()).text, "3141");
}

TEST(ReadDigitString, ErrorsForBlankImagesAndBadClassifiers) {
  EXPECT_THROW(read_digit_string(Image(200, 100, 1, 235), stand_in()), Error);
  const Image img = draw_string("12", 16);
  const Classifier wrong_size = [](const std::vector<Image>&) { return std::vector<float>(3); };
  EXPECT_THROW(read_digit_string(img, wrong_size), Error);
  const Classifier nan = [](const std::vector<Image>& in) {
    return std::vector<float>(in.size() * 10, std::nanf(""));
  };
  EXPECT_THROW(read_digit_string(img, nan), Error);
  ReaderOptions small;
  small.max_pixels = 100;
  EXPECT_THROW(read_digit_string(img, stand_in(), small), Error);
}

// A form: `cells` boxes of 60 x 80 pixels side by side (shared 2-pixel lines), rows of them,
// with digits[i] written in box i ('_' leaves it empty).
Image draw_form(const std::vector<std::string>& rows) {
  const int bw = 60, bh = 80, margin = 20;
  const int cols = static_cast<int>(rows[0].size());
  Image img(2 * margin + cols * bw + 2, 2 * margin + static_cast<int>(rows.size()) * bh + 2, 1,
            240);
  for (size_t r = 0; r < rows.size(); ++r)
    for (int c = 0; c < cols; ++c) {
      const int x0 = margin + c * bw, y0 = margin + static_cast<int>(r) * bh;
      for (int t = 0; t < 2; ++t) {
        for (int x = x0; x <= x0 + bw + 1; ++x) *img.at(x, y0 + t) = *img.at(x, y0 + bh + t) = 50;
        for (int y = y0; y <= y0 + bh + 1; ++y) *img.at(x0 + t, y) = *img.at(x0 + bw + t, y) = 50;
      }
      const char d = rows[r][static_cast<size_t>(c)];
      if (d != '_') draw_digit(img, d - '0', x0 + 10, y0 + 12);
    }
  return img;
}

TEST(ReadBoxes, OneDigitPerCellAndEmptyCells) {
  const Reading r = read_boxes(draw_form({"4_27_"}), stand_in());
  EXPECT_EQ(r.text, "4_27_");
  ASSERT_EQ(r.digits.size(), 5u);
  EXPECT_TRUE(r.digits[1].empty());
  EXPECT_FALSE(r.digits[0].empty());
  EXPECT_EQ(r.digits[0].box.x, 22);  // the cell, inside its left line
  EXPECT_EQ(r.rows, 1);
  const nlohmann::json j = reading_to_json(r, {});
  EXPECT_EQ(j["text"], "4_27_");
  EXPECT_EQ(j["digits"][1]["empty"], true);
  EXPECT_EQ(j["digits"][2]["label"], "2");
}

TEST(ReadBoxes, GridsReadRowByRow) {
  const Reading r = read_boxes(draw_form({"123", "4_6"}), stand_in());
  EXPECT_EQ(r.text, "123\n4_6");
  EXPECT_EQ(r.rows, 2);
}

TEST(ReadBoxes, DigitTouchingItsBoxStillReads) {
  Image img = draw_form({"_1_"});
  draw_digit(img, 8, 20 + 60 + 2, 20 + 12);  // an 8 against the left line of box 2
  EXPECT_EQ(read_boxes(img, stand_in()).text, "_8_");
}

TEST(ReadBoxes, NoBoxesIsAnError) {
  EXPECT_THROW(read_boxes(draw_string("12", 16), stand_in()), Error);
}

}  // namespace
}  // namespace inkstone
