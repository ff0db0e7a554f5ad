#include "inkstone/eval/canvas.hpp"

#include <algorithm>
#include <cmath>

#include "eval/font5x7.hpp"

namespace inkstone {

Canvas::Canvas(int width, int height, Rgb background) : image_(width, height, 3) {
  for (int y = 0; y < height; ++y)
    for (int x = 0; x < width; ++x) pixel(x, y, background);
}

void Canvas::pixel(int x, int y, Rgb c) {
  if (x < 0 || y < 0 || x >= image_.width || y >= image_.height) return;
  uint8_t* p = image_.at(x, y);
  p[0] = c.r;
  p[1] = c.g;
  p[2] = c.b;
}

void Canvas::fill_rect(int x0, int y0, int x1, int y1, Rgb c) {
  if (x0 > x1) std::swap(x0, x1);
  if (y0 > y1) std::swap(y0, y1);
  x0 = std::max(x0, 0);
  y0 = std::max(y0, 0);
  x1 = std::min(x1, image_.width - 1);
  y1 = std::min(y1, image_.height - 1);
  for (int y = y0; y <= y1; ++y)
    for (int x = x0; x <= x1; ++x) pixel(x, y, c);
}

void Canvas::line(double x0, double y0, double x1, double y1, Rgb c, int width, int dash) {
  // Step along the longer axis one pixel at a time, stamping a width x width square.
  const double dx = x1 - x0, dy = y1 - y0;
  const int steps = std::max(1, static_cast<int>(std::ceil(std::max(std::abs(dx), std::abs(dy)))));
  if (steps > 100000) return;  // absurd coordinates (a non-finite value reached the plot)
  const int lo = -(width - 1) / 2, hi = width / 2;
  for (int i = 0; i <= steps; ++i) {
    if (dash > 0 && (i / dash) % 2 == 1) continue;
    const double t = static_cast<double>(i) / steps;
    const int x = static_cast<int>(std::lround(x0 + t * dx));
    const int y = static_cast<int>(std::lround(y0 + t * dy));
    for (int oy = lo; oy <= hi; ++oy)
      for (int ox = lo; ox <= hi; ++ox) pixel(x + ox, y + oy, c);
  }
}

int Canvas::text_width(const std::string& s, int scale) {
  return s.empty() ? 0 : static_cast<int>(s.size()) * 6 * scale - scale;
}

void Canvas::text(int x, int y, const std::string& s, Rgb c, int scale) {
  for (size_t k = 0; k < s.size(); ++k) {
    const uint8_t* rows = detail::glyph_rows(s[k]);
    const int gx = x + static_cast<int>(k) * 6 * scale;
    for (int r = 0; r < 7; ++r)
      for (int col = 0; col < 5; ++col)
        if (rows[r] & (0x10 >> col))
          fill_rect(gx + col * scale, y + r * scale, gx + (col + 1) * scale - 1,
                    y + (r + 1) * scale - 1, c);
  }
}

void Canvas::text_vertical(int x, int y, const std::string& s, Rgb c, int scale) {
  // Glyph pixel (col, row) of character k goes to (x + row, y - (6k + col)) before scaling.
  for (size_t k = 0; k < s.size(); ++k) {
    const uint8_t* rows = detail::glyph_rows(s[k]);
    const int gy = y - static_cast<int>(k) * 6 * scale;
    for (int r = 0; r < 7; ++r)
      for (int col = 0; col < 5; ++col)
        if (rows[r] & (0x10 >> col))
          fill_rect(x + r * scale, gy - (col + 1) * scale + 1, x + (r + 1) * scale - 1,
                    gy - col * scale, c);
  }
}

}  // namespace inkstone
