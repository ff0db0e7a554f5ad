// Reading a form of printed boxes (vision/reading.hpp):
//   1. extract the ink; horizontal box lines are rows with an ink run of at least half the
//      longest run in the image (and at least kMinLine pixels), merged when adjacent;
//   2. between two consecutive horizontal lines (a band), vertical box lines are columns whose
//      ink covers at least 85% of the band's rows — a written stroke never spans a whole box;
//      a gap between two vertical lines is a cell unless it is much narrower than the others
//      (the space between two separate boxes, or a double line);
//   3. each cell's interior, away from its lines, is read: no ink larger than a speck means an
//      empty cell; otherwise the ink is normalized and classified.
#include <algorithm>
#include <cmath>

#include "inkstone/tensor/error.hpp"
#include "inkstone/vision/components.hpp"
#include "vision/crop_classifier.hpp"

namespace inkstone {

namespace {

constexpr int kMinLine = 12;  // pixels: shorter runs are never box lines

struct Band {
  int a = 0, b = 0;  // first and last pixel (row or column) of a line
};

// Groups the marked positions into lines (runs of marks, gaps of at most one pixel bridged).
std::vector<Band> group_lines(const std::vector<char>& mark) {
  std::vector<Band> out;
  for (int i = 0; i < static_cast<int>(mark.size()); ++i) {
    if (!mark[static_cast<size_t>(i)]) continue;
    if (!out.empty() && i - out.back().b <= 2)
      out.back().b = i;
    else
      out.push_back({i, i});
  }
  return out;
}

// The cells between consecutive lines: gaps at least 40% of the widest gap.
std::vector<Band> cells_between(const std::vector<Band>& lines) {
  std::vector<Band> gaps;
  int widest = 0;
  for (size_t i = 0; i + 1 < lines.size(); ++i) {
    const Band g{lines[i].b + 1, lines[i + 1].a - 1};
    if (g.b < g.a) continue;
    gaps.push_back(g);
    widest = std::max(widest, g.b - g.a + 1);
  }
  std::vector<Band> cells;
  for (const Band& g : gaps)
    if (5 * (g.b - g.a + 1) >= 2 * widest) cells.push_back(g);
  return cells;
}

}  // namespace

Reading read_boxes(const Image& image, const Classifier& classify, const ReaderOptions& o) {
  if (int64_t{image.width} * image.height > o.max_pixels)
    throw Error("the image is too large to read (" + std::to_string(image.width) + "x" +
                std::to_string(image.height) + ")");
  const Image ink = extract_ink(image, o.normalize);
  const int W = ink.width, H = ink.height;
  auto on = [&](int x, int y) { return *ink.at(x, y) > 0; };

  // 1. Horizontal lines.
  std::vector<int> row_run(static_cast<size_t>(H), 0);
  int longest = 0;
  for (int y = 0; y < H; ++y) {
    int run = 0;
    for (int x = 0; x < W; ++x) {
      run = on(x, y) ? run + 1 : 0;
      row_run[static_cast<size_t>(y)] = std::max(row_run[static_cast<size_t>(y)], run);
    }
    longest = std::max(longest, row_run[static_cast<size_t>(y)]);
  }
  std::vector<char> hmark(static_cast<size_t>(H), 0);
  for (int y = 0; y < H; ++y)
    hmark[static_cast<size_t>(y)] =
        row_run[static_cast<size_t>(y)] >= std::max(kMinLine, longest / 2);
  const std::vector<Band> hlines = group_lines(hmark);
  const std::vector<Band> bands = cells_between(hlines);
  if (bands.empty())
    throw Error("no printed boxes found (no two horizontal lines); read it as a string instead");

  Reading out;
  out.rows = 0;
  std::vector<Image> inputs;
  std::vector<PixelBox> cells;
  std::vector<int> input_of;  // per cell: index into inputs, or -1 when empty
  std::vector<int> row_of;
  for (const Band& band : bands) {
    const int bh = band.b - band.a + 1;
    // 2. Vertical lines of this band.
    std::vector<char> vmark(static_cast<size_t>(W), 0);
    for (int x = 0; x < W; ++x) {
      int covered = 0;
      for (int y = band.a; y <= band.b; ++y) covered += on(x, y);
      vmark[static_cast<size_t>(x)] = bh >= kMinLine && 100 * covered >= 85 * bh;
    }
    const std::vector<Band> columns = cells_between(group_lines(vmark));
    if (columns.empty()) continue;
    ++out.rows;
    for (const Band& col : columns) {
      // 3. The cell's interior: one pixel in from its lines, where line pixels may spread.
      const PixelBox cell{col.a, band.a, col.b - col.a + 1, bh};
      const int inset = 1;
      const PixelBox inner{cell.x + inset, cell.y + inset, std::max(1, cell.width - 2 * inset),
                           std::max(1, cell.height - 2 * inset)};
      Image crop = vision_detail::crop_ink(ink, inner, [&](int x, int y) { return on(x, y); });
      std::vector<int32_t> lab;
      const std::vector<Component> parts = connected_components(crop, &lab);
      // Specks (smaller than 15% of the cell's height both ways) are not writing.
      const int speck = std::max(2, static_cast<int>(std::lround(0.15 * inner.height)));
      bool any = false;
      for (size_t i = 0; i < lab.size(); ++i) {
        const int32_t l = lab[i];
        if (l < 0) continue;
        const PixelBox& b = parts[static_cast<size_t>(l)].box;
        if (std::max(b.width, b.height) < speck)
          crop.pixels[i] = 0;
        else
          any = true;
      }
      cells.push_back(cell);
      row_of.push_back(out.rows - 1);
      if (!any) {
        input_of.push_back(-1);
        continue;
      }
      input_of.push_back(static_cast<int>(inputs.size()));
      inputs.push_back(fit_ink(crop, o.normalize));
    }
  }
  if (cells.empty()) throw Error("no printed boxes found (no vertical box lines)");
  const std::vector<float> probs = vision_detail::classify_checked(inputs, classify, o);
  for (size_t c = 0; c < cells.size(); ++c) {
    if (c > 0 && row_of[c] != row_of[c - 1]) out.text += '\n';
    if (input_of[c] < 0) {
      DigitReading d;
      d.box = cells[c];
      out.digits.push_back(d);
      out.text += '_';
      continue;
    }
    const size_t k = static_cast<size_t>(input_of[c]);
    out.digits.push_back(vision_detail::reading_of(
        probs.data() + k * static_cast<size_t>(o.classes), o, cells[c], inputs[k]));
    out.text += out.digits.back().label;
  }
  return out;
}

}  // namespace inkstone
