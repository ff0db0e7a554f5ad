#pragma once
// Corruptions for robustness sweeps (`inkstone eval --robustness`): copies of a dataset with
// every image rotated, shifted, scaled, noised, blurred, elastically distorted, inverted,
// thinned, thickened or partly occluded at one fixed strength. Random parts (the sign of a
// rotation, a direction, a noise field, a patch position) come from a generator seeded by
// (seed, kind, image index), so a sweep is the same on every run and thread count.
#include <cstdint>
#include <string>
#include <vector>

#include "inkstone/data/dataset.hpp"

namespace inkstone {

struct CorruptionKind {
  std::string name;               // "rotate"
  std::string unit;               // what a strength means: "degrees (either sign)"
  std::vector<double> strengths;  // the default sweep, weakest first
};

// The default sweep:
//   rotate   by exactly +-s degrees            5 10 15 20 30 45
//   shift    by s pixels, random direction     1 2 3 4 6
//   scale    by a factor 1 +- s                0.1 0.2 0.3 0.4
//   noise    Gaussian, std s * 255, clipped    0.1 0.2 0.3 0.5
//   blur     Gaussian, sigma s pixels          0.5 1 1.5 2 3
//   elastic  Simard field, alpha s, sigma 4    8 16 24 34
//   invert   v -> 255 - v                      1
//   thin     s grey erosions (plus-shaped 3x3) 1 2
//   thick    s grey dilations                  1 2 3
//   occlude  a black s x s square near the centre 4 8 12 16
const std::vector<CorruptionKind>& corruption_kinds();
const CorruptionKind& corruption_kind(const std::string& name);  // throws Error if unknown

// Corrupts one image (channels x height x width bytes) into dst (same size, not aliasing src).
void corrupt_image(const uint8_t* src, uint8_t* dst, int channels, int height, int width,
                   const std::string& kind, double strength, uint64_t seed, int64_t index);
// The dataset with every image corrupted; name gets "+kind=strength".
Dataset corrupt_dataset(const Dataset& data, const std::string& kind, double strength,
                        uint64_t seed = 1);

// A shifted domain for adaptation experiments (`--domain-shift`): the corruptions of a spec
// such as "thick=2,rotate=25" applied in order to every image. Throws Error naming a bad item.
Dataset shift_domain(const Dataset& data, const std::string& spec, uint64_t seed = 1);

}  // namespace inkstone
