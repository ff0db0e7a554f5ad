// Reading a handwritten digit string (vision/reading.hpp):
//   1. extract the ink (grey, polarity, flattened background, Otsu) and erase ruled lines;
//   2. connected components; the line height H is the median height of the large ones, and
//      specks much smaller than H are dropped;
//   3. components that overlap horizontally by half the narrower one's width are pieces of one
//      digit (a 5's detached bar, a broken stroke) and are merged into one blob; a small blob
//      right next to another joins it;
//   4. a blob wider than min_split_width * H may hold touching digits: candidate cuts are
//      straight ones at the local minima of its column ink profile and bent ones (the paths
//      from top to bottom crossing the fewest strokes, by dynamic programming over rows, near
//      those minima and near a grid of columns), every piece between two cuts is classified, and
//      dynamic programming picks the cuts maximizing sum(log confidence + split_bonus) over
//      the pieces plus a prior on the number of digits from the blob's width; no piece is
//      wider than max_digit_width * H or shorter than min_piece_height * H. A blob no wider
//      than max_digit_width * H that the classifier reads as one digit with
//      keep_whole_confidence stays whole. The line height is measured again on the digits
//      found, and the string read again if it moved. With a reject class (a classifier trained
//      to say "none" for what is not one digit), a piece's score is its best digit's
//      probability, and a blob shorter than a digit read as "none" is dropped as a fragment.
//   5. when the number of digits is known (expected_digits) and the blobs' own readings give
//      another, each blob's best reading with k digits is scored for every k, and dynamic
//      programming over the blobs picks the counts adding up to it with the best total score.
#include <algorithm>
#include <cmath>
#include <numeric>

#include "inkstone/tensor/error.hpp"
#include "inkstone/vision/components.hpp"
#include "vision/crop_classifier.hpp"

namespace inkstone {

namespace {

using vision_detail::crop_ink;

struct Blob {
  std::vector<char> member;  // member[c]: component c belongs to this blob
  int x0 = 0, x1 = 0, y0 = 0, y1 = 0;
};

struct Piece {
  Image input;  // 28x28
  PixelBox box;
  bool ok = false;
};

// Union-find root with path halving.
int root(std::vector<int>& parent, int i) {
  while (parent[static_cast<size_t>(i)] != i) {
    parent[static_cast<size_t>(i)] = parent[static_cast<size_t>(parent[static_cast<size_t>(i)])];
    i = parent[static_cast<size_t>(i)];
  }
  return i;
}

int overlap(int a0, int a1, int b0, int b1) {
  return std::min(a1, b1) - std::max(a0, b0) + 1;
}

// A cut through a blob from its top row to its bottom row: in row b.y0 + r, the columns left
// of x[r] lie on its left. A blob's edges are straight cuts.
struct Cut {
  std::vector<int> x;
  double mean() const {
    return std::accumulate(x.begin(), x.end(), 0.0) / static_cast<double>(x.size());
  }
};

Cut straight_cut(const Blob& b, int x) {
  return Cut{std::vector<int>(static_cast<size_t>(b.y1 - b.y0 + 1), x)};
}

// The ink of a blob between two cuts, without the small fragments a cut leaves of a
// neighbour, normalized to a model input. ok = false when nothing is left.
Piece make_piece(const Image& ink, const std::vector<int32_t>& lab, const Blob& b, const Cut& left,
                 const Cut& right, const MnistStyleOptions& norm) {
  Piece p;
  const int c0 = *std::min_element(left.x.begin(), left.x.end());
  const int c1 = *std::max_element(right.x.begin(), right.x.end());
  if (c1 <= c0) return p;
  const PixelBox area{c0, b.y0, c1 - c0, b.y1 - b.y0 + 1};
  Image crop = crop_ink(ink, area, [&](int x, int y) {
    const size_t r = static_cast<size_t>(y - b.y0);
    if (x < left.x[r] || x >= right.x[r]) return false;
    const int32_t l =
        lab[static_cast<size_t>(y) * static_cast<size_t>(ink.width) + static_cast<size_t>(x)];
    return l >= 0 && b.member[static_cast<size_t>(l)];
  });
  std::vector<int32_t> sub;
  const std::vector<Component> parts = connected_components(crop, &sub);
  if (parts.empty()) return p;
  int64_t largest = 0;
  for (const Component& c : parts) largest = std::max(largest, c.area);
  int x0 = crop.width, x1 = -1, y0 = crop.height, y1 = -1;
  for (int y = 0; y < crop.height; ++y)
    for (int x = 0; x < crop.width; ++x) {
      const int32_t l =
          sub[static_cast<size_t>(y) * static_cast<size_t>(crop.width) + static_cast<size_t>(x)];
      if (l < 0) continue;
      if (10 * parts[static_cast<size_t>(l)].area < largest) {
        *crop.at(x, y) = 0;  // a fragment
        continue;
      }
      x0 = std::min(x0, x);
      x1 = std::max(x1, x);
      y0 = std::min(y0, y);
      y1 = std::max(y1, y);
    }
  p.input = fit_ink(crop, norm);
  p.box = {area.x + x0, area.y + y0, x1 - x0 + 1, y1 - y0 + 1};
  p.ok = true;
  return p;
}

// The blobs of a line of height H, left to right: components merged by horizontal overlap, short
// ones joined to a neighbour, specks dropped.
std::vector<Blob> find_blobs(const std::vector<Component>& comps, double H) {
  const int n = static_cast<int>(comps.size());
  std::vector<char> kept(static_cast<size_t>(n));
  for (int i = 0; i < n; ++i) {
    const PixelBox& b = comps[static_cast<size_t>(i)].box;
    kept[static_cast<size_t>(i)] = std::max(b.width, b.height) >= 0.25 * H;
  }
  // Pieces of one digit: horizontal overlap of at least half the narrower one.
  std::vector<int> parent(static_cast<size_t>(n));
  std::iota(parent.begin(), parent.end(), 0);
  for (int i = 0; i < n; ++i)
    for (int j = i + 1; j < n; ++j) {
      if (!kept[static_cast<size_t>(i)] || !kept[static_cast<size_t>(j)]) continue;
      const PixelBox &a = comps[static_cast<size_t>(i)].box, &b = comps[static_cast<size_t>(j)].box;
      if (2 * overlap(a.x, a.x + a.width - 1, b.x, b.x + b.width - 1) >= std::min(a.width, b.width))
        parent[static_cast<size_t>(root(parent, i))] = root(parent, j);
    }
  std::vector<Blob> blobs;
  std::vector<int> blob_of(static_cast<size_t>(n), -1);
  for (int i = 0; i < n; ++i) {
    if (!kept[static_cast<size_t>(i)]) continue;
    const int r = root(parent, i);
    if (blob_of[static_cast<size_t>(r)] < 0) {
      blob_of[static_cast<size_t>(r)] = static_cast<int>(blobs.size());
      Blob b;
      b.member.assign(static_cast<size_t>(n), 0);
      const PixelBox& box = comps[static_cast<size_t>(i)].box;
      b.x0 = box.x;
      b.x1 = box.x + box.width - 1;
      b.y0 = box.y;
      b.y1 = box.y + box.height - 1;
      blobs.push_back(b);
    }
    Blob& b = blobs[static_cast<size_t>(blob_of[static_cast<size_t>(r)])];
    const PixelBox& box = comps[static_cast<size_t>(i)].box;
    b.member[static_cast<size_t>(i)] = 1;
    b.x0 = std::min(b.x0, box.x);
    b.x1 = std::max(b.x1, box.x + box.width - 1);
    b.y0 = std::min(b.y0, box.y);
    b.y1 = std::max(b.y1, box.y + box.height - 1);
  }
  std::sort(blobs.begin(), blobs.end(), [](const Blob& a, const Blob& b) { return a.x0 < b.x0; });
  // A short blob (under 0.45 H tall) joins a neighbour within 0.25 H, or is dropped as noise.
  for (size_t i = 0; i < blobs.size();) {
    Blob& b = blobs[i];
    if (b.y1 - b.y0 + 1 >= 0.45 * H) {
      ++i;
      continue;
    }
    const int gap_left = i > 0 ? b.x0 - blobs[i - 1].x1 - 1 : 1 << 30;
    const int gap_right = i + 1 < blobs.size() ? blobs[i + 1].x0 - b.x1 - 1 : 1 << 30;
    const size_t into = gap_left <= gap_right ? i - 1 : i + 1;
    if (std::min(gap_left, gap_right) <= 0.25 * H) {
      Blob& t = blobs[into];
      for (int c = 0; c < n; ++c)
        t.member[static_cast<size_t>(c)] |= b.member[static_cast<size_t>(c)];
      t.x0 = std::min(t.x0, b.x0);
      t.x1 = std::max(t.x1, b.x1);
      t.y0 = std::min(t.y0, b.y0);
      t.y1 = std::max(t.y1, b.y1);
    }
    blobs.erase(blobs.begin() + static_cast<long>(i));
  }
  return blobs;
}

// The cheapest cut through a blob near column `start`: a path from the top row to the bottom
// one that moves at most one column per row and stays within `band` columns of start. Its cost
// is the number of rows where it separates two ink pixels of the blob (it cuts a stroke), plus
// small penalties for bending (0.05 per step sideways) and for straying from start (0.01 per
// column per row), so that among equally clean cuts the straightest wins. Dynamic programming
// over rows: cost[r][c] = here(r, c) + min over |c - c'| <= 1 of cost[r - 1][c'] + bend.
std::pair<Cut, double> cheapest_cut(const Image& ink, const std::vector<int32_t>& lab,
                                    const Blob& b, int start, int band) {
  const int lo = std::max(b.x0 + 1, start - band), hi = std::min(b.x1, start + band);
  const int rows = b.y1 - b.y0 + 1, cols = hi - lo + 1;
  auto on = [&](int x, int y) {
    if (x < b.x0 || x > b.x1) return false;
    const int32_t l =
        lab[static_cast<size_t>(y) * static_cast<size_t>(ink.width) + static_cast<size_t>(x)];
    return l >= 0 && b.member[static_cast<size_t>(l)] != 0;
  };
  auto here = [&](int r, int c) {
    const int x = lo + c, y = b.y0 + r;
    return (on(x - 1, y) && on(x, y) ? 1.0 : 0.0) + 0.01 * std::abs(x - start);
  };
  std::vector<double> cost(static_cast<size_t>(rows) * static_cast<size_t>(cols));
  std::vector<int8_t> step(cost.size(), 0);
  auto at = [&](int r, int c) {
    return static_cast<size_t>(r) * static_cast<size_t>(cols) + static_cast<size_t>(c);
  };
  for (int c = 0; c < cols; ++c) cost[at(0, c)] = here(0, c);
  for (int r = 1; r < rows; ++r)
    for (int c = 0; c < cols; ++c) {
      double best = cost[at(r - 1, c)];
      int8_t from = 0;
      for (int d : {-1, 1})
        if (c + d >= 0 && c + d < cols && cost[at(r - 1, c + d)] + 0.05 < best) {
          best = cost[at(r - 1, c + d)] + 0.05;
          from = static_cast<int8_t>(d);
        }
      cost[at(r, c)] = best + here(r, c);
      step[at(r, c)] = from;
    }
  int c = 0;
  for (int k = 1; k < cols; ++k)
    if (cost[at(rows - 1, k)] < cost[at(rows - 1, c)]) c = k;
  const double total = cost[at(rows - 1, c)];
  Cut cut;
  cut.x.resize(static_cast<size_t>(rows));
  for (int r = rows - 1; r >= 0; --r) {
    cut.x[static_cast<size_t>(r)] = lo + c;
    c += step[at(r, c)];
  }
  return {std::move(cut), total};
}

// The candidate pieces of one blob: cuts (its edges and, for a wide blob, the cheapest paths
// through the ink near minima of its column profile and near regularly spaced columns) and
// every admissible piece between two of them.
struct BlobPieces {
  std::vector<Cut> cuts;
  std::vector<std::pair<int, int>> spans;  // piece s lies between cuts[first] and cuts[second]
  std::vector<Piece> pieces;
};

BlobPieces pieces_of(const Image& ink, const std::vector<int32_t>& lab, const Blob& b, double H,
                     const ReaderOptions& o) {
  const int min_piece = std::max(2, static_cast<int>(std::lround(o.min_piece_width * H)));
  const int bw = b.x1 - b.x0 + 1;
  BlobPieces bp;
  std::vector<Cut>& cuts = bp.cuts;
  cuts = {straight_cut(b, b.x0), straight_cut(b, b.x1 + 1)};
  if (bw >= o.min_split_width * H && o.max_digits_per_blob > 1) {
    std::vector<int> profile(static_cast<size_t>(bw), 0);
    for (int y = b.y0; y <= b.y1; ++y)
      for (int x = b.x0; x <= b.x1; ++x) {
        const int32_t l =
            lab[static_cast<size_t>(y) * static_cast<size_t>(ink.width) + static_cast<size_t>(x)];
        if (l >= 0 && b.member[static_cast<size_t>(l)]) ++profile[static_cast<size_t>(x - b.x0)];
      }
    auto prof = [&](int x) {
      return x < b.x0 || x > b.x1 ? 0 : profile[static_cast<size_t>(x - b.x0)];
    };
    std::vector<int> minima;
    for (int x = b.x0 + min_piece; x <= b.x1 + 1 - min_piece; ++x) {
      bool is_min = true;
      for (int d = -2; d <= 2 && is_min; ++d)
        if (d != 0 && prof(x + d) < prof(x)) is_min = false;
      if (is_min) minima.push_back(x);
    }
    std::stable_sort(minima.begin(), minima.end(), [&](int a, int c) { return prof(a) < prof(c); });
    const int spacing = std::max(2, static_cast<int>(std::lround(0.1 * H)));
    for (int x : minima) {
      if (cuts.size() >= 14) break;
      bool far = true;
      for (const Cut& c : cuts) far = far && std::abs(c.x[0] - x) >= spacing;
      if (far) cuts.push_back(straight_cut(b, x));
    }
    if (o.bent_cuts > 0) {
      // Bent cuts, from the profile minima and every spacing columns, the cleanest first; a
      // bent cut that is within spacing columns of another cut in every row adds nothing.
      std::vector<int> starts = minima;
      for (int x = b.x0 + min_piece; x <= b.x1 + 1 - min_piece; x += spacing) starts.push_back(x);
      const int band = std::max(2, static_cast<int>(std::lround(o.cut_band * H)));
      std::vector<std::pair<double, Cut>> found;
      for (int x : starts) {
        std::pair<Cut, double> c = cheapest_cut(ink, lab, b, x, band);
        found.push_back({c.second, std::move(c.first)});
      }
      std::stable_sort(found.begin(), found.end(),
                       [](const auto& a, const auto& c) { return a.first < c.first; });
      int added = 0;
      for (auto& f : found) {
        if (added >= o.bent_cuts) break;
        const double m = f.second.mean();
        bool differs = m - b.x0 >= min_piece && b.x1 + 1 - m >= min_piece;
        for (const Cut& c : cuts) {
          int far_rows = 0;
          for (size_t r = 0; r < c.x.size(); ++r)
            far_rows += std::abs(c.x[r] - f.second.x[r]) >= spacing;
          differs = differs && far_rows > 0;
        }
        if (differs) {
          cuts.push_back(std::move(f.second));
          ++added;
        }
      }
    }
    std::sort(cuts.begin(), cuts.end(),
              [](const Cut& a, const Cut& c) { return a.mean() < c.mean(); });
  }
  const int m = static_cast<int>(cuts.size());
  const int max_w = static_cast<int>(std::floor(o.max_digit_width * H));
  // Every admissible piece [cuts[i], cuts[j]).
  for (int i = 0; i < m; ++i)
    for (int j = i + 1; j < m; ++j) {
      const double w = cuts[static_cast<size_t>(j)].mean() - cuts[static_cast<size_t>(i)].mean();
      const bool whole = i == 0 && j == m - 1;
      // The whole blob is always a candidate (when it is too wide for one digit and can be cut,
      // only if no segmentation is admissible).
      if (w > max_w && !whole) continue;
      if (!whole && w < min_piece) continue;
      Piece p = make_piece(ink, lab, b, cuts[static_cast<size_t>(i)], cuts[static_cast<size_t>(j)],
                           o.normalize);
      if (!p.ok || (!whole && p.box.height < o.min_piece_height * H)) continue;
      bp.spans.push_back({i, j});
      bp.pieces.push_back(std::move(p));
    }
  return bp;
}

// What one blob can read as: its candidate pieces and their class probabilities, its best
// pieces with k digits for every k it allows (none where it allows none), and the pieces the
// blob chooses on its own.
struct BlobOutcome {
  std::vector<Piece> pieces;
  std::vector<float> probs;            // pieces.size() rows of o.classes
  std::vector<double> score_by_count;  // -inf where a count is not possible
  std::vector<std::vector<size_t>> by_count;
  std::vector<size_t> own;
};

// The readings of some of a blob's pieces.
std::vector<DigitReading> readings_of(const BlobOutcome& blob, const std::vector<size_t>& chosen,
                                      const ReaderOptions& o) {
  std::vector<DigitReading> r;
  for (size_t s : chosen)
    r.push_back(vision_detail::reading_of(blob.probs.data() + s * static_cast<size_t>(o.classes), o,
                                          blob.pieces[s].box, blob.pieces[s].input));
  return r;
}

constexpr double kImpossible = -1e300;

BlobOutcome read_blob(const Image& ink, const std::vector<int32_t>& lab, const Blob& b, double H,
                      const Classifier& classify, const ReaderOptions& o) {
  const int K = o.max_digits_per_blob;
  BlobOutcome out;
  out.score_by_count.assign(static_cast<size_t>(K + 1), kImpossible);
  out.by_count.resize(static_cast<size_t>(K + 1));
  const int bw = b.x1 - b.x0 + 1;
  const int max_w = static_cast<int>(std::floor(o.max_digit_width * H));
  BlobPieces bp = pieces_of(ink, lab, b, H, o);
  const std::vector<std::pair<int, int>>& spans = bp.spans;
  out.pieces = std::move(bp.pieces);
  const std::vector<Piece>& pieces = out.pieces;
  const int m = static_cast<int>(bp.cuts.size());
  if (pieces.empty()) return out;
  std::vector<Image> inputs;
  for (const Piece& p : pieces) inputs.push_back(p.input);
  out.probs = vision_detail::classify_checked(inputs, classify, o);
  const auto row = [&](size_t s) { return out.probs.data() + s * static_cast<size_t>(o.classes); };
  std::vector<double> score(pieces.size());
  for (size_t s = 0; s < pieces.size(); ++s)
    score[s] =
        std::log(std::max(1e-9f, vision_detail::digit_confidence(row(s), o))) + o.split_bonus;
  size_t whole = pieces.size();
  for (size_t s = 0; s < spans.size(); ++s)
    if (spans[s].first == 0 && spans[s].second == m - 1) whole = s;
  // best[j][k]: the best score of cutting [cuts[0], cuts[j]) into k pieces.
  std::vector<std::vector<double>> best(
      static_cast<size_t>(m), std::vector<double>(static_cast<size_t>(K + 1), kImpossible));
  std::vector<std::vector<int>> from(static_cast<size_t>(m),
                                     std::vector<int>(static_cast<size_t>(K + 1), -1));
  best[0][0] = 0;
  const bool whole_too_wide = bw > max_w && m > 2;
  for (int j = 1; j < m; ++j)
    for (size_t s = 0; s < spans.size(); ++s) {
      if (spans[s].second != j || (whole_too_wide && s == whole)) continue;
      const int i = spans[s].first;
      for (int k = 1; k <= K; ++k) {
        const double prev = best[static_cast<size_t>(i)][static_cast<size_t>(k - 1)];
        if (prev == kImpossible) continue;
        if (prev + score[s] > best[static_cast<size_t>(j)][static_cast<size_t>(k)]) {
          best[static_cast<size_t>(j)][static_cast<size_t>(k)] = prev + score[s];
          from[static_cast<size_t>(j)][static_cast<size_t>(k)] = static_cast<int>(s);
        }
      }
    }
  // Each number of digits k scores the best cuts into k pieces plus the log prior of k digits
  // spanning the blob's width, each digit about digit_width * H wide (sd width_sd * H):
  //   log P(k) = -(w / H - k digit_width)^2 / (2 k width_sd^2) - log(k) / 2.
  int k_best = -1;
  for (int k = 1; k <= K; ++k) {
    const double cut_score = best[static_cast<size_t>(m - 1)][static_cast<size_t>(k)];
    if (cut_score == kImpossible) continue;
    const double d = bw / H - k * o.digit_width;
    out.score_by_count[static_cast<size_t>(k)] =
        cut_score - d * d / (2 * k * o.width_sd * o.width_sd) - 0.5 * std::log(k);
    std::vector<size_t>& c = out.by_count[static_cast<size_t>(k)];
    for (int j = m - 1, n = k; n > 0; --n) {
      const int s = from[static_cast<size_t>(j)][static_cast<size_t>(n)];
      c.push_back(static_cast<size_t>(s));
      j = spans[static_cast<size_t>(s)].first;
    }
    std::reverse(c.begin(), c.end());
    if (k_best < 0 || out.score_by_count[static_cast<size_t>(k)] >
                          out.score_by_count[static_cast<size_t>(k_best)])
      k_best = k;
  }
  std::vector<size_t>& own = out.own;
  if (k_best > 0) own = out.by_count[static_cast<size_t>(k_best)];
  const bool short_blob = b.y1 - b.y0 + 1 < o.fragment_height * H;
  if (whole < pieces.size()) {
    const double conf = vision_detail::digit_confidence(row(whole), o);
    if (short_blob)  // a blob shorter than a digit may be no digit at all (k = 0)
      out.score_by_count[0] = std::log(std::max(1e-9, 1.0 - conf));
    // A blob narrow enough to be one digit, and read as one with confidence, stays whole: a
    // classifier is often just as sure of the halves of a digit.
    if (bw <= max_w && conf >= o.keep_whole_confidence) own = {whole};
    // No admissible segmentation (every cut leaves a piece too short or too narrow): the blob
    // is read whole rather than dropped, and its low confidence says so.
    if (k_best < 0) {
      own = {whole};
      out.score_by_count[1] = std::log(std::max(1e-9, conf));
      out.by_count[1] = own;
    }
  }
  // A blob shorter than a digit that the classifier's reject class calls "not a digit" is a
  // fragment (a stroke the pen broke off, a blot): no digit.
  if (o.reject_class >= 0 && own.size() == 1 && short_blob && row(own[0])[o.reject_class] > 0.5f)
    own.clear();
  return out;
}

// The blobs' readings with `total` digits in all that score best (sum over blobs), or empty
// when no choice of counts adds up to total.
std::vector<int> counts_adding_up_to(const std::vector<BlobOutcome>& blobs, int total) {
  const size_t n = blobs.size();
  const size_t T = static_cast<size_t>(total);
  // best[b][t]: the best score of the first b blobs reading t digits.
  std::vector<std::vector<double>> best(n + 1, std::vector<double>(T + 1, kImpossible));
  std::vector<std::vector<int>> count(n + 1, std::vector<int>(T + 1, -1));
  best[0][0] = 0;
  for (size_t b = 0; b < n; ++b)
    for (size_t t = 0; t <= T; ++t) {
      if (best[b][t] == kImpossible) continue;
      const std::vector<double>& sc = blobs[b].score_by_count;
      for (size_t k = 0; k < sc.size() && t + k <= T; ++k) {
        if (sc[k] == kImpossible) continue;
        if (best[b][t] + sc[k] > best[b + 1][t + k]) {
          best[b + 1][t + k] = best[b][t] + sc[k];
          count[b + 1][t + k] = static_cast<int>(k);
        }
      }
    }
  if (best[n][T] == kImpossible) return {};
  std::vector<int> counts(n);
  for (size_t b = n, t = T; b > 0; --b) {
    counts[b - 1] = count[b][t];
    t -= static_cast<size_t>(count[b][t]);
  }
  return counts;
}

// Reads the string assuming a line height of H pixels.
Reading segment_and_read(const Image& ink, const std::vector<int32_t>& lab,
                         const std::vector<Component>& comps, double H, const Classifier& classify,
                         const ReaderOptions& o) {
  std::vector<BlobOutcome> blobs;
  size_t own_total = 0;
  for (const Blob& b : find_blobs(comps, H)) {
    blobs.push_back(read_blob(ink, lab, b, H, classify, o));
    own_total += blobs.back().own.size();
  }
  // A known number of digits (a postcode, a student number): when the blobs' own readings do
  // not add up to it, the counts that do and score best overall.
  std::vector<int> counts;
  if (o.expected_digits > 0 && own_total != static_cast<size_t>(o.expected_digits))
    counts = counts_adding_up_to(blobs, o.expected_digits);
  Reading out;
  for (size_t b = 0; b < blobs.size(); ++b) {
    const std::vector<DigitReading> r = readings_of(
        blobs[b], counts.empty() ? blobs[b].own : blobs[b].by_count[static_cast<size_t>(counts[b])],
        o);
    out.digits.insert(out.digits.end(), r.begin(), r.end());
  }
  for (const DigitReading& d : out.digits) out.text += d.label;
  return out;
}

// A page's ink without ruled lines, its components, and a first estimate of the line height.
struct Page {
  Image ink;
  std::vector<int32_t> lab;
  std::vector<Component> comps;
  double H = 1;
};

Page prepare_page(const Image& image, const ReaderOptions& o) {
  if (int64_t{image.width} * image.height > o.max_pixels)
    throw Error("the image is too large to read (" + std::to_string(image.width) + "x" +
                std::to_string(image.height) + ")");
  Page page;
  page.ink = extract_ink(image, o.normalize);
  remove_horizontal_lines(page.ink, std::max(40, page.ink.width / 2));
  page.comps = connected_components(page.ink, &page.lab);
  if (page.comps.empty()) throw Error("the image has no ink");
  // Line height: the median height of the components holding at least a fifth of the ink of
  // the largest one.
  int64_t max_area = 0;
  for (const Component& c : page.comps) max_area = std::max(max_area, c.area);
  std::vector<int> heights;
  for (const Component& c : page.comps)
    if (5 * c.area >= max_area) heights.push_back(c.box.height);
  std::nth_element(heights.begin(), heights.begin() + static_cast<long>(heights.size() / 2),
                   heights.end());
  page.H = std::max(1, heights[heights.size() / 2]);
  return page;
}

}  // namespace

std::vector<StringPiece> digit_string_pieces(const Image& image, const ReaderOptions& o,
                                             double line_height) {
  const Page page = prepare_page(image, o);
  const double H = line_height > 0 ? line_height : page.H;
  std::vector<StringPiece> out;
  for (const Blob& b : find_blobs(page.comps, H)) {
    BlobPieces bp = pieces_of(page.ink, page.lab, b, H, o);
    const int m = static_cast<int>(bp.cuts.size());
    for (size_t s = 0; s < bp.pieces.size(); ++s) {
      StringPiece sp;
      sp.x0 = static_cast<int>(std::lround(bp.cuts[static_cast<size_t>(bp.spans[s].first)].mean()));
      sp.x1 =
          static_cast<int>(std::lround(bp.cuts[static_cast<size_t>(bp.spans[s].second)].mean()));
      sp.whole_blob = bp.spans[s].first == 0 && bp.spans[s].second == m - 1;
      sp.box = bp.pieces[s].box;
      sp.input = std::move(bp.pieces[s].input);
      out.push_back(std::move(sp));
    }
  }
  return out;
}

Reading read_digit_string(const Image& image, const Classifier& classify, const ReaderOptions& o) {
  const Page page = prepare_page(image, o);
  const Image& ink = page.ink;
  const std::vector<int32_t>& lab = page.lab;
  const std::vector<Component>& comps = page.comps;
  const double H0 = page.H;
  Reading out = segment_and_read(ink, lab, comps, H0, classify, o);
  // Blobs of touching digits are taller than one digit (each sits at its own height), so the
  // first estimate can be high: measure again on the digits found, and read again if it moved.
  std::vector<int> found;
  for (const DigitReading& d : out.digits) found.push_back(d.box.height);
  if (!found.empty()) {
    std::nth_element(found.begin(), found.begin() + static_cast<long>(found.size() / 2),
                     found.end());
    const double H1 = std::max(1, found[found.size() / 2]);
    if (std::abs(H1 - H0) > 0.05 * H0) out = segment_and_read(ink, lab, comps, H1, classify, o);
  }
  if (out.digits.empty()) throw Error("the image has no readable ink");
  return out;
}

}  // namespace inkstone
