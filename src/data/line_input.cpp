#include "inkstone/data/line_input.hpp"

#include <algorithm>
#include <cmath>
#include <string>
#include <vector>

#include "data/resample.hpp"
#include "inkstone/tensor/error.hpp"

namespace inkstone {

Image fit_ink_line(const Image& ink, const LineInputOptions& o, LinePlacement* placement) {
  if (o.height < 4 || o.width < 4 || o.margin < 0 || 2 * o.margin >= std::min(o.height, o.width))
    throw Error("line input: bad size " + std::to_string(o.height) + "x" + std::to_string(o.width) +
                " with margin " + std::to_string(o.margin));
  if (ink.channels != 1) throw Error("fit_ink_line needs a grey ink image");
  PixelBox box;
  const std::vector<float> crop = data_detail::crop_to_ink(ink, box);
  const int cw = box.width, ch = box.height;
  const int inner_h = o.height - 2 * o.margin, inner_w = o.width - 2 * o.margin;
  const double scale =
      std::min(static_cast<double>(inner_h) / ch, static_cast<double>(inner_w) / cw);
  const int dw = std::clamp(static_cast<int>(std::lround(cw * scale)), 1, inner_w);
  const int dh = std::clamp(static_cast<int>(std::lround(ch * scale)), 1, inner_h);
  const std::vector<float> small = data_detail::resample(crop, cw, ch, dw, dh);
  const int ox = (o.width - dw) / 2, oy = (o.height - dh) / 2;
  Image out(o.width, o.height, 1, 0);
  for (int y = 0; y < dh; ++y)
    for (int x = 0; x < dw; ++x)
      *out.at(ox + x, oy + y) = static_cast<uint8_t>(std::clamp(
          std::lround(
              small[static_cast<size_t>(y) * static_cast<size_t>(dw) + static_cast<size_t>(x)]),
          0L, 255L));
  if (placement) {
    placement->ink = box;
    placement->scale = static_cast<double>(dw) / cw;
    placement->offset_x = ox;
    placement->offset_y = oy;
  }
  return out;
}

Image line_input(const Image& image, const LineInputOptions& o, LinePlacement* placement) {
  return fit_ink_line(extract_ink(image, o.normalize), o, placement);
}

}  // namespace inkstone
