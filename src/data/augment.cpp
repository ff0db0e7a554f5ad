#include "inkstone/data/augment.hpp"

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <numbers>
#include <set>
#include <sstream>

#include "inkstone/tensor/error.hpp"

namespace inkstone {

namespace {

std::string trim(const std::string& s) {
  const size_t b = s.find_first_not_of(" \t");
  if (b == std::string::npos) return "";
  const size_t e = s.find_last_not_of(" \t");
  return s.substr(b, e - b + 1);
}

float parse_number(const std::string& key, const std::string& value, float lo, float hi) {
  char* end = nullptr;
  const double v = std::strtod(value.c_str(), &end);
  if (value.empty() || end != value.c_str() + value.size() || !std::isfinite(v)) {
    throw Error("--augment: " + key + " must be a number, got '" + value + "'");
  }
  if (v < lo || v > hi) {
    std::ostringstream os;
    os << "--augment: " << key << " must be in [" << lo << ", " << hi << "], got " << value;
    throw Error(os.str());
  }
  return static_cast<float>(v);
}

std::string num(float v) {
  std::ostringstream os;
  os << v;
  return os.str();
}

constexpr float kDegree = std::numbers::pi_v<float> / 180.0f;

}  // namespace

bool AugmentOptions::geometric() const {
  return shift > 0 || rotate > 0 || scale > 0 || shear > 0 || flip > 0 || elastic_alpha > 0;
}

bool AugmentOptions::any() const {
  return geometric() || erase > 0 || noise > 0;
}

AugmentOptions AugmentOptions::parse(const std::string& text) {
  AugmentOptions o;
  const std::string t = trim(text);
  if (t.empty() || t == "none") return o;
  std::stringstream ss(t);
  std::string item;
  std::set<std::string> seen;
  while (std::getline(ss, item, ',')) {
    item = trim(item);
    const size_t eq = item.find('=');
    if (item.empty() || eq == std::string::npos) {
      throw Error("--augment: expected key=value, got '" + item + "'");
    }
    const std::string key = trim(item.substr(0, eq));
    const std::string value = trim(item.substr(eq + 1));
    if (!seen.insert(key).second) throw Error("--augment: '" + key + "' given twice");
    if (key == "shift") {
      o.shift = parse_number(key, value, 0, 100);
    } else if (key == "rotate") {
      o.rotate = parse_number(key, value, 0, 180);
    } else if (key == "scale") {
      o.scale = parse_number(key, value, 0, 0.9f);
    } else if (key == "shear") {
      o.shear = parse_number(key, value, 0, 60);
    } else if (key == "flip") {
      o.flip = parse_number(key, value, 0, 1);
    } else if (key == "elastic") {
      const size_t colon = value.find(':');
      if (colon == std::string::npos) {
        throw Error("--augment: elastic takes alpha:sigma (e.g. elastic=34:4), got '" + value +
                    "'");
      }
      o.elastic_alpha = parse_number("elastic alpha", trim(value.substr(0, colon)), 0, 1000);
      o.elastic_sigma = parse_number("elastic sigma", trim(value.substr(colon + 1)), 0.5f, 20);
    } else if (key == "erase") {
      o.erase = parse_number(key, value, 0, 1);
    } else if (key == "noise") {
      o.noise = parse_number(key, value, 0, 1);
    } else {
      throw Error("--augment: unknown transform '" + key +
                  "' (known: shift, rotate, scale, shear, flip, elastic, erase, noise)");
    }
  }
  return o;
}

std::string AugmentOptions::str() const {
  std::string s;
  auto add = [&](const std::string& part) { s += (s.empty() ? "" : ",") + part; };
  if (shift > 0) add("shift=" + num(shift));
  if (rotate > 0) add("rotate=" + num(rotate));
  if (scale > 0) add("scale=" + num(scale));
  if (shear > 0) add("shear=" + num(shear));
  if (flip > 0) add("flip=" + num(flip));
  if (elastic_alpha > 0) add("elastic=" + num(elastic_alpha) + ":" + num(elastic_sigma));
  if (erase > 0) add("erase=" + num(erase));
  if (noise > 0) add("noise=" + num(noise));
  return s.empty() ? "none" : s;
}

Augmenter::Augmenter(const AugmentOptions& options, int channels, int height, int width)
    : o_(options), c_(channels), h_(height), w_(width) {
  if (channels < 1 || height < 1 || width < 1) throw Error("Augmenter: bad image shape");
  if (o_.elastic_alpha > 0) {
    // g(k) = exp(-k^2 / (2 sigma^2)), normalized to sum 1 over |k| <= ceil(3 sigma).
    const int radius = static_cast<int>(std::ceil(3 * o_.elastic_sigma));
    gauss_.resize(static_cast<size_t>(2 * radius + 1));
    double sum = 0;
    for (int k = -radius; k <= radius; ++k) {
      const double g = std::exp(-0.5 * k * k / (o_.elastic_sigma * o_.elastic_sigma));
      gauss_[static_cast<size_t>(k + radius)] = static_cast<float>(g);
      sum += g;
    }
    for (float& g : gauss_) g = static_cast<float>(g / sum);
  }
}

// Two uniform(-1, 1) fields, each convolved with the separable Gaussian (zero padding, as
// scipy's gaussian_filter with mode="constant" in Simard's recipe) and scaled by alpha.
void Augmenter::elastic_field(Rng& rng, Scratch& s) const {
  const size_t n = static_cast<size_t>(h_) * static_cast<size_t>(w_);
  const int radius = static_cast<int>(gauss_.size() / 2);
  s.tmp.resize(n);
  for (std::vector<float>* f : {&s.field_x, &s.field_y}) {
    f->resize(n);
    for (float& v : *f) v = rng.uniform(-1.0f, 1.0f);
    // Rows, into tmp.
    for (int y = 0; y < h_; ++y) {
      for (int x = 0; x < w_; ++x) {
        float acc = 0;
        for (int k = std::max(-radius, -x); k <= std::min(radius, w_ - 1 - x); ++k) {
          acc +=
              gauss_[static_cast<size_t>(k + radius)] * (*f)[static_cast<size_t>(y * w_ + x + k)];
        }
        s.tmp[static_cast<size_t>(y * w_ + x)] = acc;
      }
    }
    // Columns, back into the field, times alpha.
    for (int y = 0; y < h_; ++y) {
      for (int x = 0; x < w_; ++x) {
        float acc = 0;
        for (int k = std::max(-radius, -y); k <= std::min(radius, h_ - 1 - y); ++k) {
          acc += gauss_[static_cast<size_t>(k + radius)] *
                 s.tmp[static_cast<size_t>((y + k) * w_ + x)];
        }
        (*f)[static_cast<size_t>(y * w_ + x)] = o_.elastic_alpha * acc;
      }
    }
  }
}

void resample(const uint8_t* src, uint8_t* dst, int channels, int height, int width,
              const InverseWarp& warp) {
  const int64_t plane = int64_t{height} * width;
  const float cx = 0.5f * static_cast<float>(width - 1), cy = 0.5f * static_cast<float>(height - 1);
  for (int y = 0; y < height; ++y) {
    for (int x = 0; x < width; ++x) {
      float px = static_cast<float>(x) - cx - warp.tx;
      const float py = static_cast<float>(y) - cy - warp.ty;
      if (warp.flip) px = -px;  // mirror: M applied to (-px, py)
      float qx = cx + warp.m00 * px + warp.m01 * py;
      float qy = cy + warp.m10 * px + warp.m11 * py;
      if (warp.field_x != nullptr) {
        qx += warp.field_x[static_cast<size_t>(y * width + x)];
        qy += warp.field_y[static_cast<size_t>(y * width + x)];
      }
      // Bilinear: the four neighbours with weights (1-fx)(1-fy), fx(1-fy), (1-fx)fy, fx fy;
      // pixels outside the image are 0.
      const float fx0 = std::floor(qx), fy0 = std::floor(qy);
      const int x0 = static_cast<int>(fx0), y0 = static_cast<int>(fy0);
      const float fx = qx - fx0, fy = qy - fy0;
      const bool inside = x0 >= -1 && x0 < width && y0 >= -1 && y0 < height;
      for (int ch = 0; ch < channels; ++ch) {
        const uint8_t* img = src + ch * plane;
        float v = 0;
        if (inside) {
          auto at = [&](int xx, int yy) -> float {
            return (xx < 0 || xx >= width || yy < 0 || yy >= height)
                       ? 0.0f
                       : static_cast<float>(img[yy * width + xx]);
          };
          v = (1 - fy) * ((1 - fx) * at(x0, y0) + fx * at(x0 + 1, y0)) +
              fy * ((1 - fx) * at(x0, y0 + 1) + fx * at(x0 + 1, y0 + 1));
        }
        dst[ch * plane + y * width + x] = static_cast<uint8_t>(std::clamp(v + 0.5f, 0.0f, 255.0f));
      }
    }
  }
}

void Augmenter::apply(const uint8_t* src, uint8_t* dst, Rng& rng, Scratch& scratch) const {
  const int64_t plane = int64_t{h_} * w_;
  if (!o_.geometric()) {
    std::copy(src, src + plane * c_, dst);
  } else {
    // The random draws, always in this order (so enabling one transform does not change the
    // others' draws for a given generator state).
    const float tx = o_.shift > 0 ? rng.uniform(-o_.shift, o_.shift) : 0.0f;
    const float ty = o_.shift > 0 ? rng.uniform(-o_.shift, o_.shift) : 0.0f;
    const float angle = o_.rotate > 0 ? rng.uniform(-o_.rotate, o_.rotate) * kDegree : 0.0f;
    const float s = o_.scale > 0 ? rng.uniform(1 - o_.scale, 1 + o_.scale) : 1.0f;
    const float shear = o_.shear > 0 ? rng.uniform(-o_.shear, o_.shear) * kDegree : 0.0f;
    const bool flip = o_.flip > 0 && rng.uniform() < o_.flip;
    const bool elastic = o_.elastic_alpha > 0;
    if (elastic) elastic_field(rng, scratch);

    // Inverse map M = S^-1 Sh^-1 R^-1 as a 2x2 matrix: R^-1 = [cos sin; -sin cos],
    // Sh = [1 tan(shear); 0 1] so Sh^-1 = [1 -tan(shear); 0 1], S^-1 = I / s.
    const float co = std::cos(angle), si = std::sin(angle), ts = std::tan(shear);
    const float r00 = co, r01 = si, r10 = -si, r11 = co;  // R^-1
    InverseWarp warp;
    warp.m00 = (r00 - ts * r10) / s;  // S^-1 Sh^-1 R^-1
    warp.m01 = (r01 - ts * r11) / s;
    warp.m10 = r10 / s;
    warp.m11 = r11 / s;
    warp.tx = tx;
    warp.ty = ty;
    warp.flip = flip;
    if (elastic) {
      warp.field_x = scratch.field_x.data();
      warp.field_y = scratch.field_y.data();
    }
    resample(src, dst, c_, h_, w_, warp);
  }

  if (o_.erase > 0 && rng.uniform() < o_.erase) {
    // Area fraction in [0.02, 0.25], log-uniform aspect ratio in [0.3, 3.3].
    const float area = rng.uniform(0.02f, 0.25f) * static_cast<float>(plane);
    const float aspect = std::exp(rng.uniform(std::log(0.3f), std::log(3.3f)));
    const int eh = std::clamp(static_cast<int>(std::lround(std::sqrt(area * aspect))), 1, h_);
    const int ew = std::clamp(static_cast<int>(std::lround(std::sqrt(area / aspect))), 1, w_);
    const int y0 = static_cast<int>(rng.below(static_cast<uint64_t>(h_ - eh + 1)));
    const int x0 = static_cast<int>(rng.below(static_cast<uint64_t>(w_ - ew + 1)));
    for (int ch = 0; ch < c_; ++ch) {
      for (int y = y0; y < y0 + eh; ++y) {
        for (int x = x0; x < x0 + ew; ++x) {
          dst[ch * plane + y * w_ + x] = static_cast<uint8_t>(rng.below(256));
        }
      }
    }
  }

  if (o_.noise > 0) {
    const float sd = o_.noise * 255.0f;
    for (int64_t i = 0; i < plane * c_; ++i) {
      const float v = static_cast<float>(dst[i]) + sd * rng.normal();
      dst[i] = static_cast<uint8_t>(std::clamp(v + 0.5f, 0.0f, 255.0f));
    }
  }
}

}  // namespace inkstone
