#pragma once
// A stand-in digit dataset for tests of synthetic strings: ten 28x28 "digits", digit d a
// vertical bar 2 + d pixels wide, light on black like MNIST.
#include <cstdint>
#include <vector>

#include "inkstone/data/dataset.hpp"

namespace inkstone::testing {

inline Dataset bar_digits() {
  Dataset d;
  d.name = "bars";
  for (int label = 0; label < 10; ++label) {
    std::vector<uint8_t> img(28 * 28, 0);
    for (int y = 4; y < 24; ++y)
      for (int x = 14 - (2 + label) / 2; x < 14 - (2 + label) / 2 + 2 + label; ++x)
        img[static_cast<size_t>(y * 28 + x)] = 255;
    d.images.insert(d.images.end(), img.begin(), img.end());
    d.labels.push_back(label);
  }
  return d;
}

}  // namespace inkstone::testing
