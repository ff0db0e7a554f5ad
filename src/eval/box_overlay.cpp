#include "inkstone/eval/box_overlay.hpp"

#include <algorithm>

#include "inkstone/tensor/error.hpp"

namespace inkstone {

Image draw_labelled_boxes(const Image& image, const std::vector<LabelledBox>& boxes,
                          int text_scale) {
  if (image.width < 1 || image.height < 1) throw Error("draw_labelled_boxes: empty image");
  if (text_scale < 1) throw Error("draw_labelled_boxes: text scale must be at least 1");
  Canvas c(image.width, image.height);
  for (int y = 0; y < image.height; ++y)
    for (int x = 0; x < image.width; ++x) {
      const uint8_t* p = image.at(x, y);
      c.pixel(x, y, image.channels == 3 ? Rgb{p[0], p[1], p[2]} : Rgb{p[0], p[0], p[0]});
    }
  for (const LabelledBox& b : boxes) {
    const int x0 = b.box.x, y0 = b.box.y;
    const int x1 = b.box.x + b.box.width - 1, y1 = b.box.y + b.box.height - 1;
    for (int t = 0; t < 2; ++t) {  // a 2-pixel outline, inside the box
      c.fill_rect(x0, y0 + t, x1, y0 + t, b.colour);
      c.fill_rect(x0, y1 - t, x1, y1 - t, b.colour);
      c.fill_rect(x0 + t, y0, x0 + t, y1, b.colour);
      c.fill_rect(x1 - t, y0, x1 - t, y1, b.colour);
    }
    if (b.label.empty()) continue;
    const int th = Canvas::text_height(text_scale), tw = Canvas::text_width(b.label, text_scale);
    int ty = y0 - th - 3;
    if (ty < 0) ty = std::min(image.height - th, y1 + 3);
    const int tx = std::clamp(x0, 0, std::max(0, image.width - tw));
    c.fill_rect(tx - 1, ty - 1, tx + tw, ty + th, {255, 255, 255});
    c.text(tx, ty, b.label, b.colour, text_scale);
  }
  return c.image();
}

}  // namespace inkstone
