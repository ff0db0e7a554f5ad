// The update loops compiled for AVX2 + FMA (8 lanes); called only through update_kernels().
#include <immintrin.h>

#include "optim/update_kernels.hpp"

namespace inkstone::optim_detail {
namespace {

struct VecAvx2 {
  using T = __m256;
  static constexpr int kWidth = 8;
  static T load(const float* p) { return _mm256_loadu_ps(p); }
  static void store(float* p, T x) { _mm256_storeu_ps(p, x); }
  static T set1(float x) { return _mm256_set1_ps(x); }
  static T add(T a, T b) { return _mm256_add_ps(a, b); }
  static T sub(T a, T b) { return _mm256_sub_ps(a, b); }
  static T mul(T a, T b) { return _mm256_mul_ps(a, b); }
  static T div(T a, T b) { return _mm256_div_ps(a, b); }
  static T sqrt(T a) { return _mm256_sqrt_ps(a); }
};

}  // namespace
}  // namespace inkstone::optim_detail

#include "optim/update_kernels_impl.hpp"

namespace inkstone::optim_detail {

const UpdateKernels kUpdateKernelsAvx2 = {adam<VecAvx2>, sgd<VecAvx2>, rmsprop<VecAvx2>,
                                          sum_squares_base, scale_loop};

}  // namespace inkstone::optim_detail
