#include "inkstone/data/digit_strings.hpp"

#include <algorithm>
#include <cmath>

#include "inkstone/tensor/error.hpp"

namespace inkstone {

namespace {

// The digit's 28x28 image enlarged to size x size by bilinear interpolation (ink 0..1).
std::vector<float> enlarge(const uint8_t* px, int size) {
  std::vector<float> out(static_cast<size_t>(size) * static_cast<size_t>(size));
  const double s = 28.0 / size;
  auto at = [&](int x, int y) {
    return (x < 0 || y < 0 || x > 27 || y > 27) ? 0.0 : px[y * 28 + x] / 255.0;
  };
  for (int y = 0; y < size; ++y)
    for (int x = 0; x < size; ++x) {
      const double u = (x + 0.5) * s - 0.5, v = (y + 0.5) * s - 0.5;
      const int x0 = static_cast<int>(std::floor(u)), y0 = static_cast<int>(std::floor(v));
      const double fx = u - x0, fy = v - y0;
      out[static_cast<size_t>(y) * static_cast<size_t>(size) + static_cast<size_t>(x)] =
          static_cast<float>((1 - fy) * ((1 - fx) * at(x0, y0) + fx * at(x0 + 1, y0)) +
                             fy * ((1 - fx) * at(x0, y0 + 1) + fx * at(x0 + 1, y0 + 1)));
    }
  return out;
}

// Columns [first, last] holding ink (> 0.2) in a size x size cell; {0, -1} when none.
std::pair<int, int> ink_columns(const std::vector<float>& cell, int size) {
  int first = size, last = -1;
  for (int y = 0; y < size; ++y)
    for (int x = 0; x < size; ++x)
      if (cell[static_cast<size_t>(y) * static_cast<size_t>(size) + static_cast<size_t>(x)] >
          0.2f) {
        first = std::min(first, x);
        last = std::max(last, x);
      }
  return {first, last};
}

}  // namespace

DigitString synth_digit_string(const Dataset& digits, const DigitStringOptions& o, Rng& rng) {
  if (o.length < 1 || o.length > 64) throw Error("digit strings: length must be 1..64");
  if (o.layout != "gaps" && o.layout != "touching" && o.layout != "boxes")
    throw Error("digit strings: layout must be gaps, touching or boxes, got '" + o.layout + "'");
  if (o.digit_height < 14 || o.digit_height > 512)
    throw Error("digit strings: digit height must be 14..512");
  if (digits.height != 28 || digits.width != 28 || digits.channels != 1 || digits.size() == 0)
    throw Error("digit strings need a dataset of 28x28 grey digits");
  const bool boxes = o.layout == "boxes";
  const int base = o.digit_height;
  const int margin = base / 2;
  const int cell_pitch = base + base / 4;  // printed boxes: 1.25 digit heights apart
  const int height = base + 2 * margin + 2 * o.baseline_jitter;
  // Width: generous; the image is cropped to the last digit at the end.
  const int max_width = margin * 2 + o.length * (base * 2);
  std::vector<float> ink(static_cast<size_t>(max_width) * static_cast<size_t>(height), 0.0f);
  DigitString out;
  int pen = margin;  // x where the next digit's ink may start
  if (o.empty < 0 || o.empty > 1) throw Error("digit strings: empty must be in [0, 1]");
  for (int i = 0; i < o.length; ++i) {
    if (boxes && o.empty > 0 && rng.uniform() < o.empty) {
      out.text += '_';
      out.boxes.push_back({margin + i * cell_pitch, margin / 2, cell_pitch, height - margin});
      continue;
    }
    const int64_t k = static_cast<int64_t>(rng.below(static_cast<uint64_t>(digits.size())));
    const int32_t label = digits.labels[static_cast<size_t>(k)];
    if (label < 0 || label > 9) throw Error("digit strings need labels 0-9");
    out.text += static_cast<char>('0' + label);
    const double s = 1 + o.scale_jitter * (2 * rng.uniform() - 1);
    const int size = std::max(14, static_cast<int>(std::lround(base * s)));
    const std::vector<float> cell = enlarge(digits.image(k), size);
    const auto [c0, c1] = ink_columns(cell, size);
    const int dy =
        o.baseline_jitter > 0
            ? static_cast<int>(rng.below(static_cast<uint64_t>(2 * o.baseline_jitter + 1))) -
                  o.baseline_jitter
            : 0;
    int left;  // where the cell's column 0 goes
    if (boxes) {
      const int box_x = margin + i * cell_pitch;
      left = box_x + (cell_pitch - size) / 2;
    } else {
      // The first ink column lands at pen - overlap (touching) or pen + gap.
      const int shift = o.layout == "touching" ? -static_cast<int>(rng.below(5))
                                               : 4 + static_cast<int>(rng.below(11));
      left = (i == 0 ? margin : pen + shift) - std::max(0, c0);
    }
    const int top = margin + o.baseline_jitter + dy + (base - size) / 2;
    int x_min = max_width, x_max = -1, y_min = height, y_max = -1;
    for (int y = 0; y < size; ++y)
      for (int x = 0; x < size; ++x) {
        const float v =
            cell[static_cast<size_t>(y) * static_cast<size_t>(size) + static_cast<size_t>(x)];
        const int X = left + x, Y = top + y;
        if (v <= 0 || X < 0 || Y < 0 || X >= max_width || Y >= height) continue;
        float& dst =
            ink[static_cast<size_t>(Y) * static_cast<size_t>(max_width) + static_cast<size_t>(X)];
        dst = std::max(dst, v);  // overlapping strokes: the darker wins
        if (v > 0.2f) {
          x_min = std::min(x_min, X);
          x_max = std::max(x_max, X);
          y_min = std::min(y_min, Y);
          y_max = std::max(y_max, Y);
        }
      }
    if (boxes) {
      out.boxes.push_back({margin + i * cell_pitch, margin / 2, cell_pitch, height - margin});
    } else {
      out.boxes.push_back({x_min, y_min, x_max - x_min + 1, y_max - y_min + 1});
    }
    pen = std::max(pen, c1 >= 0 ? left + c1 + 1 : left + size);
  }
  const int width = boxes ? 2 * margin + o.length * cell_pitch : std::min(max_width, pen + margin);
  Image img(width, height, 1);
  for (int y = 0; y < height; ++y) {
    for (int x = 0; x < width; ++x) {
      double paper = 235 + o.noise * 255 * rng.normal();
      if (o.ruled_lines && (y - margin / 3) % std::max(8, base / 2) == 0) paper -= 60;  // ruling
      const float v =
          ink[static_cast<size_t>(y) * static_cast<size_t>(max_width) + static_cast<size_t>(x)];
      *img.at(x, y) = static_cast<uint8_t>(std::clamp(paper * (1 - v) + 25 * v, 0.0, 255.0));
    }
  }
  if (boxes) {  // printed boxes: thin dark frames
    for (const PixelBox& b : out.boxes) {
      for (int x = b.x; x < std::min(width, b.x + b.width); ++x)
        for (int y : {b.y, std::min(height - 1, b.y + b.height - 1)}) *img.at(x, y) = 40;
      for (int y = b.y; y < std::min(height, b.y + b.height); ++y)
        for (int x : {b.x, std::min(width - 1, b.x + b.width - 1)}) *img.at(x, y) = 40;
    }
  }
  out.image = std::move(img);
  return out;
}

}  // namespace inkstone
