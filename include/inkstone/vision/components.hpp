#pragma once
// Connected components of ink and the removal of ruled and printed lines: the first steps of
// reading a page. An ink image is grey, light ink (> 0) on a black (0) background, as
// data/mnist_style.hpp's extract_ink() makes it.
#include <cstdint>
#include <vector>

#include "inkstone/data/image.hpp"

namespace inkstone {

struct Component {
  PixelBox box;      // bounding box
  int64_t area = 0;  // ink pixels
};

// The 8-connected components of the pixels > 0, in raster order of their first pixel. When
// labels is given it receives one entry per pixel: the component's index, or -1 for background.
std::vector<Component> connected_components(const Image& ink,
                                            std::vector<int32_t>* labels = nullptr);

// Erases horizontal lines (ruled paper, underlines): runs of ink at least min_run pixels long
// and at most max_thickness rows thick. A column where ink continues right above and below the
// line (a stroke crossing it) is kept. Returns the number of line rows found.
int remove_horizontal_lines(Image& ink, int min_run, int max_thickness = 4);

}  // namespace inkstone
