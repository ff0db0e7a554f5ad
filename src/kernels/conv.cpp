// 2-D convolution as im2col + GEMM over L2-sized chunks of the batch (see
// include/inkstone/kernels/conv.hpp for the formulas).
#include "inkstone/kernels/conv.hpp"

#include <algorithm>
#include <climits>
#include <cstdint>
#include <cstring>
#include <new>
#include <string>
#include <vector>

#include "inkstone/kernels/cpu.hpp"
#include "inkstone/kernels/gemm.hpp"
#include "inkstone/kernels/thread_pool.hpp"
#include "inkstone/tensor/error.hpp"
#include "kernels/conv_kernels.hpp"
#include "kernels/pool_kernels.hpp"
#include "kernels/scratch_buffer.hpp"
#include "kernels/winograd_kernels.hpp"

namespace inkstone::kernels {

namespace {

// ceil(a / b) for b > 0 and any sign of a.
int64_t ceil_div(int64_t a, int64_t b) {
  return a >= 0 ? (a + b - 1) / b : -((-a) / b);
}

// Output positions j whose input column j*stride + offset falls inside [0, size):
// [lo, hi) clipped to [0, out). Division-free for stride 1 (the common case: this runs for every
// (plane, tap) of im2col/col2im).
struct Range {
  int lo, hi;
};
Range valid_range(int offset, int stride, int size, int out) {
  int64_t lo, hi;
  if (stride == 1) {
    lo = -int64_t{offset};
    hi = int64_t{size} - offset;
  } else {
    lo = ceil_div(-static_cast<int64_t>(offset), stride);
    hi = ceil_div(static_cast<int64_t>(size) - offset, stride);
  }
  lo = std::clamp<int64_t>(lo, 0, out);
  hi = std::clamp<int64_t>(hi, lo, out);
  return {static_cast<int>(lo), static_cast<int>(hi)};
}

// zero_floats: d[0, n) = 0; copy_floats: d[j] = s[j] for j in [0, n). Short rows (the 3- to 26-wide
// rows of small images) use fixed-size moves: a plain loop would be turned into a library call by
// the compiler, which costs more than the copy itself.
inline void zero_floats(float* d, int64_t n) {
  if (n >= 32) {
    std::memset(d, 0, sizeof(float) * size_t(n));
    return;
  }
  int64_t j = 0;
  for (; j + 8 <= n; j += 8) std::memset(d + j, 0, 8 * sizeof(float));
  if (j + 4 <= n) std::memset(d + j, 0, 4 * sizeof(float)), j += 4;
  if (j + 2 <= n) std::memset(d + j, 0, 2 * sizeof(float)), j += 2;
  if (j < n) d[j] = 0.0f;
}
inline void copy_floats(float* __restrict d, const float* __restrict s, int64_t n) {
  if (n >= 32) {
    std::memcpy(d, s, sizeof(float) * size_t(n));
    return;
  }
  int64_t j = 0;
  for (; j + 8 <= n; j += 8) std::memcpy(d + j, s + j, 8 * sizeof(float));
  if (j + 4 <= n) std::memcpy(d + j, s + j, 4 * sizeof(float)), j += 4;
  if (j + 2 <= n) std::memcpy(d + j, s + j, 2 * sizeof(float)), j += 2;
  if (j < n) d[j] = s[j];
}
// d[j] += s[j] for j in [0, n); d and s never overlap (dx and the column buffer).
inline void add_floats(float* __restrict d, const float* __restrict s, int64_t n) {
  for (int64_t j = 0; j < n; ++j) d[j] += s[j];
}

std::string describe(const ConvGeometry& g) {
  return "n=" + std::to_string(g.n) + " c=" + std::to_string(g.c) + " h=" + std::to_string(g.h) +
         " w=" + std::to_string(g.w) + " k=" + std::to_string(g.k) + " kh=" + std::to_string(g.kh) +
         " kw=" + std::to_string(g.kw) + " stride=" + std::to_string(g.stride_h) + "x" +
         std::to_string(g.stride_w) + " pad=" + std::to_string(g.pad_top) + "," +
         std::to_string(g.pad_left) + " out=" + std::to_string(g.out_h) + "x" +
         std::to_string(g.out_w);
}

void check_geometry(const ConvGeometry& g, const char* fn) {
  const bool positive = g.n > 0 && g.c > 0 && g.h > 0 && g.w > 0 && g.k > 0 && g.kh > 0 &&
                        g.kw > 0 && g.stride_h > 0 && g.stride_w > 0 && g.out_h > 0 &&
                        g.out_w > 0 && g.pad_top >= 0 && g.pad_left >= 0;
  if (!positive) {
    throw Error(std::string(fn) + ": invalid convolution geometry (" + describe(g) +
                "): sizes, strides and outputs must be >= 1 and paddings >= 0");
  }
  // GEMM dimensions are ints: the column matrix is [c*kh*kw, n*out_h*out_w].
  const int64_t rows = int64_t{g.c} * g.kh * g.kw;
  const int64_t cols = int64_t{g.n} * g.out_h * g.out_w;
  if (rows > INT_MAX || cols > INT_MAX || int64_t{g.c} * g.h * g.w > INT_MAX) {
    throw Error(std::string(fn) + ": convolution too large for 32-bit GEMM indices (" +
                describe(g) + ")");
  }
}

void check_ptr(const void* p, const char* fn, const char* what) {
  if (p == nullptr) throw Error(std::string(fn) + ": " + what + " is null");
}

// The valid output ranges of every kernel row p and column q (valid_range), computed once per
// call rather than once per plane; kernels wider than kMaxTaps compute them on the fly.
class TapRanges {
 public:
  explicit TapRanges(const ConvGeometry& g) : g_(g), cached_(g.kh <= kMaxTaps && g.kw <= kMaxTaps) {
    if (!cached_) return;
    for (int p = 0; p < g.kh; ++p) rows_[p] = compute_row(p);
    for (int q = 0; q < g.kw; ++q) cols_[q] = compute_col(q);
  }
  Range row(int p) const { return cached_ ? rows_[p] : compute_row(p); }
  Range col(int q) const { return cached_ ? cols_[q] : compute_col(q); }

 private:
  static constexpr int kMaxTaps = 32;
  Range compute_row(int p) const {
    return valid_range(p - g_.pad_top, g_.stride_h, g_.h, g_.out_h);
  }
  Range compute_col(int q) const {
    return valid_range(q - g_.pad_left, g_.stride_w, g_.w, g_.out_w);
  }
  const ConvGeometry& g_;
  bool cached_;
  Range rows_[kMaxTaps];
  Range cols_[kMaxTaps];
};

// Portable per-plane im2col (contract in kernels/conv_kernels.hpp, any stride): row segments
// copied with the padding columns zeroed.
void im2col_plane_portable(const ConvGeometry& g, const TapRanges& taps, const float* plane,
                           float* dst, int64_t ncols) {
  const int64_t ohw = int64_t{g.out_h} * g.out_w;
  for (int p = 0; p < g.kh; ++p) {
    const Range ri = taps.row(p);
    for (int q = 0; q < g.kw; ++q) {
      const Range rj = taps.col(q);
      const int off = q - g.pad_left;
      float* seg = dst + int64_t{p * g.kw + q} * ncols;
      zero_floats(seg, int64_t{ri.lo} * g.out_w);
      for (int i = ri.lo; i < ri.hi; ++i) {
        float* d = seg + int64_t{i} * g.out_w;
        const float* s = plane + int64_t{i * g.stride_h + p - g.pad_top} * g.w;
        zero_floats(d, rj.lo);
        if (g.stride_w == 1) {
          copy_floats(d + rj.lo, s + rj.lo + off, rj.hi - rj.lo);
        } else {
          for (int j = rj.lo; j < rj.hi; ++j) d[j] = s[j * g.stride_w + off];
        }
        zero_floats(d + rj.hi, g.out_w - rj.hi);
      }
      zero_floats(seg + int64_t{ri.hi} * g.out_w, ohw - int64_t{ri.hi} * g.out_w);
    }
  }
}

// Portable per-plane col2im: zero the plane, then add every tap's segments (q, then p, then i:
// consecutive updates of a row then share one offset, which keeps store-to-load forwarding
// working on small planes).
void col2im_plane_portable(const ConvGeometry& g, const TapRanges& taps, const float* src,
                           int64_t ncols, float* plane) {
  zero_floats(plane, int64_t{g.h} * g.w);
  for (int q = 0; q < g.kw; ++q) {
    const Range rj = taps.col(q);
    const int off = q - g.pad_left;
    for (int p = 0; p < g.kh; ++p) {
      const Range ri = taps.row(p);
      const float* seg = src + int64_t{p * g.kw + q} * ncols;
      for (int i = ri.lo; i < ri.hi; ++i) {
        const float* s = seg + int64_t{i} * g.out_w;
        float* d = plane + int64_t{i * g.stride_h + p - g.pad_top} * g.w;
        if (g.stride_w == 1) {
          add_floats(d + rj.lo + off, s + rj.lo, rj.hi - rj.lo);
        } else {
          for (int j = rj.lo; j < rj.hi; ++j) d[j * g.stride_w + off] += s[j];
        }
      }
    }
  }
}

using Im2colPlaneFn = void (*)(const ConvGeometry&, const float*, float*, int64_t);
using Col2imPlaneFn = void (*)(const ConvGeometry&, const float*, int64_t, float*);

// The SIMD plane kernels for the active ISA, or null (scalar ISA, or stride_w > 1).
Im2colPlaneFn simd_im2col(const ConvGeometry& g) {
  if (g.stride_w != 1) return nullptr;
  switch (active_isa()) {
    case Isa::kAvx512:
      return conv_avx512::im2col_plane;
    case Isa::kAvx2:
      return conv_avx2::im2col_plane;
    default:
      return nullptr;
  }
}
Col2imPlaneFn simd_col2im(const ConvGeometry& g) {
  if (g.stride_w != 1) return nullptr;
  switch (active_isa()) {
    case Isa::kAvx512:
      return conv_avx512::col2im_plane;
    case Isa::kAvx2:
      return conv_avx2::col2im_plane;
    default:
      return nullptr;
  }
}

using DirectC1Fn = void (*)(const ConvGeometry&, const float*, const float*, const float*, bool,
                            int, int, float*, int64_t);

// The direct single-channel convolution for the active ISA, or null when it does not apply
// (several input channels, strides, padding, or the scalar ISA level).
DirectC1Fn simd_direct_c1(const ConvGeometry& g) {
  if (g.c != 1 || g.stride_h != 1 || g.stride_w != 1 || g.pad_top != 0 || g.pad_left != 0) {
    return nullptr;
  }
  switch (active_isa()) {
    case Isa::kAvx512:
      return conv_avx512::direct_c1_rows;
    case Isa::kAvx2:
      return conv_avx2::direct_c1_rows;
    default:
      return nullptr;
  }
}

// The gradient of a convolution's output as a fused max pool hands it back.
struct PooledGrad {
  const float* dpooled;
  const float* pooled;
  const int32_t* argmax;  // indices into output planes out_w_full wide
  bool relu;
  int out_w_full;
};

// A 2x2 / stride-2 "valid" pool never reads an odd last output row or column, so the fused
// kernels run the convolution on the geometry cropped to the pooled rows and columns (an 11x11
// output: 100 of its 121 pixels, 17% less work in every pass). Only the output size changes:
// the input, its padding and the taps read are the same.
ConvGeometry crop_to_pool(const ConvGeometry& g) {
  ConvGeometry c = g;
  c.out_h = g.out_h / 2 * 2;
  c.out_w = g.out_w / 2 * 2;
  return c;
}

// Per-thread blocks of one chunk: its column matrix and its [k, chunk*ohw] output/gradient.
thread_local ScratchBuffer t_col;
thread_local ScratchBuffer t_mat;

// The batch is cut into chunks of whole images whose column block stays in L2, and the chunks
// into a fixed number of groups (one weight-gradient partial each). Both depend on the geometry
// alone, never on the thread count, so every sum is formed in the same order whatever the
// number of threads.
constexpr int64_t kChunkFloats = 96 * 1024;  // col + Y' blocks: 384 KiB of the 1 MiB L2
constexpr int64_t kMinChunks = 8;            // enough chunks to share among threads
constexpr int64_t kMaxGroups = 8;

struct ChunkPlan {
  int64_t per_chunk, chunks, groups;
  int64_t first(int64_t chunk) const { return chunk * per_chunk; }
  int64_t chunk_begin(int64_t group) const { return group * chunks / groups; }
};

ChunkPlan plan_chunks(const ConvGeometry& g) {
  const int64_t kdim = int64_t{g.c} * g.kh * g.kw;
  const int64_t per_image = (kdim + g.k) * g.out_h * g.out_w;
  int64_t per_chunk = std::max<int64_t>(1, kChunkFloats / per_image);
  per_chunk = std::min(per_chunk, (g.n + kMinChunks - 1) / kMinChunks);
  per_chunk = std::max<int64_t>(per_chunk, 1);
  ChunkPlan p{};
  p.per_chunk = per_chunk;
  p.chunks = (g.n + per_chunk - 1) / per_chunk;
  p.groups = std::min(p.chunks, kMaxGroups);
  return p;
}

// Column block of images [i0, i1): col[(c,p,q), (img - i0)*ohw + s], row stride (i1-i0)*ohw.
void im2col_images(const ConvGeometry& g, const TapRanges& taps, const float* x, int64_t i0,
                   int64_t i1, float* col) {
  const int64_t ohw = int64_t{g.out_h} * g.out_w;
  const int64_t ncols = (i1 - i0) * ohw;
  const int64_t hw = int64_t{g.h} * g.w;
  const int64_t taps_n = int64_t{g.kh} * g.kw;
  if (active_isa() == Isa::kAvx512 && conv_avx512::im2col_block(g, x, i0, i1, col)) return;
  const Im2colPlaneFn simd = simd_im2col(g);
  for (int64_t ch = 0; ch < g.c; ++ch) {
    for (int64_t img = i0; img < i1; ++img) {
      const float* plane = x + (img * g.c + ch) * hw;
      float* dst = col + ch * taps_n * ncols + (img - i0) * ohw;
      if (simd != nullptr) {
        simd(g, plane, dst, ncols);
      } else {
        im2col_plane_portable(g, taps, plane, dst, ncols);
      }
    }
  }
}

// dx planes of images [i0, i1) from their column-gradient block (overwrites them).
void col2im_images(const ConvGeometry& g, const TapRanges& taps, const float* dcol, int64_t i0,
                   int64_t i1, float* dx) {
  const int64_t ohw = int64_t{g.out_h} * g.out_w;
  const int64_t ncols = (i1 - i0) * ohw;
  const int64_t hw = int64_t{g.h} * g.w;
  const int64_t taps_n = int64_t{g.kh} * g.kw;
  const Col2imPlaneFn simd = simd_col2im(g);
  for (int64_t img = i0; img < i1; ++img) {
    for (int64_t ch = 0; ch < g.c; ++ch) {
      float* plane = dx + (img * g.c + ch) * hw;
      const float* src = dcol + ch * taps_n * ncols + (img - i0) * ohw;
      if (simd != nullptr) {
        simd(g, src, ncols, plane);
      } else {
        col2im_plane_portable(g, taps, src, ncols, plane);
      }
    }
  }
}

// d[i] = y[i] > 0 ? s[i] : 0 (branch-free: the compiler turns it into vector selects).
inline void relu_mask_copy(float* __restrict d, const float* __restrict s,
                           const float* __restrict y, int64_t n) {
  for (int64_t i = 0; i < n; ++i) {
    const float v = s[i];  // loaded unconditionally, so the select needs no branch
    d[i] = y[i] > 0.0f ? v : 0.0f;
  }
}
// d[i] = max(s[i] + b, 0) or s[i] + b; d may equal s (in place).
inline void add_bias_relu(float* d, const float* s, float b, int64_t n) {
  for (int64_t i = 0; i < n; ++i) d[i] = std::max(s[i] + b, 0.0f);
}
inline void add_bias(float* d, const float* s, float b, int64_t n) {
  for (int64_t i = 0; i < n; ++i) d[i] = s[i] + b;
}

// y[img, k, s] = act(yt[k, (img - i0)*ohw + s] + bias[k]) for images [i0, i1); act is ReLU
// (max(z, 0)) or the identity. yt may equal y when the chunk is one image (in place).
void store_output(const ConvGeometry& g, const float* yt, const float* bias, bool relu, int64_t i0,
                  int64_t i1, float* y) {
  const int64_t ohw = int64_t{g.out_h} * g.out_w;
  const int64_t ncols = (i1 - i0) * ohw;
  for (int64_t img = i0; img < i1; ++img) {
    for (int64_t ch = 0; ch < g.k; ++ch) {
      const float* s = yt + ch * ncols + (img - i0) * ohw;
      float* d = y + (img * g.k + ch) * ohw;
      const float b = bias != nullptr ? bias[ch] : 0.0f;
      if (relu) {
        add_bias_relu(d, s, b, ohw);
      } else {
        add_bias(d, s, b, ohw);
      }
    }
  }
}

// dyt[k, (img - i0)*ohw + s] = dz[img, k, s] with dz = dy, or dy * [y > 0] (the ReLU derivative)
// when relu_y is given.
void load_gradient(const ConvGeometry& g, const float* dy, const float* relu_y, int64_t i0,
                   int64_t i1, float* dyt) {
  const int64_t ohw = int64_t{g.out_h} * g.out_w;
  const int64_t ncols = (i1 - i0) * ohw;
  for (int64_t img = i0; img < i1; ++img) {
    for (int64_t ch = 0; ch < g.k; ++ch) {
      const int64_t at = (img * g.k + ch) * ohw;
      float* d = dyt + ch * ncols + (img - i0) * ohw;
      if (relu_y != nullptr) {
        relu_mask_copy(d, dy + at, relu_y + at, ohw);
      } else {
        std::memcpy(d, dy + at, sizeof(float) * size_t(ohw));
      }
    }
  }
}

// The same for a convolution whose output went through a fused 2x2 / stride-2 max pool: dz is 0
// except at each window's chosen cell, which gets the pooled gradient (times [pooled > 0] for a
// ReLU: the chosen cell's activation is the pooled value). Windows do not overlap.
void load_pooled_gradient(const ConvGeometry& g, const PooledGrad& pg, int64_t i0, int64_t i1,
                          float* dyt) {
  const int64_t ohw = int64_t{g.out_h} * g.out_w;
  const int64_t ncols = (i1 - i0) * ohw;
  const int64_t pohw = int64_t{g.out_h / 2} * (g.out_w / 2);
  if (active_isa() == Isa::kAvx512 && g.out_h % 2 == 0 && g.out_w % 2 == 0) {
    for (int64_t img = i0; img < i1; ++img) {
      for (int64_t ch = 0; ch < g.k; ++ch) {
        const int64_t at = (img * g.k + ch) * pohw;
        conv_avx512::pooled_grad_plane(pg.dpooled + at, pg.pooled + at, pg.argmax + at, pg.relu,
                                       g.out_h / 2, g.out_w / 2, pg.out_w_full,
                                       dyt + ch * ncols + (img - i0) * ohw, g.out_w);
      }
    }
    return;
  }
  std::memset(dyt, 0, sizeof(float) * size_t(g.k * ncols));
  for (int64_t img = i0; img < i1; ++img) {
    for (int64_t ch = 0; ch < g.k; ++ch) {
      const int64_t at = (img * g.k + ch) * pohw;
      const float* dp = pg.dpooled + at;
      const float* pv = pg.pooled + at;
      const int32_t* arg = pg.argmax + at;
      float* d = dyt + ch * ncols + (img - i0) * ohw;
      if (pg.out_w_full != g.out_w) {
        // Window (i, j)'s cell in row r = 2i or 2i + 1 of the full plane is in row r of the
        // cropped one: index - r * (columns dropped per row).
        const int32_t full = pg.out_w_full, skip = pg.out_w_full - g.out_w;
        const int ph = g.out_h / 2, pw = g.out_w / 2;
        for (int i = 0, o = 0; i < ph; ++i) {
          const int32_t second_row = (2 * i + 1) * full;
          for (int j = 0; j < pw; ++j, ++o) {
            const int32_t r = 2 * i + (arg[o] >= second_row ? 1 : 0);
            d[arg[o] - r * skip] = !pg.relu || pv[o] > 0.0f ? dp[o] : 0.0f;
          }
        }
      } else if (pg.relu) {
        for (int64_t o = 0; o < pohw; ++o) d[arg[o]] = pv[o] > 0.0f ? dp[o] : 0.0f;
      } else {
        for (int64_t o = 0; o < pohw; ++o) d[arg[o]] = dp[o];
      }
    }
  }
}

// db_acc[k] += the sum of row k of dyt [k, ncols] (16 float lanes in a fixed order, then double).
void add_row_sums(const ConvGeometry& g, const float* dyt, int64_t ncols, double* db_acc) {
  constexpr int kLanes = 16;
  for (int64_t ch = 0; ch < g.k; ++ch) {
    const float* row = dyt + ch * ncols;
    float lanes[kLanes] = {};
    int64_t s = 0;
    for (; s + kLanes <= ncols; s += kLanes) {
      for (int l = 0; l < kLanes; ++l) lanes[l] += row[s + l];
    }
    for (; s < ncols; ++s) lanes[0] += row[s];
    double total = 0.0;
    for (int l = 0; l < kLanes; ++l) total += lanes[l];
    db_acc[ch] += total;
  }
}

// Pools every (image, channel) plane of the chunk block yt [k, (i1 - i0)*ohw] with 2x2 windows,
// stride 2: pooled [n, k, out_h/2, out_w/2] and argmax (index within a conv output plane
// out_w_full >= g.out_w wide; null for inference, where a one-row scratch takes the indices).
void pool_chunk(const ConvGeometry& g, const float* yt, int64_t i0, int64_t i1, float* pooled,
                int32_t* argmax, int out_w_full) {
  const MaxPoolRowFn row_kernel = maxpool2x2_row_kernel();
  const int64_t ohw = int64_t{g.out_h} * g.out_w;
  const int64_t ncols = (i1 - i0) * ohw;
  const int ph = g.out_h / 2, pw = g.out_w / 2;
  const int64_t pohw = int64_t{ph} * pw;
  std::vector<int32_t> row_arg(argmax == nullptr ? static_cast<size_t>(pw) : 0);
  for (int64_t img = i0; img < i1; ++img) {
    for (int64_t ch = 0; ch < g.k; ++ch) {
      const float* plane = yt + ch * ncols + (img - i0) * ohw;
      const int64_t at = (img * g.k + ch) * pohw;
      for (int i = 0; i < ph; ++i) {
        row_kernel(plane, 2 * i * g.out_w, g.out_w, pw, pooled + at + int64_t{i} * pw,
                   argmax != nullptr ? argmax + at + int64_t{i} * pw : row_arg.data());
        if (argmax != nullptr && out_w_full != g.out_w) {  // rows 2i, 2i+1 of the full plane
          int32_t* arg = argmax + at + int64_t{i} * pw;
          for (int j = 0; j < pw; ++j) arg[j] += (arg[j] / g.out_w) * (out_w_full - g.out_w);
        }
      }
    }
  }
}

void check_forward_args(const ConvGeometry& g, const float* x, const float* w, const float* y,
                        const char* fn) {
  check_geometry(g, fn);
  check_ptr(x, fn, "x");
  check_ptr(w, fn, "w");
  check_ptr(y, fn, "y");
}

}  // namespace

ConvGeometry make_conv_geometry(int n, int c, int h, int w, int k, int kh, int kw, int stride_h,
                                int stride_w, bool same_padding) {
  ConvGeometry g;
  g.n = n;
  g.c = c;
  g.h = h;
  g.w = w;
  g.k = k;
  g.kh = kh;
  g.kw = kw;
  g.stride_h = stride_h;
  g.stride_w = stride_w;
  if (n <= 0 || c <= 0 || h <= 0 || w <= 0 || k <= 0 || kh <= 0 || kw <= 0 || stride_h <= 0 ||
      stride_w <= 0) {
    throw Error("make_conv_geometry: all sizes and strides must be >= 1 (" + describe(g) + ")");
  }
  if (same_padding) {
    // out = ceil(in / stride); total pad = max((out - 1) * stride + k - in, 0), top = total / 2.
    g.out_h = (h + stride_h - 1) / stride_h;
    g.out_w = (w + stride_w - 1) / stride_w;
    g.pad_top = std::max((g.out_h - 1) * stride_h + kh - h, 0) / 2;
    g.pad_left = std::max((g.out_w - 1) * stride_w + kw - w, 0) / 2;
  } else {
    if (kh > h || kw > w) {
      throw Error("make_conv_geometry: valid padding needs the kernel (" + std::to_string(kh) +
                  "x" + std::to_string(kw) + ") to fit in the input (" + std::to_string(h) + "x" +
                  std::to_string(w) + ")");
    }
    g.out_h = (h - kh) / stride_h + 1;
    g.out_w = (w - kw) / stride_w + 1;
  }
  check_geometry(g, "make_conv_geometry");
  return g;
}

size_t conv2d_workspace_floats(const ConvGeometry& g) {
  check_geometry(g, "conv2d_workspace_floats");
  const ChunkPlan plan = plan_chunks(g);
  const size_t kdim = size_t(g.c) * size_t(g.kh) * size_t(g.kw);
  // One weight-gradient partial [k, kdim] plus one double bias partial [k] per group.
  return size_t(plan.groups) * (size_t(g.k) * kdim + 2 * size_t(g.k)) + 2;
}

namespace {

thread_local std::vector<int32_t> t_row_arg;

// Forward of a single-channel convolution by direct_c1_rows, image by image (im2col would copy
// each pixel kh*kw times for a GEMM with a depth of only kh*kw). With a fused pool, two output
// rows of every filter at a time are computed into an L1-sized block and pooled from there.
void forward_direct_c1(const ConvGeometry& g, DirectC1Fn direct, const float* x, const float* w,
                       const float* bias, bool relu, float* y, float* pooled, int32_t* argmax) {
  const int64_t hw = int64_t{g.h} * g.w;
  const int64_t ohw = int64_t{g.out_h} * g.out_w;
  const int ow = g.out_w, ph = g.out_h / 2, pw = g.out_w / 2;
  const int64_t pohw = int64_t{ph} * pw;
  const MaxPoolRowFn row_kernel = pooled != nullptr ? maxpool2x2_row_kernel() : nullptr;
  const bool pool_in_registers = active_isa() == Isa::kAvx512;
  parallel_for(g.n, 1, [&](int64_t n0, int64_t n1) {
    // The image is copied so that the last vector of its last row may read past it.
    constexpr int64_t kSlack = 16;
    float* plane = t_col.get(hw + kSlack);
    zero_floats(plane + hw, kSlack);
    float* rows = pooled != nullptr ? t_mat.get(int64_t{g.k} * 2 * ow) : nullptr;
    if (pooled != nullptr && argmax == nullptr) t_row_arg.resize(static_cast<size_t>(pw));
    for (int64_t img = n0; img < n1; ++img) {
      copy_floats(plane, x + img * hw, hw);
      if (pooled == nullptr) {
        direct(g, plane, w, bias, relu, 0, g.out_h, y + img * g.k * ohw, ohw);
        continue;
      }
      if (pool_in_registers && conv_avx512::direct_c1_pool_image(
                                   g, plane, w, bias, relu, pooled + img * g.k * pohw,
                                   argmax != nullptr ? argmax + img * g.k * pohw : nullptr)) {
        continue;
      }
      for (int i = 0; i < ph; ++i) {
        direct(g, plane, w, bias, relu, 2 * i, 2 * i + 2, rows, 2 * ow);
        for (int64_t ch = 0; ch < g.k; ++ch) {
          const int64_t at = (img * g.k + ch) * pohw + int64_t{i} * pw;
          int32_t* arg = argmax != nullptr ? argmax + at : t_row_arg.data();
          row_kernel(rows + ch * 2 * ow, 0, ow, pw, pooled + at, arg);
          if (argmax != nullptr) {  // indices into the whole output plane, not the two rows
            for (int j = 0; j < pw; ++j) arg[j] += 2 * i * ow;
          }
        }
      }
    }
  });
}

// Forward over the chunks; `pooled`/`argmax` non-null: 2x2 max pool fused into the store.
// With a pool, g is the cropped geometry (crop_to_pool) and argmax indexes planes out_w_full wide.
void forward_impl(const ConvGeometry& g, const float* x, const float* w, const float* bias,
                  bool relu, float* y, float* pooled, int32_t* argmax, int out_w_full) {
  if (const DirectC1Fn direct = simd_direct_c1(g)) {
    forward_direct_c1(g, direct, x, w, bias, relu, y, pooled, argmax);
    return;
  }
  const ChunkPlan plan = plan_chunks(g);
  const int kdim = g.c * g.kh * g.kw;
  const int64_t ohw = int64_t{g.out_h} * g.out_w;
  const TapRanges taps(g);
  // Chunks split between threads in contiguous runs; a single chunk (one image) runs on the
  // calling thread so that its GEMM can use the pool.
  parallel_for(plan.chunks, 1, [&](int64_t c0, int64_t c1) {
    for (int64_t chunk = c0; chunk < c1; ++chunk) {
      const int64_t i0 = plan.first(chunk);
      const int64_t i1 = std::min<int64_t>(g.n, i0 + plan.per_chunk);
      const int ncols = static_cast<int>((i1 - i0) * ohw);
      float* col = t_col.get(int64_t{kdim} * ncols);
      im2col_images(g, taps, x, i0, i1, col);
      // Y'[k, chunk*ohw] = W[k, c*kh*kw] * col; for one image Y' is already its NCHW block.
      const bool direct = pooled == nullptr && i1 - i0 == 1;
      float* yt = direct ? y + i0 * g.k * ohw : t_mat.get(int64_t{g.k} * ncols);
      gemm(false, false, g.k, ncols, kdim, 1.0f, w, kdim, col, ncols, 0.0f, yt, ncols);
      if (pooled != nullptr) {
        for (int64_t ch = 0; ch < g.k; ++ch) {  // act(Y' + b) in place, then pool it
          float* row = yt + ch * ncols;
          const float b = bias != nullptr ? bias[ch] : 0.0f;
          if (relu) {
            add_bias_relu(row, row, b, ncols);
          } else if (bias != nullptr) {
            add_bias(row, row, b, ncols);
          }
        }
        pool_chunk(g, yt, i0, i1, pooled, argmax, out_w_full);
      } else if (bias != nullptr || relu || !direct) {
        store_output(g, yt, bias, relu, i0, i1, y);
      }
    }
  });
}

// Both backward passes over the chunks: load(i0, i1, dyt) writes a chunk's output gradient
// dY'[k, (i1 - i0)*ohw].
template <class Load>
void backward_impl(const ConvGeometry& g, const float* x, const float* w, float* dw, float* db,
                   float* dx, float* workspace, Load&& load) {
  const ChunkPlan plan = plan_chunks(g);
  const int kdim = g.c * g.kh * g.kw;
  const int64_t ohw = int64_t{g.out_h} * g.out_w;
  const int64_t wsize = int64_t{g.k} * kdim;
  const TapRanges taps(g);
  // Group partials: dW_g [k, kdim] floats, then db_g [k] doubles (8-byte aligned).
  float* dw_parts = workspace;
  double* db_parts = nullptr;
  if (workspace != nullptr) {
    const int64_t off = (plan.groups * wsize + 1) / 2 * 2;
    db_parts = reinterpret_cast<double*>(workspace + off);
  }
  const bool direct = plan.groups == 1;  // one group accumulates straight into dw
  auto run_group = [&](int64_t grp) {
    float* dw_g = dw == nullptr ? nullptr : (direct ? dw : dw_parts + grp * wsize);
    double* db_g = db == nullptr ? nullptr : db_parts + grp * g.k;
    if (db_g != nullptr) std::fill(db_g, db_g + g.k, 0.0);
    for (int64_t chunk = plan.chunk_begin(grp); chunk < plan.chunk_begin(grp + 1); ++chunk) {
      const int64_t i0 = plan.first(chunk);
      const int64_t i1 = std::min<int64_t>(g.n, i0 + plan.per_chunk);
      const int ncols = static_cast<int>((i1 - i0) * ohw);
      float* dyt = t_mat.get(int64_t{g.k} * ncols);
      load(i0, i1, dyt);
      if (db_g != nullptr) add_row_sums(g, dyt, ncols, db_g);
      float* col = t_col.get(int64_t{kdim} * ncols);
      if (dw_g != nullptr) {
        // dW_g[k, c*kh*kw] (+)= dY'[k, chunk*ohw] * col^T
        im2col_images(g, taps, x, i0, i1, col);
        const float beta = direct || chunk != plan.chunk_begin(grp) ? 1.0f : 0.0f;
        gemm(false, true, g.k, kdim, ncols, 1.0f, dyt, ncols, col, ncols, beta, dw_g, kdim);
      }
      if (dx != nullptr) {
        // dcol[c*kh*kw, chunk*ohw] = W^T * dY', then the overlapping windows are summed into dx.
        gemm(true, false, kdim, ncols, g.k, 1.0f, w, kdim, dyt, ncols, 0.0f, col, ncols);
        col2im_images(g, taps, col, i0, i1, dx);
      }
    }
  };
  ThreadPool::global().run(static_cast<int>(std::min<int64_t>(num_threads(), plan.groups)),
                           [&](int tid, int nt) {
                             const int64_t g0 = plan.groups * tid / nt;
                             const int64_t g1 = plan.groups * (tid + 1) / nt;
                             for (int64_t grp = g0; grp < g1; ++grp) run_group(grp);
                           });
  // dw += ((dW_0 + dW_1) + ...) and db += sum_g db_g, in group order.
  if (dw != nullptr && !direct) {
    parallel_for(wsize, 4096, [&](int64_t e0, int64_t e1) {
      for (int64_t e = e0; e < e1; ++e) {
        float s = dw_parts[e];
        for (int64_t grp = 1; grp < plan.groups; ++grp) s += dw_parts[grp * wsize + e];
        dw[e] += s;
      }
    });
  }
  if (db != nullptr) {
    for (int ch = 0; ch < g.k; ++ch) {
      double s = 0.0;
      for (int64_t grp = 0; grp < plan.groups; ++grp) s += db_parts[grp * g.k + ch];
      db[ch] = static_cast<float>(db[ch] + s);
    }
  }
}

void check_backward_args(const ConvGeometry& g, const float* x, const float* w, const float* dw,
                         const float* db, const float* dx, const float* workspace, const char* fn) {
  check_geometry(g, fn);
  if (dw != nullptr) check_ptr(x, fn, "x");
  if (dx != nullptr) check_ptr(w, fn, "w");
  if (dw != nullptr || db != nullptr) check_ptr(workspace, fn, "workspace");
}

void check_poolable(const ConvGeometry& g, const char* fn) {
  if (g.out_h < 2 || g.out_w < 2) {
    throw Error(std::string(fn) + ": a 2x2 max pool needs an output of at least 2x2 (" +
                describe(g) + ")");
  }
}

}  // namespace

void conv2d_forward(const ConvGeometry& g, const float* x, const float* w, const float* bias,
                    float* y, float* /*workspace*/) {
  conv2d_forward_relu(g, x, w, bias, false, y);
}

void conv2d_forward_relu(const ConvGeometry& g, const float* x, const float* w, const float* bias,
                         bool relu, float* y) {
  check_forward_args(g, x, w, y, "conv2d_forward");
  forward_impl(g, x, w, bias, relu, y, nullptr, nullptr, g.out_w);
}

void conv2d_forward_maxpool(const ConvGeometry& g, const float* x, const float* w,
                            const float* bias, bool relu, float* pooled, int32_t* argmax) {
  constexpr const char* kFn = "conv2d_forward_maxpool";
  check_forward_args(g, x, w, pooled, kFn);
  check_poolable(g, kFn);
  if (const ConvGeometry gc = crop_to_pool(g); winograd_applies(gc)) {
    winograd_forward_maxpool(gc, x, w, bias, relu, pooled, argmax, g.out_w);
    return;
  }
  // The direct single-channel kernel pools what it computes: it keeps the full geometry.
  const ConvGeometry gf = simd_direct_c1(g) != nullptr ? g : crop_to_pool(g);
  forward_impl(gf, x, w, bias, relu, nullptr, pooled, argmax, g.out_w);
}

void conv2d_backward(const ConvGeometry& g, const float* x, const float* dy, const float* relu_y,
                     const float* w, float* dw, float* db, float* dx, float* workspace) {
  constexpr const char* kFn = "conv2d_backward";
  check_backward_args(g, x, w, dw, db, dx, workspace, kFn);
  check_ptr(dy, kFn, "dy");
  backward_impl(g, x, w, dw, db, dx, workspace, [&](int64_t i0, int64_t i1, float* dyt) {
    load_gradient(g, dy, relu_y, i0, i1, dyt);
  });
}

void conv2d_backward_maxpool(const ConvGeometry& g, const float* x, const float* dpooled,
                             const float* pooled, const int32_t* argmax, bool relu, const float* w,
                             float* dw, float* db, float* dx, float* workspace) {
  constexpr const char* kFn = "conv2d_backward_maxpool";
  check_backward_args(g, x, w, dw, db, dx, workspace, kFn);
  check_ptr(dpooled, kFn, "dpooled");
  check_ptr(pooled, kFn, "pooled");
  check_ptr(argmax, kFn, "argmax");
  check_poolable(g, kFn);
  // dz is zero on the rows and columns the pool drops: the cropped geometry gives the same
  // gradients (dx of the input pixels only they read is written as 0).
  const PooledGrad pg{dpooled, pooled, argmax, relu, g.out_w};
  const ConvGeometry gc = crop_to_pool(g);
  if (winograd_backward_data_applies(gc)) {  // all by F(2x2, 3x3)
    if (dx != nullptr) {
      winograd_backward_data_maxpool(gc, dpooled, pooled, argmax, relu, g.out_w, w, dx);
    }
    if (dw != nullptr) {
      winograd_backward_weights_maxpool(gc, x, dpooled, pooled, argmax, relu, g.out_w, dw, db);
      return;
    }
    if (db == nullptr) return;
    dx = nullptr;  // db alone: the chunked loop below
  }
  backward_impl(gc, x, w, dw, db, dx, workspace, [&](int64_t i0, int64_t i1, float* dyt) {
    load_pooled_gradient(gc, pg, i0, i1, dyt);
  });
}

void conv2d_backward_data(const ConvGeometry& g, const float* dy, const float* w, float* dx,
                          float* workspace) {
  constexpr const char* kFn = "conv2d_backward_data";
  check_geometry(g, kFn);
  check_ptr(dy, kFn, "dy");
  check_ptr(w, kFn, "w");
  check_ptr(dx, kFn, "dx");
  check_ptr(workspace, kFn, "workspace");
  conv2d_backward(g, nullptr, dy, nullptr, w, nullptr, nullptr, dx, workspace);
}

void conv2d_backward_weights(const ConvGeometry& g, const float* x, const float* dy, float* dw,
                             float* db, float* workspace) {
  constexpr const char* kFn = "conv2d_backward_weights";
  check_geometry(g, kFn);
  check_ptr(x, kFn, "x");
  check_ptr(dy, kFn, "dy");
  check_ptr(dw, kFn, "dw");
  check_ptr(workspace, kFn, "workspace");
  conv2d_backward(g, x, dy, nullptr, nullptr, dw, db, nullptr, workspace);
}

}  // namespace inkstone::kernels
