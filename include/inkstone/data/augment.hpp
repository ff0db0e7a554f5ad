#pragma once
// Data augmentation on uint8 images: every training image is redrawn with a random geometric
// transform and pixel noise before it becomes floats, so the network sees a new variant of each
// digit every epoch.
//
// Geometry: output pixel p (pixel centres, image centre c) samples the source at
//   q = c + S^-1 Sh^-1 R^-1 (p - c - t) + e(p)
// with bilinear interpolation (zero outside the image), where t is a shift (pixels), R a
// rotation, Sh an x-shear, S an isotropic scale (with a horizontal mirror when flipped), and e
// an elastic displacement field
// (Simard, Steinkraus & Platt 2003): per-pixel uniform(-1, 1) fields for x and y, each smoothed
// by a Gaussian of standard deviation sigma (pixels) and multiplied by alpha.
// Then random erasing (Zhong et al. 2017: with probability p a rectangle of 2-25% of the image,
// aspect 0.3-3.3, filled with uniform random bytes) and additive Gaussian noise (std in units of
// the full pixel range, x/255).
//
// Randomness: the caller passes the Rng; the loader seeds one per (seed, epoch, position), so an
// epoch's augmented images do not depend on threads or on the order they are produced in.
#include <cstdint>
#include <string>
#include <vector>

#include "inkstone/tensor/rng.hpp"

namespace inkstone {

struct AugmentOptions {
  float shift = 0;          // max |shift| in pixels, per axis
  float rotate = 0;         // max |angle| in degrees
  float scale = 0;          // scale factor uniform in [1 - scale, 1 + scale]
  float shear = 0;          // max |x-shear angle| in degrees
  float flip = 0;           // probability of a horizontal mirror (clothes, not digits)
  float elastic_alpha = 0;  // elastic displacement scale in pixels (0: off)
  float elastic_sigma = 4;  // Gaussian smoothing of the displacement field, pixels
  float erase = 0;          // probability of erasing one random rectangle
  float noise = 0;          // Gaussian noise std, as a fraction of 255

  bool any() const;
  bool geometric() const;
  // "shift=2,rotate=10,scale=0.1,shear=5,flip=0.5,elastic=34:4,erase=0.5,noise=0.05"; "" or
  // "none" is
  // no augmentation. Throws Error naming the bad part.
  static AugmentOptions parse(const std::string& text);
  // The canonical text of the options (parse(str()) gives the same options); "none" when off.
  std::string str() const;
};

// One inverse warp of the geometry above: output pixel p samples the source at
// q = c + M (p' - c - t) + e(p), p' = p mirrored about the centre column when flip.
struct InverseWarp {
  float m00 = 1, m01 = 0, m10 = 0, m11 = 1;  // M
  float tx = 0, ty = 0;                      // t, pixels
  bool flip = false;
  const float* field_x = nullptr;  // e: height x width displacements, or null for none
  const float* field_y = nullptr;
};
// Resamples src into dst (both channels x height x width bytes, not aliasing) with bilinear
// interpolation, zero outside the image.
void resample(const uint8_t* src, uint8_t* dst, int channels, int height, int width,
              const InverseWarp& warp);

// Applies AugmentOptions to images of one shape. Thread-safe: apply() keeps its scratch in the
// Scratch the caller passes (one per thread).
class Augmenter {
 public:
  Augmenter(const AugmentOptions& options, int channels, int height, int width);

  struct Scratch {
    std::vector<float> field_x, field_y, tmp;
  };
  // Writes the augmented version of src (channels * height * width bytes) to dst (same size;
  // may not alias src). Every channel gets the same geometric transform.
  void apply(const uint8_t* src, uint8_t* dst, Rng& rng, Scratch& scratch) const;
  const AugmentOptions& options() const { return o_; }

 private:
  void elastic_field(Rng& rng, Scratch& s) const;

  AugmentOptions o_;
  int c_, h_, w_;
  std::vector<float> gauss_;  // normalized 1-D Gaussian kernel, radius = ceil(3 sigma)
};

}  // namespace inkstone
