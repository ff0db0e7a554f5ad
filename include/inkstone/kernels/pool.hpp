#pragma once
// Max and average pooling over NCHW planes (planes = n * c). Padding follows Keras: "valid" or
// "same" (out = ceil(in / stride); padded cells are ignored by max and not counted by average).
// Window (i, j) covers input rows i*stride_h - pad_top + [0, ph) and columns
// j*stride_w - pad_left + [0, pw), clipped to the plane. Work is split over planes on the global
// thread pool (each plane is written by one task), so results do not depend on the thread count.
// Bad geometry or null pointers throw inkstone::Error.
#include <cstdint>

namespace inkstone::kernels {

struct PoolGeometry {
  int planes = 0, h = 0, w = 0;
  int ph = 2, pw = 2, stride_h = 2, stride_w = 2;
  int pad_top = 0, pad_left = 0;
  int out_h = 0, out_w = 0;
};

// "valid": out = (in - p) / stride + 1 (needs in >= p). "same": out = ceil(in / stride), total
// padding = max((out - 1) * stride + p - in, 0), top/left = total / 2 (TensorFlow's rule).
PoolGeometry make_pool_geometry(int planes, int h, int w, int ph, int pw, int stride_h,
                                int stride_w, bool same_padding);

// y = max over each window; argmax[i] = index (within the plane) of the chosen input, the first
// maximum in row-major window order. A NaN in a window wins (the first NaN), so it propagates.
void maxpool_forward(const PoolGeometry& g, const float* x, float* y, int32_t* argmax);
// dx = 0, then dx[argmax] += dy. Indices outside the plane are ignored.
void maxpool_backward(const PoolGeometry& g, const float* dy, const int32_t* argmax, float* dx);
// y = mean over the valid (non-padding) cells of each window.
void avgpool_forward(const PoolGeometry& g, const float* x, float* y);
// dx = 0, then each window's valid cells get dy / (number of valid cells).
void avgpool_backward(const PoolGeometry& g, const float* dy, float* dx);

}  // namespace inkstone::kernels
