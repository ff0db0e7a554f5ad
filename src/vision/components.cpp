#include "inkstone/vision/components.hpp"

#include <algorithm>

#include "inkstone/tensor/error.hpp"

namespace inkstone {

std::vector<Component> connected_components(const Image& ink, std::vector<int32_t>* labels) {
  if (ink.channels != 1) throw Error("connected_components needs a grey image");
  const int w = ink.width, h = ink.height;
  std::vector<int32_t> local;
  std::vector<int32_t>& lab = labels ? *labels : local;
  lab.assign(static_cast<size_t>(w) * static_cast<size_t>(h), -1);
  std::vector<Component> out;
  std::vector<int64_t> stack;
  for (int y0 = 0; y0 < h; ++y0)
    for (int x0 = 0; x0 < w; ++x0) {
      const int64_t start = int64_t{y0} * w + x0;
      if (ink.pixels[static_cast<size_t>(start)] == 0 || lab[static_cast<size_t>(start)] >= 0)
        continue;
      const int32_t id = static_cast<int32_t>(out.size());
      Component c;
      int bx0 = x0, bx1 = x0, by0 = y0, by1 = y0;
      // Flood fill with an explicit stack (no recursion: a page can hold one huge blob).
      stack.assign(1, start);
      lab[static_cast<size_t>(start)] = id;
      while (!stack.empty()) {
        const int64_t p = stack.back();
        stack.pop_back();
        const int x = static_cast<int>(p % w), y = static_cast<int>(p / w);
        ++c.area;
        bx0 = std::min(bx0, x);
        bx1 = std::max(bx1, x);
        by0 = std::min(by0, y);
        by1 = std::max(by1, y);
        for (int dy = -1; dy <= 1; ++dy)
          for (int dx = -1; dx <= 1; ++dx) {
            const int nx = x + dx, ny = y + dy;
            if (nx < 0 || ny < 0 || nx >= w || ny >= h) continue;
            const int64_t q = int64_t{ny} * w + nx;
            if (ink.pixels[static_cast<size_t>(q)] == 0 || lab[static_cast<size_t>(q)] >= 0)
              continue;
            lab[static_cast<size_t>(q)] = id;
            stack.push_back(q);
          }
      }
      c.box = {bx0, by0, bx1 - bx0 + 1, by1 - by0 + 1};
      out.push_back(c);
    }
  return out;
}

int remove_horizontal_lines(Image& ink, int min_run, int max_thickness) {
  if (ink.channels != 1) throw Error("remove_horizontal_lines needs a grey image");
  const int w = ink.width, h = ink.height;
  if (min_run < 1 || w < min_run) return 0;
  // Rows holding a run of at least min_run ink pixels.
  std::vector<char> line_row(static_cast<size_t>(h), 0);
  for (int y = 0; y < h; ++y) {
    int run = 0;
    for (int x = 0; x < w && !line_row[static_cast<size_t>(y)]; ++x) {
      run = *ink.at(x, y) > 0 ? run + 1 : 0;
      if (run >= min_run) line_row[static_cast<size_t>(y)] = 1;
    }
  }
  int found = 0;
  for (int y0 = 0; y0 < h;) {
    if (!line_row[static_cast<size_t>(y0)]) {
      ++y0;
      continue;
    }
    int y1 = y0;
    while (y1 + 1 < h && line_row[static_cast<size_t>(y1 + 1)]) ++y1;
    if (y1 - y0 + 1 <= max_thickness) {
      found += y1 - y0 + 1;
      for (int x = 0; x < w; ++x) {
        const bool above = y0 > 0 && *ink.at(x, y0 - 1) > 0;
        const bool below = y1 + 1 < h && *ink.at(x, y1 + 1) > 0;
        if (above && below) continue;  // a stroke crosses the line here
        for (int y = y0; y <= y1; ++y) *ink.at(x, y) = 0;
      }
    }
    y0 = y1 + 1;
  }
  return found;
}

}  // namespace inkstone
