// Winograd F(2x2, 3x3) convolution + 2x2 max pool (the fused path conv2d_forward_maxpool takes
// for 3x3 convolutions with >= 8 channels on AVX-512): pooled values against a convolution
// computed in double, argmax against that convolution's windows, bias/ReLU/NaN handling,
// thread-count independence, and which geometries take the path. On a CPU without AVX-512 the
// same checks run on the im2col + GEMM path, which must meet them as well.
#include <gtest/gtest.h>

#include <cmath>
#include <cstring>
#include <limits>
#include <string>
#include <vector>

#include "inkstone/kernels/conv.hpp"
#include "inkstone/kernels/cpu.hpp"
#include "inkstone/kernels/thread_pool.hpp"
#include "inkstone/tensor/rng.hpp"
#include "kernels/winograd_kernels.hpp"

namespace inkstone::kernels {
namespace {

std::vector<float> random_vec(size_t n, uint64_t seed) {
  Rng rng(seed);
  std::vector<float> v(n);
  for (auto& x : v) x = rng.uniform(-1.0f, 1.0f);
  return v;
}

// act(conv(x, w) + b) in double, [n, k, out_h, out_w], for an unpadded stride-1 convolution.
std::vector<double> conv_double(const ConvGeometry& g, const std::vector<float>& x,
                                const std::vector<float>& w, const std::vector<float>& b,
                                bool relu) {
  std::vector<double> y(size_t(g.n) * g.k * g.out_h * g.out_w);
  size_t o = 0;
  for (int n = 0; n < g.n; ++n)
    for (int k = 0; k < g.k; ++k)
      for (int i = 0; i < g.out_h; ++i)
        for (int j = 0; j < g.out_w; ++j, ++o) {
          double s = b[size_t(k)];
          for (int c = 0; c < g.c; ++c)
            for (int p = 0; p < g.kh; ++p)
              for (int q = 0; q < g.kw; ++q)
                s += double(w[((size_t(k) * g.c + c) * g.kh + p) * g.kw + q]) *
                     x[((size_t(n) * g.c + c) * g.h + i + p) * g.w + j + q];
          y[o] = relu ? std::max(s, 0.0) : s;
        }
  return y;
}

bool have_avx512() {
  return detected_isa() == Isa::kAvx512;
}

struct Shape {
  int n, c, h, w, k;
  bool relu;
};

TEST(Winograd, PoolsTheConvolutionComputedInDouble) {
  // The seed CNN's conv2 (odd 11x11 output, cropped to 10x10), an even output, a 15-wide input
  // (14x13 output), a single image.
  for (const Shape t : {Shape{64, 32, 13, 13, 64, true}, Shape{9, 8, 12, 12, 8, false},
                        Shape{8, 16, 16, 15, 9, true}, Shape{1, 32, 13, 13, 64, true}}) {
    SCOPED_TRACE("n=" + std::to_string(t.n) + " c=" + std::to_string(t.c) +
                 " h=" + std::to_string(t.h) + " w=" + std::to_string(t.w));
    const ConvGeometry g = make_conv_geometry(t.n, t.c, t.h, t.w, t.k, 3, 3, 1, 1, false);
    const auto x = random_vec(size_t(g.n) * g.c * g.h * g.w, 71);
    const auto w = random_vec(size_t(g.k) * g.c * 9, 72);
    const auto b = random_vec(size_t(g.k), 73);
    const int ph = g.out_h / 2, pw = g.out_w / 2;
    const size_t pooled_n = size_t(g.n) * g.k * ph * pw;
    std::vector<float> pooled(pooled_n, NAN);
    std::vector<int32_t> argmax(pooled_n, -1);
    conv2d_forward_maxpool(g, x.data(), w.data(), b.data(), t.relu, pooled.data(), argmax.data());
    const auto y = conv_double(g, x, w, b, t.relu);
    const double tol = 1e-5 * (1 + 9 * t.c);  // |x|, |w| <= 1: sums of 9c terms
    size_t o = 0;
    for (int plane = 0; plane < g.n * g.k; ++plane) {
      const double* yp = y.data() + size_t(plane) * g.out_h * g.out_w;
      for (int i = 0; i < ph; ++i)
        for (int j = 0; j < pw; ++j, ++o) {
          double best = -1e300;
          for (int di = 0; di < 2; ++di)
            for (int dj = 0; dj < 2; ++dj)
              best = std::max(best, yp[(2 * i + di) * g.out_w + 2 * j + dj]);
          ASSERT_NEAR(pooled[o], best, tol) << "plane " << plane << " window " << i << "," << j;
          // argmax names a cell of this window whose value is the maximum (to rounding).
          const int a = argmax[o], ai = a / g.out_w, aj = a % g.out_w;
          ASSERT_TRUE(ai / 2 == i && aj / 2 == j && ai < 2 * ph && aj < 2 * pw) << a;
          ASSERT_NEAR(yp[a], best, 2 * tol);
        }
    }
    // Inference (no argmax) gives the same values.
    std::vector<float> pooled2(pooled_n, NAN);
    conv2d_forward_maxpool(g, x.data(), w.data(), b.data(), t.relu, pooled2.data(), nullptr);
    EXPECT_EQ(0, std::memcmp(pooled.data(), pooled2.data(), pooled_n * sizeof(float)));
  }
}

// The gradients through the pool (computed by F(2x2, 3x3): dx on the turned filters, dw from the
// transformed tiles) against the routed output gradient's transposed convolution and its
// correlation with the input, in double; dx with and without the parameter gradients, which
// must not change it; dw and db accumulate.
TEST(Winograd, GradientsThroughThePoolMatchDouble) {
  for (const Shape t : {Shape{64, 32, 13, 13, 64, true}, Shape{9, 8, 12, 12, 8, false},
                        Shape{8, 16, 16, 15, 9, true}}) {
    SCOPED_TRACE("n=" + std::to_string(t.n) + " c=" + std::to_string(t.c) +
                 " h=" + std::to_string(t.h) + " w=" + std::to_string(t.w));
    const ConvGeometry g = make_conv_geometry(t.n, t.c, t.h, t.w, t.k, 3, 3, 1, 1, false);
    const auto x = random_vec(size_t(g.n) * g.c * g.h * g.w, 91);
    const auto w = random_vec(size_t(g.k) * g.c * 9, 92);
    const auto b = random_vec(size_t(g.k), 93);
    const int ph = g.out_h / 2, pw = g.out_w / 2;
    const size_t pooled_n = size_t(g.n) * g.k * ph * pw;
    const auto dp = random_vec(pooled_n, 94);
    std::vector<float> pooled(pooled_n);
    std::vector<int32_t> argmax(pooled_n);
    conv2d_forward_maxpool(g, x.data(), w.data(), b.data(), t.relu, pooled.data(), argmax.data());
    // dz: the pooled gradient at each window's argmax (0 where the ReLU cut the pooled value).
    const size_t ohw = size_t(g.out_h) * g.out_w;
    std::vector<double> dz(size_t(g.n) * g.k * ohw, 0.0);
    for (size_t o = 0; o < pooled_n; ++o) {
      const size_t plane = o / (size_t(ph) * pw);
      dz[plane * ohw + size_t(argmax[o])] = t.relu && !(pooled[o] > 0.0f) ? 0.0 : dp[o];
    }
    std::vector<double> dx_ref(x.size(), 0.0), dw_ref(w.size(), 0.0), db_ref(b.size(), 0.0);
    for (int n = 0; n < g.n; ++n)
      for (int k = 0; k < g.k; ++k)
        for (int i = 0; i < g.out_h; ++i)
          for (int j = 0; j < g.out_w; ++j) {
            const double d = dz[(size_t(n) * g.k + k) * ohw + size_t(i) * g.out_w + j];
            if (d == 0.0) continue;
            db_ref[size_t(k)] += d;
            for (int c = 0; c < g.c; ++c)
              for (int p = 0; p < 3; ++p)
                for (int q = 0; q < 3; ++q) {
                  const size_t xi = ((size_t(n) * g.c + c) * g.h + i + p) * g.w + j + q;
                  const size_t wi = ((size_t(k) * g.c + c) * 3 + p) * 3 + q;
                  dx_ref[xi] += d * w[wi];
                  dw_ref[wi] += d * x[xi];
                }
          }
    std::vector<float> ws(conv2d_workspace_floats(g));
    std::vector<float> dx(x.size(), NAN), dx2(x.size(), NAN);
    conv2d_backward_maxpool(g, x.data(), dp.data(), pooled.data(), argmax.data(), t.relu, w.data(),
                            nullptr, nullptr, dx.data(), ws.data());
    const double tol = 1e-5 * (1 + 9 * t.k);
    for (size_t i = 0; i < dx.size(); ++i) ASSERT_NEAR(dx[i], dx_ref[i], tol) << i;
    std::vector<float> dw(w.size(), 0.5f), db(b.size(), 0.25f);
    conv2d_backward_maxpool(g, x.data(), dp.data(), pooled.data(), argmax.data(), t.relu, w.data(),
                            dw.data(), db.data(), dx2.data(), ws.data());
    EXPECT_EQ(0, std::memcmp(dx.data(), dx2.data(), dx.size() * sizeof(float)));
    const double wtol = 1e-5 * (1 + 0.3 * g.n * ph * pw);  // sums over the batch's windows
    for (size_t i = 0; i < dw.size(); ++i) ASSERT_NEAR(dw[i], 0.5 + dw_ref[i], wtol) << i;
    for (size_t i = 0; i < db.size(); ++i) ASSERT_NEAR(db[i], 0.25 + db_ref[i], wtol) << i;
  }
}

TEST(Winograd, ResultsDoNotDependOnThreadCount) {
  const int saved = num_threads();
  const ConvGeometry g = make_conv_geometry(37, 32, 13, 13, 64, 3, 3, 1, 1, false);
  const auto x = random_vec(size_t(g.n) * g.c * g.h * g.w, 81);
  const auto w = random_vec(size_t(g.k) * g.c * 9, 82);
  const size_t pooled_n = size_t(g.n) * g.k * 25;
  std::vector<float> p1(pooled_n), p3(pooled_n);
  std::vector<int32_t> a1(pooled_n), a3(pooled_n);
  ThreadPool::set_num_threads(1);
  conv2d_forward_maxpool(g, x.data(), w.data(), nullptr, true, p1.data(), a1.data());
  ThreadPool::set_num_threads(3);
  conv2d_forward_maxpool(g, x.data(), w.data(), nullptr, true, p3.data(), a3.data());
  ThreadPool::set_num_threads(saved);
  EXPECT_EQ(0, std::memcmp(p1.data(), p3.data(), pooled_n * sizeof(float)));
  EXPECT_EQ(a1, a3);
  const auto dp = random_vec(pooled_n, 83);
  std::vector<float> ws(conv2d_workspace_floats(g));
  std::vector<float> dx1(x.size()), dx3(x.size());
  ThreadPool::set_num_threads(1);
  conv2d_backward_maxpool(g, x.data(), dp.data(), p1.data(), a1.data(), true, w.data(), nullptr,
                          nullptr, dx1.data(), ws.data());
  ThreadPool::set_num_threads(3);
  conv2d_backward_maxpool(g, x.data(), dp.data(), p1.data(), a1.data(), true, w.data(), nullptr,
                          nullptr, dx3.data(), ws.data());
  ThreadPool::set_num_threads(saved);
  EXPECT_EQ(0, std::memcmp(dx1.data(), dx3.data(), dx1.size() * sizeof(float)));
  std::vector<float> dw1(w.size(), 0.0f), dw3(w.size(), 0.0f), db1(64, 0.0f), db3(64, 0.0f);
  ThreadPool::set_num_threads(1);
  conv2d_backward_maxpool(g, x.data(), dp.data(), p1.data(), a1.data(), true, w.data(), dw1.data(),
                          db1.data(), nullptr, ws.data());
  ThreadPool::set_num_threads(3);
  conv2d_backward_maxpool(g, x.data(), dp.data(), p1.data(), a1.data(), true, w.data(), dw3.data(),
                          db3.data(), nullptr, ws.data());
  ThreadPool::set_num_threads(saved);
  EXPECT_EQ(0, std::memcmp(dw1.data(), dw3.data(), dw1.size() * sizeof(float)));
  EXPECT_EQ(0, std::memcmp(db1.data(), db3.data(), db1.size() * sizeof(float)));
}

// The pool's rules survive the transforms: a NaN input makes its windows NaN (a NaN wins), and
// with the ReLU an all-negative window pools to 0 at its first cell.
TEST(Winograd, NaNWinsAndReluZeroKeepsTheFirstCell) {
  const ConvGeometry g = make_conv_geometry(8, 8, 12, 12, 8, 3, 3, 1, 1, false);
  std::vector<float> x(size_t(g.n) * g.c * g.h * g.w, 1.0f), w(size_t(g.k) * g.c * 9, -0.01f);
  x[5 * 12 + 5] = std::numeric_limits<float>::quiet_NaN();  // channel 0, row 5, column 5
  std::vector<float> pooled(size_t(g.n) * g.k * 25);
  std::vector<int32_t> argmax(pooled.size());
  conv2d_forward_maxpool(g, x.data(), w.data(), nullptr, true, pooled.data(), argmax.data());
  for (int f = 0; f < g.k; ++f) {  // image 0 holds the NaN
    for (int i = 0; i < 5; ++i) {
      for (int j = 0; j < 5; ++j) {
        const size_t o = size_t(f) * 25 + size_t(i) * 5 + j;
        // Outputs (r, c) with r, c in [3, 5] read the NaN; windows (1..2, 1..2) hold some.
        const bool nan_window = i >= 1 && i <= 2 && j >= 1 && j <= 2;
        if (nan_window) {
          EXPECT_TRUE(std::isnan(pooled[o])) << f << " " << i << " " << j;
        } else {
          EXPECT_EQ(pooled[o], 0.0f);
          EXPECT_EQ(argmax[o], 2 * i * g.out_w + 2 * j);
        }
      }
    }
  }
}

TEST(Winograd, AppliesToThreeByThreeUnpaddedConvolutionsWithChannels) {
  if (!have_avx512()) {
    EXPECT_FALSE(winograd_applies(make_conv_geometry(64, 32, 13, 13, 64, 3, 3, 1, 1, false)));
    return;
  }
  EXPECT_TRUE(winograd_applies(make_conv_geometry(64, 32, 12, 12, 64, 3, 3, 1, 1, false)));
  // The input gradient: the seed CNN's conv2 cropped to its 10x10 pooled rows and columns.
  ConvGeometry cropped = make_conv_geometry(64, 32, 13, 13, 64, 3, 3, 1, 1, false);
  cropped.out_h = cropped.out_w = 10;
  EXPECT_TRUE(winograd_backward_data_applies(cropped));
  EXPECT_FALSE(winograd_backward_data_applies(make_conv_geometry(64, 32, 13, 13, 64, 3, 3, 1, 1,
                                                                 false)));  // odd outputs
  EXPECT_FALSE(winograd_backward_data_applies(make_conv_geometry(64, 32, 16, 16, 64, 3, 3, 1, 1,
                                                                 false)));  // 18-wide padded
  EXPECT_FALSE(winograd_applies(make_conv_geometry(64, 32, 12, 12, 64, 3, 3, 1, 1, true)));
  EXPECT_FALSE(winograd_applies(make_conv_geometry(64, 32, 12, 12, 64, 5, 5, 1, 1, false)));
  EXPECT_FALSE(winograd_applies(make_conv_geometry(64, 32, 12, 12, 64, 3, 3, 2, 2, false)));
  EXPECT_FALSE(winograd_applies(make_conv_geometry(64, 4, 12, 12, 64, 3, 3, 1, 1, false)));
  EXPECT_FALSE(winograd_applies(make_conv_geometry(64, 32, 20, 20, 64, 3, 3, 1, 1, false)));
  EXPECT_FALSE(winograd_applies(make_conv_geometry(1, 32, 12, 12, 64, 3, 3, 1, 1, false)));
  const Isa saved = active_isa();
  set_isa(Isa::kAvx2);
  EXPECT_FALSE(winograd_applies(make_conv_geometry(64, 32, 12, 12, 64, 3, 3, 1, 1, false)));
  set_isa(saved);
}

}  // namespace
}  // namespace inkstone::kernels
