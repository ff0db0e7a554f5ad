// AVX-512 input and output transforms of the Winograd F(2x2, 3x3) convolution (formulas in
// winograd_kernels.hpp); reached only through winograd_forward_maxpool when AVX-512 is active.
// Vectors run along a row of the image: 16 lanes hold the columns of an input row, or 16 tiles
// of one filter's output.
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"  // GCC 12 AVX-512 intrinsics' false
#pragma GCC diagnostic ignored "-Wuninitialized"        // positives (see activations_impl.hpp)
#include <immintrin.h>

#include <cstdint>

#include "kernels/winograd_kernels.hpp"

namespace inkstone::kernels::winograd_avx512 {

namespace {

__mmask16 low_lanes(int count) {
  return count >= 16 ? static_cast<__mmask16>(0xFFFF)
                     : static_cast<__mmask16>((1u << (count < 0 ? 0 : count)) - 1u);
}

// Lane l: the index of tile (t0 + l)'s top-left cell in a conv output plane out_w_full wide
// (tiles pw to a row; lanes past the last tile repeat tile t0).
__m512i tile_base_index(int t0, int tiles, int pw, int out_w_full) {
  alignas(64) int32_t base_idx[16];
  for (int l = 0; l < 16; ++l) {
    const int t = t0 + l < tiles ? t0 + l : t0;
    base_idx[l] = 2 * (t / pw) * out_w_full + 2 * (t % pw);
  }
  return _mm512_load_si512(base_idx);
}

// The output tile Y = A^T M A of the 16 elements e (lanes: tiles), A^T = [1 1 1 0; 0 1 -1 -1]:
// y[0] = y00, y[1] = y01, y[2] = y10, y[3] = y11.
inline void output_tile(const __m512 (&e)[16], __m512 (&y)[4]) {
  __m512 s0[4], s1[4];  // A^T M: row 0 = m0 + m1 + m2, row 1 = m1 - m2 - m3
  for (int b = 0; b < 4; ++b) {
    s0[b] = _mm512_add_ps(_mm512_add_ps(e[b], e[4 + b]), e[8 + b]);
    s1[b] = _mm512_sub_ps(_mm512_sub_ps(e[4 + b], e[8 + b]), e[12 + b]);
  }
  y[0] = _mm512_add_ps(_mm512_add_ps(s0[0], s0[1]), s0[2]);
  y[1] = _mm512_sub_ps(_mm512_sub_ps(s0[1], s0[2]), s0[3]);
  y[2] = _mm512_add_ps(_mm512_add_ps(s1[0], s1[1]), s1[2]);
  y[3] = _mm512_sub_ps(_mm512_sub_ps(s1[1], s1[2]), s1[3]);
}

}  // namespace

void input_tiles(const ConvGeometry& g, const float* x_img, int64_t ncols, int64_t col0, float* v) {
  const int ph = g.out_h / 2, pw = g.out_w / 2;
  const int64_t hw = int64_t{g.h} * g.w;
  const int64_t xi_stride = int64_t{g.c} * ncols;  // from element xi to xi + 1
  const __mmask16 row_mask = low_lanes(g.w);
  // Two rows of tiles at a time: lane l < pw holds tile (ti, l), lane pw + l tile (ti + 1, l), the
  // order of the tiles in V, so one store writes both rows. idx[s]: column 2 tj + s of either row
  // (lanes 16.. of the two-source permute are the second row).
  __m512i idx[4];
  for (int sft = 0; sft < 4; ++sft) {
    alignas(64) int32_t lane_idx[16];
    for (int l = 0; l < 16; ++l) {
      const int c = l < pw ? 2 * l + sft : (l < 2 * pw ? 16 + 2 * (l - pw) + sft : 0);
      lane_idx[l] = c;
    }
    idx[sft] = _mm512_load_si512(lane_idx);
  }
  for (int ch = 0; ch < g.c; ++ch) {
    const float* plane = x_img + ch * hw;
    float* dst = v + int64_t{ch} * ncols + col0;
    for (int ti = 0; ti < ph; ti += 2) {
      const bool pair = ti + 1 < ph;
      const __mmask16 store_mask = low_lanes(pair ? 2 * pw : pw);
      const float* r = plane + int64_t{2 * ti} * g.w;
      __m512 rows[6];
      for (int k = 0; k < (pair ? 6 : 4); ++k)
        rows[k] = _mm512_maskz_loadu_ps(row_mask, r + k * g.w);
      // Rows of B^T d for tile row ti (from rows 0..3) and ti + 1 (rows 2..5):
      // d0 - d2, d1 + d2, d2 - d1, d1 - d3.
      __m512 ta[4], tb[4];
      for (int half = 0; half < (pair ? 2 : 1); ++half) {
        const __m512* d = rows + 2 * half;
        __m512* t = half == 0 ? ta : tb;
        t[0] = _mm512_sub_ps(d[0], d[2]);
        t[1] = _mm512_add_ps(d[1], d[2]);
        t[2] = _mm512_sub_ps(d[2], d[1]);
        t[3] = _mm512_sub_ps(d[1], d[3]);
      }
      if (!pair) {
        for (int a = 0; a < 4; ++a) tb[a] = ta[a];
      }
      float* out = dst + int64_t{ti} * pw;
      for (int a = 0; a < 4; ++a) {
        // Columns of (B^T d) B, the same combinations along the rows.
        const __m512 c0 = _mm512_permutex2var_ps(ta[a], idx[0], tb[a]);
        const __m512 c1 = _mm512_permutex2var_ps(ta[a], idx[1], tb[a]);
        const __m512 c2 = _mm512_permutex2var_ps(ta[a], idx[2], tb[a]);
        const __m512 c3 = _mm512_permutex2var_ps(ta[a], idx[3], tb[a]);
        float* o = out + int64_t{4 * a} * xi_stride;
        _mm512_mask_storeu_ps(o, store_mask, _mm512_sub_ps(c0, c2));
        _mm512_mask_storeu_ps(o + xi_stride, store_mask, _mm512_add_ps(c1, c2));
        _mm512_mask_storeu_ps(o + 2 * xi_stride, store_mask, _mm512_sub_ps(c2, c1));
        _mm512_mask_storeu_ps(o + 3 * xi_stride, store_mask, _mm512_sub_ps(c1, c3));
      }
    }
  }
}

void output_pool(const ConvGeometry& g, const float* m, int64_t ncols, int64_t col0,
                 const float* bias, bool relu, float* pooled_img, int32_t* argmax_img,
                 int out_w_full) {
  const int pw = g.out_w / 2;
  const int tiles = (g.out_h / 2) * pw;
  const int64_t xi_stride = int64_t{g.k} * ncols;
  const __m512 zero = _mm512_setzero_ps();
  for (int t0 = 0; t0 < tiles; t0 += 16) {
    const __mmask16 mask = low_lanes(tiles - t0);
    const __m512i base = tile_base_index(t0, tiles, pw, out_w_full);
    const __m512i one = _mm512_set1_epi32(1), row = _mm512_set1_epi32(out_w_full);
    for (int f = 0; f < g.k; ++f) {
      const float* mf = m + int64_t{f} * ncols + col0 + t0;
      __m512 e[16];
      for (int xi = 0; xi < 16; ++xi) e[xi] = _mm512_maskz_loadu_ps(mask, mf + xi * xi_stride);
      // The 2x2 outputs y00, y01, y10, y11, plus the bias.
      __m512 y[4];
      output_tile(e, y);
      const __m512 bv = _mm512_set1_ps(bias != nullptr ? bias[f] : 0.0f);
      for (__m512& yi : y) yi = _mm512_add_ps(yi, bv);
      if (relu) {
        for (__m512& yi : y) yi = _mm512_max_ps(zero, yi);  // max(z, 0): a NaN stays NaN
      }
      // The pool in window order (y00, y01, y10, y11): a cell wins when it is greater than the
      // best so far, or is the first NaN.
      __m512 best = y[0];
      __m512i arg = base;
      const __m512i offs[4] = {base, _mm512_add_epi32(base, one), _mm512_add_epi32(base, row),
                               _mm512_add_epi32(_mm512_add_epi32(base, row), one)};
      for (int cell = 1; cell < 4; ++cell) {
        const __mmask16 greater = _mm512_cmp_ps_mask(y[cell], best, _CMP_GT_OQ);
        const __mmask16 first_nan = _mm512_cmp_ps_mask(y[cell], y[cell], _CMP_UNORD_Q) &
                                    _mm512_cmp_ps_mask(best, best, _CMP_ORD_Q);
        const __mmask16 take = greater | first_nan;
        best = _mm512_mask_mov_ps(best, take, y[cell]);
        arg = _mm512_mask_mov_epi32(arg, take, offs[cell]);
      }
      _mm512_mask_storeu_ps(pooled_img + int64_t{f} * tiles + t0, mask, best);
      if (argmax_img != nullptr) {
        _mm512_mask_storeu_epi32(argmax_img + int64_t{f} * tiles + t0, mask, arg);
      }
    }
  }
}

void output_store(const ConvGeometry& g, const float* m, int64_t ncols, int64_t col0,
                  float* out_img, int h_out, int w_out) {
  const int ph = g.out_h / 2, pw = g.out_w / 2;
  const int64_t xi_stride = int64_t{g.k} * ncols;
  const __mmask16 tile_mask = low_lanes(pw), row_mask = low_lanes(w_out);
  // Row 2ti interleaves y00 and y01 of the tiles (lane 2tj: y00 of tile tj, 2tj + 1: its y01).
  const __m512i interleave =
      _mm512_setr_epi32(0, 16, 1, 17, 2, 18, 3, 19, 4, 20, 5, 21, 6, 22, 7, 23);
  const int64_t plane = int64_t{h_out} * w_out;
  for (int f = 0; f < g.k; ++f) {
    float* dst = out_img + f * plane;
    for (int ti = 0; ti < ph; ++ti) {
      const float* mt = m + int64_t{f} * ncols + col0 + int64_t{ti} * pw;
      __m512 e[16];  // lanes past the last tile load 0, so the rows end in zeros
      for (int xi = 0; xi < 16; ++xi) e[xi] = _mm512_maskz_loadu_ps(tile_mask, mt + xi * xi_stride);
      __m512 y[4];
      output_tile(e, y);
      _mm512_mask_storeu_ps(dst + int64_t{2 * ti} * w_out, row_mask,
                            _mm512_permutex2var_ps(y[0], interleave, y[1]));
      _mm512_mask_storeu_ps(dst + int64_t{2 * ti + 1} * w_out, row_mask,
                            _mm512_permutex2var_ps(y[2], interleave, y[3]));
    }
    for (int r = 2 * ph; r < h_out; ++r) {
      _mm512_mask_storeu_ps(dst + int64_t{r} * w_out, row_mask, _mm512_setzero_ps());
    }
  }
}

void pooled_grad_tiles(const ConvGeometry& g, const float* dpooled_img, const float* pooled_img,
                       const int32_t* argmax_img, bool relu, int out_w_full, int64_t ncols,
                       int64_t col0, float* dm) {
  const int pw = g.out_w / 2;
  const int tiles = (g.out_h / 2) * pw;
  const int64_t xi_stride = int64_t{g.k} * ncols;
  const __m512 zero = _mm512_setzero_ps(), one = _mm512_set1_ps(1.0f),
               minus = _mm512_set1_ps(-1.0f);
  // Columns of A = [1 0; 1 1; 1 -1; 0 -1]: cell 0 -> (1, 1, 1, 0), cell 1 -> (0, 1, -1, -1).
  const __m512 a0[4] = {one, one, one, zero}, a1[4] = {zero, one, minus, minus};
  for (int t0 = 0; t0 < tiles; t0 += 16) {
    const __mmask16 mask = low_lanes(tiles - t0);
    const __m512i base = tile_base_index(t0, tiles, pw, out_w_full);
    const __m512i row = _mm512_set1_epi32(out_w_full);
    for (int f = 0; f < g.k; ++f) {
      const int64_t at = int64_t{f} * tiles + t0;
      __m512 gr = _mm512_maskz_loadu_ps(mask, dpooled_img + at);
      if (relu) {
        const __m512 pv = _mm512_maskz_loadu_ps(mask, pooled_img + at);
        gr = _mm512_maskz_mov_ps(_mm512_cmp_ps_mask(pv, zero, _CMP_GT_OQ), gr);
      }
      const __m512i off = _mm512_sub_epi32(_mm512_maskz_loadu_epi32(mask, argmax_img + at), base);
      const __mmask16 second_row = _mm512_cmpge_epi32_mask(off, row);
      const __m512i col = _mm512_mask_sub_epi32(off, second_row, off, row);
      const __mmask16 second_col = _mm512_cmpeq_epi32_mask(col, _mm512_set1_epi32(1));
      __m512 ra[4], cb[4];
      for (int i = 0; i < 4; ++i) {
        ra[i] = _mm512_mul_ps(gr, _mm512_mask_mov_ps(a0[i], second_row, a1[i]));
        cb[i] = _mm512_mask_mov_ps(a0[i], second_col, a1[i]);
      }
      float* out = dm + int64_t{f} * ncols + col0 + t0;
      for (int a = 0; a < 4; ++a) {
        for (int b = 0; b < 4; ++b) {
          _mm512_mask_storeu_ps(out + (4 * a + b) * xi_stride, mask, _mm512_mul_ps(ra[a], cb[b]));
        }
      }
    }
  }
}

}  // namespace inkstone::kernels::winograd_avx512
