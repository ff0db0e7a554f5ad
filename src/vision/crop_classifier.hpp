#pragma once
// Shared by the readers: classify many 28x28 crops in one call and turn each row of
// probabilities into a DigitReading.
#include <vector>

#include "inkstone/vision/reading.hpp"

namespace inkstone::vision_detail {

// Probabilities of the inputs, checked to be inputs.size() * options.classes finite values.
std::vector<float> classify_checked(const std::vector<Image>& inputs, const Classifier& classify,
                                    const ReaderOptions& options);

// The best probability of a class that is not the reject class.
float digit_confidence(const float* probabilities, const ReaderOptions& options);

// The reading of one row of probabilities (never the reject class).
DigitReading reading_of(const float* probabilities, const ReaderOptions& options, PixelBox box,
                        Image input);

// The part of `ink` inside box whose pixels satisfy keep(x, y), as an ink image of the box's size.
template <class Keep>
Image crop_ink(const Image& ink, PixelBox box, Keep keep) {
  Image out(box.width, box.height, 1, 0);
  for (int y = 0; y < box.height; ++y)
    for (int x = 0; x < box.width; ++x)
      if (keep(box.x + x, box.y + y)) *out.at(x, y) = *ink.at(box.x + x, box.y + y);
  return out;
}

}  // namespace inkstone::vision_detail
