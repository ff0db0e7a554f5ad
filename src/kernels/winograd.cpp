// Winograd F(2x2, 3x3) convolution with a fused 2x2 max pool (formulas in winograd_kernels.hpp):
// filter transform, then per chunk of images the input transform, 16 GEMMs and the output
// transform with the pool, each thread taking whole chunks.
#include <algorithm>
#include <cstdint>
#include <vector>

#include "inkstone/kernels/cpu.hpp"
#include "inkstone/kernels/gemm.hpp"
#include "inkstone/kernels/thread_pool.hpp"
#include "kernels/conv_kernels.hpp"
#include "kernels/scratch_buffer.hpp"
#include "kernels/winograd_kernels.hpp"

namespace inkstone::kernels {

namespace {

constexpr int kElements = 16;  // a transformed tile is 4x4
constexpr int kMinImages = 8;
// V and M blocks of a chunk: 640 KiB, inside the L2 of the machines we measure on (1-2 MiB).
constexpr int64_t kChunkFloats = 160 * 1024;

thread_local ScratchBuffer t_filters;  // U, on the calling thread
thread_local ScratchBuffer t_block;    // V then M of one chunk, per worker thread
thread_local ScratchBuffer t_turned;   // the filters turned for the input gradient
thread_local ScratchBuffer t_parts;    // per-group dU partials, on the calling thread
thread_local std::vector<double> t_bias_parts;
constexpr int64_t kMaxGroups = 8;

// U[xi][f, c] = (G w[f, c] G^T)[xi] for the 4x4 elements xi = 4a + b:
//   (G g)[a, q] = g[0, q], (g[0,q] + g[1,q] + g[2,q]) / 2, (g[0,q] - g[1,q] + g[2,q]) / 2, g[2,q]
// and the same combination along the columns.
void transform_filters(const ConvGeometry& g, const float* w, float* u) {
  const int64_t fc = int64_t{g.k} * g.c;
  for (int64_t i = 0; i < fc; ++i) {
    const float* k3 = w + i * 9;
    float gk[4][3];
    for (int q = 0; q < 3; ++q) {
      gk[0][q] = k3[q];
      gk[1][q] = 0.5f * (k3[q] + k3[3 + q] + k3[6 + q]);
      gk[2][q] = 0.5f * (k3[q] - k3[3 + q] + k3[6 + q]);
      gk[3][q] = k3[6 + q];
    }
    for (int a = 0; a < 4; ++a) {
      const float* r = gk[a];
      const float e[4] = {r[0], 0.5f * (r[0] + r[1] + r[2]), 0.5f * (r[0] - r[1] + r[2]), r[2]};
      for (int b = 0; b < 4; ++b) u[(4 * a + b) * fc + i] = e[b];
    }
  }
}

// Whole images per chunk (per_image floats each): at most n / 8 of them, so that threads share
// the batch evenly. Each output is summed within one tile's GEMM column, so the chunking never
// changes a result.
int64_t images_per_chunk(const ConvGeometry& g, int64_t per_image) {
  return std::max<int64_t>(1, std::min<int64_t>(kChunkFloats / per_image, (int64_t{g.n} + 7) / 8));
}

// The geometry of the input gradient as a convolution: the output gradient zero-padded by 2 on
// every side, read by the turned filters (k and c swapped), giving out_h + 2 rows of dx.
ConvGeometry backward_data_geometry(const ConvGeometry& g) {
  ConvGeometry b = g;
  b.c = g.k;
  b.k = g.c;
  b.h = g.out_h + 4;
  b.w = g.out_w + 4;
  b.out_h = g.out_h + 2;
  b.out_w = g.out_w + 2;
  return b;
}

// Runs fn(i0, i1, ncols) on chunks of whole images [i0, i1) of per_image floats of blocks each
// (ncols = their tiles), the chunks split between threads.
template <class Fn>
void for_each_chunk(const ConvGeometry& g, int64_t tiles, int64_t per_image, Fn&& fn) {
  const int64_t per_chunk = images_per_chunk(g, per_image);
  const int64_t chunks = (g.n + per_chunk - 1) / per_chunk;
  parallel_for(chunks, 1, [&](int64_t c0, int64_t c1) {
    for (int64_t chunk = c0; chunk < c1; ++chunk) {
      const int64_t i0 = chunk * per_chunk;
      const int64_t i1 = std::min<int64_t>(g.n, i0 + per_chunk);
      fn(i0, i1, static_cast<int>((i1 - i0) * tiles));
    }
  });
}

// M[xi][rows, ncols] = U[xi][rows, depth] * V[xi][depth, ncols] for the 16 elements xi.
void multiply_elements(const float* u, int rows, int depth, const float* v, int ncols, float* m) {
  for (int xi = 0; xi < kElements; ++xi) {
    gemm(false, false, rows, ncols, depth, 1.0f, u + int64_t{xi} * rows * depth, depth,
         v + int64_t{xi} * depth * ncols, ncols, 0.0f, m + int64_t{xi} * rows * ncols, ncols);
  }
}

}  // namespace

bool winograd_applies(const ConvGeometry& g) {
  // Below kMinImages the filter transform and 16 small GEMM calls per chunk cost more than they
  // save (a single image took 205 us through the seed CNN, against 77 us by im2col + GEMM).
  return g.n >= kMinImages && active_isa() == Isa::kAvx512 && g.kh == 3 && g.kw == 3 &&
         g.stride_h == 1 && g.stride_w == 1 && g.pad_top == 0 && g.pad_left == 0 && g.w <= 16 &&
         g.out_h >= 2 && g.out_w >= 2 && g.out_h + 2 <= g.h && g.out_w + 2 <= g.w && g.c >= 8 &&
         g.k >= 8;
}

void winograd_forward_maxpool(const ConvGeometry& g, const float* x, const float* w,
                              const float* bias, bool relu, float* pooled, int32_t* argmax,
                              int out_w_full) {
  const int64_t tiles = int64_t{g.out_h / 2} * (g.out_w / 2);
  const int64_t hw = int64_t{g.h} * g.w;
  float* u = t_filters.get(kElements * int64_t{g.k} * g.c);
  transform_filters(g, w, u);
  const int64_t per_image = kElements * int64_t{g.c + g.k} * tiles;
  for_each_chunk(g, tiles, per_image, [&](int64_t i0, int64_t i1, int ncols) {
    float* v = t_block.get((i1 - i0) * per_image);
    float* m = v + kElements * int64_t{g.c} * ncols;
    for (int64_t img = i0; img < i1; ++img) {
      winograd_avx512::input_tiles(g, x + img * g.c * hw, ncols, (img - i0) * tiles, v);
    }
    multiply_elements(u, g.k, g.c, v, ncols, m);
    for (int64_t img = i0; img < i1; ++img) {
      const int64_t at = img * g.k * tiles;
      winograd_avx512::output_pool(g, m, ncols, (img - i0) * tiles, bias, relu, pooled + at,
                                   argmax != nullptr ? argmax + at : nullptr, out_w_full);
    }
  });
}

bool winograd_backward_data_applies(const ConvGeometry& g) {
  return g.out_h % 2 == 0 && g.out_w % 2 == 0 && g.out_h + 2 <= g.h && g.out_w + 2 <= g.w &&
         g.w <= 16 && winograd_applies(backward_data_geometry(g));
}

void winograd_backward_data_maxpool(const ConvGeometry& g, const float* dpooled,
                                    const float* pooled, const int32_t* argmax, bool relu,
                                    int out_w_full, const float* w, float* dx) {
  const ConvGeometry b = backward_data_geometry(g);
  const int64_t tiles = int64_t{b.out_h / 2} * (b.out_w / 2);
  const int64_t pad_plane = int64_t{b.h} * b.w;  // one padded output-gradient plane
  const int64_t dx_plane = int64_t{g.h} * g.w;
  const int64_t pooled_plane = int64_t{g.out_h / 2} * (g.out_w / 2);
  // w'[c, k, p, q] = w[k, c, 2 - p, 2 - q], then transformed.
  float* turned = t_turned.get(int64_t{g.k} * g.c * 9);
  for (int k = 0; k < g.k; ++k)
    for (int c = 0; c < g.c; ++c)
      for (int t = 0; t < 9; ++t)
        turned[(int64_t{c} * g.k + k) * 9 + t] = w[(int64_t{k} * g.c + c) * 9 + (8 - t)];
  float* u = t_filters.get(kElements * int64_t{g.k} * g.c);
  transform_filters(b, turned, u);
  const int64_t per_image = b.c * pad_plane + kElements * int64_t{b.c + b.k} * tiles;
  for_each_chunk(g, tiles, per_image, [&](int64_t i0, int64_t i1, int ncols) {
    float* dz = t_block.get((i1 - i0) * per_image);
    float* v = dz + (i1 - i0) * b.c * pad_plane;
    float* m = v + kElements * int64_t{b.c} * ncols;
    std::fill(dz, v, 0.0f);  // the zero border
    for (int64_t img = i0; img < i1; ++img) {
      float* dz_img = dz + (img - i0) * b.c * pad_plane;
      for (int64_t ch = 0; ch < g.k; ++ch) {  // dz inside the border, rows b.w apart
        const int64_t at = (img * g.k + ch) * pooled_plane;
        conv_avx512::pooled_grad_plane(dpooled + at, pooled + at, argmax + at, relu, g.out_h / 2,
                                       g.out_w / 2, out_w_full,
                                       dz_img + ch * pad_plane + 2 * b.w + 2, b.w);
      }
      winograd_avx512::input_tiles(b, dz_img, ncols, (img - i0) * tiles, v);
    }
    multiply_elements(u, b.k, b.c, v, ncols, m);
    for (int64_t img = i0; img < i1; ++img) {
      winograd_avx512::output_store(b, m, ncols, (img - i0) * tiles, dx + img * g.c * dx_plane, g.h,
                                    g.w);
    }
  });
}

void winograd_backward_weights_maxpool(const ConvGeometry& g, const float* x, const float* dpooled,
                                       const float* pooled, const int32_t* argmax, bool relu,
                                       int out_w_full, float* dw, float* db) {
  const int64_t tiles = int64_t{g.out_h / 2} * (g.out_w / 2);
  const int64_t hw = int64_t{g.h} * g.w;
  const int64_t usize = kElements * int64_t{g.k} * g.c;  // one dU
  const int64_t per_image = kElements * int64_t{g.c + g.k} * tiles;
  const int64_t per_chunk = images_per_chunk(g, per_image);
  const int64_t chunks = (g.n + per_chunk - 1) / per_chunk;
  const int64_t groups = std::min(chunks, kMaxGroups);
  float* parts = t_parts.get(groups * usize);
  t_bias_parts.assign(static_cast<size_t>(groups * g.k), 0.0);
  double* bias_parts = t_bias_parts.data();
  auto run_group = [&](int64_t grp) {
    float* du = parts + grp * usize;
    double* dbg = bias_parts + grp * g.k;
    const int64_t first = grp * chunks / groups, last = (grp + 1) * chunks / groups;
    for (int64_t chunk = first; chunk < last; ++chunk) {
      const int64_t i0 = chunk * per_chunk;
      const int64_t i1 = std::min<int64_t>(g.n, i0 + per_chunk);
      const int ncols = static_cast<int>((i1 - i0) * tiles);
      float* v = t_block.get((i1 - i0) * per_image);
      float* dm = v + kElements * int64_t{g.c} * ncols;
      for (int64_t img = i0; img < i1; ++img) {
        const int64_t at = img * g.k * tiles;
        winograd_avx512::input_tiles(g, x + img * g.c * hw, ncols, (img - i0) * tiles, v);
        winograd_avx512::pooled_grad_tiles(g, dpooled + at, pooled + at, argmax + at, relu,
                                           out_w_full, ncols, (img - i0) * tiles, dm);
      }
      if (db != nullptr) {
        // dM's element 5 (a = b = 1: A[1][0] = A[1][1] = 1) is each window's gradient: db sums
        // it in 16 float lanes in a fixed order, then in double.
        for (int64_t f = 0; f < g.k; ++f) {
          const float* row = dm + (5 * int64_t{g.k} + f) * ncols;
          float lanes[16] = {};
          int t = 0;
          for (; t + 16 <= ncols; t += 16)
            for (int l = 0; l < 16; ++l) lanes[l] += row[t + l];
          for (; t < ncols; ++t) lanes[t % 16] += row[t];
          double sum = 0.0;
          for (float lane : lanes) sum += lane;
          dbg[f] += sum;
        }
      }
      // dU[xi][k, c] (+)= dM[xi][k, tiles] * V[xi][c, tiles]^T
      const float beta = chunk == first ? 0.0f : 1.0f;
      for (int xi = 0; xi < kElements; ++xi) {
        gemm(false, true, g.k, g.c, ncols, 1.0f, dm + int64_t{xi} * g.k * ncols, ncols,
             v + int64_t{xi} * g.c * ncols, ncols, beta, du + int64_t{xi} * g.k * g.c, g.c);
      }
    }
  };
  ThreadPool::global().run(static_cast<int>(std::min<int64_t>(num_threads(), groups)),
                           [&](int tid, int nt) {
                             const int64_t g0 = groups * tid / nt, g1 = groups * (tid + 1) / nt;
                             for (int64_t grp = g0; grp < g1; ++grp) run_group(grp);
                           });
  // dU = sum of the group partials in group order, then dw += G^T dU G, with
  //   (G^T X)[0] = X0 + (X1 + X2)/2,  (G^T X)[1] = (X1 - X2)/2,  (G^T X)[2] = (X1 + X2)/2 + X3
  const int64_t kc = int64_t{g.k} * g.c;
  for (int64_t grp = 1; grp < groups; ++grp) {
    const float* part = parts + grp * usize;
    for (int64_t e = 0; e < usize; ++e) parts[e] += part[e];
  }
  for (int64_t i = 0; i < kc; ++i) {
    float du[4][4];
    for (int xi = 0; xi < kElements; ++xi) du[xi / 4][xi % 4] = parts[xi * kc + i];
    float t[3][4];  // G^T dU
    for (int b = 0; b < 4; ++b) {
      t[0][b] = du[0][b] + 0.5f * (du[1][b] + du[2][b]);
      t[1][b] = 0.5f * (du[1][b] - du[2][b]);
      t[2][b] = 0.5f * (du[1][b] + du[2][b]) + du[3][b];
    }
    float* w3 = dw + i * 9;
    for (int p = 0; p < 3; ++p) {
      w3[3 * p + 0] += t[p][0] + 0.5f * (t[p][1] + t[p][2]);
      w3[3 * p + 1] += 0.5f * (t[p][1] - t[p][2]);
      w3[3 * p + 2] += 0.5f * (t[p][1] + t[p][2]) + t[p][3];
    }
  }
  if (db != nullptr) {
    for (int f = 0; f < g.k; ++f) {
      double s = 0.0;
      for (int64_t grp = 0; grp < groups; ++grp) s += bias_parts[grp * g.k + f];
      db[f] = static_cast<float>(db[f] + s);
    }
  }
}

}  // namespace inkstone::kernels
