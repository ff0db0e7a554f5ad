// Convolution: forward, backward-data and backward-weights against a direct (naive) convolution
// computed in double, the adjoint identities <conv(x), dy> = <x, conv^T(dy)> and
// <conv_w(x), dy> = <w, dW(x, dy)>, Keras/TensorFlow padding geometry, accumulation semantics,
// thread-count independence and argument checking.
#include "inkstone/kernels/conv.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstring>
#include <string>
#include <vector>

#include "inkstone/kernels/cpu.hpp"
#include "inkstone/kernels/pool.hpp"
#include "inkstone/kernels/thread_pool.hpp"
#include "inkstone/tensor/error.hpp"
#include "inkstone/tensor/rng.hpp"

namespace inkstone::kernels {
namespace {

std::vector<float> random_vec(size_t n, uint64_t seed) {
  Rng rng(seed);
  std::vector<float> v(n);
  for (auto& x : v) x = rng.uniform(-1.0f, 1.0f);
  return v;
}

size_t in_size(const ConvGeometry& g) {
  return size_t(g.n) * g.c * g.h * g.w;
}
size_t out_size(const ConvGeometry& g) {
  return size_t(g.n) * g.k * g.out_h * g.out_w;
}
size_t w_size(const ConvGeometry& g) {
  return size_t(g.k) * g.c * g.kh * g.kw;
}

// Calls fn(out_index, in_index, w_index) for every (output, tap) pair whose input is inside x.
template <typename Fn>
void for_each_tap(const ConvGeometry& g, Fn&& fn) {
  for (int n = 0; n < g.n; ++n)
    for (int k = 0; k < g.k; ++k)
      for (int i = 0; i < g.out_h; ++i)
        for (int j = 0; j < g.out_w; ++j) {
          const size_t o = ((size_t(n) * g.k + k) * g.out_h + i) * g.out_w + j;
          for (int c = 0; c < g.c; ++c)
            for (int p = 0; p < g.kh; ++p)
              for (int q = 0; q < g.kw; ++q) {
                const int ih = i * g.stride_h + p - g.pad_top;
                const int iw = j * g.stride_w + q - g.pad_left;
                if (ih < 0 || ih >= g.h || iw < 0 || iw >= g.w) continue;
                const size_t xi = ((size_t(n) * g.c + c) * g.h + ih) * g.w + iw;
                const size_t wi = ((size_t(k) * g.c + c) * g.kh + p) * g.kw + q;
                fn(o, xi, wi);
              }
        }
}

// Naive passes in double; `scale` gets the sum of |terms| of each result, for tolerances.
void naive_forward(const ConvGeometry& g, const std::vector<float>& x, const std::vector<float>& w,
                   const std::vector<float>& b, std::vector<double>& y,
                   std::vector<double>& scale) {
  y.assign(out_size(g), 0.0);
  scale.assign(out_size(g), 0.0);
  for (size_t o = 0; o < y.size(); ++o) {
    const int k = int(o / (size_t(g.out_h) * g.out_w)) % g.k;
    y[o] = b[size_t(k)];
    scale[o] = std::abs(b[size_t(k)]);
  }
  for_each_tap(g, [&](size_t o, size_t xi, size_t wi) {
    y[o] += double{w[wi]} * x[xi];
    scale[o] += std::abs(double{w[wi]} * x[xi]);
  });
}

void naive_backward_data(const ConvGeometry& g, const std::vector<float>& dy,
                         const std::vector<float>& w, std::vector<double>& dx,
                         std::vector<double>& scale) {
  dx.assign(in_size(g), 0.0);
  scale.assign(in_size(g), 0.0);
  for_each_tap(g, [&](size_t o, size_t xi, size_t wi) {
    dx[xi] += double{w[wi]} * dy[o];
    scale[xi] += std::abs(double{w[wi]} * dy[o]);
  });
}

void naive_backward_weights(const ConvGeometry& g, const std::vector<float>& x,
                            const std::vector<float>& dy, std::vector<double>& dw,
                            std::vector<double>& scale) {
  dw.assign(w_size(g), 0.0);
  scale.assign(w_size(g), 0.0);
  for_each_tap(g, [&](size_t o, size_t xi, size_t wi) {
    dw[wi] += double{dy[o]} * x[xi];
    scale[wi] += std::abs(double{dy[o]} * x[xi]);
  });
}

double dot(const std::vector<float>& a, const std::vector<float>& b) {
  double s = 0;
  for (size_t i = 0; i < a.size(); ++i) s += double{a[i]} * b[i];
  return s;
}

struct Case {
  int n, c, h, w, k, kh, kw, sh, sw;
  bool same;
};

std::string name(const Case& t) {
  return "n=" + std::to_string(t.n) + " c=" + std::to_string(t.c) + " " + std::to_string(t.h) +
         "x" + std::to_string(t.w) + " k=" + std::to_string(t.k) + " " + std::to_string(t.kh) +
         "x" + std::to_string(t.kw) + " s=" + std::to_string(t.sh) + "x" + std::to_string(t.sw) +
         (t.same ? " same" : " valid");
}

const std::vector<Case> kCases = {
    {2, 1, 5, 5, 3, 3, 3, 1, 1, false},     // c = 1
    {3, 2, 7, 6, 4, 3, 3, 2, 2, true},      // stride 2, same
    {1, 3, 6, 7, 2, 2, 3, 1, 1, true},      // one image, even kernel height, same
    {2, 4, 8, 9, 5, 5, 5, 1, 1, true},      // 5x5 same
    {2, 3, 9, 8, 2, 3, 3, 2, 1, false},     // stride 2x1 valid, odd size
    {4, 2, 5, 5, 3, 1, 1, 1, 1, false},     // 1x1
    {2, 2, 10, 11, 3, 4, 2, 3, 2, true},    // stride 3x2, asymmetric same padding
    {2, 32, 13, 13, 8, 3, 3, 1, 1, false},  // seed-CNN conv2-like
    {3, 1, 7, 7, 2, 7, 7, 1, 1, false},     // kernel as big as the input
    {2, 2, 3, 4, 3, 5, 5, 2, 2, true},      // kernel bigger than the input (same)
    {2, 2, 20, 37, 3, 3, 3, 1, 1, true},    // rows wider than one 16-lane vector
    {2, 3, 19, 40, 2, 3, 5, 2, 1, false},   // vertical stride only, wide rows
    {1, 2, 9, 18, 2, 7, 7, 1, 1, true},     // padding of 3 on each side
    // Unpadded stride-1 geometries of the permuting block im2col (AVX-512) and its fallbacks:
    {2, 3, 28, 28, 4, 5, 5, 1, 1, false},  // fast-cnn conv1-like: 24x24 output, 36 vectors
    {3, 2, 12, 12, 3, 5, 5, 1, 1, false},  // fast-cnn conv2-like: 8x8 output
    {2, 2, 5, 5, 2, 3, 3, 1, 1, false},    // seed-CNN conv3-like: 3x3 output, window at plane end
    {1, 2, 40, 40, 2, 3, 3, 1, 1, false},  // 38x38 output: too many vectors, plane kernel
    {2, 2, 8, 9, 2, 7, 7, 1, 1, false},    // 2x3 output: lanes span too many row breaks
};

struct IsaGuard {
  Isa saved = active_isa();
  ~IsaGuard() { set_isa(saved); }
};

std::vector<Isa> isas() {
  std::vector<Isa> out;
  for (int i = 0; i <= static_cast<int>(detected_isa()); ++i) out.push_back(static_cast<Isa>(i));
  return out;
}

void check_all_passes_against_naive();
void check_adjoints();

TEST(Conv, SamePaddingFollowsTensorFlow) {
  // out = ceil(in / s); total = max((out - 1) s + k - in, 0); top = total / 2
  ConvGeometry g = make_conv_geometry(1, 1, 10, 11, 1, 4, 2, 3, 2, true);
  EXPECT_EQ(g.out_h, 4);
  EXPECT_EQ(g.pad_top, 1);  // total 3
  EXPECT_EQ(g.out_w, 6);
  EXPECT_EQ(g.pad_left, 0);  // total 1: the extra pixel goes right
  g = make_conv_geometry(1, 1, 28, 28, 1, 3, 3, 1, 1, true);
  EXPECT_EQ(g.out_h, 28);
  EXPECT_EQ(g.pad_top, 1);
  g = make_conv_geometry(1, 1, 28, 28, 1, 3, 3, 1, 1, false);
  EXPECT_EQ(g.out_h, 26);
  EXPECT_EQ(g.pad_top, 0);
  g = make_conv_geometry(1, 1, 7, 7, 1, 3, 3, 2, 2, false);
  EXPECT_EQ(g.out_w, 3);
  g = make_conv_geometry(1, 1, 8, 8, 1, 1, 1, 2, 2, true);  // total = max(6 + 1 - 8, 0) = 0
  EXPECT_EQ(g.out_h, 4);
  EXPECT_EQ(g.pad_top, 0);
}

TEST(Conv, AllPassesMatchNaiveConvolution) {
  for (Isa isa : isas()) {
    IsaGuard guard;
    set_isa(isa);
    SCOPED_TRACE(isa_name(isa));
    check_all_passes_against_naive();
  }
}

TEST(Conv, BackwardPassesAreAdjointsOfForward) {
  for (Isa isa : isas()) {
    IsaGuard guard;
    set_isa(isa);
    SCOPED_TRACE(isa_name(isa));
    check_adjoints();
  }
}

void check_all_passes_against_naive() {
  uint64_t seed = 1;
  for (const Case& t : kCases) {
    SCOPED_TRACE(name(t));
    const ConvGeometry g =
        make_conv_geometry(t.n, t.c, t.h, t.w, t.k, t.kh, t.kw, t.sh, t.sw, t.same);
    const auto x = random_vec(in_size(g), seed++);
    const auto w = random_vec(w_size(g), seed++);
    const auto b = random_vec(size_t(g.k), seed++);
    const auto dy = random_vec(out_size(g), seed++);
    std::vector<float> ws(conv2d_workspace_floats(g), NAN);  // must not read stale workspace

    std::vector<float> y(out_size(g), NAN);
    conv2d_forward(g, x.data(), w.data(), b.data(), y.data(), ws.data());
    std::vector<double> want, scale;
    naive_forward(g, x, w, b, want, scale);
    for (size_t i = 0; i < y.size(); ++i) {
      ASSERT_NEAR(y[i], want[i], 1e-6 * (1 + scale[i])) << "forward y[" << i << "]";
    }

    std::vector<float> dx(in_size(g), NAN);
    conv2d_backward_data(g, dy.data(), w.data(), dx.data(), ws.data());
    naive_backward_data(g, dy, w, want, scale);
    for (size_t i = 0; i < dx.size(); ++i) {
      ASSERT_NEAR(dx[i], want[i], 1e-6 * (1 + scale[i])) << "backward data dx[" << i << "]";
    }

    // Accumulates into dw and db.
    std::vector<float> dw(w_size(g), 0.25f), db(size_t(g.k), -0.5f);
    conv2d_backward_weights(g, x.data(), dy.data(), dw.data(), db.data(), ws.data());
    naive_backward_weights(g, x, dy, want, scale);
    for (size_t i = 0; i < dw.size(); ++i) {
      ASSERT_NEAR(dw[i], 0.25 + want[i], 1e-6 * (1 + scale[i]))
          << "backward weights dw[" << i << "]";
    }
    const size_t ohw = size_t(g.out_h) * g.out_w;
    for (int k = 0; k < g.k; ++k) {
      double s = -0.5, sa = 0.5;
      for (int n = 0; n < g.n; ++n) {
        for (size_t o = 0; o < ohw; ++o) {
          s += dy[(size_t(n) * g.k + k) * ohw + o];
          sa += std::abs(dy[(size_t(n) * g.k + k) * ohw + o]);
        }
      }
      EXPECT_NEAR(db[size_t(k)], s, 1e-6 * sa) << "db[" << k << "]";
    }
  }
}

void check_adjoints() {
  uint64_t seed = 100;
  for (const Case& t : kCases) {
    SCOPED_TRACE(name(t));
    const ConvGeometry g =
        make_conv_geometry(t.n, t.c, t.h, t.w, t.k, t.kh, t.kw, t.sh, t.sw, t.same);
    const auto x = random_vec(in_size(g), seed++);
    const auto w = random_vec(w_size(g), seed++);
    const auto dy = random_vec(out_size(g), seed++);
    std::vector<float> ws(conv2d_workspace_floats(g));
    std::vector<float> y(out_size(g)), dx(in_size(g)), dw(w_size(g), 0.0f);
    conv2d_forward(g, x.data(), w.data(), nullptr, y.data(), ws.data());
    conv2d_backward_data(g, dy.data(), w.data(), dx.data(), ws.data());
    conv2d_backward_weights(g, x.data(), dy.data(), dw.data(), nullptr, ws.data());
    // y is linear in x for fixed w and in w for fixed x:
    // <conv(x, w), dy> = <x, conv^T(dy, w)> = <w, dW(x, dy)>
    const double lhs = dot(y, dy);
    const double norm = std::sqrt(dot(y, y) * dot(dy, dy)) + 1e-3;
    EXPECT_NEAR(dot(x, dx), lhs, 1e-5 * norm);
    EXPECT_NEAR(dot(w, dw), lhs, 1e-5 * norm);
  }
}

TEST(Conv, BiasMayBeNullAndSingleImageWorks) {
  const ConvGeometry g = make_conv_geometry(1, 2, 6, 5, 3, 3, 3, 1, 1, true);
  const auto x = random_vec(in_size(g), 7);
  const auto w = random_vec(w_size(g), 8);
  const std::vector<float> zero_b(size_t(g.k), 0.0f);
  std::vector<float> ws(conv2d_workspace_floats(g));
  std::vector<float> y1(out_size(g)), y2(out_size(g));
  conv2d_forward(g, x.data(), w.data(), nullptr, y1.data(), ws.data());
  conv2d_forward(g, x.data(), w.data(), zero_b.data(), y2.data(), ws.data());
  EXPECT_EQ(0, std::memcmp(y1.data(), y2.data(), sizeof(float) * y1.size()));
  std::vector<double> want, scale;
  naive_forward(g, x, w, zero_b, want, scale);
  for (size_t i = 0; i < y1.size(); ++i) EXPECT_NEAR(y1[i], want[i], 1e-6 * (1 + scale[i]));
}

TEST(Conv, ResultsDoNotDependOnThreadCount) {
  const int saved = num_threads();
  const ConvGeometry g = make_conv_geometry(8, 6, 12, 12, 8, 3, 3, 1, 1, true);
  const auto x = random_vec(in_size(g), 31);
  const auto w = random_vec(w_size(g), 32);
  const auto b = random_vec(size_t(g.k), 33);
  const auto dy = random_vec(out_size(g), 34);
  auto run = [&] {
    std::vector<float> ws(conv2d_workspace_floats(g));
    std::vector<float> y(out_size(g)), dx(in_size(g)), dw(w_size(g), 0.0f), db(size_t(g.k), 0);
    conv2d_forward(g, x.data(), w.data(), b.data(), y.data(), ws.data());
    conv2d_backward_data(g, dy.data(), w.data(), dx.data(), ws.data());
    conv2d_backward_weights(g, x.data(), dy.data(), dw.data(), db.data(), ws.data());
    std::vector<float> all = y;
    all.insert(all.end(), dx.begin(), dx.end());
    all.insert(all.end(), dw.begin(), dw.end());
    all.insert(all.end(), db.begin(), db.end());
    return all;
  };
  ThreadPool::set_num_threads(1);
  const auto one = run();
  ThreadPool::set_num_threads(3);
  const auto three = run();
  const auto again = run();
  ThreadPool::set_num_threads(saved);
  ASSERT_EQ(one.size(), three.size());
  EXPECT_EQ(0, std::memcmp(one.data(), three.data(), sizeof(float) * one.size()));
  EXPECT_EQ(0, std::memcmp(three.data(), again.data(), sizeof(float) * one.size()));
}

// The fused paths equal the plain ones: relu(conv + b) in one store, and one backward sweep with
// the ReLU derivative [y > 0] applied while dy is read, for batches that span several chunks.
TEST(Conv, FusedReluForwardAndCombinedBackwardMatchSeparatePasses) {
  for (const int n : {1, 3, 64}) {
    SCOPED_TRACE("n=" + std::to_string(n));
    const ConvGeometry g = make_conv_geometry(n, 5, 9, 8, 6, 3, 3, 1, 1, n == 3);
    const auto x = random_vec(in_size(g), 41);
    const auto w = random_vec(w_size(g), 42);
    const auto b = random_vec(size_t(g.k), 43);
    const auto dy = random_vec(out_size(g), 44);
    std::vector<float> ws(conv2d_workspace_floats(g));

    std::vector<float> y(out_size(g)), yr(out_size(g));
    conv2d_forward(g, x.data(), w.data(), b.data(), y.data(), ws.data());
    conv2d_forward_relu(g, x.data(), w.data(), b.data(), true, yr.data());
    std::vector<float> dz(dy.size());
    for (size_t i = 0; i < y.size(); ++i) {
      ASSERT_EQ(yr[i], std::max(y[i], 0.0f)) << i;
      dz[i] = yr[i] > 0.0f ? dy[i] : 0.0f;
    }

    std::vector<float> dx1(in_size(g)), dw1(w_size(g), 0.5f), db1(size_t(g.k), 0.25f);
    conv2d_backward_data(g, dz.data(), w.data(), dx1.data(), ws.data());
    conv2d_backward_weights(g, x.data(), dz.data(), dw1.data(), db1.data(), ws.data());
    std::vector<float> dx2(in_size(g)), dw2(w_size(g), 0.5f), db2(size_t(g.k), 0.25f);
    conv2d_backward(g, x.data(), dy.data(), yr.data(), w.data(), dw2.data(), db2.data(), dx2.data(),
                    ws.data());
    EXPECT_EQ(0, std::memcmp(dx1.data(), dx2.data(), sizeof(float) * dx1.size()));
    EXPECT_EQ(0, std::memcmp(dw1.data(), dw2.data(), sizeof(float) * dw1.size()));
    EXPECT_EQ(0, std::memcmp(db1.data(), db2.data(), sizeof(float) * db1.size()));

    // Without dx the input gradient is left alone and the parameter gradients are unchanged.
    std::vector<float> dw3(w_size(g), 0.5f), db3(size_t(g.k), 0.25f);
    conv2d_backward(g, x.data(), dy.data(), yr.data(), w.data(), dw3.data(), db3.data(), nullptr,
                    ws.data());
    EXPECT_EQ(0, std::memcmp(dw1.data(), dw3.data(), sizeof(float) * dw1.size()));
    EXPECT_EQ(0, std::memcmp(db1.data(), db3.data(), sizeof(float) * db1.size()));
  }
}

// The fused convolution + 2x2 max pool equals the two kernels run one after the other, bit for
// bit: forward (values and argmax) and backward (dx; dw and db bit for bit on even outputs, to
// rounding on odd ones, whose dropped last row/column the fused kernels skip), with and without
// the ReLU, over several chunks.
TEST(Conv, FusedMaxPoolMatchesConvThenPool) {
  struct Shape4 {
    int n, c, h, w, k;
    bool relu;
  };
  for (const Shape4 t : {Shape4{64, 1, 12, 12, 8, true}, Shape4{5, 3, 13, 13, 6, true},
                         Shape4{2, 4, 7, 9, 5, false}}) {
    SCOPED_TRACE("n=" + std::to_string(t.n) + " c=" + std::to_string(t.c) +
                 " relu=" + std::to_string(t.relu));
    const ConvGeometry g = make_conv_geometry(t.n, t.c, t.h, t.w, t.k, 3, 3, 1, 1, false);
    const PoolGeometry pg = make_pool_geometry(g.n * g.k, g.out_h, g.out_w, 2, 2, 2, 2, false);
    const auto x = random_vec(in_size(g), 51);
    const auto w = random_vec(w_size(g), 52);
    const auto b = random_vec(size_t(g.k), 53);
    const size_t pooled_n = size_t(pg.planes) * pg.out_h * pg.out_w;
    const auto dp = random_vec(pooled_n, 54);
    std::vector<float> ws(conv2d_workspace_floats(g));

    std::vector<float> y(out_size(g)), p1(pooled_n), p2(pooled_n, NAN);
    std::vector<int32_t> a1(pooled_n), a2(pooled_n, -1);
    conv2d_forward_relu(g, x.data(), w.data(), b.data(), t.relu, y.data());
    maxpool_forward(pg, y.data(), p1.data(), a1.data());
    conv2d_forward_maxpool(g, x.data(), w.data(), b.data(), t.relu, p2.data(), a2.data());
    ASSERT_EQ(0, std::memcmp(p1.data(), p2.data(), sizeof(float) * pooled_n));
    ASSERT_EQ(a1, a2);
    std::vector<float> p3(pooled_n, NAN);  // inference: no argmax kept, same values
    conv2d_forward_maxpool(g, x.data(), w.data(), b.data(), t.relu, p3.data(), nullptr);
    ASSERT_EQ(0, std::memcmp(p1.data(), p3.data(), sizeof(float) * pooled_n));

    std::vector<float> dy(out_size(g));
    maxpool_backward(pg, dp.data(), a1.data(), dy.data());
    std::vector<float> dx1(in_size(g)), dw1(w_size(g), 0.5f), db1(size_t(g.k), 0.25f);
    conv2d_backward(g, x.data(), dy.data(), t.relu ? y.data() : nullptr, w.data(), dw1.data(),
                    db1.data(), dx1.data(), ws.data());
    std::vector<float> dx2(in_size(g)), dw2(w_size(g), 0.5f), db2(size_t(g.k), 0.25f);
    conv2d_backward_maxpool(g, x.data(), dp.data(), p2.data(), a2.data(), t.relu, w.data(),
                            dw2.data(), db2.data(), dx2.data(), ws.data());
    EXPECT_EQ(0, std::memcmp(dx1.data(), dx2.data(), sizeof(float) * dx1.size()));
    if (g.out_h % 2 == 0 && g.out_w % 2 == 0) {
      EXPECT_EQ(0, std::memcmp(dw1.data(), dw2.data(), sizeof(float) * dw1.size()));
      EXPECT_EQ(0, std::memcmp(db1.data(), db2.data(), sizeof(float) * db1.size()));
    } else {
      // The fused pass skips the dropped row/column (their gradient is 0), which changes the
      // order of the parameter-gradient sums: equal up to rounding.
      for (size_t i = 0; i < dw1.size(); ++i)
        EXPECT_NEAR(dw1[i], dw2[i], 1e-5f * (1 + std::fabs(dw1[i]))) << i;
      for (size_t i = 0; i < db1.size(); ++i)
        EXPECT_NEAR(db1[i], db2[i], 1e-5f * (1 + std::fabs(db1[i]))) << i;
    }
  }
  const ConvGeometry tiny = make_conv_geometry(1, 1, 3, 4, 1, 3, 3, 1, 1, false);  // 1x2 output
  float v = 0;
  int32_t a = 0;
  EXPECT_THROW(conv2d_forward_maxpool(tiny, &v, &v, nullptr, true, &v, &a), Error);
}

// A single input channel takes the direct kernel; the same images as channel 0 of a two-channel
// input whose channel 1 and its weights are zero take im2col + GEMM. Both sum the taps in the
// same order from zero, so outputs, pooled values and argmax agree bit for bit.
TEST(Conv, DirectSingleChannelMatchesGemmPath) {
  for (Isa isa : isas()) {
    if (isa == Isa::kScalar) continue;  // the scalar level has no direct kernel
    IsaGuard guard;
    set_isa(isa);
    for (const int kernel : {3, 5}) {
      for (const int n : {1, 7}) {
        SCOPED_TRACE(std::string(isa_name(isa)) + " kernel=" + std::to_string(kernel) +
                     " n=" + std::to_string(n));
        const ConvGeometry g1 = make_conv_geometry(n, 1, 28, 27, 20, kernel, kernel, 1, 1, false);
        const ConvGeometry g2 = make_conv_geometry(n, 2, 28, 27, 20, kernel, kernel, 1, 1, false);
        const auto x1 = random_vec(in_size(g1), 61);
        const auto w1 = random_vec(w_size(g1), 62);
        const auto b = random_vec(size_t(g1.k), 63);
        const int64_t hw = int64_t{g1.h} * g1.w, taps = int64_t{kernel} * kernel;
        std::vector<float> x2(in_size(g2), 0.0f), w2(w_size(g2), 0.0f);
        for (int64_t i = 0; i < n; ++i)
          std::copy(x1.begin() + i * hw, x1.begin() + (i + 1) * hw, x2.begin() + i * 2 * hw);
        for (int64_t f = 0; f < g1.k; ++f)
          std::copy(w1.begin() + f * taps, w1.begin() + (f + 1) * taps, w2.begin() + f * 2 * taps);
        for (const bool relu : {false, true}) {
          std::vector<float> y1(out_size(g1), NAN), y2(out_size(g2), NAN);
          conv2d_forward_relu(g1, x1.data(), w1.data(), b.data(), relu, y1.data());
          conv2d_forward_relu(g2, x2.data(), w2.data(), b.data(), relu, y2.data());
          EXPECT_EQ(std::memcmp(y1.data(), y2.data(), y1.size() * sizeof(float)), 0);
        }
        const size_t pooled_n = size_t(n) * g1.k * (g1.out_h / 2) * (g1.out_w / 2);
        std::vector<float> p1(pooled_n, NAN), p2(pooled_n, NAN);
        std::vector<int32_t> a1(pooled_n, -1), a2(pooled_n, -2);
        conv2d_forward_maxpool(g1, x1.data(), w1.data(), b.data(), true, p1.data(), a1.data());
        conv2d_forward_maxpool(g2, x2.data(), w2.data(), b.data(), true, p2.data(), a2.data());
        EXPECT_EQ(std::memcmp(p1.data(), p2.data(), pooled_n * sizeof(float)), 0);
        EXPECT_EQ(a1, a2);
      }
    }
  }
}

TEST(Conv, RejectsBadGeometryAndArguments) {
  EXPECT_THROW(make_conv_geometry(1, 1, 2, 2, 1, 3, 3, 1, 1, false), Error);  // kernel too big
  EXPECT_THROW(make_conv_geometry(0, 1, 5, 5, 1, 3, 3, 1, 1, false), Error);
  EXPECT_THROW(make_conv_geometry(1, 1, 5, 5, 1, 3, 3, 0, 1, true), Error);
  EXPECT_NO_THROW(make_conv_geometry(1, 1, 2, 2, 1, 3, 3, 1, 1, true));  // same pads instead
  ConvGeometry bad;                                                      // all zero
  EXPECT_THROW(conv2d_workspace_floats(bad), Error);
  float v = 0;
  EXPECT_THROW(conv2d_forward(bad, &v, &v, nullptr, &v, &v), Error);
  const ConvGeometry g = make_conv_geometry(1, 1, 4, 4, 1, 3, 3, 1, 1, false);
  EXPECT_THROW(conv2d_forward(g, nullptr, &v, nullptr, &v, &v), Error);
  EXPECT_THROW(conv2d_backward_data(g, &v, &v, &v, nullptr), Error);
  EXPECT_THROW(conv2d_backward_weights(g, &v, &v, nullptr, nullptr, &v), Error);
}

}  // namespace
}  // namespace inkstone::kernels
