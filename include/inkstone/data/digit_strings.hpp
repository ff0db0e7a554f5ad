#pragma once
// Synthetic handwritten digit strings (postcodes, amounts, student numbers) composed from MNIST
// digits, with ground truth, to measure a reader on images whose answer is known. Each digit is
// an MNIST image (use the test split: the model has never seen it), scaled and shifted at
// random, drawn as dark ink on light paper; neighbours are placed with a gap, touching or
// overlapping, or each in a printed box; paper noise and ruled lines can be added.
#include <cstdint>
#include <string>
#include <vector>

#include "inkstone/data/dataset.hpp"
#include "inkstone/data/image.hpp"
#include "inkstone/tensor/rng.hpp"

namespace inkstone {

struct DigitStringOptions {
  int length = 5;               // digits per string
  std::string layout = "gaps";  // "gaps" (4-14 px apart), "touching" (0-4 px overlap), "boxes"
  int digit_height = 56;        // pixels of a 28-pixel MNIST cell before jitter (a 2x enlargement)
  double scale_jitter = 0.15;   // each digit scaled by 1 +- this
  int baseline_jitter = 4;      // each digit moved up or down by up to this many pixels
  double noise = 0.03;          // paper noise std, as a fraction of 255
  bool ruled_lines = false;     // a faint horizontal ruling, like lined paper
  double empty = 0;             // layout "boxes": probability that a box is left empty ('_')
};

struct DigitString {
  Image image;                  // grey, dark ink on light paper
  std::string text;             // the digits, e.g. "40213"; '_' for an empty box
  std::vector<PixelBox> boxes;  // each digit's ink box (cell boxes for layout "boxes")
};

// One string of digits drawn from `digits` (a dataset of 28x28 digit images labelled 0-9).
// Throws Error on a bad option or a dataset that is not 28x28 digits.
DigitString synth_digit_string(const Dataset& digits, const DigitStringOptions& options, Rng& rng);

}  // namespace inkstone
