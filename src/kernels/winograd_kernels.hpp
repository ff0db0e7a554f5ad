#pragma once
// Private: the Winograd F(2x2, 3x3) convolution followed by a 2x2 / stride-2 max pool, for the
// unpadded stride-1 3x3 convolutions whose output is pooled (the seed CNN's conv2: 32 -> 64
// channels, 13x13 -> 11x11 -> 5x5). Each 2x2 output tile of the convolution is exactly one pool
// window, so the pool is taken straight from the tile (Lavin & Gray, "Fast Algorithms for
// Convolutional Neural Networks", 2016):
//   input tile d (4x4 at rows 2*ti.., columns 2*tj..):  V = B^T d B
//   filter g (3x3):                                     U = G g G^T
//   output tile (2x2):                                  Y = A^T (sum over c of U ⊙ V) A
//   B^T = [1 0 -1 0; 0 1 1 0; 0 -1 1 0; 0 1 0 -1],  G = [1 0 0; 1/2 1/2 1/2; 1/2 -1/2 1/2; 0 0 1],
//   A^T = [1 1 1 0; 0 1 -1 -1].
// The sum over channels is 16 GEMMs (one per element xi of the 4x4 transformed tile):
//   M[xi][k, tile] = U[xi][k, c] * V[xi][c, tile]
// 16 * k * c multiply-adds per tile instead of 4 * 9 * k * c: 2.25x fewer than im2col + GEMM.
// Declarations only (ConvGeometry is a plain struct): safe to include from any -m file.
#include <cstdint>

#include "inkstone/kernels/conv.hpp"

namespace inkstone::kernels {

// Whether winograd_forward_maxpool computes g (AVX-512 active, at least 8 images, 3x3 kernel,
// stride 1, no padding, input rows of at most 16 floats, at least 8 input and 8 output channels;
// g may be the pool-cropped geometry, with even outputs).
bool winograd_applies(const ConvGeometry& g);

// pooled [n, k, out_h/2, out_w/2] = maxpool2x2(act(conv(x, w) + bias)) and argmax (null for
// inference) as conv2d_forward_maxpool defines them (argmax indexes output planes out_w_full
// wide; first maximum in window order, a NaN wins), computed by F(2x2, 3x3). g must satisfy
// winograd_applies. The values equal the direct convolution's up to rounding (the transforms
// add and subtract inputs before multiplying), and are bit-identical for any thread count.
void winograd_forward_maxpool(const ConvGeometry& g, const float* x, const float* w,
                              const float* bias, bool relu, float* pooled, int32_t* argmax,
                              int out_w_full);

// The input gradient of a convolution whose output went through a fused 2x2 max pool, as
// conv2d_backward_maxpool computes dx (overwrites dx [n, c, h, w]); g is the pool-cropped
// geometry (even outputs) and argmax indexes output planes out_w_full wide. dx is the full
// correlation of the output gradient dz (zero-padded by 2) with the filters turned by 180
// degrees, w'[c, k, p, q] = w[k, c, 2 - p, 2 - q], computed by F(2x2, 3x3) as above; input
// pixels no output reads get 0.
bool winograd_backward_data_applies(const ConvGeometry& g);
void winograd_backward_data_maxpool(const ConvGeometry& g, const float* dpooled,
                                    const float* pooled, const int32_t* argmax, bool relu,
                                    int out_w_full, const float* w, float* dx);

// The parameter gradients of the same convolution (accumulated: dw += ..., db += ...; db may be
// null): with dY the output gradient routed through the pool,
//   dU[xi][k, c] = sum over tiles of dM[xi][k, tile] * V[xi][c, tile],  dM = A dY_tile A^T,
//   dw[k, c] += G^T dU[k, c] G.
// Each tile holds one pool window, whose gradient sits on one cell (di, dj), so dM is the pooled
// gradient times the outer product of columns di and dj of A (exact: those are 0 and +-1). The
// tiles are summed per chunk in a GEMM, the chunks in fixed groups, the groups in order:
// bit-identical for any thread count. g as winograd_backward_data_maxpool's.
void winograd_backward_weights_maxpool(const ConvGeometry& g, const float* x, const float* dpooled,
                                       const float* pooled, const int32_t* argmax, bool relu,
                                       int out_w_full, float* dw, float* db);

namespace winograd_avx512 {
// V for one image (x_img: its [c, h, w] planes): v[(xi * c + ch) * ncols + col0 + ti * pw + tj]
// for every transformed element xi = 4a + b, channel ch and tile (ti, tj) of the
// (out_h/2) x (out_w/2) tiles.
void input_tiles(const ConvGeometry& g, const float* x_img, int64_t ncols, int64_t col0, float* v);
// From M (m[(xi * k + f) * ncols + col0 + t]) of one image: the output tiles Y = A^T M A, bias,
// ReLU (max(z, 0)) when relu, and the 2x2 max of each tile with its argmax:
// pooled_img[f * tiles + t], argmax_img likewise (may be null).
void output_pool(const ConvGeometry& g, const float* m, int64_t ncols, int64_t col0,
                 const float* bias, bool relu, float* pooled_img, int32_t* argmax_img,
                 int out_w_full);
// From M of one image: the output tiles Y = A^T M A stored into out_img [k, h_out, w_out]
// planes (h_out >= out_h, w_out >= out_w): rows of tiles at 2*ti, 2*ti + 1; the columns and rows
// past out_w / out_h are set to 0 (w_out <= 16).
void output_store(const ConvGeometry& g, const float* m, int64_t ncols, int64_t col0,
                  float* out_img, int h_out, int w_out);
// dM of one image from its pooled gradient (dpooled_img, pooled_img, argmax_img: [k, tiles]):
// dm[(xi * k + f) * ncols + col0 + t] = gr * A[a][di] * A[b][dj] for xi = 4a + b, where gr is the
// window's gradient (0 where relu and pooled <= 0) and (di, dj) its argmax cell.
void pooled_grad_tiles(const ConvGeometry& g, const float* dpooled_img, const float* pooled_img,
                       const int32_t* argmax_img, bool relu, int out_w_full, int64_t ncols,
                       int64_t col0, float* dm);
}  // namespace winograd_avx512

}  // namespace inkstone::kernels
