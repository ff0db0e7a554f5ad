// Activations: every function against a double-precision formula, every SIMD path against the
// scalar path (set_isa), tails that are not a multiple of the vector width, in-place use,
// softmax/logsumexp stability, the SIMD exp's accuracy and saturation, and thread-count
// independence.
#include "inkstone/kernels/activations.hpp"

#include <gtest/gtest.h>

#include <cmath>
#include <cstdio>
#include <cstring>
#include <functional>
#include <limits>
#include <string>
#include <vector>

#include "inkstone/kernels/cpu.hpp"
#include "inkstone/kernels/thread_pool.hpp"
#include "inkstone/tensor/error.hpp"
#include "inkstone/tensor/rng.hpp"

namespace inkstone::kernels {
namespace {

constexpr float kInf = std::numeric_limits<float>::infinity();
constexpr float kNaN = std::numeric_limits<float>::quiet_NaN();

// Restores the instruction set when the test ends.
struct IsaGuard {
  Isa saved = active_isa();
  ~IsaGuard() { set_isa(saved); }
};

// Restores the global pool size when the test ends.
struct ThreadsGuard {
  int saved = num_threads();
  ~ThreadsGuard() { ThreadPool::set_num_threads(saved); }
};

std::vector<Isa> isas() {
  std::vector<Isa> out;
  for (int i = 0; i <= static_cast<int>(detected_isa()); ++i) out.push_back(static_cast<Isa>(i));
  return out;
}

std::vector<float> random_vec(int64_t n, float lo, float hi, uint64_t seed) {
  Rng rng(seed);
  std::vector<float> v(static_cast<size_t>(n));
  for (auto& x : v) x = rng.uniform(lo, hi);
  return v;
}

// Lengths around the 8- and 16-lane widths, plus one big enough to be split over threads.
const std::vector<int64_t> kLengths = {1, 3, 7, 8, 9, 15, 16, 17, 31, 33, 100, 1023, 40000};

bool close(double got, double want, double rel, double abs) {
  return std::abs(got - want) <= rel * std::abs(want) + abs;
}

// Asserts |got - want| <= rel |want| + abs; the message is only built on failure.
void expect_close(double got, double want, double rel, double abs, const std::string& what) {
  ASSERT_TRUE(close(got, want, rel, abs)) << what << ": got " << got << " want " << want;
}

// Runs an element-wise function for each ISA and length; checks it against `ref` (double) and
// against the scalar path's output.
void check_unary(const std::function<void(int64_t, const float*, float*)>& fn,
                 const std::function<double(double)>& ref, float lo, float hi, double rel,
                 double abs, bool bit_exact_across_isas, const char* name) {
  IsaGuard guard;
  for (int64_t n : kLengths) {
    const auto x = random_vec(n, lo, hi, 17 + static_cast<uint64_t>(n));
    set_isa(Isa::kScalar);
    std::vector<float> scalar(x.size());
    fn(n, x.data(), scalar.data());
    for (Isa isa : isas()) {
      set_isa(isa);
      const std::string where =
          std::string(name) + " isa=" + isa_name(isa) + " n=" + std::to_string(n);
      std::vector<float> y(x.size() + 1, 12345.0f);  // one guard cell past the end
      fn(n, x.data(), y.data());
      EXPECT_EQ(y[static_cast<size_t>(n)], 12345.0f) << where << ": wrote past the end";
      for (int64_t i = 0; i < n; ++i) {
        const auto u = static_cast<size_t>(i);
        ASSERT_TRUE(close(y[u], ref(x[u]), rel, abs))
            << where << " x=" << x[u] << ": got " << y[u] << " want " << ref(x[u]);
        if (bit_exact_across_isas) {
          ASSERT_EQ(y[u], scalar[u]) << where << " vs scalar";
        } else {
          ASSERT_TRUE(close(y[u], scalar[u], 2 * rel, 2 * abs))
              << where << " vs scalar: " << y[u] << " vs " << scalar[u];
        }
      }
      // In place: y == x.
      std::vector<float> inplace = x;
      fn(n, inplace.data(), inplace.data());
      ASSERT_EQ(0, std::memcmp(inplace.data(), y.data(), sizeof(float) * x.size())) << where;
    }
  }
}

// Same for backward functions fn(n, a, dy, dx) with dx = ref(a, dy).
void check_binary(const std::function<void(int64_t, const float*, const float*, float*)>& fn,
                  const std::function<double(double, double)>& ref, float lo, float hi, double rel,
                  double abs, bool bit_exact_across_isas, const char* name) {
  IsaGuard guard;
  for (int64_t n : kLengths) {
    const auto a = random_vec(n, lo, hi, 100 + static_cast<uint64_t>(n));
    const auto g = random_vec(n, -3.0f, 3.0f, 200 + static_cast<uint64_t>(n));
    set_isa(Isa::kScalar);
    std::vector<float> scalar(a.size());
    fn(n, a.data(), g.data(), scalar.data());
    for (Isa isa : isas()) {
      set_isa(isa);
      const std::string where =
          std::string(name) + " isa=" + isa_name(isa) + " n=" + std::to_string(n);
      std::vector<float> dx(a.size() + 1, 12345.0f);
      fn(n, a.data(), g.data(), dx.data());
      EXPECT_EQ(dx[static_cast<size_t>(n)], 12345.0f) << where << ": wrote past the end";
      for (int64_t i = 0; i < n; ++i) {
        const auto u = static_cast<size_t>(i);
        ASSERT_TRUE(close(dx[u], ref(a[u], g[u]), rel, abs))
            << where << ": got " << dx[u] << " want " << ref(a[u], g[u]);
        if (bit_exact_across_isas) {
          ASSERT_EQ(dx[u], scalar[u]) << where << " vs scalar";
        } else {
          ASSERT_TRUE(close(dx[u], scalar[u], 2 * rel, 2 * abs))
              << where << " vs scalar: " << dx[u] << " vs " << scalar[u];
        }
      }
      // In place: dx == dy.
      std::vector<float> inplace = g;
      fn(n, a.data(), inplace.data(), inplace.data());
      ASSERT_EQ(0, std::memcmp(inplace.data(), dx.data(), sizeof(float) * a.size())) << where;
    }
  }
}

TEST(Activations, ReluMatchesFormulaOnEveryIsa) {
  check_unary(
      relu_forward, [](double x) { return x > 0 ? x : 0.0; }, -5, 5, 0, 0, true, "relu_forward");
  check_binary(
      relu_backward, [](double y, double g) { return y > 0 ? g : 0.0; }, -5, 5, 0, 0, true,
      "relu_backward");
}

TEST(Activations, LeakyReluMatchesFormulaOnEveryIsa) {
  const float alpha = 0.1f;
  check_unary([&](int64_t n, const float* x, float* y) { leaky_relu_forward(n, alpha, x, y); },
              [&](double x) { return x > 0 ? x : double{alpha} * x; }, -5, 5, 1e-7, 0, true,
              "leaky_relu_forward");
  check_binary([&](int64_t n, const float* x, const float* g,
                   float* dx) { leaky_relu_backward(n, alpha, x, g, dx); },
               [&](double x, double g) { return x > 0 ? g : g * alpha; }, -5, 5, 1e-7, 0, true,
               "leaky_relu_backward");
}

TEST(Activations, SigmoidMatchesFormulaOnEveryIsa) {
  check_unary(
      sigmoid_forward, [](double x) { return 1.0 / (1.0 + std::exp(-x)); }, -30, 30, 5e-7, 1e-37,
      false, "sigmoid_forward");
  check_binary(
      sigmoid_backward, [](double y, double g) { return g * y * (1 - y); }, 0, 1, 1e-6, 1e-7, false,
      "sigmoid_backward");
}

TEST(Activations, TanhMatchesFormulaOnEveryIsa) {
  check_unary(
      tanh_forward, [](double x) { return std::tanh(x); }, -6, 6, 5e-7, 1e-37, false,
      "tanh_forward");
  // Small inputs, where 1 - e^-2|x| would lose digits.
  check_unary(
      tanh_forward, [](double x) { return std::tanh(x); }, -0.5f, 0.5f, 5e-7, 1e-37, false,
      "tanh_forward small");
  // 1 - y^2 cancels near |y| = 1: allow the rounding of y^2 (6e-8) times |dy| <= 3.
  check_binary(
      tanh_backward, [](double y, double g) { return g * (1 - y * y); }, -1, 1, 1e-6, 3e-7, false,
      "tanh_backward");
}

TEST(Activations, SaturateWithoutNaN) {
  IsaGuard guard;
  const std::vector<float> x = {1000, -1000, 100, -100, 89, -89, kInf, -kInf, 0, -0.0f, 1e-30f};
  const auto n = static_cast<int64_t>(x.size());
  for (Isa isa : isas()) {
    set_isa(isa);
    std::vector<float> s(x.size()), t(x.size());
    sigmoid_forward(n, x.data(), s.data());
    tanh_forward(n, x.data(), t.data());
    for (size_t i = 0; i < x.size(); ++i) {
      const double sref = 1.0 / (1.0 + std::exp(-double{x[i]}));
      EXPECT_NEAR(s[i], sref, 1e-7) << isa_name(isa) << " sigmoid(" << x[i] << ")";
      EXPECT_NEAR(t[i], std::tanh(double{x[i]}), 1e-7) << isa_name(isa) << " tanh(" << x[i] << ")";
    }
    EXPECT_EQ(s[0], 1.0f);
    EXPECT_EQ(s[1], 0.0f);
    EXPECT_EQ(t[0], 1.0f);
    EXPECT_EQ(t[1], -1.0f);
    EXPECT_FLOAT_EQ(t[10], 1e-30f) << isa_name(isa) << ": tanh keeps relative accuracy near 0";
    // NaN goes in, NaN comes out.
    const float nan_in[2] = {kNaN, 1.0f};
    float out[2];
    sigmoid_forward(2, nan_in, out);
    EXPECT_TRUE(std::isnan(out[0])) << isa_name(isa);
    tanh_forward(2, nan_in, out);
    EXPECT_TRUE(std::isnan(out[0])) << isa_name(isa);
  }
}

TEST(Activations, ExpIsAccurateAndSaturates) {
  IsaGuard guard;
  // A dense sweep of the normal-result range plus random points.
  std::vector<float> x;
  for (int i = 0; i <= 400000; ++i) x.push_back(-87.3f + (88.7f + 87.3f) * float(i) / 400000.0f);
  const auto r = random_vec(100000, -20, 20, 5);
  x.insert(x.end(), r.begin(), r.end());
  const auto n = static_cast<int64_t>(x.size());
  std::vector<float> y(x.size());
  for (Isa isa : isas()) {
    set_isa(isa);
    exp_forward(n, x.data(), y.data());
    double worst = 0;
    for (size_t i = 0; i < x.size(); ++i) {
      const double ref = std::exp(double{x[i]});
      worst = std::max(worst, std::abs(y[i] - ref) / ref);
    }
    EXPECT_LT(worst, 2e-7) << isa_name(isa);
    char text[32];
    std::snprintf(text, sizeof text, "%.3g", worst);
    RecordProperty(std::string("exp_max_rel_error_") + isa_name(isa), text);
    // Denormal results: within half a denormal ulp plus the relative error.
    for (float v = -103.0f; v < -87.4f; v += 0.37f) {
      float e;
      exp_forward(1, &v, &e);
      const double ref = std::exp(double{v});
      EXPECT_LE(std::abs(e - ref), 2e-7 * ref + std::ldexp(1.0, -149)) << isa_name(isa) << v;
    }
    const std::vector<float> big = {88.72f, 88.73f, 89, 100, 1000, kInf, -104, -200, -kInf, kNaN};
    std::vector<float> e(big.size());
    exp_forward(static_cast<int64_t>(big.size()), big.data(), e.data());
    EXPECT_TRUE(std::isfinite(e[0])) << isa_name(isa);
    EXPECT_NEAR(e[0] / std::exp(double{88.72f}), 1.0, 2e-7) << isa_name(isa);
    for (int i = 1; i <= 5; ++i) EXPECT_EQ(e[static_cast<size_t>(i)], kInf) << isa_name(isa) << i;
    for (int i = 6; i <= 8; ++i) EXPECT_EQ(e[static_cast<size_t>(i)], 0.0f) << isa_name(isa) << i;
    EXPECT_TRUE(std::isnan(e[9])) << isa_name(isa);
  }
}

TEST(Activations, BiasAndRowSumsAreExactOnEveryIsa) {
  IsaGuard guard;
  for (int64_t rows : {1, 5, 64, 300}) {
    for (int64_t cols : {1, 7, 10, 16, 33, 130}) {
      const auto m = random_vec(rows * cols, -2, 2, static_cast<uint64_t>(rows * 1000 + cols));
      const auto bias = random_vec(cols, -1, 1, 9);
      std::vector<float> want_y(m.size());
      std::vector<float> want_db(static_cast<size_t>(cols), 0.5f);
      set_isa(Isa::kScalar);
      want_y = m;
      add_bias_cols(rows, cols, bias.data(), want_y.data());
      sum_rows(rows, cols, m.data(), want_db.data());
      for (int64_t c = 0; c < cols; ++c) {
        double s = 0.5;
        for (int64_t r = 0; r < rows; ++r) s += m[static_cast<size_t>(r * cols + c)];
        EXPECT_NEAR(want_db[static_cast<size_t>(c)], s, 1e-5 * double(rows));
        EXPECT_EQ(want_y[static_cast<size_t>(c)], m[static_cast<size_t>(c)] + bias[size_t(c)]);
      }
      for (Isa isa : isas()) {
        set_isa(isa);
        std::vector<float> y = m;
        std::vector<float> db(static_cast<size_t>(cols) + 1, 0.5f);
        db.back() = 777.0f;
        add_bias_cols(rows, cols, bias.data(), y.data());
        sum_rows(rows, cols, m.data(), db.data());
        ASSERT_EQ(0, std::memcmp(y.data(), want_y.data(), sizeof(float) * y.size()))
            << isa_name(isa) << " rows=" << rows << " cols=" << cols;
        ASSERT_EQ(0, std::memcmp(db.data(), want_db.data(), sizeof(float) * want_db.size()))
            << isa_name(isa) << " rows=" << rows << " cols=" << cols;
        EXPECT_EQ(db.back(), 777.0f) << "sum_rows wrote past the end";
      }
    }
  }
}

TEST(Activations, SoftmaxMatchesFormulaAndSumsToOne) {
  IsaGuard guard;
  for (int64_t cols : {1, 2, 10, 15, 16, 17, 100}) {
    const int64_t rows = 7;
    const auto x = random_vec(rows * cols, -20, 20, static_cast<uint64_t>(cols));
    const auto dy = random_vec(rows * cols, -1, 1, static_cast<uint64_t>(cols) + 50);
    set_isa(Isa::kScalar);
    std::vector<float> scalar(x.size());
    softmax_rows(rows, cols, x.data(), scalar.data());
    for (Isa isa : isas()) {
      set_isa(isa);
      const std::string where = std::string(isa_name(isa)) + " cols=" + std::to_string(cols);
      std::vector<float> y(x.size()), dx(x.size()), lse(static_cast<size_t>(rows));
      softmax_rows(rows, cols, x.data(), y.data());
      softmax_backward_rows(rows, cols, y.data(), dy.data(), dx.data());
      logsumexp_rows(rows, cols, x.data(), lse.data());
      for (int64_t r = 0; r < rows; ++r) {
        const size_t o = static_cast<size_t>(r * cols);
        double mx = -INFINITY, z = 0, sum_y = 0, dot = 0;
        for (int64_t j = 0; j < cols; ++j) mx = std::max(mx, double{x[o + size_t(j)]});
        for (int64_t j = 0; j < cols; ++j) z += std::exp(x[o + size_t(j)] - mx);
        for (int64_t j = 0; j < cols; ++j) {
          const size_t u = o + static_cast<size_t>(j);
          const double p = std::exp(x[u] - mx) / z;
          // x - max is rounded to float first: an error of up to |x - max| * 2^-24 in e^(x-max).
          const double rel = 1e-6 + 6e-8 * std::abs(x[u] - mx);
          expect_close(y[u], p, rel, 1e-30, where + " softmax");
          expect_close(y[u], scalar[u], 2 * rel, 1e-30, where + " softmax vs scalar");
          sum_y += y[u];
          dot += double{dy[u]} * y[u];
        }
        EXPECT_NEAR(sum_y, 1.0, 1e-6) << where;
        for (int64_t j = 0; j < cols; ++j) {
          const size_t u = o + static_cast<size_t>(j);
          const double want = double{y[u]} * (dy[u] - dot);
          expect_close(dx[u], want, 0, 1e-6 * y[u] * (std::abs(dy[u]) + std::abs(dot)) + 1e-30,
                       where + " softmax_backward");
        }
        expect_close(lse[size_t(r)], mx + std::log(z), 0, 1e-6 * std::max(1.0, std::abs(mx)),
                     where + " logsumexp");
      }
      // In place.
      std::vector<float> inplace = x;
      softmax_rows(rows, cols, inplace.data(), inplace.data());
      EXPECT_EQ(0, std::memcmp(inplace.data(), y.data(), sizeof(float) * y.size())) << where;
      std::vector<float> g = dy;
      softmax_backward_rows(rows, cols, y.data(), g.data(), g.data());
      EXPECT_EQ(0, std::memcmp(g.data(), dx.data(), sizeof(float) * dx.size())) << where;
    }
  }
}

TEST(Activations, SoftmaxIsStableForHugeInputs) {
  IsaGuard guard;
  const int64_t cols = 19;
  std::vector<float> x(2 * cols, -1000.0f);
  x[3] = 1000.0f;                     // row 0: one huge value among -1000s
  for (int64_t j = 0; j < cols; ++j)  // row 1: all equal and huge
    x[size_t(cols + j)] = 1000.0f;
  for (Isa isa : isas()) {
    set_isa(isa);
    std::vector<float> y(x.size()), lse(2);
    softmax_rows(2, cols, x.data(), y.data());
    logsumexp_rows(2, cols, x.data(), lse.data());
    for (size_t i = 0; i < y.size(); ++i) ASSERT_FALSE(std::isnan(y[i])) << isa_name(isa) << i;
    EXPECT_EQ(y[3], 1.0f) << isa_name(isa);
    EXPECT_EQ(y[0], 0.0f) << isa_name(isa);
    for (int64_t j = 0; j < cols; ++j) EXPECT_FLOAT_EQ(y[size_t(cols + j)], 1.0f / cols);
    EXPECT_FLOAT_EQ(lse[0], 1000.0f) << isa_name(isa);
    EXPECT_FLOAT_EQ(lse[1], 1000.0f + std::log(float(cols))) << isa_name(isa);
    const float all_neg_inf[3] = {-kInf, -kInf, -kInf};
    float l = 0;
    logsumexp_rows(1, 3, all_neg_inf, &l);
    EXPECT_EQ(l, -kInf) << isa_name(isa);
  }
}

TEST(Activations, ResultsDoNotDependOnThreadCount) {
  ThreadsGuard threads;
  const int64_t n = 100003, rows = 2701, cols = 37;  // rows * cols <= n
  const auto x = random_vec(n, -8, 8, 77);
  auto run = [&] {
    std::vector<float> out;
    std::vector<float> a(static_cast<size_t>(n)), b(static_cast<size_t>(n));
    sigmoid_forward(n, x.data(), a.data());
    tanh_backward(n, a.data(), x.data(), b.data());
    out.insert(out.end(), b.begin(), b.end());
    std::vector<float> s(static_cast<size_t>(rows * cols)), lse(static_cast<size_t>(rows));
    softmax_rows(rows, cols, x.data(), s.data());
    logsumexp_rows(rows, cols, x.data(), lse.data());
    std::vector<float> db(static_cast<size_t>(cols), 0.0f);
    sum_rows(rows, cols, x.data(), db.data());
    out.insert(out.end(), s.begin(), s.end());
    out.insert(out.end(), lse.begin(), lse.end());
    out.insert(out.end(), db.begin(), db.end());
    return out;
  };
  ThreadPool::set_num_threads(1);
  const auto one = run();
  ThreadPool::set_num_threads(3);
  const auto three = run();
  ASSERT_EQ(one.size(), three.size());
  EXPECT_EQ(0, std::memcmp(one.data(), three.data(), sizeof(float) * one.size()));
}

TEST(Activations, RejectsBadArguments) {
  float v = 1.0f;
  EXPECT_THROW(relu_forward(-1, &v, &v), Error);
  EXPECT_THROW(sigmoid_forward(4, nullptr, &v), Error);
  EXPECT_THROW(softmax_rows(2, -3, &v, &v), Error);
  EXPECT_NO_THROW(relu_forward(0, nullptr, nullptr));
}

}  // namespace
}  // namespace inkstone::kernels
