#pragma once
// 2-D convolution (cross-correlation, as Keras and PyTorch compute it) on NCHW tensors.
//   y[n,k,i,j] = b[k] + sum_{c,p,q} w[k,c,p,q] * x[n, c, i*sh + p - pad_top, j*sw + q - pad_left]
// Weights are [k_out, c_in, kh, kw]. Implemented as im2col over the whole batch followed by one
// GEMM per pass (forward, backward-data, backward-weights):
//   col[(c,p,q), (n,i,j)] = x[n, c, i*sh + p - pad_top, j*sw + q - pad_left]   (0 outside x)
//   forward:          Y'[k, (n,i,j)] = W[k, (c,p,q)] * col,  then y = scatter(Y') + b
//   backward-data:    dcol = W^T * dY',  then dx = col2im(dcol) (overlapping windows summed)
//   backward-weights: dW += dY' * col^T,  db += row sums of dY'
// im2col, col2im and the NCHW scatter/gather run on the global thread pool with a fixed
// partition (col2im: one task per (image, input channel) plane, so no two threads write the same
// cell); no float is ever summed in a scheduling-dependent order, so results are bit-identical
// for a given instruction set (and do not depend on the thread count).
// Bad geometry or null pointers throw inkstone::Error.
#include <cstddef>

namespace inkstone::kernels {

struct ConvGeometry {
  int n = 0, c = 0, h = 0, w = 0;  // input
  int k = 0, kh = 0, kw = 0;       // filters
  int stride_h = 1, stride_w = 1;
  int pad_top = 0, pad_left = 0;  // implicit zero padding (bottom/right follow from out_h/w)
  int out_h = 0, out_w = 0;
};

// Geometry for Keras-style padding: "valid" (no padding, out = (in - k) / stride + 1, needs
// in >= k) or "same" (out = ceil(in / stride); total padding = max((out - 1) * stride + k - in, 0),
// top/left = total / 2, the extra pixel at the bottom/right, as TensorFlow does).
ConvGeometry make_conv_geometry(int n, int c, int h, int w, int k, int kh, int kw, int stride_h,
                                int stride_w, bool same_padding);

// Floats of scratch memory the three passes need (the caller owns and reuses it):
// the column matrix [c*kh*kw, n*out_h*out_w] plus a [k, n*out_h*out_w] buffer.
size_t conv2d_workspace_floats(const ConvGeometry& g);

// y = conv(x, w) + bias (bias may be null). x: [n,c,h,w], y: [n,k,out_h,out_w].
void conv2d_forward(const ConvGeometry& g, const float* x, const float* w, const float* bias,
                    float* y, float* workspace);
// dx = conv^T(dy, w): overwrites dx [n,c,h,w].
void conv2d_backward_data(const ConvGeometry& g, const float* dy, const float* w, float* dx,
                          float* workspace);
// dw += corr(x, dy) [k,c,kh,kw]; db += sum over n,i,j of dy (db may be null). Accumulates.
void conv2d_backward_weights(const ConvGeometry& g, const float* x, const float* dy, float* dw,
                             float* db, float* workspace);

}  // namespace inkstone::kernels
