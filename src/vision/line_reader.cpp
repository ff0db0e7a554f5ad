#include "inkstone/vision/line_reader.hpp"

#include <algorithm>
#include <cmath>
#include <string>
#include <utility>
#include <vector>

#include "inkstone/tensor/error.hpp"

namespace inkstone {
namespace {

std::string class_name(const LineReaderOptions& o, int c) {
  return c < static_cast<int>(o.class_names.size()) ? o.class_names[static_cast<size_t>(c)]
                                                    : std::to_string(c);
}

}  // namespace

Reading decode_line(const std::vector<float>& p, const LineReaderOptions& o,
                    const LinePlacement& placement) {
  if (o.frames < 1 || o.classes < 2 || o.blank < 0 || o.blank >= o.classes)
    throw Error("line reader: bad frames, classes or blank");
  const size_t expected = static_cast<size_t>(o.frames) * static_cast<size_t>(o.classes);
  if (p.size() != expected)
    throw Error("line reader: the model gave " + std::to_string(p.size()) +
                " probabilities, expected " + std::to_string(expected));
  for (float v : p)
    if (!std::isfinite(v)) throw Error("line reader: the model gave a non-finite probability");
  const auto row = [&](int f) { return p.data() + static_cast<size_t>(f) * o.classes; };
  Reading r;
  int prev = o.blank;
  for (int f = 0; f < o.frames; ++f) {
    const float* q = row(f);
    const int best = static_cast<int>(std::max_element(q, q + o.classes) - q);
    if (best != o.blank && best != prev) {
      DigitReading d;
      d.cls = best;
      d.label = class_name(o, best);
      d.confidence = q[best];
      r.digits.push_back(d);
      r.digits.back().box.x = f;      // first frame, turned into pixels below
      r.digits.back().box.width = f;  // last frame
    } else if (best != o.blank && best == prev) {
      DigitReading& d = r.digits.back();
      d.box.width = f;
      d.confidence = std::max(d.confidence, q[best]);
    }
    prev = best;
  }
  for (DigitReading& d : r.digits) {
    const int first = d.box.x, last = d.box.width;
    // The frame of the run where the class is most probable gives the top list.
    int peak = first;
    for (int f = first; f <= last; ++f)
      if (row(f)[d.cls] > row(peak)[d.cls]) peak = f;
    std::vector<std::pair<int, float>> ranked;
    for (int c = 0; c < o.classes; ++c)
      if (c != o.blank) ranked.emplace_back(c, row(peak)[c]);
    std::sort(ranked.begin(), ranked.end(),
              [](const auto& a, const auto& b) { return a.second > b.second; });
    ranked.resize(std::min(ranked.size(), static_cast<size_t>(std::max(o.top, 0))));
    d.top = std::move(ranked);
    const double x0 = placement.image_x(o.frame_x0 + first * o.frame_step);
    const double x1 = placement.image_x(o.frame_x0 + (last + 1) * o.frame_step);
    const int ix0 = std::clamp(static_cast<int>(std::floor(x0)), placement.ink.x,
                               placement.ink.x + placement.ink.width - 1);
    const int ix1 =
        std::clamp(static_cast<int>(std::ceil(x1)), ix0 + 1, placement.ink.x + placement.ink.width);
    d.box = PixelBox{ix0, placement.ink.y, ix1 - ix0, placement.ink.height};
    r.text += d.label;
  }
  r.rows = 1;
  return r;
}

Reading read_digit_line(const Image& image, const LineScorer& score, const LineReaderOptions& o) {
  if (int64_t{image.width} * image.height > o.max_pixels)
    throw Error("the image has " + std::to_string(int64_t{image.width} * image.height) +
                " pixels, more than the limit of " + std::to_string(o.max_pixels));
  LinePlacement placement;
  const Image strip = line_input(image, o.input, &placement);
  return decode_line(score(strip), o, placement);
}

}  // namespace inkstone
