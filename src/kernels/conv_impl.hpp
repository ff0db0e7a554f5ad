// Private: SIMD per-plane im2col / col2im (contract in conv_kernels.hpp), written once against a
// small masked-vector wrapper and compiled by conv_avx512.cpp (16 lanes) and conv_avx2.cpp
// (8 lanes), each defining INK_CONV_NS before including this file. Same ODR rules as
// activations_impl.hpp: only <immintrin.h>, <cstdint> and declarations-only headers; helpers live
// in an anonymous namespace.
//
// Every row segment is one masked load + one store per vector: the load mask covers the columns
// that fall inside the input, so the zero padding costs nothing. col2im gathers: each output row
// of the plane is summed in registers over all taps and stored once.
#pragma once
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"  // GCC 12 AVX-512 intrinsics' false
#pragma GCC diagnostic ignored "-Wuninitialized"        // positives (see activations_impl.hpp)
#include <immintrin.h>

#include <cstdint>

#include "kernels/conv_kernels.hpp"

#ifndef INK_CONV_NS
#error "define INK_CONV_NS before including conv_impl.hpp"
#endif

namespace inkstone::kernels::INK_CONV_NS {

namespace {

#if defined(__AVX512F__)
constexpr int kW = 16;
using V = __m512;
using M = __mmask16;
// Lanes l with lo <= l < hi (any ints).
inline M lanes(int lo, int hi) {
  lo = lo < 0 ? 0 : (lo > kW ? kW : lo);
  hi = hi < 0 ? 0 : (hi > kW ? kW : hi);
  const uint32_t below_hi = (1u << hi) - 1u, below_lo = (1u << lo) - 1u;
  return static_cast<M>(below_hi & ~below_lo);
}
inline V zero() {
  return _mm512_setzero_ps();
}
inline V load(M m, const float* p) {
  return _mm512_maskz_loadu_ps(m, p);
}  // 0 where m is off
inline void store(M m, float* p, V v) {
  _mm512_mask_storeu_ps(p, m, v);
}
inline void store_all(float* p, V v) {
  _mm512_storeu_ps(p, v);
}
inline V load_all(const float* p) {
  return _mm512_loadu_ps(p);
}
inline V add(V a, V b) {
  return _mm512_add_ps(a, b);
}
inline V fmadd(V a, V b, V c) {
  return _mm512_fmadd_ps(a, b, c);
}
inline V set1(float v) {
  return _mm512_set1_ps(v);
}
inline V max_ps(V a, V b) {
  return _mm512_max_ps(a, b);
}  // a > b ? a : b
#else
constexpr int kW = 8;
using V = __m256;
using M = __m256i;
inline M lanes(int lo, int hi) {
  const __m256i l = _mm256_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7);
  const __m256i ge_lo = _mm256_cmpgt_epi32(l, _mm256_set1_epi32(lo - 1));
  const __m256i lt_hi = _mm256_cmpgt_epi32(_mm256_set1_epi32(hi), l);
  return _mm256_and_si256(ge_lo, lt_hi);
}
inline V zero() {
  return _mm256_setzero_ps();
}
inline V load(M m, const float* p) {
  return _mm256_maskload_ps(p, m);
}  // masked lanes: 0, no fault
inline void store(M m, float* p, V v) {
  _mm256_maskstore_ps(p, m, v);
}
inline void store_all(float* p, V v) {
  _mm256_storeu_ps(p, v);
}
inline V load_all(const float* p) {
  return _mm256_loadu_ps(p);
}
inline V add(V a, V b) {
  return _mm256_add_ps(a, b);
}
inline V fmadd(V a, V b, V c) {
  return _mm256_fmadd_ps(a, b, c);
}
inline V set1(float v) {
  return _mm256_set1_ps(v);
}
inline V max_ps(V a, V b) {
  return _mm256_max_ps(a, b);
}  // a > b ? a : b
#endif

// Stores the first n (> 0) lanes of v at p, where p + kW may run past the row but [p, end) is
// scratch that later stores of the same task overwrite: a full store when it stays below `end`
// (masked stores are slow on some CPUs, e.g. AMD's), else a masked one.
inline void store_row(float* p, int n, V v, const float* end) {
  if (p + kW <= end) {
    store_all(p, v);
  } else {
    store(lanes(0, n), p, v);
  }
}

}  // namespace

void im2col_plane(const ConvGeometry& g, const float* plane, float* dst, int64_t ncols) {
  const int ow = g.out_w;
  const int64_t ohw = int64_t{g.out_h} * ow;
  const float* plane_end = plane + int64_t{g.h} * g.w;
  // Taps column-major: the load masks depend only on q (and the chunk), so they are computed
  // once per q rather than per row (the mask arithmetic costs more than the copy on small
  // planes).
  for (int q = 0; q < g.kw; ++q) {
    const int off = q - g.pad_left;  // input column of output column j: j + off
    // Lanes whose input column j0 + l + off lies inside the row; the others read as 0 without
    // touching memory (the load may start left of the row).
    const M first = lanes(-off, g.w - off);
    const bool inside = off >= 0 && ow - 1 + off < g.w;  // every kept lane reads the row
    for (int p = 0; p < g.kh; ++p) {
      // The tap's segment [seg, seg + ohw) is written row after row, so a store may spill into
      // the rows after it: they are written next.
      float* seg = dst + int64_t{p * g.kw + q} * ncols;
      const float* seg_end = seg + ohw;
      for (int i = 0; i < g.out_h; ++i) {
        float* d = seg + int64_t{i} * ow;
        const int ih = i * g.stride_h + p - g.pad_top;
        if (ih < 0 || ih >= g.h) {
          for (int j0 = 0; j0 < ow; j0 += kW) store_row(d + j0, ow - j0, zero(), seg_end);
          continue;
        }
        const float* s = plane + int64_t{ih} * g.w + off;
        if (ow <= kW) {  // one vector per row: the common small-plane case
          // With no padding in play the whole vector lies inside the plane: a plain load (the
          // lanes past the row are never kept), which is much cheaper than a masked one.
          store_row(d, ow, inside && s + kW <= plane_end ? load_all(s) : load(first, s), seg_end);
          continue;
        }
        for (int j0 = 0; j0 < ow; j0 += kW) {
          store_row(d + j0, ow - j0, load(lanes(-off - j0, g.w - off - j0), s + j0), seg_end);
        }
      }
    }
  }
}

namespace {

// One output vector of a direct convolution: `lanes` columns of output row `row` from column j0.
struct OutVec {
  int row, j0, lanes;
};

// G filters x S output vectors of a direct single-channel convolution, register-blocked as a
// GEMM micro-kernel is: per tap, S shifted input vectors and G broadcast weights feed G*S fused
// multiply-adds (loads per FMA: (G + S) / (G * S)).
template <int G, int S>
inline void direct_c1_accumulate(const ConvGeometry& g, const float* plane, const float* w,
                                 const OutVec* vec, V (&acc)[G][S]) {
  const int taps = g.kh * g.kw;
  for (int f = 0; f < G; ++f)
    for (int s = 0; s < S; ++s) acc[f][s] = zero();
  for (int p = 0; p < g.kh; ++p) {
    const float* src[S];
    for (int s = 0; s < S; ++s) src[s] = plane + int64_t{vec[s].row + p} * g.w + vec[s].j0;
    for (int q = 0; q < g.kw; ++q) {
      V xv[S];
      for (int s = 0; s < S; ++s) xv[s] = load_all(src[s] + q);
      const float* wt = w + p * g.kw + q;
      for (int f = 0; f < G; ++f) {
        const V wv = set1(wt[f * taps]);
        for (int s = 0; s < S; ++s) acc[f][s] = fmadd(wv, xv[s], acc[f][s]);
      }
    }
  }
}

// act(acc + b): ReLU as max(z, 0) = (0 > z ? 0 : z), std::max's NaN and zero-sign behaviour.
inline V bias_act(V acc, V b, bool relu) {
  const V v = add(acc, b);
  return relu ? max_ps(zero(), v) : v;
}

// G filters x S output vectors of a direct single-channel convolution, register-blocked as a
// GEMM micro-kernel is: per tap, S shifted input vectors and G broadcast weights feed G*S fused
// multiply-adds (loads per FMA: (G + S) / (G * S)).
template <int G, int S>
void direct_c1_block(const ConvGeometry& g, const float* plane, const float* w, const float* bias,
                     bool relu, const OutVec* vec, int r0, int r1, float* out, int64_t out_stride) {
  const int ow = g.out_w;
  V acc[G][S];
  direct_c1_accumulate<G, S>(g, plane, w, vec, acc);
  for (int f = 0; f < G; ++f) {
    const V b = set1(bias != nullptr ? bias[f] : 0.0f);
    float* plane_out = out + f * out_stride;
    const float* end = plane_out + int64_t{r1 - r0} * ow;
    for (int s = 0; s < S; ++s) {
      // A row's last vector may spill into the next row of the same filter (written later);
      // only the block's very last vector is masked.
      store_row(plane_out + int64_t{vec[s].row - r0} * ow + vec[s].j0, vec[s].lanes,
                bias_act(acc[f][s], b, relu), end);
    }
  }
}

#if defined(__AVX512F__)
constexpr int kDirectFilters = 4;  // 16 accumulators + 4 inputs + 1 weight of 32 registers
#else
constexpr int kDirectFilters = 2;  // 8 accumulators + 4 inputs + 1 weight of 16 registers
#endif
constexpr int kDirectVectors = 4;

}  // namespace

// Filter groups outermost, so that the stores of one group run along its own few output planes
// (interleaving the rows of every filter scatters small writes over all planes, which costs
// read-for-ownership traffic once the output no longer fits in cache).
void direct_c1_rows(const ConvGeometry& g, const float* plane, const float* w, const float* bias,
                    bool relu, int r0, int r1, float* out, int64_t out_stride) {
  const int taps = g.kh * g.kw;
  for (int f = 0; f < g.k;) {
    const int group = g.k - f >= kDirectFilters ? kDirectFilters : 1;
    const float* wf = w + int64_t{f} * taps;
    const float* bf = bias != nullptr ? bias + f : nullptr;
    float* of = out + f * out_stride;
    // The output vectors of rows [r0, r1) in order, kDirectVectors at a time.
    OutVec vec[kDirectVectors];
    int n = 0;
    const auto flush = [&] {
      if (n == 0) return;
      if (group == kDirectFilters) {
        switch (n) {
          case 1:
            direct_c1_block<kDirectFilters, 1>(g, plane, wf, bf, relu, vec, r0, r1, of, out_stride);
            break;
          case 2:
            direct_c1_block<kDirectFilters, 2>(g, plane, wf, bf, relu, vec, r0, r1, of, out_stride);
            break;
          case 3:
            direct_c1_block<kDirectFilters, 3>(g, plane, wf, bf, relu, vec, r0, r1, of, out_stride);
            break;
          default:
            direct_c1_block<kDirectFilters, 4>(g, plane, wf, bf, relu, vec, r0, r1, of, out_stride);
            break;
        }
      } else {
        switch (n) {
          case 1:
            direct_c1_block<1, 1>(g, plane, wf, bf, relu, vec, r0, r1, of, out_stride);
            break;
          case 2:
            direct_c1_block<1, 2>(g, plane, wf, bf, relu, vec, r0, r1, of, out_stride);
            break;
          case 3:
            direct_c1_block<1, 3>(g, plane, wf, bf, relu, vec, r0, r1, of, out_stride);
            break;
          default:
            direct_c1_block<1, 4>(g, plane, wf, bf, relu, vec, r0, r1, of, out_stride);
            break;
        }
      }
      n = 0;
    };
    for (int r = r0; r < r1; ++r) {
      for (int j0 = 0; j0 < g.out_w; j0 += kW) {
        vec[n++] = OutVec{r, j0, g.out_w - j0 < kW ? g.out_w - j0 : kW};
        if (n == kDirectVectors) flush();
      }
    }
    flush();
    f += group;
  }
}

#if defined(__AVX512F__)
namespace {

// Takes c where best is not NaN and !(c <= best): c > best, or c is NaN (the pool kernels' rule:
// ties keep the first cell, the first NaN wins).
inline void take_max(V c, __m512i ci, V& best, __m512i& bi) {
  const M ordered = _mm512_cmp_ps_mask(best, best, _CMP_ORD_Q);
  const M t = _mm512_mask_cmp_ps_mask(ordered, c, best, _CMP_NLE_UQ);
  best = _mm512_mask_mov_ps(best, t, c);
  bi = _mm512_mask_mov_epi32(bi, t, ci);
}

// G filters of pooled row i: output rows 2i and 2i+1 as two vectors each (columns [0, 16) and
// [16, out_w)), activated, then pooled in registers exactly as maxpool2x2_row_avx512 pools them.
template <int G>
void direct_c1_pool_block(const ConvGeometry& g, const float* plane, const float* w,
                          const float* bias, bool relu, int i, float* pooled, int32_t* argmax,
                          int64_t pohw) {
  const int ow = g.out_w, pw = ow / 2;
  const OutVec vec[4] = {
      {2 * i, 0, kW}, {2 * i, kW, ow - kW}, {2 * i + 1, 0, kW}, {2 * i + 1, kW, ow - kW}};
  V acc[G][4];
  direct_c1_accumulate<G, 4>(g, plane, w, vec, acc);
  const __m512i even = _mm512_setr_epi32(0, 2, 4, 6, 8, 10, 12, 14, 16, 18, 20, 22, 24, 26, 28, 30);
  const __m512i odd = _mm512_add_epi32(even, _mm512_set1_epi32(1));
  const __m512i i00 = _mm512_add_epi32(_mm512_set1_epi32(2 * i * ow), even);
  const M out = lanes(0, pw);
  for (int f = 0; f < G; ++f) {
    const V b = set1(bias != nullptr ? bias[f] : 0.0f);
    const V a0 = bias_act(acc[f][0], b, relu), a1 = bias_act(acc[f][1], b, relu);
    const V b0 = bias_act(acc[f][2], b, relu), b1 = bias_act(acc[f][3], b, relu);
    V best = _mm512_permutex2var_ps(a0, even, a1);
    __m512i bi = i00;
    take_max(_mm512_permutex2var_ps(a0, odd, a1), _mm512_add_epi32(i00, _mm512_set1_epi32(1)), best,
             bi);
    take_max(_mm512_permutex2var_ps(b0, even, b1), _mm512_add_epi32(i00, _mm512_set1_epi32(ow)),
             best, bi);
    take_max(_mm512_permutex2var_ps(b0, odd, b1), _mm512_add_epi32(i00, _mm512_set1_epi32(ow + 1)),
             best, bi);
    const int64_t at = f * pohw + int64_t{i} * pw;
    if (i + 1 < g.out_h / 2) {
      // Full stores (the lanes past this pooled row land on the next one, written next): a
      // masked store to memory outside the cache is many times slower on AMD's cores.
      store_all(pooled + at, best);
      if (argmax != nullptr) _mm512_storeu_si512(argmax + at, bi);
    } else {
      store(out, pooled + at, best);
      if (argmax != nullptr) _mm512_mask_storeu_epi32(argmax + at, out, bi);
    }
  }
}

}  // namespace

bool direct_c1_pool_image(const ConvGeometry& g, const float* plane, const float* w,
                          const float* bias, bool relu, float* pooled, int32_t* argmax) {
  if (g.out_w <= kW || g.out_w > 2 * kW) return false;
  const int taps = g.kh * g.kw, ph = g.out_h / 2;
  const int64_t pohw = int64_t{ph} * (g.out_w / 2);
  // Filter groups outermost: each group's pooled rows are written along its own planes.
  for (int f = 0; f < g.k;) {
    const int group = g.k - f >= kDirectFilters ? kDirectFilters : 1;
    const float* wf = w + int64_t{f} * taps;
    const float* bf = bias != nullptr ? bias + f : nullptr;
    float* pf = pooled + f * pohw;
    int32_t* af = argmax != nullptr ? argmax + f * pohw : nullptr;
    for (int i = 0; i < ph; ++i) {
      if (group == kDirectFilters) {
        direct_c1_pool_block<kDirectFilters>(g, plane, wf, bf, relu, i, pf, af, pohw);
      } else {
        direct_c1_pool_block<1>(g, plane, wf, bf, relu, i, pf, af, pohw);
      }
    }
    f += group;
  }
  return true;
}
#else
bool direct_c1_pool_image(const ConvGeometry&, const float*, const float*, const float*, bool,
                          float*, int32_t*) {
  return false;
}
#endif

#if defined(__AVX512F__)
// Unpadded, stride-1 convolutions: tap (p, q)'s segment is dst[s] = plane[p*w + q + off[s]] with
// off[s] = (s / ow) * w + s % ow for s < ohw, the same offsets for every tap. Each 16-lane
// vector of the segment reads a window of at most 32 floats (when its lanes span few row
// breaks), so it is two loads and one two-source permute, with the window start and permute
// indices computed once per block instead of per row and tap.
bool im2col_block(const ConvGeometry& g, const float* x, int64_t i0, int64_t i1, float* col) {
  constexpr int kMaxVectors = 64;
  if (g.pad_top != 0 || g.pad_left != 0 || g.stride_h != 1 || g.stride_w != 1) return false;
  const int ow = g.out_w;
  const int ohw = g.out_h * ow;
  const int vectors = (ohw + kW - 1) / kW;
  if (vectors > kMaxVectors) return false;
  int start[kMaxVectors];
  __m512i perm[kMaxVectors];
  for (int v = 0; v < vectors; ++v) {
    alignas(64) int32_t idx[kW];
    const int s0 = v * kW;
    start[v] = (s0 / ow) * g.w + s0 % ow;
    for (int l = 0; l < kW; ++l) {
      const int s = s0 + l < ohw ? s0 + l : s0;
      idx[l] = (s / ow) * g.w + s % ow - start[v];
      if (idx[l] >= 2 * kW) return false;  // the lanes span too many row breaks
    }
    perm[v] = _mm512_load_si512(idx);
  }
  const M tail = lanes(0, ohw - (vectors - 1) * kW);
  const int64_t hw = int64_t{g.h} * g.w;
  const int64_t ncols = (i1 - i0) * ohw;
  const int taps = g.kh * g.kw;
  for (int64_t ch = 0; ch < g.c; ++ch) {
    for (int64_t img = i0; img < i1; ++img) {
      const float* plane = x + (img * g.c + ch) * hw;
      const float* plane_end = plane + hw;
      float* dst = col + ch * taps * ncols + (img - i0) * ohw;
      for (int p = 0; p < g.kh; ++p) {
        for (int q = 0; q < g.kw; ++q) {
          const float* base = plane + p * g.w + q;
          float* seg = dst + int64_t{p * g.kw + q} * ncols;
          for (int v = 0; v < vectors; ++v) {
            const float* w0 = base + start[v];
            V lo, hi;
            if (w0 + 2 * kW <= plane_end) {
              lo = load_all(w0);
              hi = load_all(w0 + kW);
            } else {  // the window runs past the plane: keep only what lies inside it
              const int64_t left = plane_end - w0;
              lo = load(lanes(0, static_cast<int>(left)), w0);
              hi = load(lanes(0, static_cast<int>(left - kW)), w0 + kW);
            }
            const V out = _mm512_permutex2var_ps(lo, perm[v], hi);
            if (v + 1 < vectors) {
              store_all(seg + v * kW, out);
            } else {
              store(tail, seg + v * kW, out);
            }
          }
        }
      }
    }
  }
  return true;
}
#else
bool im2col_block(const ConvGeometry&, const float*, int64_t, int64_t, float*) {
  return false;
}
#endif

#if defined(__AVX512F__)
bool pooled_grad_plane(const float* dpooled, const float* pooled, const int32_t* argmax, bool relu,
                       int ph, int pw, int out_w_full, float* d, int64_t ld) {
  const int ow = 2 * pw;
  // Lane l of 16 columns belongs to window l / 2 of the 8 loaded.
  const __m512i dup = _mm512_setr_epi32(0, 0, 1, 1, 2, 2, 3, 3, 4, 4, 5, 5, 6, 6, 7, 7);
  const __m512i iota = _mm512_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15);
  for (int i = 0; i < ph; ++i) {
    const int64_t at = int64_t{i} * pw;
    for (int c0 = 0; c0 < ow; c0 += kW) {
      const int j0 = c0 / 2;
      const M in = lanes(0, pw - j0 < 8 ? pw - j0 : 8);
      __m512 gv = _mm512_maskz_loadu_ps(in, dpooled + at + j0);
      if (relu) {
        const __m512 pv = _mm512_maskz_loadu_ps(in, pooled + at + j0);
        gv = _mm512_maskz_mov_ps(_mm512_cmp_ps_mask(pv, _mm512_setzero_ps(), _CMP_GT_OQ), gv);
      }
      const __m512 g2 = _mm512_permutexvar_ps(dup, gv);
      const __m512i a2 =
          _mm512_permutexvar_epi32(dup, _mm512_maskz_loadu_epi32(in, argmax + at + j0));
      const M out = lanes(0, ow - c0);
      for (int di = 0; di < 2; ++di) {
        const __m512i cell =
            _mm512_add_epi32(iota, _mm512_set1_epi32((2 * i + di) * out_w_full + c0));
        const M hit = _mm512_cmpeq_epi32_mask(a2, cell);
        store(out, d + (2 * i + di) * ld + c0, _mm512_maskz_mov_ps(hit, g2));
      }
    }
  }
  return true;
}
#else
bool pooled_grad_plane(const float*, const float*, const int32_t*, bool, int, int, int, float*,
                       int64_t) {
  return false;
}
#endif

void col2im_plane(const ConvGeometry& g, const float* src, int64_t ncols, float* plane) {
  const int ow = g.out_w;
  const float* plane_end = plane + int64_t{g.h} * g.w;  // rows are stored in order: may spill
  // Lane l of input-column chunk c0 comes from output column j = c0 + l + pad_left - q of tap
  // column q: the load starts at j0 = c0 + pad_left - q and keeps lanes with 0 <= j0 + l < ow.
  // For planes one vector wide (c0 = 0 only) the masks are computed once per q.
  constexpr int kMaxCached = 32;
  M cached[kMaxCached];
  const bool one_chunk = g.w <= kW && g.kw <= kMaxCached;
  if (one_chunk) {
    for (int q = 0; q < g.kw; ++q) cached[q] = lanes(q - g.pad_left, ow + q - g.pad_left);
  }
  for (int ih = 0; ih < g.h; ++ih) {
    float* drow = plane + int64_t{ih} * g.w;
    for (int c0 = 0; c0 < g.w; c0 += kW) {
      V acc = zero();
      for (int p = 0; p < g.kh; ++p) {
        // Output row i reads input row ih when i*sh + p - pad_top == ih.
        const int t = ih + g.pad_top - p;
        if (t < 0) continue;
        int i = t;
        if (g.stride_h != 1) {
          if (t % g.stride_h != 0) continue;
          i = t / g.stride_h;
        }
        if (i >= g.out_h) continue;
        const float* srow = src + int64_t{p * g.kw} * ncols + int64_t{i} * ow + c0 + g.pad_left;
        for (int q = 0; q < g.kw; ++q) {
          const int j0 = c0 + g.pad_left - q;
          const M m = one_chunk ? cached[q] : lanes(-j0, ow - j0);
          acc = add(acc, load(m, srow + int64_t{q} * ncols - q));
        }
      }
      store_row(drow + c0, g.w - c0, acc, plane_end);
    }
  }
}

}  // namespace inkstone::kernels::INK_CONV_NS
