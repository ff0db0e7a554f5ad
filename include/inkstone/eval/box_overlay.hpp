#pragma once
// Boxes with labels drawn over an image: what a reader found and what it read, for a person to
// check at a glance (`inkstone read --annotate`).
#include <string>
#include <vector>

#include "inkstone/eval/canvas.hpp"

namespace inkstone {

struct LabelledBox {
  PixelBox box;
  std::string label;  // drawn above the box (below it when there is no room)
  Rgb colour{213, 94, 0};
};

// An RGB copy of the image (grey is expanded) with each box outlined (2 pixels) and labelled in
// the 5x7 font at text_scale.
Image draw_labelled_boxes(const Image& image, const std::vector<LabelledBox>& boxes,
                          int text_scale = 2);

}  // namespace inkstone
