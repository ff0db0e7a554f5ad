// AVX-512 packing and kernels of the GEMM (driver and data layouts: gemm.cpp, gemm_internal.hpp).
// Outer-product tile, 14 x 32: 28 zmm accumulators, two zmm rows of B and one broadcast element
// of A. Each step p of a tile performs, for its rows i and columns j,
//   acc[i][j] += A[i][p] * B[p][j]   (one FMA per element, p ascending),
// then folds  C = alpha * acc + beta * C  (beta == 0: C is not read; beta == 1: C += alpha*acc).
// Dot-product tile (for A * B^T), up to 8 x 4: acc[r][s] += A[r][p..p+15] * B[s][p..p+15] lane
// by lane, then each accumulator's 16 lanes are summed by a fixed tree and folded into C alike.
// Compiled with AVX-512 flags: only <immintrin.h>/<cstdint> and file-local functions here.
#include <immintrin.h>

#include <cstdint>

#include "kernels/gemm_internal.hpp"

namespace inkstone::kernels::gemm_detail {
namespace {

constexpr int kAld = kAldAvx512;
constexpr int kMr = kMrAvx512;
constexpr int kNr = kNrAvx512;
constexpr int kNv = kNr / 16;  // zmm vectors per tile row

int min_int(int x, int y) {
  return x < y ? x : y;
}

__mmask16 low_mask(int count) {
  return count >= 16 ? static_cast<__mmask16>(0xFFFF)
                     : static_cast<__mmask16>((1u << (count < 0 ? 0 : count)) - 1u);
}

// In-place transpose of a 16 x 16 block held in 16 zmm rows: r[j] lane i  <-  old r[i] lane j.
// (The all-lanes maskz_ forms compile to the plain shuffles; GCC 12 warns inside the plain
// intrinsics' headers.)
__attribute__((always_inline)) inline void transpose16(__m512 (&r)[16]) {
  constexpr __mmask16 kAll16 = 0xFFFF;
  constexpr __mmask8 kAll8 = 0xFF;
  __m512 t[16];
  for (int i = 0; i < 8; ++i) {
    t[2 * i] = _mm512_maskz_unpacklo_ps(kAll16, r[2 * i], r[2 * i + 1]);
    t[2 * i + 1] = _mm512_maskz_unpackhi_ps(kAll16, r[2 * i], r[2 * i + 1]);
  }
  // u[4g + c], 128-bit lane l = rows 4g..4g+3 of column 4l + c.
  __m512 u[16];
  for (int g = 0; g < 4; ++g) {
    const __m512d t0 = _mm512_castps_pd(t[4 * g]);
    const __m512d t1 = _mm512_castps_pd(t[4 * g + 1]);
    const __m512d t2 = _mm512_castps_pd(t[4 * g + 2]);
    const __m512d t3 = _mm512_castps_pd(t[4 * g + 3]);
    u[4 * g] = _mm512_castpd_ps(_mm512_maskz_unpacklo_pd(kAll8, t0, t2));
    u[4 * g + 1] = _mm512_castpd_ps(_mm512_maskz_unpackhi_pd(kAll8, t0, t2));
    u[4 * g + 2] = _mm512_castpd_ps(_mm512_maskz_unpacklo_pd(kAll8, t1, t3));
    u[4 * g + 3] = _mm512_castpd_ps(_mm512_maskz_unpackhi_pd(kAll8, t1, t3));
  }
  for (int c = 0; c < 4; ++c) {
    const __m512 v = _mm512_maskz_shuffle_f32x4(kAll16, u[c], u[4 + c], 0x44);
    const __m512 w = _mm512_maskz_shuffle_f32x4(kAll16, u[c], u[4 + c], 0xEE);
    const __m512 x = _mm512_maskz_shuffle_f32x4(kAll16, u[8 + c], u[12 + c], 0x44);
    const __m512 y = _mm512_maskz_shuffle_f32x4(kAll16, u[8 + c], u[12 + c], 0xEE);
    r[c] = _mm512_maskz_shuffle_f32x4(kAll16, v, x, 0x88);
    r[4 + c] = _mm512_maskz_shuffle_f32x4(kAll16, v, x, 0xDD);
    r[8 + c] = _mm512_maskz_shuffle_f32x4(kAll16, w, y, 0x88);
    r[12 + c] = _mm512_maskz_shuffle_f32x4(kAll16, w, y, 0xDD);
  }
}

// Loads `rows` rows (the rest zero) of `count` consecutive floats (the rest zero) at src,
// row stride ld, and transposes them: r[q] lane i = src[i * ld + q].
__attribute__((always_inline)) inline void load_transposed(const float* src, int64_t ld, int rows,
                                                           int count, __m512 (&r)[16]) {
  const __mmask16 m = low_mask(count);
  for (int i = 0; i < 16; ++i) {
    r[i] = i < rows ? _mm512_maskz_loadu_ps(m, src + i * ld) : _mm512_setzero_ps();
  }
  transpose16(r);
}

// load_transposed for a full block: ROWS rows (the rest zero) of 16 floats, no masks.
template <int ROWS>
__attribute__((always_inline)) inline void load_transposed_full(const float* src, int64_t ld,
                                                                __m512 (&r)[16]) {
#pragma GCC unroll 16
  for (int i = 0; i < 16; ++i)
    r[i] = i < ROWS ? _mm512_loadu_ps(src + i * ld) : _mm512_setzero_ps();
  transpose16(r);
}

// C tile update from the accumulators, columns [0, nr) (nr <= 16 * NV).
template <int MR, int NV>
__attribute__((always_inline)) inline void store_tile(__m512 (&acc)[MR][NV], float* c, int64_t ldc,
                                                      int c_trans, float alpha, float beta,
                                                      int nr) {
  const __m512 va = _mm512_set1_ps(alpha);
  const __m512 vb = _mm512_set1_ps(beta);
  if (c_trans) {
    // Element (i, j) lives at c[j * ldc + i]: fold through a buffer (indices into acc stay
    // compile-time constants, so the accumulators never leave the registers before this).
    alignas(64) float tile[MR][NV * 16];
    alignas(64) float old[MR][NV * 16];
#pragma GCC unroll 16
    for (int i = 0; i < MR; ++i) {
#pragma GCC unroll 4
      for (int v = 0; v < NV; ++v) _mm512_store_ps(&tile[i][16 * v], acc[i][v]);
    }
    if (beta != 0.0f) {
      for (int i = 0; i < MR; ++i) {
        for (int j = 0; j < NV * 16; ++j) old[i][j] = j < nr ? c[j * ldc + i] : 0.0f;
      }
    }
    for (int i = 0; i < MR; ++i) {
      for (int v = 0; v < NV; ++v) {
        const __m512 t = _mm512_load_ps(&tile[i][16 * v]);
        __m512 r = _mm512_mul_ps(va, t);
        if (beta != 0.0f) {
          const __m512 o = _mm512_load_ps(&old[i][16 * v]);
          r = beta == 1.0f ? _mm512_fmadd_ps(va, t, o)
                           : _mm512_fmadd_ps(va, t, _mm512_mul_ps(vb, o));
        }
        _mm512_store_ps(&tile[i][16 * v], r);
      }
      for (int j = 0; j < nr; ++j) c[j * ldc + i] = tile[i][j];
    }
    return;
  }
  __mmask16 mask[NV];
  for (int v = 0; v < NV; ++v) mask[v] = low_mask(nr - 16 * v);
  if (beta == 0.0f) {
    if (alpha == 1.0f) {
#pragma GCC unroll 16
      for (int i = 0; i < MR; ++i) {
#pragma GCC unroll 4
        for (int v = 0; v < NV; ++v)
          _mm512_mask_storeu_ps(c + i * ldc + 16 * v, mask[v], acc[i][v]);
      }
    } else {
#pragma GCC unroll 16
      for (int i = 0; i < MR; ++i) {
#pragma GCC unroll 4
        for (int v = 0; v < NV; ++v) {
          _mm512_mask_storeu_ps(c + i * ldc + 16 * v, mask[v], _mm512_mul_ps(va, acc[i][v]));
        }
      }
    }
  } else if (beta == 1.0f) {
#pragma GCC unroll 16
    for (int i = 0; i < MR; ++i) {
#pragma GCC unroll 4
      for (int v = 0; v < NV; ++v) {
        float* cp = c + i * ldc + 16 * v;
        const __m512 old = _mm512_maskz_loadu_ps(mask[v], cp);
        _mm512_mask_storeu_ps(cp, mask[v], _mm512_fmadd_ps(va, acc[i][v], old));
      }
    }
  } else {
#pragma GCC unroll 16
    for (int i = 0; i < MR; ++i) {
#pragma GCC unroll 4
      for (int v = 0; v < NV; ++v) {
        float* cp = c + i * ldc + 16 * v;
        const __m512 old = _mm512_maskz_loadu_ps(mask[v], cp);
        _mm512_mask_storeu_ps(cp, mask[v], _mm512_fmadd_ps(va, acc[i][v], _mm512_mul_ps(vb, old)));
      }
    }
  }
}

// One MR x (16 * NV) tile over kc steps: A element (i, p) at a[p * a_ld + i], B row p at
// b + p * b_ld (16 * NV floats, all readable), C as in store_tile.
template <int MR, int NV>
void micro(int kc, const float* a, int64_t a_ld, const float* b, int64_t b_ld, float* c,
           int64_t ldc, int c_trans, float alpha, float beta, int nr, const float* pf) {
  if (!c_trans && kc >= 64) {
    // Bring the C tile in while the products run (first and last byte of each row); with a
    // short depth there is no time to hide the latency, so it is not worth the loads.
#pragma GCC unroll 16
    for (int i = 0; i < MR; ++i) {
      _mm_prefetch(reinterpret_cast<const char*>(c + i * ldc), _MM_HINT_T0);
      _mm_prefetch(reinterpret_cast<const char*>(c + i * ldc + 16 * NV - 1), _MM_HINT_T0);
    }
  }
  __m512 acc[MR][NV];
#pragma GCC unroll 16
  for (int i = 0; i < MR; ++i) {
#pragma GCC unroll 4
    for (int v = 0; v < NV; ++v) acc[i][v] = _mm512_setzero_ps();
  }
  // Step p: acc[i][v] += A[i][p] * B[p][16v .. 16v+15].
  auto step = [&](const float* ap, const float* bp) __attribute__((always_inline)) {
    __m512 bv[NV];
#pragma GCC unroll 4
    for (int v = 0; v < NV; ++v) bv[v] = _mm512_loadu_ps(bp + 16 * v);
#pragma GCC unroll 16
    for (int i = 0; i < MR; ++i) {
      const __m512 ai = _mm512_set1_ps(ap[i]);
#pragma GCC unroll 4
      for (int v = 0; v < NV; ++v) acc[i][v] = _mm512_fmadd_ps(ai, bv[v], acc[i][v]);
    }
  };
  if (pf != nullptr) {
    // Also pull the matching rows of a B panel needed soon into L2.
    for (int p = 0; p < kc; ++p) {
      _mm_prefetch(reinterpret_cast<const char*>(pf), _MM_HINT_T1);
      _mm_prefetch(reinterpret_cast<const char*>(pf + 16 * NV - 1), _MM_HINT_T1);
      step(a, b);
      a += a_ld;
      b += b_ld;
      pf += b_ld;
    }
  } else {
    for (int p = 0; p < kc; ++p) {
      step(a, b);
      a += a_ld;
      b += b_ld;
    }
  }
  store_tile<MR, NV>(acc, c, ldc, c_trans, alpha, beta, nr);
}

using MicroFn = void (*)(int, const float*, int64_t, const float*, int64_t, float*, int64_t, int,
                         float, float, int, const float*);

#define INKSTONE_GEMM_ROW(mr) \
  { &micro<mr, 1>, &micro<mr, 2> }
static_assert(kNv == 2, "the micro-kernel table below lists 1 and 2 vectors per row");
static_assert(kMr == 14, "the micro-kernel table below lists 1..14 rows");
const MicroFn kMicro[kMr][kNv] = {
    INKSTONE_GEMM_ROW(1),  INKSTONE_GEMM_ROW(2),  INKSTONE_GEMM_ROW(3),  INKSTONE_GEMM_ROW(4),
    INKSTONE_GEMM_ROW(5),  INKSTONE_GEMM_ROW(6),  INKSTONE_GEMM_ROW(7),  INKSTONE_GEMM_ROW(8),
    INKSTONE_GEMM_ROW(9),  INKSTONE_GEMM_ROW(10), INKSTONE_GEMM_ROW(11), INKSTONE_GEMM_ROW(12),
    INKSTONE_GEMM_ROW(13), INKSTONE_GEMM_ROW(14)};
#undef INKSTONE_GEMM_ROW

// Sums of 16 vectors: lane q of the result = the sum of the 16 lanes of v[q]. Pairwise tree:
// each level adds two interleavings of pairs of partial-sum vectors.
__attribute__((always_inline)) inline __m512 reduce16(const __m512 (&v)[16]) {
  constexpr __mmask16 kAll16 = 0xFFFF;
  constexpr __mmask8 kAll8 = 0xFF;
  __m512 t[8];
  for (int k = 0; k < 8; ++k) {
    t[k] = _mm512_add_ps(_mm512_maskz_unpacklo_ps(kAll16, v[2 * k], v[2 * k + 1]),
                         _mm512_maskz_unpackhi_ps(kAll16, v[2 * k], v[2 * k + 1]));
  }
  __m512 u[4];
  for (int k = 0; k < 4; ++k) {
    const __m512d x = _mm512_castps_pd(t[2 * k]);
    const __m512d y = _mm512_castps_pd(t[2 * k + 1]);
    u[k] = _mm512_add_ps(_mm512_castpd_ps(_mm512_maskz_unpacklo_pd(kAll8, x, y)),
                         _mm512_castpd_ps(_mm512_maskz_unpackhi_pd(kAll8, x, y)));
  }
  __m512 w[2];
  for (int k = 0; k < 2; ++k) {
    w[k] = _mm512_add_ps(_mm512_maskz_shuffle_f32x4(kAll16, u[2 * k], u[2 * k + 1], 0x88),
                         _mm512_maskz_shuffle_f32x4(kAll16, u[2 * k], u[2 * k + 1], 0xDD));
  }
  return _mm512_add_ps(_mm512_maskz_shuffle_f32x4(kAll16, w[0], w[1], 0x88),
                       _mm512_maskz_shuffle_f32x4(kAll16, w[0], w[1], 0xDD));
}

// R x S dot products over kc: acc[r][s] += A row r (16 floats of p) * B row s, lane-wise.
template <int R, int S>
void dot_tile(int kc, const float* a, int64_t lda, const float* b, int64_t ldb, float* c,
              int64_t ldc, float alpha, float beta) {
  __m512 acc[R][S];
#pragma GCC unroll 8
  for (int r = 0; r < R; ++r) {
#pragma GCC unroll 4
    for (int s = 0; s < S; ++s) acc[r][s] = _mm512_setzero_ps();
  }
  auto chunk = [&](int p, __mmask16 m) __attribute__((always_inline)) {
    // Both operands go to registers (the empty asm keeps the compiler from re-loading them as
    // memory operands of every FMA, which would double the loads).
    __m512 av[R];
    __m512 bv[S];
#pragma GCC unroll 8
    for (int r = 0; r < R; ++r) {
      av[r] = _mm512_maskz_loadu_ps(m, a + r * lda + p);
      asm("" : "+v"(av[r]));
    }
#pragma GCC unroll 8
    for (int s = 0; s < S; ++s) {
      bv[s] = _mm512_maskz_loadu_ps(m, b + s * ldb + p);
      asm("" : "+v"(bv[s]));
    }
#pragma GCC unroll 8
    for (int r = 0; r < R; ++r) {
#pragma GCC unroll 8
      for (int s = 0; s < S; ++s) acc[r][s] = _mm512_fmadd_ps(av[r], bv[s], acc[r][s]);
    }
  };
  int p = 0;
  for (; p + 16 <= kc; p += 16) chunk(p, static_cast<__mmask16>(0xFFFF));
  if (p < kc) chunk(p, low_mask(kc - p));
  // Reduce the R * S accumulators 16 at a time (padded with zeros).
  constexpr int kCount = R * S;
  constexpr int kGroups = (kCount + 15) / 16;
  alignas(64) float sums[kGroups * 16];
#pragma GCC unroll 2
  for (int g = 0; g < kGroups; ++g) {
    __m512 v[16];
#pragma GCC unroll 16
    for (int q = 0; q < 16; ++q) {
      const int idx = 16 * g + q;
      v[q] = idx < kCount ? acc[idx / S][idx % S] : _mm512_setzero_ps();
    }
    _mm512_store_ps(sums + 16 * g, reduce16(v));
  }
  // C = alpha * sum + beta * C, the same operations as the tile path.
  const __m128 va = _mm_set_ss(alpha);
  const __m128 vb = _mm_set_ss(beta);
  for (int r = 0; r < R; ++r) {
    for (int s = 0; s < S; ++s) {
      float* out = c + r * ldc + s;
      const __m128 sum = _mm_set_ss(sums[r * S + s]);
      __m128 res;
      if (beta == 0.0f) {
        res = _mm_mul_ss(va, sum);
      } else if (beta == 1.0f) {
        res = _mm_fmadd_ss(va, sum, _mm_set_ss(*out));
      } else {
        res = _mm_fmadd_ss(va, sum, _mm_mul_ss(vb, _mm_set_ss(*out)));
      }
      *out = _mm_cvtss_f32(res);
    }
  }
}

constexpr int kDr = kDotRowsAvx512;
constexpr int kDs = kDotColsAvx512;
using DotTileFn = void (*)(int, const float*, int64_t, const float*, int64_t, float*, int64_t,
                           float, float);
#define INKSTONE_DOT_ROW(r) \
  { &dot_tile<r, 1>, &dot_tile<r, 2>, &dot_tile<r, 3>, &dot_tile<r, 4> }
static_assert(kDr == 8 && kDs == 4, "the dot-tile table below lists 1..8 x 1..4");
const DotTileFn kDot[kDr][kDs] = {INKSTONE_DOT_ROW(1), INKSTONE_DOT_ROW(2), INKSTONE_DOT_ROW(3),
                                  INKSTONE_DOT_ROW(4), INKSTONE_DOT_ROW(5), INKSTONE_DOT_ROW(6),
                                  INKSTONE_DOT_ROW(7), INKSTONE_DOT_ROW(8)};
#undef INKSTONE_DOT_ROW

}  // namespace

void pack_a_avx512(int trans, const float* a, int64_t lda, int mc, int kc, float* dst) {
  for (int ir = 0; ir < mc; ir += kMr) {
    const int rows = min_int(kMr, mc - ir);
    float* panel = dst + static_cast<int64_t>(ir / kMr) * kAld * kc;
    if (trans) {
      // Row p of the stored A holds the panel's rows side by side: a straight copy.
      const __mmask16 rmask = low_mask(rows);
      const float* src = a + ir;
      for (int p = 0; p < kc; ++p) {
        _mm512_store_ps(panel + p * kAld, _mm512_maskz_loadu_ps(rmask, src + p * lda));
      }
      continue;
    }
    // Rows of A run along p: transpose 16 x 16 blocks (rows past the panel read as zero).
    const float* src = a + ir * lda;
    __m512 r[16];
    int p = 0;
    if (rows == kMr) {
      for (; p + 16 <= kc; p += 16) {
        load_transposed_full<kMr>(src + p, lda, r);
#pragma GCC unroll 16
        for (int q = 0; q < 16; ++q) _mm512_store_ps(panel + (p + q) * kAld, r[q]);
      }
    }
    for (; p < kc; p += 16) {
      const int count = min_int(16, kc - p);
      load_transposed(src + p, lda, rows, count, r);
      for (int q = 0; q < count; ++q) _mm512_store_ps(panel + (p + q) * kAld, r[q]);
    }
  }
}

void pack_b_avx512(int trans, const float* b, int64_t ldb, int kc, int nc, float* dst) {
  if (!trans) {
    // Row by row of B (long sequential reads), each row scattered over the panels.
    const int full = nc / kNr * kNr;
    for (int p = 0; p < kc; ++p) {
      const float* s = b + p * ldb;
      float* d = dst + p * kNr;
      for (int jr = 0; jr < full; jr += kNr) {
        float* out = d + static_cast<int64_t>(jr) * kc;
        _mm512_store_ps(out, _mm512_loadu_ps(s + jr));
        _mm512_store_ps(out + 16, _mm512_loadu_ps(s + jr + 16));
      }
      if (full < nc) {
        float* out = d + static_cast<int64_t>(full) * kc;
        const int cols = nc - full;
        _mm512_store_ps(out, _mm512_maskz_loadu_ps(low_mask(cols), s + full));
        _mm512_store_ps(out + 16, _mm512_maskz_loadu_ps(low_mask(cols - 16), s + full + 16));
      }
    }
    return;
  }
  // Column j of op(B) is row j of the stored B: transpose 16 x 16 blocks.
  for (int jr = 0; jr < nc; jr += kNr) {
    const int cols = min_int(kNr, nc - jr);
    float* panel = dst + static_cast<int64_t>(jr) * kc;
    for (int g = 0; g < kNv; ++g) {
      const int rows = cols - 16 * g;
      float* out = panel + 16 * g;
      if (rows <= 0) {
        for (int p = 0; p < kc; ++p) _mm512_store_ps(out + p * kNr, _mm512_setzero_ps());
        continue;
      }
      const float* src = b + (jr + 16 * g) * ldb;
      __m512 r[16];
      int p = 0;
      if (rows >= 16) {
        for (; p + 16 <= kc; p += 16) {
          load_transposed_full<16>(src + p, ldb, r);
#pragma GCC unroll 16
          for (int q = 0; q < 16; ++q) _mm512_store_ps(out + (p + q) * kNr, r[q]);
        }
      }
      for (; p < kc; p += 16) {
        const int count = min_int(16, kc - p);
        load_transposed(src + p, ldb, min_int(rows, 16), count, r);
        for (int q = 0; q < count; ++q) _mm512_store_ps(out + (p + q) * kNr, r[q]);
      }
    }
  }
}

void block_avx512(const BlockArgs& g) {
  for (int jr = 0; jr < g.nc; jr += kNr) {
    const int nr = min_int(kNr, g.nc - jr);
    const int nv = (nr + 15) / 16;
    const float* bp;
    int64_t b_ld;
    if (g.b_packed) {
      bp = g.b + static_cast<int64_t>(jr) * g.kc;
      b_ld = kNr;
    } else if (nr == kNr) {
      bp = g.b + jr;
      b_ld = g.b_ld;
    } else {
      bp = g.b_edge;
      b_ld = kNr;
    }
    for (int ir = 0; ir < g.mc; ir += kMr) {
      const int mr = min_int(kMr, g.mc - ir);
      const float* ap = g.a + static_cast<int64_t>(ir / kMr) * kAld * g.kc;
      float* cp = g.c_trans ? g.c + jr * g.ldc + ir : g.c + ir * g.ldc + jr;
      // The first row tile of a panel read in place prefetches the next panel into L2.
      const float* pf = !g.b_packed && ir == 0 ? g.b + jr + kNr : nullptr;
      kMicro[mr - 1][nv - 1](g.kc, ap, kAld, bp, b_ld, cp, g.ldc, g.c_trans, g.alpha, g.beta, nr,
                             pf);
    }
  }
}

void dot_block_avx512(const DotArgs& d) {
  // Row tiles outside (their A rows stay in L1), column tiles inside (B rows from L2).
  for (int i = 0; i < d.mc; i += d.tile_rows) {
    const int rows = min_int(d.tile_rows, d.mc - i);
    for (int j = 0; j < d.nc; j += d.tile_cols) {
      const int cols = min_int(d.tile_cols, d.nc - j);
      kDot[rows - 1][cols - 1](d.kc, d.a + i * d.lda, d.lda, d.b + j * d.ldb, d.ldb,
                               d.c + i * d.ldc + j, d.ldc, d.alpha, d.beta);
    }
  }
}

}  // namespace inkstone::kernels::gemm_detail
