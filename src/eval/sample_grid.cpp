#include "inkstone/eval/sample_grid.hpp"

#include <algorithm>

#include "inkstone/tensor/error.hpp"

namespace inkstone {

Image draw_sample_grid(const std::vector<CaptionedSample>& samples, int height, int width, int cols,
                       const std::string& title, int scale) {
  if (samples.empty()) throw Error("sample grid: no samples");
  if (height < 1 || width < 1 || cols < 1 || scale < 1 || scale > 16)
    throw Error("sample grid: bad layout");
  const int n = static_cast<int>(samples.size());
  cols = std::min(cols, n);
  const int rows = (n + cols - 1) / cols;
  int caption_w = 0;
  for (const CaptionedSample& s : samples) {
    if (s.pixels == nullptr) throw Error("sample grid: a sample has no pixels");
    caption_w = std::max({caption_w, Canvas::text_width(s.line1), Canvas::text_width(s.line2)});
  }
  const int gap = 12, th = Canvas::text_height();
  const int cell_w = std::max(width * scale, caption_w), cell_h = height * scale + 2 * (th + 4);
  const int head = title.empty() ? gap : gap + Canvas::text_height(2) + gap;
  const int total_w = std::max(gap + cols * (cell_w + gap), Canvas::text_width(title, 2) + 2 * gap);
  Canvas c(total_w, head + rows * (cell_h + gap));
  const Rgb ink{40, 40, 40}, frame{200, 200, 200};
  if (!title.empty()) c.text((total_w - Canvas::text_width(title, 2)) / 2, gap, title, ink, 2);
  for (int i = 0; i < n; ++i) {
    const CaptionedSample& s = samples[static_cast<size_t>(i)];
    const int x0 = gap + (i % cols) * (cell_w + gap), y0 = head + (i / cols) * (cell_h + gap);
    const int ix = x0 + (cell_w - width * scale) / 2;
    for (int y = 0; y < height * scale; ++y) {
      for (int x = 0; x < width * scale; ++x) {
        const uint8_t v = static_cast<uint8_t>(255 - s.pixels[(y / scale) * width + x / scale]);
        c.pixel(ix + x, y0 + y, {v, v, v});
      }
    }
    c.line(ix - 1, y0 - 1, ix + width * scale, y0 - 1, frame);
    c.line(ix - 1, y0 + height * scale, ix + width * scale, y0 + height * scale, frame);
    c.line(ix - 1, y0 - 1, ix - 1, y0 + height * scale, frame);
    c.line(ix + width * scale, y0 - 1, ix + width * scale, y0 + height * scale, frame);
    const int ty = y0 + height * scale + 4;
    c.text(x0 + (cell_w - Canvas::text_width(s.line1)) / 2, ty, s.line1, ink);
    c.text(x0 + (cell_w - Canvas::text_width(s.line2)) / 2, ty + th + 4, s.line2, s.line2_color);
  }
  return c.image();
}

}  // namespace inkstone
