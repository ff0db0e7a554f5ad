#pragma once
// Image resampling shared by the normalizations (MNIST-style digits, line inputs).
#include <vector>

#include "inkstone/data/image.hpp"

namespace inkstone::data_detail {

// Resamples src (w x h floats, row-major) to dw x dh: each output pixel averages the source area
// it covers (an exact box filter, so shrinking is anti-aliased); when enlarging, bilinear
// interpolation.
std::vector<float> resample(const std::vector<float>& src, int w, int h, int dw, int dh);

// The pixels of an ink image (grey, pixels > 0 are ink) inside the bounding box of its ink, as
// floats, row-major; box receives that bounding box. Throws Error when there is no ink.
std::vector<float> crop_to_ink(const Image& ink, PixelBox& box);

}  // namespace inkstone::data_detail
