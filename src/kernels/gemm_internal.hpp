#pragma once
// Private pieces of the packed GEMM. gemm.cpp splits the product into cache blocks and threads;
// gemm_scalar.cpp, gemm_avx2.cpp and gemm_avx512.cpp pack blocks and run the register-blocked
// micro-kernels. Those files are compiled for different instruction sets, so this header holds
// only plain data types, constants and function declarations: no inline functions and no
// templates (the linker could otherwise pick an AVX-512 copy for a scalar caller).
#include <cstdint>

namespace inkstone::kernels::gemm_detail {

// One cache block of the product, handed to an instruction set's block routine:
//   C[mc x nc] = alpha * Ablk[mc x kc] * Bblk[kc x nc] + beta * C
// A comes packed in row panels of `mr` rows (mr = the instruction set's register-tile height):
// panel q (rows q*mr ..) starts at a + q * ald * kc and holds element (i, p) at [p * ald + i],
// where ald >= mr is the instruction set's panel stride (a whole vector, so the packing
// writes aligned vectors); see pack_a below.
// B comes in column panels of `nr` columns:
//   b_packed != 0: the panel at column jr starts at b + jr * kc and holds element (p, j) at
//                  [p * nr + j], zero-padded to nr columns             (see pack_b below);
//   b_packed == 0: element (p, j) is b[p * b_ld + j] (a plain B read in place); then the last
//                  panel, when nc is not a multiple of nr, is read from b_edge (packed form).
// C element (i, j) is c[i * ldc + j], or c[j * ldc + i] when c_trans != 0.
// beta == 0 overwrites C without reading it.
struct BlockArgs {
  int mc, nc, kc;
  const float* a;
  const float* b;
  int64_t b_ld;
  int b_packed;
  const float* b_edge;
  float* c;
  int64_t ldc;
  int c_trans;
  float alpha, beta;
};

// Packs the mc x kc block of op(A) whose element (i, p) is a[i * lda + p] (trans == 0) or
// a[p * lda + i] (trans != 0) into row panels of mr rows (layout in BlockArgs). dst is 64-byte
// aligned and holds ceil(mc / mr) * ald * kc floats.
using PackAFn = void (*)(int trans, const float* a, int64_t lda, int mc, int kc, float* dst);
// Packs the kc x nc block of op(B) whose element (p, j) is b[p * ldb + j] (trans == 0) or
// b[j * ldb + p] (trans != 0) into column panels of nr columns, zero-padded (layout in
// BlockArgs). dst is 64-byte aligned and holds kc * round_up(nc, nr) floats.
using PackBFn = void (*)(int trans, const float* b, int64_t ldb, int kc, int nc, float* dst);
// Runs the micro-kernels over one block.
using BlockFn = void (*)(const BlockArgs& args);

// Dot-product form for a plain A (rows along p) times a transposed B (rows along p as well):
//   C[i][j] = alpha * sum_{p < kc} a[i * lda + p] * b[j * ldb + p] + beta * C[i][j]
// for i < mc, j < nc; C element (i, j) is c[i * ldc + j]. Nothing is packed: both operands are
// streamed along p, and each sum is reduced across the vector lanes in a fixed order.
struct DotArgs {
  int mc, nc, kc;
  int tile_rows, tile_cols;  // register tile (<= the instruction set's maximum)
  const float* a;
  int64_t lda;
  const float* b;
  int64_t ldb;
  float* c;
  int64_t ldc;
  float alpha, beta;
};
using DotFn = void (*)(const DotArgs& args);

// Register tiles (mr rows x nr columns of C kept in registers) and packed A panel strides.
constexpr int kMrScalar = 4;
constexpr int kNrScalar = 8;
constexpr int kAldScalar = 4;
constexpr int kMrAvx2 = 6;
constexpr int kNrAvx2 = 16;
constexpr int kAldAvx2 = 8;
constexpr int kMrAvx512 = 14;
constexpr int kNrAvx512 = 32;
constexpr int kAldAvx512 = 16;

void pack_a_scalar(int trans, const float* a, int64_t lda, int mc, int kc, float* dst);
void pack_b_scalar(int trans, const float* b, int64_t ldb, int kc, int nc, float* dst);
void block_scalar(const BlockArgs& args);

void pack_a_avx2(int trans, const float* a, int64_t lda, int mc, int kc, float* dst);
void pack_b_avx2(int trans, const float* b, int64_t ldb, int kc, int nc, float* dst);
void block_avx2(const BlockArgs& args);

void pack_a_avx512(int trans, const float* a, int64_t lda, int mc, int kc, float* dst);
void pack_b_avx512(int trans, const float* b, int64_t ldb, int kc, int nc, float* dst);
void block_avx512(const BlockArgs& args);
// Dot-product tiles of kDotRowsAvx512 x (up to) kDotColsAvx512 sums.
constexpr int kDotRowsAvx512 = 8;
constexpr int kDotColsAvx512 = 4;
void dot_block_avx512(const DotArgs& args);

}  // namespace inkstone::kernels::gemm_detail
