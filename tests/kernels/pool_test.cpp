// Pooling: max/avg forward and backward against naive loops, valid/same geometry (TensorFlow's
// padding rule), first-maximum tie breaking, NaN propagation, finite differences for the max
// pool gradient and the adjoint identity for the (linear) average pool.
#include "inkstone/kernels/pool.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstring>
#include <limits>
#include <string>
#include <vector>

#include "inkstone/kernels/cpu.hpp"
#include "inkstone/kernels/thread_pool.hpp"
#include "inkstone/tensor/error.hpp"
#include "inkstone/tensor/rng.hpp"

namespace inkstone::kernels {
namespace {

struct IsaGuard {
  Isa saved = active_isa();
  ~IsaGuard() { set_isa(saved); }
};

std::vector<Isa> isas() {
  std::vector<Isa> out;
  for (int i = 0; i <= static_cast<int>(detected_isa()); ++i) out.push_back(static_cast<Isa>(i));
  return out;
}

std::vector<float> random_vec(size_t n, uint64_t seed) {
  Rng rng(seed);
  std::vector<float> v(n);
  for (auto& x : v) x = rng.uniform(-1.0f, 1.0f);
  return v;
}

size_t in_size(const PoolGeometry& g) {
  return size_t(g.planes) * g.h * g.w;
}
size_t out_size(const PoolGeometry& g) {
  return size_t(g.planes) * g.out_h * g.out_w;
}

// Calls fn(out_index, plane_offset, cell_in_plane) for every valid cell of every window, in
// row-major window order.
template <typename Fn>
void for_each_cell(const PoolGeometry& g, Fn&& fn) {
  for (int pl = 0; pl < g.planes; ++pl)
    for (int i = 0; i < g.out_h; ++i)
      for (int j = 0; j < g.out_w; ++j) {
        const size_t o = (size_t(pl) * g.out_h + i) * g.out_w + j;
        for (int p = 0; p < g.ph; ++p)
          for (int q = 0; q < g.pw; ++q) {
            const int r = i * g.stride_h - g.pad_top + p;
            const int c = j * g.stride_w - g.pad_left + q;
            if (r < 0 || r >= g.h || c < 0 || c >= g.w) continue;
            fn(o, size_t(pl) * g.h * g.w, r * g.w + c);
          }
      }
}

struct Case {
  int planes, h, w, ph, pw, sh, sw;
  bool same;
};

std::string name(const Case& t) {
  return "planes=" + std::to_string(t.planes) + " " + std::to_string(t.h) + "x" +
         std::to_string(t.w) + " win=" + std::to_string(t.ph) + "x" + std::to_string(t.pw) +
         " s=" + std::to_string(t.sh) + "x" + std::to_string(t.sw) + (t.same ? " same" : " valid");
}

const std::vector<Case> kCases = {
    {6, 26, 26, 2, 2, 2, 2, false},  // seed CNN (2x2 fast path)
    {3, 5, 5, 2, 2, 2, 2, false},    // odd size, last row/column dropped (fast path)
    {3, 5, 5, 2, 2, 2, 2, true},     // odd size, padded at the bottom/right
    {2, 7, 8, 3, 3, 2, 2, true},     // overlapping windows, asymmetric padding
    {2, 6, 6, 3, 3, 1, 1, true},     // stride 1, pad 1 on every side
    {4, 7, 9, 2, 3, 1, 2, false},    // rectangular window and stride
    {2, 8, 8, 2, 2, 3, 3, false},    // stride bigger than the window
    {1, 1, 1, 2, 2, 2, 2, true},     // a single pixel
};

TEST(Pool, GeometryFollowsKeras) {
  PoolGeometry g = make_pool_geometry(1, 26, 26, 2, 2, 2, 2, false);
  EXPECT_EQ(g.out_h, 13);
  EXPECT_EQ(g.out_w, 13);
  g = make_pool_geometry(1, 11, 11, 2, 2, 2, 2, false);
  EXPECT_EQ(g.out_h, 5);
  g = make_pool_geometry(1, 5, 5, 2, 2, 2, 2, true);
  EXPECT_EQ(g.out_h, 3);
  EXPECT_EQ(g.pad_top, 0);  // total 1: the extra row goes to the bottom
  g = make_pool_geometry(1, 7, 8, 3, 3, 2, 2, true);
  EXPECT_EQ(g.out_h, 4);
  EXPECT_EQ(g.pad_top, 1);  // total 2
  EXPECT_EQ(g.out_w, 4);
  EXPECT_EQ(g.pad_left, 0);  // total 1
  EXPECT_THROW(make_pool_geometry(1, 1, 5, 2, 2, 2, 2, false), Error);
  EXPECT_THROW(make_pool_geometry(0, 4, 4, 2, 2, 2, 2, false), Error);
  EXPECT_THROW(make_pool_geometry(1, 4, 4, 2, 2, 0, 2, true), Error);
}

TEST(Pool, MaxAndAverageMatchNaive) {
  uint64_t seed = 1;
  for (const Case& t : kCases) {
    SCOPED_TRACE(name(t));
    const PoolGeometry g = make_pool_geometry(t.planes, t.h, t.w, t.ph, t.pw, t.sh, t.sw, t.same);
    const auto x = random_vec(in_size(g), seed++);
    const auto dy = random_vec(out_size(g), seed++);

    // Max forward: the first maximum in row-major window order.
    std::vector<float> want_y(out_size(g), -INFINITY);
    std::vector<int32_t> want_arg(out_size(g), -1);
    for_each_cell(g, [&](size_t o, size_t base, int cell) {
      if (x[base + size_t(cell)] > want_y[o]) {
        want_y[o] = x[base + size_t(cell)];
        want_arg[o] = cell;
      }
    });
    std::vector<float> y(out_size(g), NAN);
    std::vector<int32_t> arg(out_size(g), -7);
    for (Isa isa : isas()) {  // the 2x2 case has SIMD kernels per instruction set
      IsaGuard guard;
      set_isa(isa);
      std::fill(y.begin(), y.end(), NAN);
      maxpool_forward(g, x.data(), y.data(), arg.data());
      EXPECT_EQ(y, want_y) << isa_name(isa);
      EXPECT_EQ(arg, want_arg) << isa_name(isa);
    }

    // Max backward: dx[argmax] += dy (windows may overlap).
    std::vector<double> want_dx(in_size(g), 0.0);
    for (size_t o = 0; o < out_size(g); ++o) {
      const size_t plane = o / (size_t(g.out_h) * g.out_w);
      want_dx[plane * g.h * g.w + size_t(want_arg[o])] += dy[o];
    }
    std::vector<float> dx(in_size(g), NAN);
    maxpool_backward(g, dy.data(), arg.data(), dx.data());
    for (size_t i = 0; i < dx.size(); ++i) ASSERT_NEAR(dx[i], want_dx[i], 1e-6) << i;

    // Average forward: the mean of the valid cells (padding not counted).
    std::vector<double> sum(out_size(g), 0.0), count(out_size(g), 0.0);
    for_each_cell(g, [&](size_t o, size_t base, int cell) {
      sum[o] += x[base + size_t(cell)];
      count[o] += 1;
    });
    avgpool_forward(g, x.data(), y.data());
    for (size_t o = 0; o < y.size(); ++o) ASSERT_NEAR(y[o], sum[o] / count[o], 1e-6) << o;

    // Average backward: each valid cell gets dy / count.
    want_dx.assign(in_size(g), 0.0);
    for_each_cell(g, [&](size_t o, size_t base, int cell) {
      want_dx[base + size_t(cell)] += dy[o] / count[o];
    });
    avgpool_backward(g, dy.data(), dx.data());
    for (size_t i = 0; i < dx.size(); ++i) ASSERT_NEAR(dx[i], want_dx[i], 1e-6) << i;

    // The average pool is linear: <avg(x), dy> = <x, avg^T(dy)>.
    double lhs = 0, rhs = 0;
    for (size_t o = 0; o < y.size(); ++o) lhs += double{y[o]} * dy[o];
    for (size_t i = 0; i < dx.size(); ++i) rhs += double{x[i]} * dx[i];
    EXPECT_NEAR(lhs, rhs, 1e-5);
  }
}

TEST(Pool, MaxBackwardMatchesFiniteDifferences) {
  // L = <maxpool(x), dy>; dL/dx by central differences. Inputs are a shuffled grid spaced by 0.01
  // so that a step of 1e-3 never changes which cell wins.
  for (const Case& t : {Case{2, 7, 8, 3, 3, 2, 2, true}, Case{2, 6, 6, 2, 2, 2, 2, false}}) {
    SCOPED_TRACE(name(t));
    const PoolGeometry g = make_pool_geometry(t.planes, t.h, t.w, t.ph, t.pw, t.sh, t.sw, t.same);
    std::vector<float> x(in_size(g));
    for (size_t i = 0; i < x.size(); ++i) x[i] = 0.01f * float(i);
    Rng rng(3);
    for (size_t i = x.size() - 1; i > 0; --i) std::swap(x[i], x[rng.below(i + 1)]);
    const auto dy = random_vec(out_size(g), 4);
    std::vector<float> y(out_size(g)), dx(in_size(g));
    std::vector<int32_t> arg(out_size(g));
    maxpool_forward(g, x.data(), y.data(), arg.data());
    maxpool_backward(g, dy.data(), arg.data(), dx.data());
    auto loss = [&](const std::vector<float>& in) {
      std::vector<float> out(out_size(g));
      std::vector<int32_t> a(out_size(g));
      maxpool_forward(g, in.data(), out.data(), a.data());
      double s = 0;
      for (size_t o = 0; o < out.size(); ++o) s += double{out[o]} * dy[o];
      return s;
    };
    const float eps = 1e-3f;
    for (size_t i = 0; i < x.size(); ++i) {
      std::vector<float> xp = x, xm = x;
      xp[i] += eps;
      xm[i] -= eps;
      const double fd = (loss(xp) - loss(xm)) / (double{xp[i]} - xm[i]);
      ASSERT_NEAR(dx[i], fd, 1e-3) << "cell " << i;
    }
  }
}

TEST(Pool, TiesPickTheFirstCellAndNaNPropagates) {
  // 2 x 34: 17 windows in a row, enough for every SIMD width plus a tail.
  const PoolGeometry g = make_pool_geometry(1, 2, 34, 2, 2, 2, 2, false);
  for (Isa isa : isas()) {
    IsaGuard guard;
    set_isa(isa);
    std::vector<float> x(68, 1.0f);
    std::vector<float> y(17);
    std::vector<int32_t> arg(17);
    maxpool_forward(g, x.data(), y.data(), arg.data());
    for (int j = 0; j < 17; ++j) EXPECT_EQ(arg[size_t(j)], 2 * j) << isa_name(isa);
    // Windows 0, 9 and 16 (first vector, second vector, tail): the bottom row holds the maximum
    // twice; the bottom-left cell, first in window order, wins.
    for (int j : {0, 9, 16}) {
      x[size_t(34 + 2 * j)] = 3.0f;
      x[size_t(34 + 2 * j + 1)] = 3.0f;
    }
    x[3] = NAN;    // window 1: a NaN after a finite cell wins,
    x[36] = 9.0f;  // even over a larger value after it
    x[4] = NAN;    // window 2: the first of two NaNs wins
    x[5] = NAN;
    maxpool_forward(g, x.data(), y.data(), arg.data());
    EXPECT_EQ(arg[0], 34) << isa_name(isa);
    EXPECT_EQ(arg[9], 34 + 18) << isa_name(isa);
    EXPECT_EQ(arg[16], 34 + 32) << isa_name(isa);
    EXPECT_EQ(y[16], 3.0f) << isa_name(isa);
    EXPECT_TRUE(std::isnan(y[1])) << isa_name(isa);
    EXPECT_EQ(arg[1], 3) << isa_name(isa);
    EXPECT_TRUE(std::isnan(y[2])) << isa_name(isa);
    EXPECT_EQ(arg[2], 4) << isa_name(isa);
    EXPECT_EQ(y[3], 1.0f) << isa_name(isa);
  }
  // The generic path (3x3 windows, same padding) follows the same rule.
  const PoolGeometry gs = make_pool_geometry(1, 4, 4, 3, 3, 2, 2, true);
  std::vector<float> x(16, 1.0f);
  x[5] = NAN;  // window 0 covers cells 0-2, 4-6, 8-10: cell 5 is its first NaN
  x[6] = NAN;
  std::vector<float> ys(size_t(gs.out_h * gs.out_w));
  std::vector<int32_t> as(ys.size());
  maxpool_forward(gs, x.data(), ys.data(), as.data());
  EXPECT_TRUE(std::isnan(ys[0]));
  EXPECT_EQ(as[0], 5);
}

TEST(Pool, BackwardIgnoresOutOfRangeIndicesAndRejectsBadInput) {
  const PoolGeometry g = make_pool_geometry(1, 4, 4, 2, 2, 2, 2, false);
  const std::vector<float> dy = {1, 2, 3, 4};
  const std::vector<int32_t> arg = {0, -1, 16, 15};
  std::vector<float> dx(16, NAN);
  maxpool_backward(g, dy.data(), arg.data(), dx.data());
  EXPECT_EQ(dx[0], 1.0f);
  EXPECT_EQ(dx[15], 4.0f);
  for (int i = 1; i < 15; ++i) EXPECT_EQ(dx[size_t(i)], 0.0f);
  PoolGeometry bad = g;
  bad.pad_top = 2;  // a window entirely in the padding
  float v = 0;
  int32_t a = 0;
  EXPECT_THROW(maxpool_forward(bad, &v, &v, &a), Error);
  EXPECT_THROW(avgpool_forward(g, nullptr, &v), Error);
  EXPECT_THROW(avgpool_backward(PoolGeometry{}, &v, &v), Error);
}

TEST(Pool, ResultsDoNotDependOnThreadCount) {
  const int saved = num_threads();
  const PoolGeometry g = make_pool_geometry(200, 26, 26, 3, 3, 2, 2, true);
  const auto x = random_vec(in_size(g), 9);
  const auto dy = random_vec(out_size(g), 10);
  auto run = [&] {
    std::vector<float> y(out_size(g)), dx(in_size(g)), ya(out_size(g)), dxa(in_size(g));
    std::vector<int32_t> arg(out_size(g));
    maxpool_forward(g, x.data(), y.data(), arg.data());
    maxpool_backward(g, dy.data(), arg.data(), dx.data());
    avgpool_forward(g, x.data(), ya.data());
    avgpool_backward(g, dy.data(), dxa.data());
    y.insert(y.end(), dx.begin(), dx.end());
    y.insert(y.end(), ya.begin(), ya.end());
    y.insert(y.end(), dxa.begin(), dxa.end());
    return y;
  };
  ThreadPool::set_num_threads(1);
  const auto one = run();
  ThreadPool::set_num_threads(3);
  const auto three = run();
  ThreadPool::set_num_threads(saved);
  EXPECT_EQ(0, std::memcmp(one.data(), three.data(), sizeof(float) * one.size()));
}

}  // namespace
}  // namespace inkstone::kernels
