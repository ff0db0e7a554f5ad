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
#define INK_CONV_DECLARE(ns)                                                                    \
  namespace ns {                                                                                \
  void im2col_plane(const ConvGeometry& g, const float* plane, float* dst, int64_t ncols);      \
  void col2im_plane(const ConvGeometry& g, const float* src, int64_t ncols, float* plane);      \
  bool im2col_block(const ConvGeometry& g, const float* x, int64_t i0, int64_t i1, float* col); \
  }
INK_CONV_DECLARE(conv_avx2)
INK_CONV_DECLARE(conv_avx512)
#undef INK_CONV_DECLARE

}  // namespace inkstone::kernels
