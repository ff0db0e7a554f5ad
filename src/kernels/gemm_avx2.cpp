// AVX2 + FMA packing and micro-kernels of the GEMM (driver and data layouts: gemm.cpp,
// gemm_internal.hpp). Register tile 6 x 16: 12 ymm accumulators, two ymm rows of B and one
// broadcast element of A. Each step p performs  acc[i][j] += A[i][p] * B[p][j]  (one FMA, p
// ascending), then the tile folds  C = alpha * acc + beta * C  (beta == 0: C is not read).
// Compiled with AVX2/FMA flags: only <immintrin.h>/<cstdint> and file-local functions here.
#include <immintrin.h>

#include <cstdint>

#include "kernels/gemm_internal.hpp"

namespace inkstone::kernels::gemm_detail {
namespace {

constexpr int kAld = kAldAvx2;
constexpr int kMr = kMrAvx2;
constexpr int kNr = kNrAvx2;
constexpr int kNv = kNr / 8;  // ymm vectors per tile row

int min_int(int x, int y) {
  return x < y ? x : y;
}

// In-place transpose of an 8 x 8 block held in 8 ymm rows: r[j] lane i  <-  old r[i] lane j.
void transpose8(__m256 (&r)[8]) {
  __m256 t[8];
  for (int i = 0; i < 4; ++i) {
    t[2 * i] = _mm256_unpacklo_ps(r[2 * i], r[2 * i + 1]);
    t[2 * i + 1] = _mm256_unpackhi_ps(r[2 * i], r[2 * i + 1]);
  }
  // u[4h + c], 128-bit lane l = rows 4h..4h+3 of column 4l + c.
  __m256 u[8];
  for (int h = 0; h < 2; ++h) {
    u[4 * h] = _mm256_shuffle_ps(t[4 * h], t[4 * h + 2], 0x44);
    u[4 * h + 1] = _mm256_shuffle_ps(t[4 * h], t[4 * h + 2], 0xEE);
    u[4 * h + 2] = _mm256_shuffle_ps(t[4 * h + 1], t[4 * h + 3], 0x44);
    u[4 * h + 3] = _mm256_shuffle_ps(t[4 * h + 1], t[4 * h + 3], 0xEE);
  }
  for (int c = 0; c < 4; ++c) {
    r[c] = _mm256_permute2f128_ps(u[c], u[4 + c], 0x20);
    r[4 + c] = _mm256_permute2f128_ps(u[c], u[4 + c], 0x31);
  }
}

// Loads `rows` rows (the rest zero) of `count` consecutive floats (the rest zero) at src,
// row stride ld, and transposes them: r[q] lane i = src[i * ld + q].
void load_transposed(const float* src, int64_t ld, int rows, int count, __m256 (&r)[8]) {
  for (int i = 0; i < 8; ++i) {
    if (i >= rows) {
      r[i] = _mm256_setzero_ps();
    } else if (count == 8) {
      r[i] = _mm256_loadu_ps(src + i * ld);
    } else {
      alignas(32) float tmp[8] = {};
      for (int q = 0; q < count; ++q) tmp[q] = src[i * ld + q];
      r[i] = _mm256_load_ps(tmp);
    }
  }
  transpose8(r);
}

// alpha * acc + beta * old with the same operation order as the AVX-512 path.
__attribute__((always_inline)) inline __m256 fold(__m256 acc, __m256 old, __m256 va, __m256 vb,
                                                  float beta) {
  if (beta == 0.0f) return _mm256_mul_ps(va, acc);
  if (beta == 1.0f) return _mm256_fmadd_ps(va, acc, old);
  return _mm256_fmadd_ps(va, acc, _mm256_mul_ps(vb, old));
}

template <int MR, int NV>
__attribute__((always_inline)) inline void store_tile(__m256 (&acc)[MR][NV], float* c, int64_t ldc,
                                                      int c_trans, float alpha, float beta,
                                                      int nr) {
  const __m256 va = _mm256_set1_ps(alpha);
  const __m256 vb = _mm256_set1_ps(beta);
  if (!c_trans && nr == 8 * NV) {
    // Full tile: straight vector loads and stores (indices stay compile-time constants, so the
    // accumulators never leave the registers).
#pragma GCC unroll 8
    for (int i = 0; i < MR; ++i) {
#pragma GCC unroll 4
      for (int v = 0; v < NV; ++v) {
        float* cp = c + i * ldc + 8 * v;
        const __m256 old = beta == 0.0f ? _mm256_setzero_ps() : _mm256_loadu_ps(cp);
        _mm256_storeu_ps(cp, fold(acc[i][v], old, va, vb, beta));
      }
    }
    return;
  }
  // Partial tile or transposed C: fold through a buffer.
  alignas(32) float tile[MR][NV * 8];
  alignas(32) float old[MR][NV * 8] = {};
#pragma GCC unroll 8
  for (int i = 0; i < MR; ++i) {
#pragma GCC unroll 4
    for (int v = 0; v < NV; ++v) _mm256_store_ps(&tile[i][8 * v], acc[i][v]);
  }
  for (int i = 0; i < MR; ++i) {
    float* row = c_trans ? c + i : c + i * ldc;
    const int64_t step = c_trans ? ldc : 1;
    if (beta != 0.0f) {
      for (int j = 0; j < nr; ++j) old[i][j] = row[j * step];
    }
    for (int v = 0; v < NV; ++v) {
      const __m256 r =
          fold(_mm256_load_ps(&tile[i][8 * v]), _mm256_load_ps(&old[i][8 * v]), va, vb, beta);
      _mm256_store_ps(&tile[i][8 * v], r);
    }
    for (int j = 0; j < nr; ++j) row[j * step] = tile[i][j];
  }
}

// One MR x (8 * NV) tile over kc steps: A element (i, p) at a[p * a_ld + i], B row p at
// b + p * b_ld (8 * NV floats, all readable), C as in store_tile. pf (optional) walks the rows of
// a B panel needed soon, which are prefetched into L2.
template <int MR, int NV>
void micro(int kc, const float* a, int64_t a_ld, const float* b, int64_t b_ld, float* c,
           int64_t ldc, int c_trans, float alpha, float beta, int nr, const float* pf) {
  __m256 acc[MR][NV];
#pragma GCC unroll 8
  for (int i = 0; i < MR; ++i) {
#pragma GCC unroll 4
    for (int v = 0; v < NV; ++v) acc[i][v] = _mm256_setzero_ps();
  }
  // Step p: acc[i][v] += A[i][p] * B[p][8v .. 8v+7].
  auto step = [&](const float* ap, const float* bp) __attribute__((always_inline)) {
    __m256 bv[NV];
#pragma GCC unroll 4
    for (int v = 0; v < NV; ++v) bv[v] = _mm256_loadu_ps(bp + 8 * v);
#pragma GCC unroll 8
    for (int i = 0; i < MR; ++i) {
      const __m256 ai = _mm256_broadcast_ss(ap + i);
#pragma GCC unroll 4
      for (int v = 0; v < NV; ++v) acc[i][v] = _mm256_fmadd_ps(ai, bv[v], acc[i][v]);
    }
  };
  if (pf != nullptr) {
    for (int p = 0; p < kc; ++p) {
      _mm_prefetch(reinterpret_cast<const char*>(pf), _MM_HINT_T1);
      _mm_prefetch(reinterpret_cast<const char*>(pf + 8 * NV - 1), _MM_HINT_T1);
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
static_assert(kMr == 6, "the micro-kernel table below lists 1..6 rows");
const MicroFn kMicro[kMr][kNv] = {INKSTONE_GEMM_ROW(1), INKSTONE_GEMM_ROW(2), INKSTONE_GEMM_ROW(3),
                                  INKSTONE_GEMM_ROW(4), INKSTONE_GEMM_ROW(5), INKSTONE_GEMM_ROW(6)};
#undef INKSTONE_GEMM_ROW

}  // namespace

void pack_a_avx2(int trans, const float* a, int64_t lda, int mc, int kc, float* dst) {
  for (int ir = 0; ir < mc; ir += kMr) {
    const int rows = min_int(kMr, mc - ir);
    float* panel = dst + static_cast<int64_t>(ir / kMr) * kAld * kc;
    if (trans) {
      const float* src = a + ir;
      for (int p = 0; p < kc; ++p) {
        for (int i = 0; i < rows; ++i) panel[p * kAld + i] = src[p * lda + i];
      }
    } else {
      // Transpose 8 x 8 blocks (rows past the panel read as zero).
      const float* src = a + ir * lda;
      __m256 r[8];
      for (int p = 0; p < kc; p += 8) {
        const int count = min_int(8, kc - p);
        load_transposed(src + p, lda, rows, count, r);
        for (int q = 0; q < count; ++q) _mm256_store_ps(panel + (p + q) * kAld, r[q]);
      }
    }
  }
}

void pack_b_avx2(int trans, const float* b, int64_t ldb, int kc, int nc, float* dst) {
  for (int jr = 0; jr < nc; jr += kNr) {
    const int cols = min_int(kNr, nc - jr);
    float* panel = dst + static_cast<int64_t>(jr) * kc;
    if (!trans) {
      const float* src = b + jr;
      for (int p = 0; p < kc; ++p) {
        const float* s = src + p * ldb;
        float* d = panel + p * kNr;
        if (cols == kNr) {
          _mm256_store_ps(d, _mm256_loadu_ps(s));
          _mm256_store_ps(d + 8, _mm256_loadu_ps(s + 8));
        } else {
          for (int j = 0; j < kNr; ++j) d[j] = j < cols ? s[j] : 0.0f;
        }
      }
    } else {
      for (int g = 0; g < kNv; ++g) {
        const int rows = cols - 8 * g;
        float* out = panel + 8 * g;
        if (rows <= 0) {
          for (int p = 0; p < kc; ++p) _mm256_store_ps(out + p * kNr, _mm256_setzero_ps());
          continue;
        }
        const float* src = b + (jr + 8 * g) * ldb;
        __m256 r[8];
        for (int p = 0; p < kc; p += 8) {
          const int count = min_int(8, kc - p);
          load_transposed(src + p, ldb, min_int(rows, 8), count, r);
          for (int q = 0; q < count; ++q) _mm256_store_ps(out + (p + q) * kNr, r[q]);
        }
      }
    }
  }
}

void block_avx2(const BlockArgs& g) {
  for (int jr = 0; jr < g.nc; jr += kNr) {
    const int nr = min_int(kNr, g.nc - jr);
    const int nv = (nr + 7) / 8;
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

}  // namespace inkstone::kernels::gemm_detail
