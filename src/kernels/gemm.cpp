// Packed, cache-blocked, threaded GEMM:  C[m x n] = alpha * op(A)[m x k] * op(B)[k x n] + beta*C.
//
// Outer-product form (GotoBLAS/BLIS scheme). Loops, outermost first, for the part of C a thread
// owns:
//   jc: column blocks of nc     (a packed B block of kc x nc lives in L2)
//   pc: depth blocks of kc      (C += alpha * A[:, pc:pc+kc] * B[pc:pc+kc, :]; the first block
//                                applies the caller's beta, the later ones beta = 1)
//   ic: row blocks of mc        (the packed A block lives in L2)
//   then the instruction set's block routine walks nr-column x mr-row register tiles.
// A plain (untransposed) B is usually read in place instead of packed, each B panel prefetched
// one panel ahead. With fewer than a vector of columns, the transposed product is computed.
//
// Dot-product form, for A * B^T with a long depth (weight gradients): both operands have p
// contiguous, so nothing is packed; small tiles of dot products are accumulated lane-wise and
// summed across lanes once per depth block.
//
// Determinism: every element of C is summed in p order within a depth block, the depth blocks
// are fixed by k alone and no sum is split between threads, so the result does not depend on how
// C is partitioned between threads (only on the instruction set).
#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <new>
#include <string>

#include "inkstone/kernels/cpu.hpp"
#include "inkstone/kernels/gemm.hpp"
#include "inkstone/kernels/thread_pool.hpp"
#include "inkstone/tensor/error.hpp"
#include "kernels/gemm_internal.hpp"
#include "kernels/scratch_buffer.hpp"

namespace inkstone::kernels {

namespace {

using gemm_detail::BlockArgs;

// An instruction set's kernels and block sizes (in floats).
struct IsaImpl {
  int mr;            // register tile rows
  int ald;           // packed A panel stride
  int nr;            // register tile columns
  int vec;           // floats per vector (split granularity along n)
  int kc_max;        // depth block
  int mc_max;        // row block (multiple of mr)
  int64_t b_floats;  // budget for one packed B block (kc * nc)
  gemm_detail::PackAFn pack_a;
  gemm_detail::PackBFn pack_b;
  gemm_detail::BlockFn block;
  gemm_detail::DotFn dot;  // dot-product form for A * B^T, or nullptr
  int dot_rows, dot_cols;  // its register tile
  int dot_kc;              // its depth block
};

const IsaImpl& impl_for(Isa isa) {
  using namespace gemm_detail;
  // Blocks: kc * nr of B plus mr * kc of A fit L1; ald * kc * mc / mr of A and b_floats of B
  // fit L2 (1 MiB on the Zen 5 this was tuned on, 48 KiB L1).
  static const IsaImpl kScalar{.mr = kMrScalar,
                               .ald = kAldScalar,
                               .nr = kNrScalar,
                               .vec = kNrScalar,
                               .kc_max = 256,
                               .mc_max = 128,
                               .b_floats = 64 * 1024,
                               .pack_a = &pack_a_scalar,
                               .pack_b = &pack_b_scalar,
                               .block = &block_scalar,
                               .dot = nullptr,
                               .dot_rows = 1,
                               .dot_cols = 1,
                               .dot_kc = 0};
  static const IsaImpl kAvx2{.mr = kMrAvx2,
                             .ald = kAldAvx2,
                             .nr = kNrAvx2,
                             .vec = 8,
                             .kc_max = 256,
                             .mc_max = 120,
                             .b_floats = 64 * 1024,
                             .pack_a = &pack_a_avx2,
                             .pack_b = &pack_b_avx2,
                             .block = &block_avx2,
                             .dot = nullptr,
                             .dot_rows = 1,
                             .dot_cols = 1,
                             .dot_kc = 0};
  static const IsaImpl kAvx512{.mr = kMrAvx512,
                               .ald = kAldAvx512,
                               .nr = kNrAvx512,
                               .vec = 16,
                               .kc_max = 384,
                               .mc_max = 252,
                               .b_floats = 96 * 1024,
                               .pack_a = &pack_a_avx512,
                               .pack_b = &pack_b_avx512,
                               .block = &block_avx512,
                               .dot = &dot_block_avx512,
                               .dot_rows = kDotRowsAvx512,
                               .dot_cols = kDotColsAvx512,
                               .dot_kc = 1024};
  switch (isa) {
    case Isa::kAvx512:
      return kAvx512;
    case Isa::kAvx2:
      return kAvx2;
    default:
      return kScalar;
  }
}

// Below this many multiply-adds the product runs on the calling thread; above it each thread
// gets at least this much work.
constexpr int64_t kMacsPerThread = 2 << 20;

int64_t round_up(int64_t x, int64_t to) {
  return (x + to - 1) / to * to;
}

// Per-thread packing memory for the A and B blocks.
thread_local ScratchBuffer t_workspace;

// The product in "op" coordinates: op(A)(i, p) is a[i * lda + p], or a[p * lda + i] when ta.
struct Problem {
  int m, n, k;
  float alpha, beta;
  const float* a;
  int64_t lda;
  bool ta;
  const float* b;
  int64_t ldb;
  bool tb;
  float* c;
  int64_t ldc;
  bool tc;  // C(i, j) is c[j * ldc + i] (the transposed product is being computed)
};

// Block sizes, fixed by the problem shape alone.
struct Blocking {
  int kc, mc, nc;
  bool pack_b;  // false: a plain B is read in place
};

// One way of this machine's L2 (1 MiB, 8 ways): rows whose stride shares a large power of
// two with it land in few sets.
constexpr int64_t kL2WayBytes = 128 * 1024;
// Floats of B the dot-product form keeps in L2 at a time.
constexpr int64_t kDotL2Floats = 96 * 1024;
// Bytes of L1 the dot-product form's operands may fill (of 48 KiB).
constexpr int64_t kDotL1Bytes = 40 * 1024;
// Vector registers the dot-product tile may fill (of 32; a few stay free for the compiler).
constexpr int kDotRegisters = 29;
Blocking choose_blocking(const Problem& pr, const IsaImpl& impl) {
  Blocking bl{};
  // Depth blocks of (nearly) equal size.
  const int kblocks = (pr.k + impl.kc_max - 1) / impl.kc_max;
  bl.kc = (pr.k + kblocks - 1) / kblocks;
  const int mblocks = (pr.m + impl.mc_max - 1) / impl.mc_max;
  bl.mc = static_cast<int>(round_up((pr.m + mblocks - 1) / mblocks, impl.mr));
  const int64_t nc = std::max<int64_t>(impl.nr, impl.b_floats / bl.kc / impl.nr * impl.nr);
  bl.nc = static_cast<int>(std::min<int64_t>(nc, round_up(pr.n, impl.nr)));
  // A plain B is read in place (the block routine prefetches the next panel) unless its rows
  // would crowd a few L2 sets (row stride near a multiple of 4 KiB) or many row blocks would
  // stream it again and again.
  const int64_t stride_bytes = 4 * pr.ldb;
  int64_t g = 1;
  while (g < kL2WayBytes && stride_bytes % (2 * g) == 0) g *= 2;
  const int64_t distinct_sets = kL2WayBytes / std::max<int64_t>(g, 64);
  bl.pack_b = pr.tb || bl.kc > 2 * distinct_sets || mblocks > 3;
  if (!bl.pack_b) bl.nc = pr.n;
  return bl;
}

// Computes C[i0:i1, j0:j1] (all of k) on the calling thread.
void compute_part(const Problem& pr, const IsaImpl& impl, const Blocking& bl, int i0, int i1,
                  int j0, int j1) {
  if (i0 >= i1 || j0 >= j1) return;
  const int64_t a_panels = (std::min(bl.mc, i1 - i0) + impl.mr - 1) / impl.mr;
  const int64_t a_floats = round_up(a_panels * impl.ald * bl.kc, 16);
  const int64_t b_floats =
      bl.pack_b
          ? round_up(static_cast<int64_t>(bl.kc) * round_up(std::min(bl.nc, j1 - j0), impl.nr), 16)
          : 0;
  const int64_t edge_floats = round_up(static_cast<int64_t>(bl.kc) * impl.nr, 16);
  float* a_buf = t_workspace.get(a_floats + b_floats + edge_floats);
  float* b_buf = a_buf + a_floats;
  float* edge_buf = b_buf + b_floats;

  BlockArgs args{};
  args.ldc = pr.ldc;
  args.c_trans = pr.tc ? 1 : 0;
  args.alpha = pr.alpha;
  args.a = a_buf;
  for (int jc = j0; jc < j1; jc += bl.nc) {
    const int nc = std::min(bl.nc, j1 - jc);
    args.nc = nc;
    for (int pc = 0; pc < pr.k; pc += bl.kc) {
      const int kc = std::min(bl.kc, pr.k - pc);
      args.kc = kc;
      args.beta = pc == 0 ? pr.beta : 1.0f;
      const float* b_src = pr.tb ? pr.b + jc * pr.ldb + pc : pr.b + pc * pr.ldb + jc;
      if (bl.pack_b) {
        impl.pack_b(pr.tb, b_src, pr.ldb, kc, nc, b_buf);
        args.b = b_buf;
        args.b_packed = 1;
        args.b_edge = nullptr;
      } else {
        const int full = nc / impl.nr * impl.nr;
        if (full < nc) impl.pack_b(0, b_src + full, pr.ldb, kc, nc - full, edge_buf);
        args.b = b_src;
        args.b_ld = pr.ldb;
        args.b_packed = 0;
        args.b_edge = edge_buf;
      }
      for (int ic = i0; ic < i1; ic += bl.mc) {
        const int mc = std::min(bl.mc, i1 - ic);
        args.mc = mc;
        const float* a_src = pr.ta ? pr.a + pc * pr.lda + ic : pr.a + ic * pr.lda + pc;
        impl.pack_a(pr.ta, a_src, pr.lda, mc, kc, a_buf);
        args.c = pr.tc ? pr.c + jc * pr.ldc + ic : pr.c + ic * pr.ldc + jc;
        impl.block(args);
      }
    }
  }
}

// C = beta * C (beta == 0 writes zeros without reading C).
void scale_c(int m, int n, float beta, float* c, int64_t ldc) {
  for (int i = 0; i < m; ++i) {
    float* row = c + i * ldc;
    if (beta == 0.0f) {
      std::fill(row, row + n, 0.0f);
    } else if (beta != 1.0f) {
      for (int j = 0; j < n; ++j) row[j] *= beta;
    }
  }
}

// The dot-product form pays off when the depth is long next to the size of C: it reads both
// operands once per row/column tile and never copies them, but reduces each sum across lanes.
bool use_dot(int m, int n, int k) {
  return k >= 1024 || (k >= 256 && static_cast<int64_t>(m) * n <= 4096);
}

// C = alpha * A * B^T + beta * C in the dot-product form: depth blocks of dot_kc (fixed by k),
// C split between threads in whole dot tiles.
void run_dot(const IsaImpl& impl, int m, int n, int k, float alpha, const float* a, int64_t lda,
             const float* b, int64_t ldb, float beta, float* c, int64_t ldc, int max_threads) {
  // Tile width: the one (of dot_cols and dot_cols - 1) that leaves the fewest padded columns.
  int cols = impl.dot_cols;
  if (round_up(n, cols - 1) < round_up(n, cols)) --cols;
  // As many rows as the registers allow: rows * cols accumulators plus rows + cols operands.
  int rows = 1;
  while (rows < impl.dot_rows && (rows + 1) * cols + rows + 1 + cols <= kDotRegisters) ++rows;
  // Depth blocks of (nearly) equal size; halved when that lets a row tile of A and all of a
  // narrow B stay in L1 together.
  int kc_max = impl.dot_kc;
  const int64_t l1_rows = rows + n;
  if (l1_rows * kc_max * 4 > kDotL1Bytes && l1_rows * (kc_max / 2) * 4 <= kDotL1Bytes) {
    kc_max /= 2;
  }
  const int kblocks = (k + kc_max - 1) / kc_max;
  const int kc_blk = static_cast<int>(round_up((k + kblocks - 1) / kblocks, 16));
  // Rows of B kept in L2 for one pass over A.
  const int nb_max = static_cast<int>(std::max<int64_t>(cols, kDotL2Floats / kc_blk / cols * cols));
  const bool split_n = n >= m;
  const int unit = split_n ? cols : rows;
  const int units = ((split_n ? n : m) + unit - 1) / unit;
  const int threads = std::min(max_threads, units);
  auto part = [&](int i0, int i1, int j0, int j1) {
    if (i0 >= i1 || j0 >= j1) return;
    gemm_detail::DotArgs d{};
    d.mc = i1 - i0;
    d.tile_cols = cols;
    d.tile_rows = rows;
    d.lda = lda;
    d.ldb = ldb;
    d.ldc = ldc;
    d.alpha = alpha;
    const int jblocks = (j1 - j0 + nb_max - 1) / nb_max;
    const int nb = static_cast<int>(round_up((j1 - j0 + jblocks - 1) / jblocks, cols));
    for (int pc = 0; pc < k; pc += kc_blk) {
      d.kc = std::min(kc_blk, k - pc);
      d.a = a + i0 * lda + pc;
      d.beta = pc == 0 ? beta : 1.0f;
      for (int jb = j0; jb < j1; jb += nb) {
        d.nc = std::min(nb, j1 - jb);
        d.b = b + jb * ldb + pc;
        d.c = c + i0 * ldc + jb;
        impl.dot(d);
      }
    }
  };
  if (threads <= 1) {
    part(0, m, 0, n);
    return;
  }
  ThreadPool::global().run(threads, [&](int tid, int nt) {
    const int lo = static_cast<int>(static_cast<int64_t>(units) * tid / nt) * unit;
    const int hi = static_cast<int>(static_cast<int64_t>(units) * (tid + 1) / nt) * unit;
    if (split_n) {
      part(0, m, lo, std::min(hi, n));
    } else {
      part(lo, std::min(hi, m), 0, n);
    }
  });
}

void check_args(bool trans_a, bool trans_b, int m, int n, int k, const float* a, int lda,
                const float* b, int ldb, const float* c, int ldc) {
  auto fail = [](const std::string& what) { throw Error("gemm: " + what); };
  if (m < 0 || n < 0 || k < 0) {
    fail("negative size m=" + std::to_string(m) + " n=" + std::to_string(n) +
         " k=" + std::to_string(k));
  }
  if (m > 0 && k > 0) {
    const int cols = trans_a ? m : k;
    if (lda < cols) {
      fail("lda=" + std::to_string(lda) + " is less than the " + std::to_string(cols) +
           " columns of the stored A");
    }
    if (a == nullptr && n > 0) fail("A is null");
  }
  if (k > 0 && n > 0) {
    const int cols = trans_b ? k : n;
    if (ldb < cols) {
      fail("ldb=" + std::to_string(ldb) + " is less than the " + std::to_string(cols) +
           " columns of the stored B");
    }
    if (b == nullptr && m > 0) fail("B is null");
  }
  if (m > 0 && n > 0) {
    if (ldc < n) {
      fail("ldc=" + std::to_string(ldc) + " is less than the " + std::to_string(n) +
           " columns of C");
    }
    if (c == nullptr) fail("C is null");
  }
}

}  // namespace

void gemm(bool trans_a, bool trans_b, int m, int n, int k, float alpha, const float* a, int lda,
          const float* b, int ldb, float beta, float* c, int ldc) {
  check_args(trans_a, trans_b, m, n, k, a, lda, b, ldb, c, ldc);
  if (m == 0 || n == 0) return;
  if (k == 0 || alpha == 0.0f) {
    scale_c(m, n, beta, c, ldc);
    return;
  }
  const IsaImpl& impl = impl_for(active_isa());
  const int64_t macs = static_cast<int64_t>(m) * n * k;
  // Inside a parallel region (a thread's share of a batch) the product runs on this thread alone.
  const int max_threads = ThreadPool::in_parallel_region()
                              ? 1
                              : static_cast<int>(std::max<int64_t>(
                                    1, std::min<int64_t>(num_threads(), macs / kMacsPerThread)));

  // A * B^T with a long depth: dot products straight from both operands (no packing).
  if (impl.dot != nullptr && !trans_a && trans_b && use_dot(m, n, k)) {
    run_dot(impl, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc, max_threads);
    return;
  }

  Problem pr{m, n, k, alpha, beta, a, lda, trans_a, b, ldb, trans_b, c, ldc, false};
  // With fewer columns than a vector holds, compute C^T = op(B)^T * op(A)^T instead, so the
  // long dimension runs along the vectors: op(B)^T is B read with the opposite transpose flag.
  if (n < impl.vec && m > n) {
    pr = Problem{n, m, k, alpha, beta, b, ldb, !trans_b, a, lda, !trans_a, c, ldc, true};
  }
  const Blocking bl = choose_blocking(pr, impl);

  // Fixed partition of C between threads: contiguous column ranges (whole vectors) when C is
  // wide, contiguous row ranges (whole register tiles) when it is tall; each thread packs the
  // other operand in full.
  const bool split_n = pr.n >= pr.m;
  const int unit = split_n
                       ? (round_up(pr.n, impl.nr) / impl.nr >= 4 * max_threads ? impl.nr : impl.vec)
                       : impl.mr;
  const int units = static_cast<int>(round_up(split_n ? pr.n : pr.m, unit) / unit);
  const int threads = std::min(max_threads, units);
  if (threads <= 1) {
    compute_part(pr, impl, bl, 0, pr.m, 0, pr.n);
    return;
  }
  ThreadPool::global().run(threads, [&](int tid, int nt) {
    const int lo = static_cast<int>(static_cast<int64_t>(units) * tid / nt) * unit;
    const int hi = static_cast<int>(static_cast<int64_t>(units) * (tid + 1) / nt) * unit;
    if (split_n) {
      compute_part(pr, impl, bl, 0, pr.m, lo, std::min(hi, pr.n));
    } else {
      compute_part(pr, impl, bl, lo, std::min(hi, pr.m), 0, pr.n);
    }
  });
}

}  // namespace inkstone::kernels
