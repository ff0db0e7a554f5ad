#pragma once
// General matrix multiply on row-major float32 matrices:
//   C[m x n] = alpha * op(A) * op(B) + beta * C,   op(X) = X or X^T.
// A is m x k (k x m when trans_a), B is k x n (n x k when trans_b); lda/ldb/ldc are row strides.
// beta == 0 overwrites C without reading it (C may hold NaNs). Packed, cache-blocked, SIMD
// (AVX-512 / AVX2 / scalar by runtime dispatch) and threaded on the global pool with a fixed
// partition of C, so each element of C is always summed in the same order: results are
// bit-identical for a given instruction set, whatever the thread count.
namespace inkstone::kernels {

void gemm(bool trans_a, bool trans_b, int m, int n, int k, float alpha, const float* a, int lda,
          const float* b, int ldb, float beta, float* c, int ldc);

// Reference triple loop (double accumulation), for tests and benchmarks only.
void gemm_reference(bool trans_a, bool trans_b, int m, int n, int k, float alpha, const float* a,
                    int lda, const float* b, int ldb, float beta, float* c, int ldc);

}  // namespace inkstone::kernels
