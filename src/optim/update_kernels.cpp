// The update loops for the x86-64 baseline (SSE2, 4 lanes; a 1-lane fallback elsewhere), the
// clipping helpers, and the choice of table by instruction set.
#include "optim/update_kernels.hpp"

#include <cmath>

#if defined(__SSE2__)
#include <emmintrin.h>
#endif

namespace inkstone::optim_detail {
namespace {

#if defined(__SSE2__)
struct VecBase {
  using T = __m128;
  static constexpr int kWidth = 4;
  static T load(const float* p) { return _mm_loadu_ps(p); }
  static void store(float* p, T x) { _mm_storeu_ps(p, x); }
  static T set1(float x) { return _mm_set1_ps(x); }
  static T add(T a, T b) { return _mm_add_ps(a, b); }
  static T sub(T a, T b) { return _mm_sub_ps(a, b); }
  static T mul(T a, T b) { return _mm_mul_ps(a, b); }
  static T div(T a, T b) { return _mm_div_ps(a, b); }
  static T sqrt(T a) { return _mm_sqrt_ps(a); }
};
#else
struct VecBase {
  using T = float;
  static constexpr int kWidth = 1;
  static T load(const float* p) { return *p; }
  static void store(float* p, T x) { *p = x; }
  static T set1(float x) { return x; }
  static T add(T a, T b) { return a + b; }
  static T sub(T a, T b) { return a - b; }
  static T mul(T a, T b) { return a * b; }
  static T div(T a, T b) { return a / b; }
  static T sqrt(T a) { return std::sqrt(a); }
};
#endif

}  // namespace
}  // namespace inkstone::optim_detail

#include "optim/update_kernels_impl.hpp"

namespace inkstone::optim_detail {

// sum_i (g[i] + l2 * theta[i])^2 in double over 16 interleaved partial sums (element i goes to
// sum i % 16, counted from the start of the range), combined pairwise in a fixed order. With
// l2 == 0 each square is exact in double. This file is built without FMA, and every table
// points here, so the norm is the same on every instruction set.
double sum_squares_base(const float* g, const float* theta, float l2, int64_t n) {
  constexpr int kLanes = 16;
  double acc[kLanes] = {};
  int64_t i = 0;
  if (l2 == 0.0f) {
    for (; i + kLanes <= n; i += kLanes) {
      for (int j = 0; j < kLanes; ++j) {
        const double x = g[i + j];
        acc[j] += x * x;
      }
    }
    for (int j = 0; i + j < n; ++j) {
      const double x = g[i + j];
      acc[j] += x * x;
    }
  } else {
    const double l2d = l2;
    for (; i + kLanes <= n; i += kLanes) {
      for (int j = 0; j < kLanes; ++j) {
        const double x = static_cast<double>(g[i + j]) + l2d * static_cast<double>(theta[i + j]);
        acc[j] += x * x;
      }
    }
    for (int j = 0; i + j < n; ++j) {
      const double x = static_cast<double>(g[i + j]) + l2d * static_cast<double>(theta[i + j]);
      acc[j] += x * x;
    }
  }
  for (int width = kLanes / 2; width >= 1; width /= 2) {
    for (int j = 0; j < width; ++j) acc[j] += acc[j + width];
  }
  return acc[0];
}

const UpdateKernels kUpdateKernelsBase = {adam<VecBase>, sgd<VecBase>, rmsprop<VecBase>,
                                          sum_squares_base, scale_loop};

const UpdateKernels& update_kernels() {
  switch (kernels::active_isa()) {
    case kernels::Isa::kAvx512:
      return kUpdateKernelsAvx512;
    case kernels::Isa::kAvx2:
      return kUpdateKernelsAvx2;
    default:
      return kUpdateKernelsBase;
  }
}

}  // namespace inkstone::optim_detail
