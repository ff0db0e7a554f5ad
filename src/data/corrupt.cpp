#include "inkstone/data/corrupt.hpp"

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <sstream>

#include "inkstone/data/augment.hpp"
#include "inkstone/tensor/error.hpp"
#include "inkstone/tensor/rng.hpp"

namespace inkstone {

namespace {

constexpr double kPi = 3.14159265358979323846;

uint64_t kind_hash(const std::string& kind) {  // FNV-1a
  uint64_t h = 1469598103934665603ull;
  for (char ch : kind) h = (h ^ static_cast<uint8_t>(ch)) * 1099511628211ull;
  return h;
}

// Separable Gaussian blur with kernel g(k) ~ exp(-k^2 / (2 sigma^2)), |k| <= ceil(3 sigma),
// normalized to sum 1; the image is extended with zeros (background).
void gaussian_blur(const uint8_t* src, uint8_t* dst, int h, int w, double sigma) {
  const int radius = std::max(1, static_cast<int>(std::ceil(3 * sigma)));
  std::vector<double> g(static_cast<size_t>(2 * radius + 1));
  double sum = 0;
  for (int k = -radius; k <= radius; ++k) {
    g[static_cast<size_t>(k + radius)] = std::exp(-0.5 * k * k / (sigma * sigma));
    sum += g[static_cast<size_t>(k + radius)];
  }
  for (double& v : g) v /= sum;
  std::vector<double> tmp(static_cast<size_t>(h) * static_cast<size_t>(w));
  for (int y = 0; y < h; ++y)
    for (int x = 0; x < w; ++x) {
      double acc = 0;
      for (int k = std::max(-radius, -x); k <= std::min(radius, w - 1 - x); ++k)
        acc += g[static_cast<size_t>(k + radius)] * src[y * w + x + k];
      tmp[static_cast<size_t>(y * w + x)] = acc;
    }
  for (int y = 0; y < h; ++y)
    for (int x = 0; x < w; ++x) {
      double acc = 0;
      for (int k = std::max(-radius, -y); k <= std::min(radius, h - 1 - y); ++k)
        acc += g[static_cast<size_t>(k + radius)] * tmp[static_cast<size_t>((y + k) * w + x)];
      dst[y * w + x] = static_cast<uint8_t>(std::clamp(acc + 0.5, 0.0, 255.0));
    }
}

// Grey-level erosion (min) or dilation (max) over the plus-shaped 3x3 neighbourhood; pixels
// outside the image count as background (0).
void morph(const uint8_t* src, uint8_t* dst, int h, int w, bool dilate) {
  for (int y = 0; y < h; ++y)
    for (int x = 0; x < w; ++x) {
      int v = src[y * w + x];
      const int dx[4] = {-1, 1, 0, 0}, dy[4] = {0, 0, -1, 1};
      for (int k = 0; k < 4; ++k) {
        const int xx = x + dx[k], yy = y + dy[k];
        const int n = (xx < 0 || xx >= w || yy < 0 || yy >= h) ? 0 : src[yy * w + xx];
        v = dilate ? std::max(v, n) : std::min(v, n);
      }
      dst[y * w + x] = static_cast<uint8_t>(v);
    }
}

}  // namespace

const std::vector<CorruptionKind>& corruption_kinds() {
  static const std::vector<CorruptionKind> kinds = {
      {"rotate", "degrees, either sign", {5, 10, 15, 20, 30, 45}},
      {"shift", "pixels, random direction", {1, 2, 3, 4, 6}},
      {"scale", "factor 1 +- s", {0.1, 0.2, 0.3, 0.4}},
      {"noise", "Gaussian std / 255", {0.1, 0.2, 0.3, 0.5}},
      {"blur", "Gaussian sigma, pixels", {0.5, 1, 1.5, 2, 3}},
      {"elastic", "alpha, pixels (sigma 4)", {8, 16, 24, 34}},
      {"invert", "255 - v", {1}},
      {"thin", "erosions", {1, 2}},
      {"thick", "dilations", {1, 2, 3}},
      {"occlude", "square side, pixels", {4, 8, 12, 16}},
  };
  return kinds;
}

const CorruptionKind& corruption_kind(const std::string& name) {
  std::string known;
  for (const CorruptionKind& k : corruption_kinds()) {
    if (k.name == name) return k;
    known += (known.empty() ? "" : ", ") + k.name;
  }
  throw Error("unknown corruption '" + name + "' (known: " + known + ")");
}

void corrupt_image(const uint8_t* src, uint8_t* dst, int channels, int height, int width,
                   const std::string& kind, double strength, uint64_t seed, int64_t index) {
  if (!(strength >= 0) || !std::isfinite(strength))
    throw Error("corruption strength must be a finite number >= 0");
  Rng rng(mix64(seed ^ kind_hash(kind)) ^ mix64(static_cast<uint64_t>(index)));
  const int64_t plane = int64_t{height} * width;
  const int64_t n = plane * channels;
  const float s = static_cast<float>(strength);
  if (kind == "rotate" || kind == "shift" || kind == "scale") {
    InverseWarp warp;
    if (kind == "rotate") {
      const double a = (rng.uniform() < 0.5f ? -1 : 1) * strength * kPi / 180;
      // R^-1 = [cos sin; -sin cos]
      warp.m00 = static_cast<float>(std::cos(a));
      warp.m01 = static_cast<float>(std::sin(a));
      warp.m10 = -warp.m01;
      warp.m11 = warp.m00;
    } else if (kind == "shift") {
      const double phi = rng.uniform() * 2 * kPi;
      warp.tx = static_cast<float>(strength * std::cos(phi));
      warp.ty = static_cast<float>(strength * std::sin(phi));
    } else {
      const float f = rng.uniform() < 0.5f ? 1 - s : 1 + s;
      if (f <= 0) throw Error("scale corruption needs a strength below 1");
      warp.m00 = warp.m11 = 1 / f;
    }
    resample(src, dst, channels, height, width, warp);
  } else if (kind == "noise" || kind == "elastic") {
    AugmentOptions o;
    if (kind == "noise") o.noise = s;
    if (kind == "elastic") o.elastic_alpha = s;
    Augmenter aug(o, channels, height, width);
    Augmenter::Scratch scratch;
    aug.apply(src, dst, rng, scratch);
  } else if (kind == "blur") {
    if (strength == 0) {
      std::copy(src, src + n, dst);
      return;
    }
    for (int c = 0; c < channels; ++c)
      gaussian_blur(src + c * plane, dst + c * plane, height, width, strength);
  } else if (kind == "invert") {
    for (int64_t i = 0; i < n; ++i)
      dst[i] = strength > 0 ? static_cast<uint8_t>(255 - src[i]) : src[i];
  } else if (kind == "thin" || kind == "thick") {
    const int times = static_cast<int>(std::lround(strength));
    std::vector<uint8_t> a(src, src + n), b(static_cast<size_t>(n));
    for (int t = 0; t < times; ++t) {
      for (int c = 0; c < channels; ++c)
        morph(a.data() + c * plane, b.data() + c * plane, height, width, kind == "thick");
      a.swap(b);
    }
    std::copy(a.begin(), a.end(), dst);
  } else if (kind == "occlude") {
    std::copy(src, src + n, dst);
    const int side =
        std::clamp(static_cast<int>(std::lround(strength)), 0, std::min(height, width));
    if (side == 0) return;
    // The square's centre is uniform over the central half of the image, where the ink is.
    const int cx = width / 4 + static_cast<int>(rng.below(static_cast<uint64_t>(width / 2 + 1)));
    const int cy = height / 4 + static_cast<int>(rng.below(static_cast<uint64_t>(height / 2 + 1)));
    const int x0 = std::clamp(cx - side / 2, 0, width - side);
    const int y0 = std::clamp(cy - side / 2, 0, height - side);
    for (int c = 0; c < channels; ++c)
      for (int y = y0; y < y0 + side; ++y)
        std::fill(dst + c * plane + y * width + x0, dst + c * plane + y * width + x0 + side,
                  uint8_t{0});
  } else {
    corruption_kind(kind);  // throws with the list of known kinds
  }
}

Dataset corrupt_dataset(const Dataset& data, const std::string& kind, double strength,
                        uint64_t seed) {
  corruption_kind(kind);
  Dataset out = data;
  std::ostringstream name;
  name << data.name << "+" << kind << "=" << strength;
  out.name = name.str();
  for (int64_t i = 0; i < data.size(); ++i)
    corrupt_image(data.image(i), out.images.data() + i * data.image_bytes(), data.channels,
                  data.height, data.width, kind, strength, seed, i);
  return out;
}

Dataset shift_domain(const Dataset& data, const std::string& spec, uint64_t seed) {
  Dataset out = data;
  std::istringstream items(spec);
  std::string item;
  int applied = 0;
  while (std::getline(items, item, ',')) {
    const size_t eq = item.find('=');
    char* end = nullptr;
    const double strength = eq == std::string::npos ? 0 : std::strtod(item.c_str() + eq + 1, &end);
    if (eq == std::string::npos || eq == 0 || end == item.c_str() + eq + 1 || *end != '\0')
      throw Error("domain shift: '" + item + "' is not KIND=STRENGTH (e.g. \"thick=2,rotate=25\")");
    out = corrupt_dataset(out, item.substr(0, eq), strength, seed);
    ++applied;
  }
  if (applied == 0) throw Error("domain shift: empty spec (e.g. \"thick=2,rotate=25\")");
  return out;
}

}  // namespace inkstone
