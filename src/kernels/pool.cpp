// Max and average pooling over NCHW planes (see include/inkstone/kernels/pool.hpp).
#include "inkstone/kernels/pool.hpp"

#include <emmintrin.h>

#include <algorithm>
#include <climits>
#include <string>

#include "inkstone/kernels/cpu.hpp"
#include "inkstone/kernels/thread_pool.hpp"
#include "inkstone/tensor/error.hpp"
#include "kernels/pool_kernels.hpp"

namespace inkstone::kernels {

namespace {

// Below about this many floats of work a task is not worth a pool wake-up.
constexpr int64_t kMinFloatsPerTask = 16384;

std::string describe(const PoolGeometry& g) {
  return "planes=" + std::to_string(g.planes) + " h=" + std::to_string(g.h) +
         " w=" + std::to_string(g.w) + " window=" + std::to_string(g.ph) + "x" +
         std::to_string(g.pw) + " stride=" + std::to_string(g.stride_h) + "x" +
         std::to_string(g.stride_w) + " pad=" + std::to_string(g.pad_top) + "," +
         std::to_string(g.pad_left) + " out=" + std::to_string(g.out_h) + "x" +
         std::to_string(g.out_w);
}

// Every window must hold at least one input cell: pad < window, and the last window must start
// inside the plane. Plane indices must fit the int32 argmax.
void check_geometry(const PoolGeometry& g, const char* fn) {
  const bool ok = g.planes > 0 && g.h > 0 && g.w > 0 && g.ph > 0 && g.pw > 0 && g.stride_h > 0 &&
                  g.stride_w > 0 && g.out_h > 0 && g.out_w > 0 && g.pad_top >= 0 &&
                  g.pad_left >= 0 && g.pad_top < g.ph && g.pad_left < g.pw &&
                  int64_t{g.out_h - 1} * g.stride_h - g.pad_top < g.h &&
                  int64_t{g.out_w - 1} * g.stride_w - g.pad_left < g.w &&
                  int64_t{g.h} * g.w <= INT32_MAX;
  if (!ok) {
    throw Error(std::string(fn) + ": invalid pooling geometry (" + describe(g) +
                "): every window must overlap the input");
  }
}

void check_ptr(const void* p, const char* fn, const char* what) {
  if (p == nullptr) throw Error(std::string(fn) + ": " + what + " is null");
}

// Input rows (or columns) [lo, hi) of window o.
struct Span {
  int lo, hi;
};
Span window(int o, int stride, int pad, int size, int pool) {
  const int start = o * stride - pad;
  return {std::max(start, 0), std::min(start + pool, size)};
}

// Runs fn(plane) for every plane, split over the pool with a fixed partition.
template <typename Fn>
void for_planes(const PoolGeometry& g, Fn&& fn) {
  const int64_t per_plane = int64_t{g.h} * g.w + int64_t{g.out_h} * g.out_w;
  const int64_t grain = std::max<int64_t>(1, kMinFloatsPerTask / per_plane);
  parallel_for(g.planes, grain, [&](int64_t p0, int64_t p1) {
    for (int64_t p = p0; p < p1; ++p) fn(p);
  });
}

// best/index update of the max pool: take v when v > best, or v is the first NaN.
inline void take_max(float v, int32_t vi, float& best, int32_t& bi) {
  if (v > best || (v != v && best == best)) {
    best = v;
    bi = vi;
  }
}

// m ? a : b, lane by lane (SSE2 has no blend instruction).
inline __m128 select_ps(__m128 m, __m128 a, __m128 b) {
  return _mm_or_ps(_mm_and_ps(m, a), _mm_andnot_ps(m, b));
}
inline __m128i select_epi32(__m128 m, __m128i a, __m128i b) {
  const __m128i mi = _mm_castps_si128(m);
  return _mm_or_si128(_mm_and_si128(mi, a), _mm_andnot_si128(mi, b));
}
// The take_max rule on 4 lanes: v > best, or v is NaN while best is not.
inline void take_max4(__m128 v, __m128i vi, __m128& best, __m128i& bi) {
  const __m128 take = _mm_or_ps(_mm_cmpgt_ps(v, best),
                                _mm_and_ps(_mm_cmpunord_ps(v, v), _mm_cmpord_ps(best, best)));
  best = select_ps(take, v, best);
  bi = select_epi32(take, vi, bi);
}

// One output row of the 2x2 / stride-2 / unpadded case (the seed CNN's) for the scalar ISA level,
// 4 outputs at a time with SSE2 (part of x86-64); contract in kernels/pool_kernels.hpp. The AVX2
// and AVX-512 versions compute exactly the same results.
void maxpool2x2_row_sse2(const float* plane, int32_t row0, int32_t w, int32_t out_w, float* y,
                         int32_t* arg) {
  const float* r0 = plane + row0;
  const float* r1 = r0 + w;
  int j = 0;
  const __m128i step = _mm_setr_epi32(0, 2, 4, 6);
  for (; j + 4 <= out_w; j += 4) {
    const __m128 a0 = _mm_loadu_ps(r0 + 2 * j), a1 = _mm_loadu_ps(r0 + 2 * j + 4);
    const __m128 b0 = _mm_loadu_ps(r1 + 2 * j), b1 = _mm_loadu_ps(r1 + 2 * j + 4);
    const __m128i i00 = _mm_add_epi32(_mm_set1_epi32(row0 + 2 * j), step);
    __m128 best = _mm_shuffle_ps(a0, a1, _MM_SHUFFLE(2, 0, 2, 0));  // even columns, row 0
    __m128i bi = i00;
    take_max4(_mm_shuffle_ps(a0, a1, _MM_SHUFFLE(3, 1, 3, 1)),
              _mm_add_epi32(i00, _mm_set1_epi32(1)), best, bi);
    take_max4(_mm_shuffle_ps(b0, b1, _MM_SHUFFLE(2, 0, 2, 0)),
              _mm_add_epi32(i00, _mm_set1_epi32(w)), best, bi);
    take_max4(_mm_shuffle_ps(b0, b1, _MM_SHUFFLE(3, 1, 3, 1)),
              _mm_add_epi32(i00, _mm_set1_epi32(w + 1)), best, bi);
    _mm_storeu_ps(y + j, best);
    _mm_storeu_si128(reinterpret_cast<__m128i*>(arg + j), bi);
  }
  for (; j < out_w; ++j) {
    float best = r0[2 * j];
    int32_t bi = row0 + 2 * j;
    take_max(r0[2 * j + 1], row0 + 2 * j + 1, best, bi);
    take_max(r1[2 * j], row0 + w + 2 * j, best, bi);
    take_max(r1[2 * j + 1], row0 + w + 2 * j + 1, best, bi);
    y[j] = best;
    arg[j] = bi;
  }
}

}  // namespace

PoolGeometry make_pool_geometry(int planes, int h, int w, int ph, int pw, int stride_h,
                                int stride_w, bool same_padding) {
  PoolGeometry g;
  g.planes = planes;
  g.h = h;
  g.w = w;
  g.ph = ph;
  g.pw = pw;
  g.stride_h = stride_h;
  g.stride_w = stride_w;
  if (planes <= 0 || h <= 0 || w <= 0 || ph <= 0 || pw <= 0 || stride_h <= 0 || stride_w <= 0) {
    throw Error("make_pool_geometry: all sizes and strides must be >= 1 (" + describe(g) + ")");
  }
  if (same_padding) {
    // out = ceil(in / stride); total pad = max((out - 1) * stride + p - in, 0), top = total / 2.
    g.out_h = (h + stride_h - 1) / stride_h;
    g.out_w = (w + stride_w - 1) / stride_w;
    g.pad_top = std::max((g.out_h - 1) * stride_h + ph - h, 0) / 2;
    g.pad_left = std::max((g.out_w - 1) * stride_w + pw - w, 0) / 2;
  } else {
    if (ph > h || pw > w) {
      throw Error("make_pool_geometry: valid padding needs the window (" + std::to_string(ph) +
                  "x" + std::to_string(pw) + ") to fit in the input (" + std::to_string(h) + "x" +
                  std::to_string(w) + ")");
    }
    g.out_h = (h - ph) / stride_h + 1;
    g.out_w = (w - pw) / stride_w + 1;
  }
  check_geometry(g, "make_pool_geometry");
  return g;
}

MaxPoolRowFn maxpool2x2_row_kernel() {
  switch (active_isa()) {
    case Isa::kAvx512:
      return maxpool2x2_row_avx512;
    case Isa::kAvx2:
      return maxpool2x2_row_avx2;
    default:
      return maxpool2x2_row_sse2;
  }
}

void maxpool_forward(const PoolGeometry& g, const float* x, float* y, int32_t* argmax) {
  constexpr const char* kFn = "maxpool_forward";
  check_geometry(g, kFn);
  check_ptr(x, kFn, "x");
  check_ptr(y, kFn, "y");
  check_ptr(argmax, kFn, "argmax");
  const int64_t hw = int64_t{g.h} * g.w;
  const int64_t ohw = int64_t{g.out_h} * g.out_w;
  const bool fast2x2 = g.ph == 2 && g.pw == 2 && g.stride_h == 2 && g.stride_w == 2 &&
                       g.pad_top == 0 && g.pad_left == 0 && 2 * g.out_h <= g.h &&
                       2 * g.out_w <= g.w;
  const MaxPoolRowFn row_kernel = maxpool2x2_row_kernel();
  for_planes(g, [&](int64_t plane) {
    const float* xp = x + plane * hw;
    float* yp = y + plane * ohw;
    int32_t* ap = argmax + plane * ohw;
    if (fast2x2) {
      for (int i = 0; i < g.out_h; ++i) {
        row_kernel(xp, 2 * i * g.w, g.w, g.out_w, yp + i * g.out_w, ap + i * g.out_w);
      }
      return;
    }
    for (int i = 0; i < g.out_h; ++i) {
      const Span rs = window(i, g.stride_h, g.pad_top, g.h, g.ph);
      for (int j = 0; j < g.out_w; ++j) {
        const Span cs = window(j, g.stride_w, g.pad_left, g.w, g.pw);
        int best_i = rs.lo * g.w + cs.lo;
        float best = xp[best_i];
        for (int r = rs.lo; r < rs.hi; ++r) {
          for (int c = cs.lo; c < cs.hi; ++c) {
            // Strictly greater keeps the first maximum; the first NaN wins and stays.
            take_max(xp[r * g.w + c], r * g.w + c, best, best_i);
          }
        }
        yp[i * g.out_w + j] = best;
        ap[i * g.out_w + j] = best_i;
      }
    }
  });
}

void maxpool_backward(const PoolGeometry& g, const float* dy, const int32_t* argmax, float* dx) {
  constexpr const char* kFn = "maxpool_backward";
  check_geometry(g, kFn);
  check_ptr(dy, kFn, "dy");
  check_ptr(argmax, kFn, "argmax");
  check_ptr(dx, kFn, "dx");
  const int64_t hw = int64_t{g.h} * g.w;
  const int64_t ohw = int64_t{g.out_h} * g.out_w;
  for_planes(g, [&](int64_t plane) {
    float* dxp = dx + plane * hw;
    const float* dyp = dy + plane * ohw;
    const int32_t* ap = argmax + plane * ohw;
    std::fill(dxp, dxp + hw, 0.0f);
    for (int64_t o = 0; o < ohw; ++o) {
      const int32_t idx = ap[o];
      if (idx >= 0 && idx < hw) dxp[idx] += dyp[o];
    }
  });
}

void avgpool_forward(const PoolGeometry& g, const float* x, float* y) {
  constexpr const char* kFn = "avgpool_forward";
  check_geometry(g, kFn);
  check_ptr(x, kFn, "x");
  check_ptr(y, kFn, "y");
  const int64_t hw = int64_t{g.h} * g.w;
  const int64_t ohw = int64_t{g.out_h} * g.out_w;
  for_planes(g, [&](int64_t plane) {
    const float* xp = x + plane * hw;
    float* yp = y + plane * ohw;
    for (int i = 0; i < g.out_h; ++i) {
      const Span rs = window(i, g.stride_h, g.pad_top, g.h, g.ph);
      for (int j = 0; j < g.out_w; ++j) {
        const Span cs = window(j, g.stride_w, g.pad_left, g.w, g.pw);
        // y = (1 / count) * sum over the valid cells
        float sum = 0.0f;
        for (int r = rs.lo; r < rs.hi; ++r) {
          for (int c = cs.lo; c < cs.hi; ++c) sum += xp[r * g.w + c];
        }
        const int count = (rs.hi - rs.lo) * (cs.hi - cs.lo);
        yp[i * g.out_w + j] = sum / static_cast<float>(count);
      }
    }
  });
}

void avgpool_backward(const PoolGeometry& g, const float* dy, float* dx) {
  constexpr const char* kFn = "avgpool_backward";
  check_geometry(g, kFn);
  check_ptr(dy, kFn, "dy");
  check_ptr(dx, kFn, "dx");
  const int64_t hw = int64_t{g.h} * g.w;
  const int64_t ohw = int64_t{g.out_h} * g.out_w;
  for_planes(g, [&](int64_t plane) {
    float* dxp = dx + plane * hw;
    const float* dyp = dy + plane * ohw;
    std::fill(dxp, dxp + hw, 0.0f);
    for (int i = 0; i < g.out_h; ++i) {
      const Span rs = window(i, g.stride_h, g.pad_top, g.h, g.ph);
      for (int j = 0; j < g.out_w; ++j) {
        const Span cs = window(j, g.stride_w, g.pad_left, g.w, g.pw);
        // dx[cell] += dy / count for each valid cell of the window
        const int count = (rs.hi - rs.lo) * (cs.hi - cs.lo);
        const float share = dyp[i * g.out_w + j] / static_cast<float>(count);
        for (int r = rs.lo; r < rs.hi; ++r) {
          for (int c = cs.lo; c < cs.hi; ++c) dxp[r * g.w + c] += share;
        }
      }
    }
  });
}

}  // namespace inkstone::kernels
