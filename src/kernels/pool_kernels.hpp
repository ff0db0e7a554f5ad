#pragma once
// Private: SIMD row kernels of the 2x2 / stride-2 / unpadded max pool, one per instruction set
// (pool_avx2.cpp, pool_avx512.cpp; the SSE2 baseline one lives in pool.cpp). Declarations only,
// so this header is safe to include from files compiled with different -m flags.
//
// Each computes one whole output row: for j in [0, out_w), the window's cells are
// plane[row0 + 2j], plane[row0 + 2j + 1], plane[row0 + w + 2j], plane[row0 + w + 2j + 1] (in this
// order); y[j] = their maximum and arg[j] = its index in the plane, taking a cell when it is
// greater than the best so far or is the first NaN (so ties keep the first cell and NaN wins).
#include <cstdint>

namespace inkstone::kernels {

void maxpool2x2_row_avx2(const float* plane, int32_t row0, int32_t w, int32_t out_w, float* y,
                         int32_t* arg);
void maxpool2x2_row_avx512(const float* plane, int32_t row0, int32_t w, int32_t out_w, float* y,
                           int32_t* arg);

// The row kernel for the active instruction set (SSE2, part of x86-64, at the scalar level);
// defined in pool.cpp, also used by the convolution with a fused max pool.
using MaxPoolRowFn = void (*)(const float* plane, int32_t row0, int32_t w, int32_t out_w, float* y,
                              int32_t* arg);
MaxPoolRowFn maxpool2x2_row_kernel();

}  // namespace inkstone::kernels
