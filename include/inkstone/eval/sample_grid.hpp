#pragma once
// A grid of images with captions, e.g. the worst errors of a model: each tile enlarged, dark ink
// on white, with up to two caption lines under it (the second in its own colour, for the
// prediction).
#include <cstdint>
#include <string>
#include <vector>

#include "inkstone/data/image.hpp"
#include "inkstone/eval/canvas.hpp"

namespace inkstone {

struct CaptionedSample {
  const uint8_t* pixels = nullptr;  // height x width grey bytes (0 = background)
  std::string line1, line2;
  Rgb line2_color{200, 40, 40};
};

// Throws Error when there is nothing to draw or a sample has no pixels.
Image draw_sample_grid(const std::vector<CaptionedSample>& samples, int height, int width, int cols,
                       const std::string& title, int scale = 3);

}  // namespace inkstone
