// 2-D convolution as im2col + GEMM (see include/inkstone/kernels/conv.hpp for the formulas).
#include "inkstone/kernels/conv.hpp"

#include <algorithm>
#include <climits>
#include <cstdint>
#include <cstring>
#include <string>

#include "inkstone/kernels/cpu.hpp"
#include "inkstone/kernels/gemm.hpp"
#include "inkstone/kernels/thread_pool.hpp"
#include "inkstone/tensor/error.hpp"
#include "kernels/conv_kernels.hpp"

namespace inkstone::kernels {

namespace {

// Below about this many floats of work a task is not worth a pool wake-up.
constexpr int64_t kMinFloatsPerTask = 16384;

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

// Grain (in tasks) so that each task does at least kMinFloatsPerTask floats of work.
int64_t grain_for(int64_t floats_per_task) {
  return std::max<int64_t>(1, kMinFloatsPerTask / std::max<int64_t>(1, floats_per_task));
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

// col[(c,p,q), (n,i,j)] = x[n, c, i*sh + p - pad_top, j*sw + q - pad_left], 0 outside.
// One task per (channel, image) plane: it writes kh*kw row segments of out_h*out_w floats.
void im2col(const ConvGeometry& g, const float* x, float* col) {
  const int64_t ohw = int64_t{g.out_h} * g.out_w;
  const int64_t ncols = g.n * ohw;
  const int64_t hw = int64_t{g.h} * g.w;
  const int64_t taps_n = int64_t{g.kh} * g.kw;
  const TapRanges taps(g);
  const Im2colPlaneFn simd = simd_im2col(g);
  parallel_for(int64_t{g.n} * g.c, grain_for(ohw * taps_n), [&](int64_t t0, int64_t t1) {
    for (int64_t t = t0; t < t1; ++t) {
      const int64_t ch = t / g.n;  // channel-major: consecutive tasks fill the same col rows
      const int64_t img = t % g.n;
      const float* plane = x + (img * g.c + ch) * hw;
      float* dst = col + ch * taps_n * ncols + img * ohw;
      if (simd != nullptr) {
        simd(g, plane, dst, ncols);
      } else {
        im2col_plane_portable(g, taps, plane, dst, ncols);
      }
    }
  });
}

// dx[n, c, ih, iw] = sum over (p,q,i,j) hitting (ih, iw) of dcol[(c,p,q), (n,i,j)].
// One task per (channel, image) plane, which it alone writes; the order of the sums is fixed
// for a given instruction set.
void col2im(const ConvGeometry& g, const float* col, float* dx) {
  const int64_t ohw = int64_t{g.out_h} * g.out_w;
  const int64_t ncols = g.n * ohw;
  const int64_t hw = int64_t{g.h} * g.w;
  const int64_t taps_n = int64_t{g.kh} * g.kw;
  const TapRanges taps(g);
  const Col2imPlaneFn simd = simd_col2im(g);
  parallel_for(int64_t{g.n} * g.c, grain_for(ohw * taps_n), [&](int64_t t0, int64_t t1) {
    for (int64_t t = t0; t < t1; ++t) {
      const int64_t ch = t / g.n;  // channel-major: consecutive tasks fill the same col rows
      const int64_t img = t % g.n;
      float* plane = dx + (img * g.c + ch) * hw;
      const float* src = col + ch * taps_n * ncols + img * ohw;
      if (simd != nullptr) {
        simd(g, src, ncols, plane);
      } else {
        col2im_plane_portable(g, taps, src, ncols, plane);
      }
    }
  });
}

// y[n, k, s] = yt[k, n*ohw + s] + bias[k]  (NCHW from the GEMM's [k, n*ohw] layout).
void scatter_bias(const ConvGeometry& g, const float* yt, const float* bias, float* y) {
  const int64_t ohw = int64_t{g.out_h} * g.out_w;
  const int64_t ncols = g.n * ohw;
  parallel_for(int64_t{g.n} * g.k, grain_for(ohw), [&](int64_t t0, int64_t t1) {
    for (int64_t t = t0; t < t1; ++t) {
      const int64_t img = t / g.k;
      const int64_t ch = t % g.k;
      const float* s = yt + ch * ncols + img * ohw;
      float* d = y + t * ohw;
      const float b = bias != nullptr ? bias[ch] : 0.0f;
      for (int64_t i = 0; i < ohw; ++i) d[i] = s[i] + b;
    }
  });
}

// dyt[k, n*ohw + s] = dy[n, k, s]  (the inverse of the scatter).
void gather(const ConvGeometry& g, const float* dy, float* dyt) {
  const int64_t ohw = int64_t{g.out_h} * g.out_w;
  const int64_t ncols = g.n * ohw;
  parallel_for(int64_t{g.n} * g.k, grain_for(ohw), [&](int64_t t0, int64_t t1) {
    for (int64_t t = t0; t < t1; ++t) {
      const int64_t img = t / g.k;
      const int64_t ch = t % g.k;
      std::memcpy(dyt + ch * ncols + img * ohw, dy + t * ohw, sizeof(float) * ohw);
    }
  });
}

// db[k] += sum_s dyt[k, s]. Blocks of 512 are summed in 16 float lanes (vectorizable, fixed
// order), block sums in double, so long rows (n*ohw ~ 1e5) keep full float accuracy.
void add_row_sums(int64_t rows, int64_t cols, const float* m, float* out) {
  constexpr int kLanes = 16;
  constexpr int64_t kBlock = 512;
  parallel_for(rows, grain_for(cols), [&](int64_t r0, int64_t r1) {
    for (int64_t r = r0; r < r1; ++r) {
      const float* row = m + r * cols;
      double total = 0.0;
      for (int64_t b0 = 0; b0 < cols; b0 += kBlock) {
        const int64_t b1 = std::min(cols, b0 + kBlock);
        float lanes[kLanes] = {};
        int64_t s = b0;
        for (; s + kLanes <= b1; s += kLanes) {
          for (int l = 0; l < kLanes; ++l) lanes[l] += row[s + l];
        }
        for (; s < b1; ++s) lanes[0] += row[s];
        for (int l = 0; l < kLanes; ++l) total += lanes[l];
      }
      out[r] = static_cast<float>(out[r] + total);
    }
  });
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
  const size_t ncols = size_t(g.n) * size_t(g.out_h) * size_t(g.out_w);
  return (size_t(g.c) * size_t(g.kh) * size_t(g.kw) + size_t(g.k)) * ncols;
}

void conv2d_forward(const ConvGeometry& g, const float* x, const float* w, const float* bias,
                    float* y, float* workspace) {
  constexpr const char* kFn = "conv2d_forward";
  check_geometry(g, kFn);
  check_ptr(x, kFn, "x");
  check_ptr(w, kFn, "w");
  check_ptr(y, kFn, "y");
  check_ptr(workspace, kFn, "workspace");
  const int kdim = g.c * g.kh * g.kw;
  const int ncols = g.n * g.out_h * g.out_w;
  float* col = workspace;
  float* yt = workspace + int64_t{kdim} * ncols;
  im2col(g, x, col);
  if (g.n == 1) {
    // [k, ohw] is already NCHW for a single image: write y directly, then add the bias.
    gemm(false, false, g.k, ncols, kdim, 1.0f, w, kdim, col, ncols, 0.0f, y, ncols);
    if (bias != nullptr) scatter_bias(g, y, bias, y);
    return;
  }
  // Y'[k, n*ohw] = W[k, c*kh*kw] * col[c*kh*kw, n*ohw]
  gemm(false, false, g.k, ncols, kdim, 1.0f, w, kdim, col, ncols, 0.0f, yt, ncols);
  scatter_bias(g, yt, bias, y);
}

void conv2d_backward_data(const ConvGeometry& g, const float* dy, const float* w, float* dx,
                          float* workspace) {
  constexpr const char* kFn = "conv2d_backward_data";
  check_geometry(g, kFn);
  check_ptr(dy, kFn, "dy");
  check_ptr(w, kFn, "w");
  check_ptr(dx, kFn, "dx");
  check_ptr(workspace, kFn, "workspace");
  const int kdim = g.c * g.kh * g.kw;
  const int ncols = g.n * g.out_h * g.out_w;
  float* dcol = workspace;
  float* dyt = workspace + int64_t{kdim} * ncols;
  const float* dy_mat = dy;  // for one image dy is already [k, ohw]
  if (g.n > 1) {
    gather(g, dy, dyt);
    dy_mat = dyt;
  }
  // dcol[c*kh*kw, n*ohw] = W^T * dY'
  gemm(true, false, kdim, ncols, g.k, 1.0f, w, kdim, dy_mat, ncols, 0.0f, dcol, ncols);
  col2im(g, dcol, dx);
}

void conv2d_backward_weights(const ConvGeometry& g, const float* x, const float* dy, float* dw,
                             float* db, float* workspace) {
  constexpr const char* kFn = "conv2d_backward_weights";
  check_geometry(g, kFn);
  check_ptr(x, kFn, "x");
  check_ptr(dy, kFn, "dy");
  check_ptr(dw, kFn, "dw");
  check_ptr(workspace, kFn, "workspace");
  const int kdim = g.c * g.kh * g.kw;
  const int ncols = g.n * g.out_h * g.out_w;
  float* col = workspace;
  float* dyt = workspace + int64_t{kdim} * ncols;
  im2col(g, x, col);
  const float* dy_mat = dy;
  if (g.n > 1) {
    gather(g, dy, dyt);
    dy_mat = dyt;
  }
  // dW[k, c*kh*kw] += dY'[k, n*ohw] * col^T
  gemm(false, true, g.k, kdim, ncols, 1.0f, dy_mat, ncols, col, ncols, 1.0f, dw, kdim);
  if (db != nullptr) add_row_sums(g.k, ncols, dy_mat, db);
}

}  // namespace inkstone::kernels
