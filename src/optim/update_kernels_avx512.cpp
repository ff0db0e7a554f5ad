// The update loops compiled for AVX-512 (16 lanes); called only through update_kernels().
#include <immintrin.h>

#include "optim/update_kernels.hpp"

namespace inkstone::optim_detail {
namespace {

struct VecAvx512 {
  using T = __m512;
  static constexpr int kWidth = 16;
  static T load(const float* p) { return _mm512_loadu_ps(p); }
  static void store(float* p, T x) { _mm512_storeu_ps(p, x); }
  static T set1(float x) { return _mm512_set1_ps(x); }
  static T add(T a, T b) { return _mm512_add_ps(a, b); }
  static T sub(T a, T b) { return _mm512_sub_ps(a, b); }
  static T mul(T a, T b) { return _mm512_mul_ps(a, b); }
  static T div(T a, T b) { return _mm512_div_ps(a, b); }
  // Full-mask form: _mm512_sqrt_ps trips GCC 12's -Wmaybe-uninitialized in its own header.
  static T sqrt(T a) { return _mm512_maskz_sqrt_ps(static_cast<__mmask16>(0xFFFF), a); }
};

}  // namespace
}  // namespace inkstone::optim_detail

#include "optim/update_kernels_impl.hpp"

namespace inkstone::optim_detail {

const UpdateKernels kUpdateKernelsAvx512 = {adam<VecAvx512>, sgd<VecAvx512>, rmsprop<VecAvx512>,
                                            sum_squares_base, scale_loop};

}  // namespace inkstone::optim_detail
