#pragma once
// MNIST-style normalization of a photographed or scanned character, the preprocessing that
// produced MNIST itself (LeCun et al.), so that a user's digit looks like a training digit:
//   1. grey (luma), then polarity: MNIST is light ink on a dark background; an image whose
//      border is mostly light (dark ink on paper) is inverted;
//   2. for images at least twice the output size (photos, scans), the background is flattened:
//      a grey-level opening (min then max filter) wider than any stroke estimates the paper and
//      its lighting, and is subtracted;
//   3. Otsu's threshold t (the grey level that maximizes the between-class variance of the
//      histogram); pixels above t are ink (with hysteresis, so are pixels above a lower
//      threshold that touch them), and ink levels are stretched to v' = 255 (v - b) / (max - b)
//      from the paper's mean level b, the background set to 0 — this removes uneven paper and
//      shadows and keeps the strokes' anti-aliased edges;
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
  // Hysteresis: pixels down to low_fraction * t are ink too when they touch ink above Otsu's t
  // (8-connected), so faint strokes do not break digits apart; 1 = a single threshold.
  double low_fraction = 1.0;
};

// Otsu's threshold of a grey image: ink = pixels > threshold.
int otsu_threshold(const Image& grey);
// True when the image's border pixels are mostly light (dark ink on light paper).
bool is_dark_on_light(const Image& grey);

// Steps 1-3: the image's ink as light on black (grey, polarity, background flattened for images
// of at least 2 x size pixels a side, Otsu threshold, ink stretched to 1..255, the rest 0).
// Throws Error when the image is flat.
Image extract_ink(const Image& image, const MnistStyleOptions& options = {});
// Steps 4-6 on an ink image (pixels > 0 are ink): crop, fit in box x box, centre by mass in
// size x size. Throws Error when it holds no ink.
Image fit_ink(const Image& ink, const MnistStyleOptions& options = {});

// The normalized size x size grey image (extract_ink, then fit_ink). Throws Error when the image
// holds no ink (a blank or flat image), naming why.
Image mnist_style(const Image& image, const MnistStyleOptions& options = {});

}  // namespace inkstone
