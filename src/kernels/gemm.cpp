// PLACEHOLDER until the packed SIMD GEMM lands: forwards to the reference.
#include "inkstone/kernels/gemm.hpp"

namespace inkstone::kernels {

void gemm(bool trans_a, bool trans_b, int m, int n, int k, float alpha, const float* a, int lda,
          const float* b, int ldb, float beta, float* c, int ldc) {
  gemm_reference(trans_a, trans_b, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc);
}

}  // namespace inkstone::kernels
