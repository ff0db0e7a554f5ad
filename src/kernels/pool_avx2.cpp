// 2x2 / stride-2 max pool row kernel for AVX2: 8 outputs per step, masked tails.
// Only <immintrin.h> and a declarations-only header: see the ODR note in activations_impl.hpp.
#include <immintrin.h>

#include <cstdint>

#include "kernels/pool_kernels.hpp"

namespace inkstone::kernels {

namespace {

// All-ones in lanes [0, n).
inline __m256i first_lanes(int32_t n) {
  return _mm256_cmpgt_epi32(_mm256_set1_epi32(n), _mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7));
}

// The even / odd elements of the 16 floats a0:a1, in order.
inline __m256 even_of(__m256 a0, __m256 a1) {
  const __m256 s = _mm256_shuffle_ps(a0, a1, _MM_SHUFFLE(2, 0, 2, 0));
  return _mm256_castpd_ps(_mm256_permute4x64_pd(_mm256_castps_pd(s), _MM_SHUFFLE(3, 1, 2, 0)));
}
inline __m256 odd_of(__m256 a0, __m256 a1) {
  const __m256 s = _mm256_shuffle_ps(a0, a1, _MM_SHUFFLE(3, 1, 3, 1));
  return _mm256_castpd_ps(_mm256_permute4x64_pd(_mm256_castps_pd(s), _MM_SHUFFLE(3, 1, 2, 0)));
}

// Takes v where best is not NaN and !(v <= best): v > best, or v is NaN.
inline void take(__m256 v, __m256i vi, __m256& best, __m256i& bi) {
  const __m256 t =
      _mm256_and_ps(_mm256_cmp_ps(best, best, _CMP_ORD_Q), _mm256_cmp_ps(v, best, _CMP_NLE_UQ));
  best = _mm256_blendv_ps(best, v, t);
  bi = _mm256_castps_si256(_mm256_blendv_ps(_mm256_castsi256_ps(bi), _mm256_castsi256_ps(vi), t));
}

}  // namespace

void maxpool2x2_row_avx2(const float* plane, int32_t row0, int32_t w, int32_t out_w, float* y,
                         int32_t* arg) {
  const float* r0 = plane + row0;
  const float* r1 = r0 + w;
  const __m256i step = _mm256_setr_epi32(0, 2, 4, 6, 8, 10, 12, 14);
  for (int32_t j = 0; j < out_w; j += 8) {
    const int32_t n = out_w - j;  // outputs left (8 or fewer are done here)
    __m256 a0, a1, b0, b1;
    if (n >= 8) {
      a0 = _mm256_loadu_ps(r0 + 2 * j);
      a1 = _mm256_loadu_ps(r0 + 2 * j + 8);
      b0 = _mm256_loadu_ps(r1 + 2 * j);
      b1 = _mm256_loadu_ps(r1 + 2 * j + 8);
    } else {
      const __m256i lo = first_lanes(2 * n), hi = first_lanes(2 * n - 8);
      a0 = _mm256_maskload_ps(r0 + 2 * j, lo);
      a1 = _mm256_maskload_ps(r0 + 2 * j + 8, hi);
      b0 = _mm256_maskload_ps(r1 + 2 * j, lo);
      b1 = _mm256_maskload_ps(r1 + 2 * j + 8, hi);
    }
    const __m256i i00 = _mm256_add_epi32(_mm256_set1_epi32(row0 + 2 * j), step);
    __m256 best = even_of(a0, a1);
    __m256i bi = i00;
    take(odd_of(a0, a1), _mm256_add_epi32(i00, _mm256_set1_epi32(1)), best, bi);
    take(even_of(b0, b1), _mm256_add_epi32(i00, _mm256_set1_epi32(w)), best, bi);
    take(odd_of(b0, b1), _mm256_add_epi32(i00, _mm256_set1_epi32(w + 1)), best, bi);
    if (n >= 8) {
      _mm256_storeu_ps(y + j, best);
      _mm256_storeu_si256(reinterpret_cast<__m256i*>(arg + j), bi);
    } else {
      const __m256i out = first_lanes(n);
      _mm256_maskstore_ps(y + j, out, best);
      _mm256_maskstore_epi32(arg + j, out, bi);
    }
  }
}

}  // namespace inkstone::kernels
