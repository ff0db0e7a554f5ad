// Portable packing and micro-kernel of the GEMM (driver and data layouts: gemm.cpp,
// gemm_internal.hpp), used when the CPU has neither AVX2 nor AVX-512. Register tile 4 x 8:
//   acc[i][j] += A[i][p] * B[p][j]  for p ascending, then  C = alpha * acc + beta * C.
// Plain C++; the compiler vectorizes the j loops with the baseline SSE2.
#include <cstdint>

#include "kernels/gemm_internal.hpp"

namespace inkstone::kernels::gemm_detail {
namespace {

constexpr int kAld = kAldScalar;
constexpr int kMr = kMrScalar;
constexpr int kNr = kNrScalar;

int min_int(int x, int y) {
  return x < y ? x : y;
}

// One kMr x kNr tile (rows [0, mr), columns [0, nr) stored): A element (i, p) at
// a[p * a_ld + i] for i < mr, B row p at b + p * b_ld (kNr floats readable).
void micro(int kc, int mr, int nr, const float* a, int64_t a_ld, const float* b, int64_t b_ld,
           float* c, int64_t ldc, int c_trans, float alpha, float beta) {
  float acc[kMr][kNr] = {};
  if (mr == kMr) {
    for (int p = 0; p < kc; ++p) {
      const float* ap = a + p * a_ld;
      const float* bp = b + p * b_ld;
      for (int i = 0; i < kMr; ++i) {
        const float ai = ap[i];
        for (int j = 0; j < kNr; ++j) acc[i][j] += ai * bp[j];
      }
    }
  } else {
    for (int p = 0; p < kc; ++p) {
      const float* ap = a + p * a_ld;
      const float* bp = b + p * b_ld;
      for (int i = 0; i < mr; ++i) {
        const float ai = ap[i];
        for (int j = 0; j < kNr; ++j) acc[i][j] += ai * bp[j];
      }
    }
  }
  for (int i = 0; i < mr; ++i) {
    for (int j = 0; j < nr; ++j) {
      float& out = c_trans ? c[j * ldc + i] : c[i * ldc + j];
      const float r = alpha * acc[i][j];
      out = beta == 0.0f ? r : (beta == 1.0f ? r + out : r + beta * out);
    }
  }
}

}  // namespace

void pack_a_scalar(int trans, const float* a, int64_t lda, int mc, int kc, float* dst) {
  for (int ir = 0; ir < mc; ir += kMr) {
    const int rows = min_int(kMr, mc - ir);
    float* panel = dst + static_cast<int64_t>(ir / kMr) * kAld * kc;
    for (int p = 0; p < kc; ++p) {
      for (int i = 0; i < rows; ++i) {
        panel[p * kAld + i] = trans ? a[p * lda + ir + i] : a[(ir + i) * lda + p];
      }
    }
  }
}

void pack_b_scalar(int trans, const float* b, int64_t ldb, int kc, int nc, float* dst) {
  for (int jr = 0; jr < nc; jr += kNr) {
    const int cols = min_int(kNr, nc - jr);
    float* panel = dst + static_cast<int64_t>(jr) * kc;
    for (int p = 0; p < kc; ++p) {
      for (int j = 0; j < kNr; ++j) {
        panel[p * kNr + j] =
            j < cols ? (trans ? b[(jr + j) * ldb + p] : b[p * ldb + jr + j]) : 0.0f;
      }
    }
  }
}

void block_scalar(const BlockArgs& g) {
  for (int jr = 0; jr < g.nc; jr += kNr) {
    const int nr = min_int(kNr, g.nc - jr);
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
      micro(g.kc, mr, nr, ap, kAld, bp, b_ld, cp, g.ldc, g.c_trans, g.alpha, g.beta);
    }
  }
}

}  // namespace inkstone::kernels::gemm_detail
