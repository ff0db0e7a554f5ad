// Private: SIMD bodies of the activation kernels, written once against a small vector wrapper and
// compiled twice: by activations_avx512.cpp (16 lanes) and activations_avx2.cpp (8 lanes), each
// defining INK_ACT_TABLE (the name of the exported kernel table) before including this file.
// ODR safety: this header includes only <immintrin.h>, <cstdint> and a declarations-only header;
// everything here lives in an anonymous namespace, so no inline function compiled with AVX flags
// can be merged with a copy used by scalar code.
#pragma once
// GCC 12's AVX-512 intrinsics initialize "undefined" vectors from themselves, which trips
// -Wmaybe-uninitialized / -Wuninitialized after inlining: a known false positive there.
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"
#pragma GCC diagnostic ignored "-Wuninitialized"
#include <immintrin.h>

#include <cstdint>

#include "kernels/activations_kernels.hpp"

#ifndef INK_ACT_TABLE
#error "define INK_ACT_TABLE before including activations_impl.hpp"
#endif

namespace inkstone::kernels {
namespace {

// ---------------------------------------------------------------------------------------------
// Vector wrapper: V (kW floats), M (lane mask), loads/stores with masked tails, arithmetic.
// ---------------------------------------------------------------------------------------------
#if defined(__AVX512F__)
constexpr int64_t kW = 16;
using V = __m512;
using VI = __m512i;
using M = __mmask16;
inline M tail_mask(int64_t n) {  // lanes [0, n), 0 < n < 16
  return static_cast<M>((1u << n) - 1u);
}
inline V load(const float* p) {
  return _mm512_loadu_ps(p);
}
inline V load_tail(const float* p, M m, V fill) {
  return _mm512_mask_loadu_ps(fill, m, p);
}
inline void store(float* p, V v) {
  _mm512_storeu_ps(p, v);
}
inline void store_tail(float* p, M m, V v) {
  _mm512_mask_storeu_ps(p, m, v);
}
inline V set1(float a) {
  return _mm512_set1_ps(a);
}
inline V add(V a, V b) {
  return _mm512_add_ps(a, b);
}
inline V sub(V a, V b) {
  return _mm512_sub_ps(a, b);
}
inline V mul(V a, V b) {
  return _mm512_mul_ps(a, b);
}
inline V div(V a, V b) {
  return _mm512_div_ps(a, b);
}
inline V vmin(V a, V b) {
  return _mm512_min_ps(a, b);
}  // b if either is NaN
inline V vmax(V a, V b) {
  return _mm512_max_ps(a, b);
}  // b if either is NaN
inline V fmadd(V a, V b, V c) {
  return _mm512_fmadd_ps(a, b, c);
}  // a*b + c
inline V fnmadd(V a, V b, V c) {
  return _mm512_fnmadd_ps(a, b, c);
}  // c - a*b
inline V vand(V a, V b) {
  return _mm512_and_ps(a, b);
}
inline V vor(V a, V b) {
  return _mm512_or_ps(a, b);
}
inline M cmp_gt(V a, V b) {
  return _mm512_cmp_ps_mask(a, b, _CMP_GT_OQ);
}
inline M cmp_lt(V a, V b) {
  return _mm512_cmp_ps_mask(a, b, _CMP_LT_OQ);
}
inline V select(M m, V a, V b) {
  return _mm512_mask_blend_ps(m, b, a);
}  // m ? a : b
inline V round_nearest(V v) {
  return _mm512_roundscale_ps(v, _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC);
}
// 2^n for integral n in [-126, 127] given as floats: exponent bits (n + 127) << 23.
inline V pow2i(VI n) {
  return _mm512_castsi512_ps(_mm512_slli_epi32(_mm512_add_epi32(n, _mm512_set1_epi32(127)), 23));
}
inline VI to_int(V v) {
  return _mm512_cvtps_epi32(v);
}
inline VI half_floor(VI n) {
  return _mm512_srai_epi32(n, 1);
}
inline VI isub(VI a, VI b) {
  return _mm512_sub_epi32(a, b);
}
inline float hsum(V v) {
  return _mm512_reduce_add_ps(v);
}
inline float hmax(V v) {
  return _mm512_reduce_max_ps(v);
}
#else
constexpr int64_t kW = 8;
using V = __m256;
using VI = __m256i;
using M = __m256;                // all-ones lanes are selected
inline M tail_mask(int64_t n) {  // lanes [0, n), 0 < n < 8
  const __m256i lane = _mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7);
  return _mm256_castsi256_ps(_mm256_cmpgt_epi32(_mm256_set1_epi32(static_cast<int>(n)), lane));
}
inline V load(const float* p) {
  return _mm256_loadu_ps(p);
}
inline V load_tail(const float* p, M m, V fill) {
  return _mm256_blendv_ps(fill, _mm256_maskload_ps(p, _mm256_castps_si256(m)), m);
}
inline void store(float* p, V v) {
  _mm256_storeu_ps(p, v);
}
inline void store_tail(float* p, M m, V v) {
  _mm256_maskstore_ps(p, _mm256_castps_si256(m), v);
}
inline V set1(float a) {
  return _mm256_set1_ps(a);
}
inline V add(V a, V b) {
  return _mm256_add_ps(a, b);
}
inline V sub(V a, V b) {
  return _mm256_sub_ps(a, b);
}
inline V mul(V a, V b) {
  return _mm256_mul_ps(a, b);
}
inline V div(V a, V b) {
  return _mm256_div_ps(a, b);
}
inline V vmin(V a, V b) {
  return _mm256_min_ps(a, b);
}  // b if either is NaN
inline V vmax(V a, V b) {
  return _mm256_max_ps(a, b);
}  // b if either is NaN
inline V fmadd(V a, V b, V c) {
  return _mm256_fmadd_ps(a, b, c);
}  // a*b + c
inline V fnmadd(V a, V b, V c) {
  return _mm256_fnmadd_ps(a, b, c);
}  // c - a*b
inline V vand(V a, V b) {
  return _mm256_and_ps(a, b);
}
inline V vor(V a, V b) {
  return _mm256_or_ps(a, b);
}
inline M cmp_gt(V a, V b) {
  return _mm256_cmp_ps(a, b, _CMP_GT_OQ);
}
inline M cmp_lt(V a, V b) {
  return _mm256_cmp_ps(a, b, _CMP_LT_OQ);
}
inline V select(M m, V a, V b) {
  return _mm256_blendv_ps(b, a, m);
}  // m ? a : b
inline V round_nearest(V v) {
  return _mm256_round_ps(v, _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC);
}
inline V pow2i(VI n) {
  return _mm256_castsi256_ps(_mm256_slli_epi32(_mm256_add_epi32(n, _mm256_set1_epi32(127)), 23));
}
inline VI to_int(V v) {
  return _mm256_cvtps_epi32(v);
}
inline VI half_floor(VI n) {
  return _mm256_srai_epi32(n, 1);
}
inline VI isub(VI a, VI b) {
  return _mm256_sub_epi32(a, b);
}
inline float hsum(V v) {
  __m128 s = _mm_add_ps(_mm256_castps256_ps128(v), _mm256_extractf128_ps(v, 1));
  s = _mm_add_ps(s, _mm_movehl_ps(s, s));
  s = _mm_add_ss(s, _mm_shuffle_ps(s, s, 1));
  return _mm_cvtss_f32(s);
}
inline float hmax(V v) {
  __m128 s = _mm_max_ps(_mm256_castps256_ps128(v), _mm256_extractf128_ps(v, 1));
  s = _mm_max_ps(s, _mm_movehl_ps(s, s));
  s = _mm_max_ss(s, _mm_shuffle_ps(s, s, 1));
  return _mm_cvtss_f32(s);
}
#endif

inline V zero() {
  return set1(0.0f);
}
inline V bits(uint32_t u) {
  return set1(__builtin_bit_cast(float, u));
}
constexpr float kInf = __builtin_inff();

// ---------------------------------------------------------------------------------------------
// e^x. Range reduction x = n ln2 + r, |r| <= ln2/2 (n = round(x log2 e); ln2 split in a float
// head and tail so that r is nearly exact with FMA), e^r by its degree-7 Taylor polynomial
// (truncation < 6e-9 relative), then the result scaled by 2^n = 2^(n/2 floor) * 2^(n - that),
// two factors so that n in [-159, 128] needs no special cases: results below FLT_MIN become
// denormals or 0, x > ln(FLT_MAX) gives +inf. x is first clamped to [-110, 89] (e^-110 rounds
// to 0, e^89 overflows to +inf); the clamp keeps NaN, which then propagates.
// ---------------------------------------------------------------------------------------------
inline V exp_v(V x) {
  x = vmax(set1(-110.0f), vmin(set1(89.0f), x));
  const V n = round_nearest(mul(x, set1(1.44269504088896341f)));
  V r = fnmadd(n, set1(0.693145751953125f), x);  // ln2 head: exact product with n
  r = fnmadd(n, set1(1.42860682030941723e-6f), r);
  V p = set1(1.0f / 5040.0f);
  p = fmadd(p, r, set1(1.0f / 720.0f));
  p = fmadd(p, r, set1(1.0f / 120.0f));
  p = fmadd(p, r, set1(1.0f / 24.0f));
  p = fmadd(p, r, set1(1.0f / 6.0f));
  p = fmadd(p, r, set1(0.5f));
  p = fmadd(p, r, set1(1.0f));
  p = fmadd(p, r, set1(1.0f));
  const VI ni = to_int(n);
  const VI n1 = half_floor(ni);
  return mul(mul(p, pow2i(n1)), pow2i(isub(ni, n1)));
}

// 1 / (1 + e^-x)
inline V sigmoid_v(V x) {
  const V one = set1(1.0f);
  return div(one, add(one, exp_v(sub(zero(), x))));
}

// tanh x = sign(x) * (1 - e^-2|x|) / (1 + e^-2|x|); for |x| < 0.4, where 1 - e^-2|x| loses
// digits, its Taylor series a - a^3/3 + 2a^5/15 - 17a^7/315 + 62a^9/2835 - 1382a^11/155925
// + 21844a^13/6081075 (truncation < 5e-9 relative).
inline V tanh_v(V x) {
  const V a = vand(x, bits(0x7fffffffu));
  const V sign = vand(x, bits(0x80000000u));
  const V one = set1(1.0f);
  const V e = exp_v(mul(a, set1(-2.0f)));
  const V t = div(sub(one, e), add(one, e));
  const V a2 = mul(a, a);
  V q = set1(21844.0f / 6081075.0f);
  q = fmadd(q, a2, set1(-1382.0f / 155925.0f));
  q = fmadd(q, a2, set1(62.0f / 2835.0f));
  q = fmadd(q, a2, set1(-17.0f / 315.0f));
  q = fmadd(q, a2, set1(2.0f / 15.0f));
  q = fmadd(q, a2, set1(-1.0f / 3.0f));
  const V poly = fmadd(mul(q, a2), a, a);  // a + a^3 q
  return vor(select(cmp_lt(a, set1(0.4f)), poly, t), sign);
}

// y[i] = f(x[i])
template <typename F>
inline void map1(int64_t n, const float* x, float* y, F f) {
  int64_t i = 0;
  for (; i + kW <= n; i += kW) store(y + i, f(load(x + i)));
  if (i < n) {
    const M m = tail_mask(n - i);
    store_tail(y + i, m, f(load_tail(x + i, m, zero())));
  }
}

// z[i] = f(a[i], b[i])
template <typename F>
inline void map2(int64_t n, const float* a, const float* b, float* z, F f) {
  int64_t i = 0;
  for (; i + kW <= n; i += kW) store(z + i, f(load(a + i), load(b + i)));
  if (i < n) {
    const M m = tail_mask(n - i);
    store_tail(z + i, m, f(load_tail(a + i, m, zero()), load_tail(b + i, m, zero())));
  }
}

// ---------------------------------------------------------------------------------------------
// The kernels (formulas in include/inkstone/kernels/activations.hpp).
// ---------------------------------------------------------------------------------------------
void relu_forward(int64_t n, const float* x, float* y) {
  map1(n, x, y, [](V v) { return vmax(zero(), v); });  // x < 0 ? 0 : x (NaN and -0 kept)
}
void relu_backward(int64_t n, const float* y, const float* dy, float* dx) {
  map2(n, y, dy, dx, [](V yv, V g) { return select(cmp_gt(yv, zero()), g, zero()); });
}
void leaky_relu_forward(int64_t n, float alpha, const float* x, float* y) {
  const V va = set1(alpha);
  map1(n, x, y, [va](V v) { return select(cmp_gt(v, zero()), v, mul(va, v)); });
}
void leaky_relu_backward(int64_t n, float alpha, const float* x, const float* dy, float* dx) {
  const V va = set1(alpha);
  map2(n, x, dy, dx, [va](V xv, V g) { return select(cmp_gt(xv, zero()), g, mul(g, va)); });
}
void sigmoid_forward(int64_t n, const float* x, float* y) {
  map1(n, x, y, [](V v) { return sigmoid_v(v); });
}
void sigmoid_backward(int64_t n, const float* y, const float* dy, float* dx) {
  // dy * y * (1 - y)
  map2(n, y, dy, dx, [](V yv, V g) { return mul(mul(g, yv), sub(set1(1.0f), yv)); });
}
void tanh_forward(int64_t n, const float* x, float* y) {
  map1(n, x, y, [](V v) { return tanh_v(v); });
}
void tanh_backward(int64_t n, const float* y, const float* dy, float* dx) {
  // dy * (1 - y^2)
  map2(n, y, dy, dx, [](V yv, V g) { return mul(g, sub(set1(1.0f), mul(yv, yv))); });
}
void exp_forward(int64_t n, const float* x, float* y) {
  map1(n, x, y, [](V v) { return exp_v(v); });
}

void add_bias_cols(int64_t rows, int64_t cols, const float* bias, float* y) {
  for (int64_t r = 0; r < rows; ++r) {
    float* row = y + r * cols;
    map2(cols, row, bias, row, [](V a, V b) { return add(a, b); });
  }
}

void sum_rows(int64_t rows, int64_t cols, int64_t ld, const float* dy, float* db) {
  int64_t c = 0;
  for (; c + kW <= cols; c += kW) {
    V acc = zero();
    for (int64_t r = 0; r < rows; ++r) acc = add(acc, load(dy + r * ld + c));
    store(db + c, add(load(db + c), acc));
  }
  if (c < cols) {
    const M m = tail_mask(cols - c);
    V acc = zero();
    for (int64_t r = 0; r < rows; ++r) acc = add(acc, load_tail(dy + r * ld + c, m, zero()));
    store_tail(db + c, m, add(load_tail(db + c, m, zero()), acc));
  }
}

float row_max(int64_t n, const float* x) {
  V m = set1(-kInf);
  int64_t i = 0;
  for (; i + kW <= n; i += kW) m = vmax(m, load(x + i));
  if (i < n) m = vmax(m, load_tail(x + i, tail_mask(n - i), set1(-kInf)));
  return hmax(m);
}

// Writes e^(x - mx) to y (may be null) and returns the sum.
float row_exp_sum(int64_t n, const float* x, float mx, float* y) {
  const V vm = set1(mx);
  V acc = zero();
  int64_t i = 0;
  for (; i + kW <= n; i += kW) {
    const V e = exp_v(sub(load(x + i), vm));
    if (y != nullptr) store(y + i, e);
    acc = add(acc, e);
  }
  if (i < n) {
    const M m = tail_mask(n - i);
    const V e = select(m, exp_v(sub(load_tail(x + i, m, vm), vm)), zero());
    if (y != nullptr) store_tail(y + i, m, e);
    acc = add(acc, e);
  }
  return hsum(acc);
}

void softmax_rows(int64_t rows, int64_t cols, const float* x, float* y) {
  for (int64_t r = 0; r < rows; ++r) {
    const float* xr = x + r * cols;
    float* yr = y + r * cols;
    const float mx = row_max(cols, xr);
    const V inv = set1(1.0f / row_exp_sum(cols, xr, mx, yr));
    map1(cols, yr, yr, [inv](V v) { return mul(v, inv); });
  }
}

void softmax_backward_rows(int64_t rows, int64_t cols, const float* y, const float* dy, float* dx) {
  for (int64_t r = 0; r < rows; ++r) {
    const float* yr = y + r * cols;
    const float* gr = dy + r * cols;
    // dot = sum_j dy_j y_j, then dx = y * (dy - dot)
    V acc = zero();
    int64_t i = 0;
    for (; i + kW <= cols; i += kW) acc = fmadd(load(gr + i), load(yr + i), acc);
    if (i < cols) {
      const M m = tail_mask(cols - i);
      acc = fmadd(load_tail(gr + i, m, zero()), load_tail(yr + i, m, zero()), acc);
    }
    const V dot = set1(hsum(acc));
    map2(cols, yr, gr, dx + r * cols, [dot](V yv, V g) { return mul(yv, sub(g, dot)); });
  }
}

void logsumexp_rows(int64_t rows, int64_t cols, const float* x, float* lse) {
  for (int64_t r = 0; r < rows; ++r) {
    const float* xr = x + r * cols;
    const float mx = row_max(cols, xr);
    if (mx == kInf || mx == -kInf) {  // all -inf, or an +inf: the max is the answer
      lse[r] = mx;
      continue;
    }
    lse[r] = mx + __builtin_logf(row_exp_sum(cols, xr, mx, nullptr));
  }
}

}  // namespace

extern const ActivationKernels INK_ACT_TABLE = {
    .relu_forward = relu_forward,
    .relu_backward = relu_backward,
    .leaky_relu_forward = leaky_relu_forward,
    .leaky_relu_backward = leaky_relu_backward,
    .sigmoid_forward = sigmoid_forward,
    .sigmoid_backward = sigmoid_backward,
    .tanh_forward = tanh_forward,
    .tanh_backward = tanh_backward,
    .exp_forward = exp_forward,
    .add_bias_cols = add_bias_cols,
    .sum_rows = sum_rows,
    .softmax_rows = softmax_rows,
    .softmax_backward_rows = softmax_backward_rows,
    .logsumexp_rows = logsumexp_rows,
};

}  // namespace inkstone::kernels
