#include "inkstone/data/mnist_style.hpp"

#include <algorithm>
#include <array>
#include <cmath>
#include <vector>

#include "data/resample.hpp"
#include "inkstone/tensor/error.hpp"

namespace inkstone {

int otsu_threshold(const Image& grey) {
  std::array<int64_t, 256> hist{};
  for (uint8_t v : grey.pixels) ++hist[v];
  const double n = static_cast<double>(grey.pixels.size());
  double sum_all = 0;
  for (int v = 0; v < 256; ++v) sum_all += v * static_cast<double>(hist[static_cast<size_t>(v)]);
  // For each t: w0 = P(v <= t), mu0, mu1 the class means; maximize w0 w1 (mu0 - mu1)^2.
  double w0 = 0, sum0 = 0, best = -1;
  int best_t = 0;
  for (int t = 0; t < 255; ++t) {
    w0 += static_cast<double>(hist[static_cast<size_t>(t)]);
    sum0 += t * static_cast<double>(hist[static_cast<size_t>(t)]);
    const double w1 = n - w0;
    if (w0 == 0 || w1 == 0) continue;
    const double mu0 = sum0 / w0, mu1 = (sum_all - sum0) / w1;
    const double between = w0 * w1 * (mu0 - mu1) * (mu0 - mu1);
    if (between > best) {
      best = between;
      best_t = t;
    }
  }
  return best_t;
}

bool is_dark_on_light(const Image& g) {
  int64_t light = 0, total = 0;
  auto visit = [&](int x, int y) {
    light += *g.at(x, y) > 127;
    ++total;
  };
  for (int x = 0; x < g.width; ++x) {
    visit(x, 0);
    if (g.height > 1) visit(x, g.height - 1);
  }
  for (int y = 1; y + 1 < g.height; ++y) {
    visit(0, y);
    if (g.width > 1) visit(g.width - 1, y);
  }
  return 2 * light > total;
}

std::vector<float> data_detail::resample(const std::vector<float>& src, int w, int h, int dw,
                                         int dh) {
  std::vector<float> out(static_cast<size_t>(dw) * static_cast<size_t>(dh), 0.0f);
  const double sx = static_cast<double>(w) / dw, sy = static_cast<double>(h) / dh;
  auto at = [&](int x, int y) {
    x = std::clamp(x, 0, w - 1);
    y = std::clamp(y, 0, h - 1);
    return static_cast<double>(
        src[static_cast<size_t>(y) * static_cast<size_t>(w) + static_cast<size_t>(x)]);
  };
  for (int oy = 0; oy < dh; ++oy) {
    for (int ox = 0; ox < dw; ++ox) {
      double v = 0;
      if (sx >= 1 && sy >= 1) {
        // Box [x0, x1) x [y0, y1) in source coordinates, weighted by overlap.
        const double x0 = ox * sx, x1 = x0 + sx, y0 = oy * sy, y1 = y0 + sy;
        double area = 0;
        for (int y = static_cast<int>(y0); y < std::min(h, static_cast<int>(std::ceil(y1))); ++y) {
          const double wy = std::min<double>(y + 1, y1) - std::max<double>(y, y0);
          for (int x = static_cast<int>(x0); x < std::min(w, static_cast<int>(std::ceil(x1)));
               ++x) {
            const double wx = std::min<double>(x + 1, x1) - std::max<double>(x, x0);
            v += wx * wy * at(x, y);
            area += wx * wy;
          }
        }
        v = area > 0 ? v / area : 0;
      } else {
        const double fx = (ox + 0.5) * sx - 0.5, fy = (oy + 0.5) * sy - 0.5;
        const int x = static_cast<int>(std::floor(fx)), y = static_cast<int>(std::floor(fy));
        const double ax = fx - x, ay = fy - y;
        v = (1 - ay) * ((1 - ax) * at(x, y) + ax * at(x + 1, y)) +
            ay * ((1 - ax) * at(x, y + 1) + ax * at(x + 1, y + 1));
      }
      out[static_cast<size_t>(oy) * static_cast<size_t>(dw) + static_cast<size_t>(ox)] =
          static_cast<float>(v);
    }
  }
  return out;
}

std::vector<float> data_detail::crop_to_ink(const Image& ink, PixelBox& box) {
  int x0 = ink.width, y0 = ink.height, x1 = -1, y1 = -1;
  for (int y = 0; y < ink.height; ++y)
    for (int x = 0; x < ink.width; ++x)
      if (*ink.at(x, y) > 0) {
        x0 = std::min(x0, x);
        x1 = std::max(x1, x);
        y0 = std::min(y0, y);
        y1 = std::max(y1, y);
      }
  if (x1 < 0) throw Error("the image has no ink");
  box = PixelBox{x0, y0, x1 - x0 + 1, y1 - y0 + 1};
  std::vector<float> crop(static_cast<size_t>(box.width) * static_cast<size_t>(box.height));
  for (int y = 0; y < box.height; ++y)
    for (int x = 0; x < box.width; ++x)
      crop[static_cast<size_t>(y) * static_cast<size_t>(box.width) + static_cast<size_t>(x)] =
          *ink.at(x0 + x, y0 + y);
  return crop;
}

namespace {

// Running minimum (or maximum) over windows of k samples centred on each of n values spaced by
// `stride` (van Herk / Gil-Werman: a prefix and a suffix extreme per block of k, O(n) for any
// k); samples outside are ignored.
void running_extreme(float* v, int n, int stride, int k, bool take_max, std::vector<float>& pre,
                     std::vector<float>& suf) {
  const int r = k / 2;
  const int m = n + 2 * r;  // padded with neutral values
  const float neutral = take_max ? -1e30f : 1e30f;
  auto pick = [take_max](float a, float b) { return take_max ? std::max(a, b) : std::min(a, b); };
  pre.assign(static_cast<size_t>(m), neutral);
  suf.assign(static_cast<size_t>(m), neutral);
  auto padded = [&](int i) { return i < r || i >= r + n ? neutral : v[(i - r) * stride]; };
  for (int i = 0; i < m; ++i)
    pre[static_cast<size_t>(i)] =
        i % k == 0 ? padded(i) : pick(pre[static_cast<size_t>(i - 1)], padded(i));
  for (int i = m - 1; i >= 0; --i)
    suf[static_cast<size_t>(i)] = (i % k == k - 1 || i == m - 1)
                                      ? padded(i)
                                      : pick(suf[static_cast<size_t>(i + 1)], padded(i));
  // Window [i, i + 2r] of the padded array = output i; it spans at most two blocks.
  for (int i = 0; i < n; ++i) {
    const int a = i, b = std::min(i + 2 * r, m - 1);
    v[i * stride] = pick(suf[static_cast<size_t>(a)], pre[static_cast<size_t>(b)]);
  }
}

// Grey-level opening (minimum then maximum filter over k x k): what remains of the image once
// every bright structure narrower than k is removed — for a page, the paper's lighting.
std::vector<float> opening(const std::vector<float>& img, int w, int h, int k) {
  std::vector<float> out = img, pre, suf;
  for (bool take_max : {false, true}) {
    for (int y = 0; y < h; ++y)
      running_extreme(out.data() + static_cast<size_t>(y) * static_cast<size_t>(w), w, 1, k,
                      take_max, pre, suf);
    for (int x = 0; x < w; ++x) running_extreme(out.data() + x, h, w, k, take_max, pre, suf);
  }
  return out;
}

}  // namespace

Image extract_ink(const Image& image, const MnistStyleOptions& o) {
  Image g = to_grey(image);
  if (g.pixels.empty()) throw Error("the image is empty");
  if (o.polarity && is_dark_on_light(g))
    for (uint8_t& v : g.pixels) v = static_cast<uint8_t>(255 - v);
  // Large images (photos, scans) get their background flattened first: uneven light or paper
  // is estimated by an opening wider than any pen stroke and subtracted. Small images
  // (MNIST-sized, strokes of a few pixels) are left as they are.
  if (std::min(g.width, g.height) >= 2 * o.size) {
    const int k = std::max(15, std::min(g.width, g.height) / 6) | 1;
    std::vector<float> f(g.pixels.begin(), g.pixels.end());
    const std::vector<float> bg = opening(f, g.width, g.height, k);
    for (size_t i = 0; i < f.size(); ++i)
      g.pixels[i] = static_cast<uint8_t>(std::clamp(f[i] - bg[i], 0.0f, 255.0f));
  }
  const int t = otsu_threshold(g);
  const auto [vmin_it, vmax_it] = std::minmax_element(g.pixels.begin(), g.pixels.end());
  const uint8_t vmax = *vmax_it;
  // One grey level everywhere has no threshold between ink and paper (Otsu then returns 0).
  if (vmax <= t || *vmin_it == vmax) throw Error("the image has no ink (it is flat)");
  if (o.low_fraction < 0 || o.low_fraction > 1)
    throw Error("extract_ink: low_fraction must be in [0, 1]");
  // Ink: v > t, plus (hysteresis) v > low connected to it.
  const int low = std::min(t, static_cast<int>(std::lround(o.low_fraction * t)));
  std::vector<char> ink(g.pixels.size(), 0);
  std::vector<size_t> stack;
  for (size_t i = 0; i < g.pixels.size(); ++i)
    if (g.pixels[i] > t) {
      ink[i] = 1;
      stack.push_back(i);
    }
  const size_t w = static_cast<size_t>(g.width), h = static_cast<size_t>(g.height);
  while (low < t && !stack.empty()) {
    const size_t p = stack.back();
    stack.pop_back();
    const size_t x = p % w, y = p / w;
    for (size_t ny = y > 0 ? y - 1 : 0; ny <= std::min(h - 1, y + 1); ++ny)
      for (size_t nx = x > 0 ? x - 1 : 0; nx <= std::min(w - 1, x + 1); ++nx) {
        const size_t q = ny * w + nx;
        if (!ink[q] && g.pixels[q] > low) {
          ink[q] = 1;
          stack.push_back(q);
        }
      }
  }
  // Ink levels are stretched from the paper's level b (the mean of the background pixels) to
  // the darkest ink: v' = 255 (v - b) / (max - b), at least 1 so that ink stays ink; the
  // background becomes 0. Measuring from the paper, not from the threshold, keeps the
  // anti-aliased edges of strokes as MNIST has them.
  double bsum = 0, bcount = 0;
  for (size_t i = 0; i < g.pixels.size(); ++i)
    if (!ink[i]) {
      bsum += g.pixels[i];
      ++bcount;
    }
  const double b = bcount > 0 ? std::min(bsum / bcount, static_cast<double>(low)) : 0.0;
  for (size_t i = 0; i < g.pixels.size(); ++i)
    g.pixels[i] =
        ink[i] ? static_cast<uint8_t>(std::clamp(
                     std::lround(255.0 * (g.pixels[i] - b) / (static_cast<double>(vmax) - b)), 1L,
                     255L))
               : 0;
  return g;
}

Image fit_ink(const Image& ink, const MnistStyleOptions& o) {
  if (o.box < 1 || o.size < o.box) throw Error("mnist_style: bad box or size");
  if (ink.channels != 1) throw Error("fit_ink needs a grey ink image");
  PixelBox box;
  const std::vector<float> crop = data_detail::crop_to_ink(ink, box);
  const int cw = box.width, ch = box.height;
  // Longest side -> box, the other in proportion (at least one pixel).
  const double scale = static_cast<double>(o.box) / std::max(cw, ch);
  const int dw = std::clamp(static_cast<int>(std::lround(cw * scale)), 1, o.box);
  const int dh = std::clamp(static_cast<int>(std::lround(ch * scale)), 1, o.box);
  const std::vector<float> small = data_detail::resample(crop, cw, ch, dw, dh);
  double m = 0, mx = 0, my = 0;
  for (int y = 0; y < dh; ++y)
    for (int x = 0; x < dw; ++x) {
      const double v =
          small[static_cast<size_t>(y) * static_cast<size_t>(dw) + static_cast<size_t>(x)];
      m += v;
      mx += v * x;
      my += v * y;
    }
  if (m <= 0) throw Error("the image has no ink left after scaling");
  const double centre = (o.size - 1) / 2.0;
  // Top-left corner so that the centre of mass lands on the centre, kept inside the image.
  const int ox = std::clamp(static_cast<int>(std::lround(centre - mx / m)), 0, o.size - dw);
  const int oy = std::clamp(static_cast<int>(std::lround(centre - my / m)), 0, o.size - dh);
  Image out(o.size, o.size, 1, 0);
  for (int y = 0; y < dh; ++y)
    for (int x = 0; x < dw; ++x)
      *out.at(ox + x, oy + y) = static_cast<uint8_t>(std::clamp(
          std::lround(
              small[static_cast<size_t>(y) * static_cast<size_t>(dw) + static_cast<size_t>(x)]),
          0L, 255L));
  return out;
}

Image mnist_style(const Image& image, const MnistStyleOptions& o) {
  if (o.box < 1 || o.size < o.box) throw Error("mnist_style: bad box or size");
  return fit_ink(extract_ink(image, o), o);
}

}  // namespace inkstone
