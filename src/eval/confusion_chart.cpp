#include "inkstone/eval/confusion_chart.hpp"

#include <algorithm>
#include <cmath>

#include "inkstone/eval/canvas.hpp"
#include "inkstone/tensor/error.hpp"

namespace inkstone {

namespace {

Rgb mix(Rgb a, Rgb b, double t) {  // a + t (b - a), t in [0, 1]
  t = std::clamp(t, 0.0, 1.0);
  auto ch = [t](uint8_t x, uint8_t y) {
    return static_cast<uint8_t>(std::lround(x + t * (static_cast<double>(y) - x)));
  };
  return {ch(a.r, b.r), ch(a.g, b.g), ch(a.b, b.b)};
}

bool is_dark(Rgb c) {
  return 0.299 * c.r + 0.587 * c.g + 0.114 * c.b < 140;
}

}  // namespace

Image draw_confusion_chart(const ClassificationMetrics& m, const std::vector<std::string>& names,
                           const std::string& title) {
  const int k = m.classes;
  if (k < 1 || m.confusion.size() != static_cast<size_t>(k) * static_cast<size_t>(k))
    throw Error("confusion chart: malformed confusion matrix");
  if (!names.empty() && static_cast<int>(names.size()) != k)
    throw Error("confusion chart: " + std::to_string(names.size()) + " class names for " +
                std::to_string(k) + " classes");
  if (k > 200) throw Error("confusion chart: too many classes to draw (" + std::to_string(k) + ")");
  // Cells wide enough for the largest count at the chosen text scale.
  int64_t max_count = 0;
  for (int64_t v : m.confusion) max_count = std::max(max_count, v);
  const int ts = k <= 20 ? 2 : 1;
  const int cell =
      std::max(k <= 20 ? 44 : 26, Canvas::text_width(std::to_string(max_count), ts) + 8);
  int name_w = 0;
  for (int c = 0; c < k; ++c)
    name_w = std::max(name_w, Canvas::text_width(class_name(names, c), 2));
  const int th = Canvas::text_height(2);
  const int left = 16 + th + 12 + name_w + 10;  // "true class" label, names, gap
  // Column names are written across when they fit in a cell, else upwards.
  const bool upright = name_w <= cell - 6;
  const int top = 16 + th + 16 + th + 12 + (upright ? th : name_w) + 10;  // title, label, names
  const int width = std::max(left + k * cell + 24, Canvas::text_width(title, 2) + 32);
  const int height = top + k * cell + 24;
  Canvas c(width, height);
  const Rgb ink{40, 40, 40}, white{255, 255, 255}, blue{0, 90, 160}, orange{213, 94, 0};

  c.text((width - Canvas::text_width(title, 2)) / 2, 16, title, ink, 2);
  const std::string x_label = "predicted class", y_label = "true class";
  c.text(left + (k * cell - Canvas::text_width(x_label, 2)) / 2, 16 + th + 16, x_label, ink, 2);
  c.text_vertical(16, top + (k * cell + Canvas::text_width(y_label, 2)) / 2, y_label, ink, 2);
  for (int i = 0; i < k; ++i) {
    const std::string n = class_name(names, i);
    c.text(left - 10 - Canvas::text_width(n, 2), top + i * cell + (cell - th) / 2, n, ink, 2);
    if (upright)
      c.text(left + i * cell + (cell - Canvas::text_width(n, 2)) / 2, top - 10 - th, n, ink, 2);
    else
      c.text_vertical(left + i * cell + (cell - th) / 2, top - 10, n, ink, 2);
  }

  double max_error_share = 0;
  for (int t = 0; t < k; ++t) {
    const int64_t support = m.per_class.empty() ? 0 : m.per_class[static_cast<size_t>(t)].support;
    for (int p = 0; p < k; ++p)
      if (p != t && support > 0)
        max_error_share =
            std::max(max_error_share, static_cast<double>(m.confusion_at(t, p)) / support);
  }
  for (int t = 0; t < k; ++t) {
    const int64_t support = m.per_class.empty() ? 0 : m.per_class[static_cast<size_t>(t)].support;
    for (int p = 0; p < k; ++p) {
      const int64_t n = m.confusion_at(t, p);
      const double share = support > 0 ? static_cast<double>(n) / support : 0.0;
      const Rgb bg = t == p ? mix(white, blue, share)
                            : mix(white, orange, max_error_share > 0 ? share / max_error_share : 0);
      const int x0 = left + p * cell, y0 = top + t * cell;
      c.fill_rect(x0, y0, x0 + cell - 1, y0 + cell - 1, bg);
      if (n == 0 && t != p) continue;
      const std::string s = std::to_string(n);
      c.text(x0 + (cell - Canvas::text_width(s, ts)) / 2, y0 + (cell - Canvas::text_height(ts)) / 2,
             s, is_dark(bg) ? white : ink, ts);
    }
  }
  const Rgb grid{200, 200, 200};
  for (int i = 0; i <= k; ++i) {
    c.line(left + i * cell, top, left + i * cell, top + k * cell, grid);
    c.line(left, top + i * cell, left + k * cell, top + i * cell, grid);
  }
  return c.image();
}

}  // namespace inkstone
