// 2x2 / stride-2 max pool row kernel for AVX-512: 16 outputs per step, masked tails.
// Only <immintrin.h> and a declarations-only header: see the ODR note in activations_impl.hpp.
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"  // GCC 12 intrinsics' false positive
#pragma GCC diagnostic ignored "-Wuninitialized"
#include <immintrin.h>

#include <cstdint>

#include "kernels/pool_kernels.hpp"

namespace inkstone::kernels {

namespace {

// Lanes [0, n) for n clamped to [0, 16].
inline __mmask16 first_lanes(int32_t n) {
  if (n >= 16) return 0xffff;
  if (n <= 0) return 0;
  return static_cast<__mmask16>((1u << n) - 1u);
}

// Takes v where best is not NaN and !(v <= best): v > best, or v is NaN.
inline void take(__m512 v, __m512i vi, __m512& best, __m512i& bi) {
  const __mmask16 ordered = _mm512_cmp_ps_mask(best, best, _CMP_ORD_Q);
  const __mmask16 t = _mm512_mask_cmp_ps_mask(ordered, v, best, _CMP_NLE_UQ);
  best = _mm512_mask_mov_ps(best, t, v);
  bi = _mm512_mask_mov_epi32(bi, t, vi);
}

}  // namespace

void maxpool2x2_row_avx512(const float* plane, int32_t row0, int32_t w, int32_t out_w, float* y,
                           int32_t* arg) {
  const float* r0 = plane + row0;
  const float* r1 = r0 + w;
  const __m512i even = _mm512_setr_epi32(0, 2, 4, 6, 8, 10, 12, 14, 16, 18, 20, 22, 24, 26, 28, 30);
  const __m512i odd = _mm512_add_epi32(even, _mm512_set1_epi32(1));
  for (int32_t j = 0; j < out_w; j += 16) {
    const int32_t n = out_w - j;  // outputs left (16 or fewer are done here)
    const __mmask16 lo = first_lanes(2 * n), hi = first_lanes(2 * n - 16), out = first_lanes(n);
    const __m512 a0 = _mm512_maskz_loadu_ps(lo, r0 + 2 * j);
    const __m512 a1 = _mm512_maskz_loadu_ps(hi, r0 + 2 * j + 16);
    const __m512 b0 = _mm512_maskz_loadu_ps(lo, r1 + 2 * j);
    const __m512 b1 = _mm512_maskz_loadu_ps(hi, r1 + 2 * j + 16);
    const __m512i i00 = _mm512_add_epi32(_mm512_set1_epi32(row0 + 2 * j), even);
    __m512 best = _mm512_permutex2var_ps(a0, even, a1);
    __m512i bi = i00;
    take(_mm512_permutex2var_ps(a0, odd, a1), _mm512_add_epi32(i00, _mm512_set1_epi32(1)), best,
         bi);
    take(_mm512_permutex2var_ps(b0, even, b1), _mm512_add_epi32(i00, _mm512_set1_epi32(w)), best,
         bi);
    take(_mm512_permutex2var_ps(b0, odd, b1), _mm512_add_epi32(i00, _mm512_set1_epi32(w + 1)), best,
         bi);
    _mm512_mask_storeu_ps(y + j, out, best);
    _mm512_mask_storeu_epi32(arg + j, out, bi);
  }
}

}  // namespace inkstone::kernels
