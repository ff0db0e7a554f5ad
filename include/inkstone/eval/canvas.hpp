#pragma once
// Canvas: drawing on an RGB Image for plots — pixels, anti-aliasing-free lines of any width,
// rectangles, and text in a built-in 5x7 bitmap font (printable ASCII) scaled by an integer.
#include <cstdint>
#include <string>

#include "inkstone/data/image.hpp"

namespace inkstone {

struct Rgb {
  uint8_t r = 0, g = 0, b = 0;
};

class Canvas {
 public:
  Canvas(int width, int height, Rgb background = {255, 255, 255});
  int width() const { return image_.width; }
  int height() const { return image_.height; }
  const Image& image() const { return image_; }

  void pixel(int x, int y, Rgb c);                        // ignores points outside the canvas
  void fill_rect(int x0, int y0, int x1, int y1, Rgb c);  // inclusive corners, any order
  // A line of `width` pixels from (x0, y0) to (x1, y1); dash > 0 draws dash-pixel dashes.
  void line(double x0, double y0, double x1, double y1, Rgb c, int width = 1, int dash = 0);
  // Text with its top-left corner at (x, y); each font pixel is scale x scale. Characters outside
  // printable ASCII are drawn as '?'.
  void text(int x, int y, const std::string& s, Rgb c, int scale = 1);
  // Text rotated 90 degrees counter-clockwise (reads bottom to top), its bottom-left at (x, y).
  void text_vertical(int x, int y, const std::string& s, Rgb c, int scale = 1);
  static int text_width(const std::string& s, int scale = 1);  // 6 * scale per character - 1
  static int text_height(int scale = 1) { return 7 * scale; }

 private:
  Image image_;
};

}  // namespace inkstone
