#pragma once
// Private: per-plane im2col / col2im kernels for horizontal stride 1, one set per instruction set
// (conv_avx2.cpp, conv_avx512.cpp, both built from conv_impl.hpp); conv.cpp picks them by
// active_isa() and keeps portable loops for the scalar level and for stride_w > 1.
// Declarations only (ConvGeometry is a plain struct), so this header is safe to include from
// files compiled with different -m flags.
#include <cstdint>

#include "inkstone/kernels/conv.hpp"

namespace inkstone::kernels {

// The column block of one (image, channel) plane: `dst` points at col[(ch,0,0), img*ohw] and row
// (ch,p,q) of the block starts at dst + (p*kw + q) * ncols. Requires g.stride_w == 1.
//   im2col_plane: block[(p,q), i*ow + j] = plane[i*sh + p - pad_top, j + q - pad_left] (0 outside)
//   col2im_plane: plane[ih, iw] = sum over taps (p,q) in order of the block entries that im2col
//                 would have copied from (ih, iw); overwrites the plane (no read-modify-write).
//   im2col_block: the whole column block of images [i0, i1) of x (all channels), as
//                 im2col_plane would write it plane by plane; returns false (writing nothing)
//                 when the geometry is not one it handles (then use im2col_plane).
//   direct_c1_rows: direct convolution of one single-channel image (g.c == 1, stride 1, no
//                 padding) for output rows [r0, r1) of every filter:
//                   out[f * out_stride + (r - r0) * out_w + j]
//                     = act(sum over taps t = p*kw + q in order of w[f, t] * plane[(r+p)*w + j+q]
//                           + bias[f])
//                 each sum formed from zero with one fused multiply-add per tap, as the GEMM
//                 forms it (so the results are bit-identical to im2col + GEMM); act is
//                 max(z, 0) when relu, else the identity; bias may be null. `plane` must be
//                 readable for h*w + 16 floats (the last vector of a row reads past it).
//   direct_c1_pool_image: direct_c1_rows over the whole image followed by the 2x2 / stride-2
//                 max pool, as maxpool2x2_row pools (same values, same argmax into the whole
//                 output plane): pooled[f, i, j] of the image's [k, out_h/2, out_w/2] block,
//                 argmax likewise (argmax may be null). Returns false, writing nothing, where it
//                 does not apply (AVX-512 only, for 16 < out_w <= 32).
//   pooled_grad_plane: the gradient of one conv output plane (out_h = 2*ph, out_w = 2*pw, rows
//                 ld >= out_w apart) from its 2x2 max pool's: d[(2i + di) * ld + 2j + dj] = the
//                 window's gradient g (times [pooled > 0] when relu) where argmax[i*pw + j] is
//                 that cell, (2i + di) * out_w_full + 2j + dj, and 0 elsewhere; every element
//                 of the plane is written (not the row padding past out_w). Returns false, writing
//                 nothing, where it does not apply (AVX-512 only).
#define INK_CONV_DECLARE(ns)                                                                    \
  namespace ns {                                                                                \
  void im2col_plane(const ConvGeometry& g, const float* plane, float* dst, int64_t ncols);      \
  void col2im_plane(const ConvGeometry& g, const float* src, int64_t ncols, float* plane);      \
  bool im2col_block(const ConvGeometry& g, const float* x, int64_t i0, int64_t i1, float* col); \
  void direct_c1_rows(const ConvGeometry& g, const float* plane, const float* w,                \
                      const float* bias, bool relu, int r0, int r1, float* out,                 \
                      int64_t out_stride);                                                      \
  bool direct_c1_pool_image(const ConvGeometry& g, const float* plane, const float* w,          \
                            const float* bias, bool relu, float* pooled, int32_t* argmax);      \
  bool pooled_grad_plane(const float* dpooled, const float* pooled, const int32_t* argmax,      \
                         bool relu, int ph, int pw, int out_w_full, float* d, int64_t ld);      \
  }
INK_CONV_DECLARE(conv_avx2)
INK_CONV_DECLARE(conv_avx512)
#undef INK_CONV_DECLARE

}  // namespace inkstone::kernels
