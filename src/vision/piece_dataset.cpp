#include "inkstone/vision/piece_dataset.hpp"

#include <algorithm>
#include <string>
#include <vector>

#include "inkstone/data/digit_strings.hpp"
#include "inkstone/tensor/error.hpp"

namespace inkstone {

int piece_label(int x0, int x1, const std::vector<PixelBox>& boxes, const std::string& digits) {
  // cover[k]: the fraction of digit k's width inside [x0, x1).
  std::vector<double> cover;
  for (const PixelBox& b : boxes) {
    const int inside = std::min(x1, b.x + b.width) - std::max(x0, b.x);
    cover.push_back(b.width > 0 ? std::max(0, inside) / static_cast<double>(b.width) : 0);
  }
  if (cover.empty()) return kPieceNone;
  const size_t best =
      static_cast<size_t>(std::max_element(cover.begin(), cover.end()) - cover.begin());
  double second = 0;
  for (size_t k = 0; k < cover.size(); ++k)
    if (k != best) second = std::max(second, cover[k]);
  if (cover[best] >= 0.85 && second <= 0.2) {
    const char c = best < digits.size() ? digits[best] : '?';
    return c >= '0' && c <= '9' ? c - '0' : kPieceAmbiguous;
  }
  if (cover[best] < 0.6 || second >= 0.4) return kPieceNone;
  return kPieceAmbiguous;
}

Dataset make_piece_dataset(const Dataset& digits, const PieceDatasetOptions& o, Rng& rng) {
  if (o.strings < 1) throw Error("piece dataset: strings must be >= 1");
  if (!(o.touching >= 0 && o.touching <= 1))
    throw Error("piece dataset: touching must be in [0, 1]");
  if (!(o.reject_ratio >= 0)) throw Error("piece dataset: reject_ratio must be >= 0");
  const int size = o.reader.normalize.size;
  Dataset out;
  out.name = "pieces";
  out.channels = 1;
  out.height = out.width = size;
  out.num_classes = 11;
  for (int c = 0; c < 10; ++c) out.class_names.push_back(std::to_string(c));
  out.class_names.push_back(kRejectClassName);
  std::vector<std::vector<uint8_t>> none;  // reject pieces, subsampled at the end
  for (int i = 0; i < o.strings; ++i) {
    DigitStringOptions so;
    so.length = o.length;
    so.layout = rng.uniform() < o.touching ? "touching" : "gaps";
    const DigitString s = synth_digit_string(digits, so, rng);
    std::vector<int> heights;
    for (const PixelBox& b : s.boxes) heights.push_back(b.height);
    std::nth_element(heights.begin(), heights.begin() + static_cast<long>(heights.size() / 2),
                     heights.end());
    const double H = i % 2 == 0 ? heights[heights.size() / 2] : 0;
    for (StringPiece& p : digit_string_pieces(s.image, o.reader, H)) {
      if (p.input.width != size || p.input.height != size || p.input.channels != 1) continue;
      const int label = piece_label(p.x0, p.x1, s.boxes, s.text);
      if (label == kPieceAmbiguous) continue;
      if (label == kPieceNone) {
        none.push_back(std::move(p.input.pixels));
        continue;
      }
      out.images.insert(out.images.end(), p.input.pixels.begin(), p.input.pixels.end());
      out.labels.push_back(label);
    }
  }
  // Keep a random subset of the reject pieces: at most reject_ratio per digit piece.
  const size_t keep = std::min(
      none.size(), static_cast<size_t>(o.reject_ratio * static_cast<double>(out.labels.size())));
  for (size_t k = 0; k < keep; ++k) {
    const size_t j = k + static_cast<size_t>(rng.uniform() * static_cast<float>(none.size() - k));
    std::swap(none[k], none[std::min(j, none.size() - 1)]);
    out.images.insert(out.images.end(), none[k].begin(), none[k].end());
    out.labels.push_back(kPieceNone);
  }
  return out;
}

}  // namespace inkstone
