#pragma once
// 2-D convolution (cross-correlation, as Keras and PyTorch compute it) on NCHW tensors.
//   y[n,k,i,j] = b[k] + sum_{c,p,q} w[k,c,p,q] * x[n, c, i*sh + p - pad_top, j*sw + q - pad_left]
// Weights are [k_out, c_in, kh, kw]. Implemented as im2col + GEMM on chunks of whole images
// small enough that a chunk's column block stays in L2 (a few hundred KiB), each thread taking
// whole chunks:
//   col[(c,p,q), (n,i,j)] = x[n, c, i*sh + p - pad_top, j*sw + q - pad_left]   (0 outside x)
//   forward:          Y'[k, (n,i,j)] = W[k, (c,p,q)] * col,  then y = act(Y' + b) stored NCHW
//   backward-data:    dcol = W^T * dY',  then dx = col2im(dcol) (overlapping windows summed)
//   backward-weights: dW += dY' * col^T,  db += row sums of dY'
// The chunks and the groups of chunks whose weight gradients are summed together depend only on
// the geometry; the group sums are then added in group order. No float is ever summed in a
// scheduling-dependent order, so results are bit-identical for a given instruction set (and do
// not depend on the thread count).
// Bad geometry or null pointers throw inkstone::Error.
#include <cstddef>
#include <cstdint>

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

// Floats of scratch memory the backward passes need (the caller owns and reuses it): one
// weight- and bias-gradient partial per group of chunks. The per-chunk column blocks live in
// per-thread buffers that the kernels keep and reuse.
size_t conv2d_workspace_floats(const ConvGeometry& g);

// y = conv(x, w) + bias (bias may be null). x: [n,c,h,w], y: [n,k,out_h,out_w]. The workspace
// is not used (kept for symmetry with the backward passes; may be null).
void conv2d_forward(const ConvGeometry& g, const float* x, const float* w, const float* bias,
                    float* y, float* workspace);
// y = relu(conv(x, w) + bias) when relu (max(z, 0), fused into the store), else as above.
void conv2d_forward_relu(const ConvGeometry& g, const float* x, const float* w, const float* bias,
                         bool relu, float* y);
// dx = conv^T(dy, w): overwrites dx [n,c,h,w].
void conv2d_backward_data(const ConvGeometry& g, const float* dy, const float* w, float* dx,
                          float* workspace);
// dw += corr(x, dy) [k,c,kh,kw]; db += sum over n,i,j of dy (db may be null). Accumulates.
void conv2d_backward_weights(const ConvGeometry& g, const float* x, const float* dy, float* dw,
                             float* db, float* workspace);
// Both backward passes in one sweep over the chunks (dY' is gathered once per chunk):
//   dz = dy, or dy * [relu_y > 0] when relu_y (the forward's ReLU output) is given;
//   dw += corr(x, dz) and db += sums of dz (each skipped when null; x may be null without dw);
//   dx = conv^T(dz, w) (skipped when dx is null: the first layer needs no input gradient).
void conv2d_backward(const ConvGeometry& g, const float* x, const float* dy, const float* relu_y,
                     const float* w, float* dw, float* db, float* dx, float* workspace);

// Convolution (+ ReLU when relu) followed by a 2x2 / stride-2 "valid" max pool, fused: each
// chunk's output is pooled while it is still in cache, so the full-size activation is never
// written. pooled: [n, k, out_h/2, out_w/2] = exactly what maxpool_forward computes on
// act(conv(x, w) + b); argmax: the index of the chosen cell within its conv output plane (the
// first maximum in window order; a NaN wins), may be null when no backward pass follows.
// Needs out_h, out_w >= 2.
void conv2d_forward_maxpool(const ConvGeometry& g, const float* x, const float* w,
                            const float* bias, bool relu, float* pooled, int32_t* argmax);
// Its backward: dz = 0 except dz[argmax] = dpooled (times [pooled > 0] when relu), then dw, db
// and dx as conv2d_backward (each skipped when null). Bit-identical to maxpool_backward followed
// by conv2d_backward.
void conv2d_backward_maxpool(const ConvGeometry& g, const float* x, const float* dpooled,
                             const float* pooled, const int32_t* argmax, bool relu, const float* w,
                             float* dw, float* db, float* dx, float* workspace);

}  // namespace inkstone::kernels
