#pragma once
// Test fixtures for the readers: digits drawn from a 5x7 bitmap font, composed into strings and
// boxed forms, and a stand-in classifier that matches normalized crops against the same glyphs
// (nearest template, softmax of negative distances) — so that reader tests check segmentation
// alone, with no trained network.
#include <cmath>
#include <string>
#include <vector>

#include "inkstone/data/image.hpp"
#include "inkstone/data/mnist_style.hpp"
#include "inkstone/vision/reading.hpp"

namespace inkstone::test_glyphs {

inline const char* const kFont[10][7] = {
    {"01110", "10001", "10011", "10101", "11001", "10001", "01110"},  // 0
    {"00100", "01100", "00100", "00100", "00100", "00100", "01110"},  // 1
    {"01110", "10001", "00001", "00010", "00100", "01000", "11111"},  // 2
    {"11111", "00010", "00100", "00010", "00001", "10001", "01110"},  // 3
    {"00010", "00110", "01010", "10010", "11111", "00010", "00010"},  // 4
    {"11111", "10000", "11110", "00001", "00001", "10001", "01110"},  // 5
    {"00110", "01000", "10000", "11110", "10001", "10001", "01110"},  // 6
    {"11111", "00001", "00010", "00100", "01000", "01000", "01000"},  // 7
    {"01110", "10001", "10001", "01110", "10001", "10001", "01110"},  // 8
    {"01110", "10001", "10001", "01111", "00001", "00010", "01100"},  // 9
};
constexpr int kScale = 8;  // font pixel -> kScale x kScale image pixels: digits 40 x 56

// Draws digit d with its top-left corner at (x, y) in dark ink (30) on a light image.
inline void draw_digit(Image& img, int d, int x, int y) {
  for (int r = 0; r < 7; ++r)
    for (int c = 0; c < 5; ++c)
      if (kFont[d][r][c] == '1')
        for (int dy = 0; dy < kScale; ++dy)
          for (int dx = 0; dx < kScale; ++dx) {
            const int X = x + c * kScale + dx, Y = y + r * kScale + dy;
            if (X >= 0 && Y >= 0 && X < img.width && Y < img.height) *img.at(X, Y) = 30;
          }
}

// A string of digits on light paper, `gap` pixels between glyph cells (negative: overlap).
inline Image draw_string(const std::string& digits, int gap, int margin = 30) {
  const int n = static_cast<int>(digits.size());
  Image img(2 * margin + n * 5 * kScale + (n - 1) * gap, 2 * margin + 7 * kScale, 1, 235);
  for (int i = 0; i < n; ++i)
    draw_digit(img, digits[static_cast<size_t>(i)] - '0', margin + i * (5 * kScale + gap), margin);
  return img;
}

// Joins each glyph of a draw_string image to the next with a 2-pixel ligature in font row 3,
// from the last ink of one glyph in that row to the first ink of the next (a pen that never left
// the paper), so the whole string is one blob. The ligatures are shorter than the readers'
// ruled lines (half the image width), so line removal leaves them.
inline void join_with_ligatures(Image& img, const std::string& digits, int gap, int margin = 30) {
  const int pitch = 5 * kScale + gap, row = 3;
  for (size_t i = 0; i + 1 < digits.size(); ++i) {
    const std::string left = kFont[digits[i] - '0'][row], right = kFont[digits[i + 1] - '0'][row];
    const int from =
        margin + static_cast<int>(i) * pitch + static_cast<int>(left.rfind('1')) * kScale;
    const int to =
        margin + static_cast<int>(i + 1) * pitch + static_cast<int>(right.find('1')) * kScale;
    for (int x = from; x <= to + kScale - 1; ++x)
      for (int y = margin + row * kScale + 3; y < margin + row * kScale + 5; ++y)
        *img.at(x, y) = 30;
  }
}

// The classifier: softmax over classes of -distance / 8, distance = sum |input - template| / 255.
class TemplateClassifier {
 public:
  TemplateClassifier() {
    for (int d = 0; d < 10; ++d) {
      Image img(5 * kScale + 40, 7 * kScale + 40, 1, 235);
      draw_digit(img, d, 20, 20);
      templates_.push_back(mnist_style(img));
    }
  }
  std::vector<float> operator()(const std::vector<Image>& inputs) const {
    std::vector<float> out;
    for (const Image& in : inputs) {
      std::vector<double> logits;
      double top = -1e300;
      for (const Image& t : templates_) {
        double dist = 0;
        for (size_t i = 0; i < t.pixels.size(); ++i)
          dist += std::abs(static_cast<int>(in.pixels[i]) - static_cast<int>(t.pixels[i])) / 255.0;
        logits.push_back(-dist / 8);
        top = std::max(top, logits.back());
      }
      double sum = 0;
      for (double& l : logits) sum += (l = std::exp(l - top));
      for (double l : logits) out.push_back(static_cast<float>(l / sum));
    }
    return out;
  }

 private:
  std::vector<Image> templates_;
};

}  // namespace inkstone::test_glyphs
