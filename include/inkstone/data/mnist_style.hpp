#pragma once
// MNIST-style normalization of a photographed or scanned character, the preprocessing that
// produced MNIST itself (LeCun et al.), so that a user's digit looks like a training digit:
//   1. grey (luma), then polarity: MNIST is light ink on a dark background; an image whose
//      border is mostly light (dark ink on paper) is inverted;
//   2. for images at least twice the output size (photos, scans), the background is flattened:
//      a grey-level opening (min then max filter) wider than any stroke estimates the paper and
//      its lighting, and is subtracted;
//   3. Otsu's threshold t (the grey level that maximizes the between-class variance of the
//      histogram); pixels above t are ink, and ink levels are stretched to v' = 255 (v - t) /
//      (max - t), the background set to 0 — this removes uneven paper and shadows;
//   4. crop to the bounding box of the ink;
//   5. scale to fit a 20x20 box keeping the aspect ratio, with area averaging (anti-aliased)
//      when shrinking and bilinear interpolation when enlarging;
//   6. paste into 28x28 so that the centre of mass of the ink lies at the centre (13.5, 13.5),
//      rounded to whole pixels.
#include <cstdint>

#include "inkstone/data/image.hpp"

namespace inkstone {

struct MnistStyleOptions {
  int box = 20;          // the ink is scaled to fit box x box ...
  int size = 28;         // ... inside a size x size image
  bool polarity = true;  // detect dark-on-light and invert
};

// Otsu's threshold of a grey image: ink = pixels > threshold.
int otsu_threshold(const Image& grey);
// True when the image's border pixels are mostly light (dark ink on light paper).
bool is_dark_on_light(const Image& grey);

// The normalized size x size grey image. Throws Error when the image holds no ink (a blank or
// flat image), naming why.
Image mnist_style(const Image& image, const MnistStyleOptions& options = {});

}  // namespace inkstone
