#pragma once
// The input of a line recognizer: a whole line of handwriting (a digit string) normalized the
// way mnist_style normalizes one digit, but to a fixed height x width strip:
//   1-3. the ink is extracted as for a digit (grey, polarity, background, Otsu with hysteresis:
//        extract_ink), light ink on black;
//   4.   cropped to the bounding box of the ink;
//   5.   scaled by s = min((height - 2 margin) / ink height, (width - 2 margin) / ink width),
//        keeping the aspect ratio (area averaging when shrinking, bilinear when enlarging);
//   6.   centred in the strip.
// A line model reads the strip column by column (vision/line_reader.hpp).
#include "inkstone/data/image.hpp"
#include "inkstone/data/mnist_style.hpp"

namespace inkstone {

struct LineInputOptions {
  int height = 32;
  int width = 128;
  int margin = 2;  // pixels of black kept around the ink
  // How the ink is found (box and size are not used here).
  MnistStyleOptions normalize{20, 28, true, 0.5};
};

// Where the ink went: a point (x, y) of the image lands at
//   (offset_x + (x - ink.x) * scale, offset_y + (y - ink.y) * scale) in the strip.
struct LinePlacement {
  PixelBox ink;  // the ink's bounding box in the image
  double scale = 1;
  double offset_x = 0, offset_y = 0;
  // The image column of strip column x (the inverse map).
  double image_x(double x) const { return ink.x + (x - offset_x) / scale; }
};

// Steps 4-6 on an ink image (light on black, pixels > 0 are ink). Throws Error when it holds no
// ink or the options are bad.
Image fit_ink_line(const Image& ink, const LineInputOptions& options,
                   LinePlacement* placement = nullptr);
// The whole normalization of an image (extract_ink, then fit_ink_line).
Image line_input(const Image& image, const LineInputOptions& options = {},
                 LinePlacement* placement = nullptr);

}  // namespace inkstone
