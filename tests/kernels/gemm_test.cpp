#include "inkstone/kernels/gemm.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstring>
#include <iterator>
#include <limits>
#include <string>
#include <vector>

#include "inkstone/kernels/cpu.hpp"
#include "inkstone/kernels/thread_pool.hpp"
#include "inkstone/tensor/error.hpp"
#include "inkstone/tensor/rng.hpp"

namespace inkstone::kernels {
namespace {

constexpr float kNaN = std::numeric_limits<float>::quiet_NaN();

// One product C = alpha * op(A) * op(B) + beta * C with its operands.
struct Case {
  bool ta = false, tb = false;
  int m = 1, n = 1, k = 1;
  int pad_a = 0, pad_b = 0, pad_c = 0;  // extra floats per stored row
  float alpha = 1.0f, beta = 0.0f;

  int lda() const { return (ta ? m : k) + pad_a; }
  int ldb() const { return (tb ? k : n) + pad_b; }
  int ldc() const { return n + pad_c; }
  size_t a_size() const { return static_cast<size_t>(ta ? k : m) * lda(); }
  size_t b_size() const { return static_cast<size_t>(tb ? n : k) * ldb(); }
  size_t c_size() const { return static_cast<size_t>(m) * ldc(); }
  std::string name() const {
    return "m=" + std::to_string(m) + " n=" + std::to_string(n) + " k=" + std::to_string(k) +
           " ta=" + std::to_string(ta) + " tb=" + std::to_string(tb) +
           " pads=" + std::to_string(pad_a) + "," + std::to_string(pad_b) + "," +
           std::to_string(pad_c) + " alpha=" + std::to_string(alpha) +
           " beta=" + std::to_string(beta);
  }
};

struct Operands {
  std::vector<float> a, b, c0;
};

Operands make_operands(const Case& cs, uint64_t seed) {
  Rng rng(seed);
  Operands op;
  op.a.resize(cs.a_size());
  op.b.resize(cs.b_size());
  op.c0.resize(cs.c_size());
  for (float& v : op.a) v = rng.uniform(-1.0f, 1.0f);
  for (float& v : op.b) v = rng.uniform(-1.0f, 1.0f);
  // With beta == 0, C must not be read: fill it with NaN to prove it.
  for (float& v : op.c0) v = cs.beta == 0.0f ? kNaN : rng.uniform(-1.0f, 1.0f);
  return op;
}

std::vector<float> run_gemm(const Case& cs, const Operands& op) {
  std::vector<float> c = op.c0;
  gemm(cs.ta, cs.tb, cs.m, cs.n, cs.k, cs.alpha, op.a.data(), cs.lda(), op.b.data(), cs.ldb(),
       cs.beta, c.data(), cs.ldc());
  return c;
}

// Per-element tolerance: the classic bound for a k-term float dot product plus the beta term,
//   |err| <= (k + 2) * u * (|alpha| * sum_p |a_ip b_pj| + |beta * c0|),  u = 2^-24,
// doubled to cover two float computations compared with each other.
std::vector<double> tolerances(const Case& cs, const Operands& op) {
  const double u = std::ldexp(1.0, -24);
  std::vector<double> tol(op.c0.size(), 0.0);
  for (int i = 0; i < cs.m; ++i) {
    for (int j = 0; j < cs.n; ++j) {
      double absdot = 0;
      for (int p = 0; p < cs.k; ++p) {
        const float av = cs.ta ? op.a[static_cast<size_t>(p) * cs.lda() + i]
                               : op.a[static_cast<size_t>(i) * cs.lda() + p];
        const float bv = cs.tb ? op.b[static_cast<size_t>(j) * cs.ldb() + p]
                               : op.b[static_cast<size_t>(p) * cs.ldb() + j];
        absdot += std::fabs(static_cast<double>(av) * bv);
      }
      const size_t at = static_cast<size_t>(i) * cs.ldc() + j;
      const double cterm = cs.beta == 0.0f ? 0.0 : std::fabs(cs.beta * op.c0[at]);
      tol[at] = 2.0 * (cs.k + 2) * u * (std::fabs(cs.alpha) * absdot + cterm) + 1e-30;
    }
  }
  return tol;
}

// Checks c against want element by element, and that the padding between rows of C is never
// written.
void expect_close(const Case& cs, const Operands& op, const std::vector<double>& tol,
                  const std::vector<float>& c, const std::vector<float>& want,
                  const std::string& what) {
  int bad = 0;
  for (int i = 0; i < cs.m; ++i) {
    for (int j = 0; j < cs.n; ++j) {
      const size_t at = static_cast<size_t>(i) * cs.ldc() + j;
      const double err = std::fabs(static_cast<double>(c[at]) - want[at]);
      if (!(err <= tol[at]) && ++bad <= 3) {
        ADD_FAILURE() << what << " " << cs.name() << ": C(" << i << "," << j << ") = " << c[at]
                      << ", want " << want[at] << " (tolerance " << tol[at] << ")";
      }
    }
    for (int j = cs.n; j < cs.ldc(); ++j) {
      const size_t at = static_cast<size_t>(i) * cs.ldc() + j;
      const bool same = std::memcmp(&c[at], &op.c0[at], sizeof(float)) == 0;
      if (!same && ++bad <= 3) ADD_FAILURE() << what << " " << cs.name() << ": padding written";
    }
  }
  EXPECT_EQ(bad, 0) << what << " " << cs.name();
}

// All instruction sets this CPU can run.
std::vector<Isa> isas() {
  std::vector<Isa> out;
  for (int i = 0; i <= static_cast<int>(detected_isa()); ++i) out.push_back(static_cast<Isa>(i));
  return out;
}

// Restores the instruction set and thread count a test changed.
class GemmTest : public ::testing::Test {
 protected:
  void SetUp() override {
    isa_ = active_isa();
    threads_ = ThreadPool::global().num_threads();
  }
  void TearDown() override {
    set_isa(isa_);
    ThreadPool::set_num_threads(threads_);
  }
  Isa isa_ = Isa::kScalar;
  int threads_ = 1;
};

// Runs each case on every instruction set; checks each against the reference and each SIMD
// result against the scalar one.
void check_cases(const std::vector<Case>& cases) {
  uint64_t seed = 1;
  for (const Case& cs : cases) {
    const Operands op = make_operands(cs, seed++);
    std::vector<float> want = op.c0;
    gemm_reference(cs.ta, cs.tb, cs.m, cs.n, cs.k, cs.alpha, op.a.data(), cs.lda(), op.b.data(),
                   cs.ldb(), cs.beta, want.data(), cs.ldc());
    const std::vector<double> tol = tolerances(cs, op);
    std::vector<float> scalar;
    for (Isa isa : isas()) {
      set_isa(isa);
      const std::vector<float> c = run_gemm(cs, op);
      expect_close(cs, op, tol, c, want, isa_name(isa));
      if (isa == Isa::kScalar) {
        scalar = c;
      } else {
        expect_close(cs, op, tol, c, scalar, std::string(isa_name(isa)) + " vs scalar");
      }
    }
    if (::testing::Test::HasFailure()) return;
  }
}

TEST_F(GemmTest, EdgeSizesAllTransposesMatchReference) {
  // Sizes around every register tile (4/6/14 rows, 8/16/32 columns) and vector width.
  const int sizes[] = {1, 2, 3, 5, 7, 8, 13, 14, 15, 16, 17, 29, 31, 33};
  std::vector<Case> cases;
  Rng pick(7);
  for (int ta = 0; ta < 2; ++ta) {
    for (int tb = 0; tb < 2; ++tb) {
      for (int m : sizes) {
        for (int rep = 0; rep < 3; ++rep) {
          Case cs;
          cs.ta = ta;
          cs.tb = tb;
          cs.m = m;
          cs.n = sizes[pick.below(std::size(sizes))];
          cs.k = sizes[pick.below(std::size(sizes))];
          cs.pad_a = static_cast<int>(pick.below(3));
          cs.pad_b = static_cast<int>(pick.below(3));
          cs.pad_c = static_cast<int>(pick.below(3));
          const float alphas[] = {1.0f, -0.5f, 2.0f};
          const float betas[] = {0.0f, 1.0f, 0.25f};
          cs.alpha = alphas[pick.below(3)];
          cs.beta = betas[pick.below(3)];
          cases.push_back(cs);
        }
      }
    }
  }
  check_cases(cases);
}

TEST_F(GemmTest, BlockedShapesMatchReference) {
  // Several depth blocks (kc <= 384), row blocks (mc <= 252), column blocks, short depths that
  // read B in place, tiny n that computes the transposed product, and small-batch versions of
  // the CNN's shapes.
  std::vector<Case> cases = {
      {false, false, 37, 70, 400, 0, 0, 0, 1.0f, 0.0f},
      {true, true, 30, 45, 777, 3, 1, 2, -1.0f, 0.5f},
      {false, true, 260, 40, 100, 0, 0, 0, 1.0f, 1.0f},
      {true, false, 300, 33, 50, 1, 0, 0, 0.5f, 0.0f},
      {false, false, 3, 3000, 400, 0, 0, 0, 1.0f, 0.0f},
      {false, false, 32, 1000, 9, 0, 0, 0, 1.0f, 0.0f},
      {false, false, 19, 77, 48, 0, 5, 0, 1.0f, 0.25f},
      {true, false, 45, 67, 33, 0, 0, 0, 1.0f, 1.0f},
      {false, true, 32, 9, 2000, 0, 0, 0, 1.0f, 1.0f},
      {false, false, 64, 10, 64, 0, 0, 0, 1.0f, 0.0f},
      {true, true, 50, 3, 20, 0, 0, 0, 2.0f, 0.25f},
      {false, false, 64, 484, 288, 0, 0, 0, 1.0f, 0.0f},
      {true, false, 288, 484, 64, 0, 0, 0, 1.0f, 0.0f},
      {false, true, 64, 288, 484, 0, 0, 0, 1.0f, 1.0f},
      {false, false, 64, 64, 576, 0, 0, 0, 1.0f, 0.0f},
      {true, false, 576, 64, 64, 0, 0, 0, 1.0f, 0.0f},
      // Long depth with a transposed B: the dot-product form, its tile edges and k tails.
      {false, true, 13, 7, 1100, 0, 0, 0, 1.0f, 0.0f},
      {false, true, 21, 30, 1500, 3, 5, 2, 0.5f, 0.25f},
      {false, true, 6, 200, 1030, 0, 1, 0, -1.0f, 1.0f},
      // Plain B whose row stride is 4 KiB (packed instead of read in place).
      {false, false, 20, 100, 300, 0, 924, 0, 1.0f, 0.5f},
  };
  check_cases(cases);
}

TEST_F(GemmTest, BetaZeroOverwritesNaN) {
  for (Isa isa : isas()) {
    set_isa(isa);
    for (int k : {0, 5, 100}) {
      const int m = 9, n = 35;
      std::vector<float> a(static_cast<size_t>(m) * std::max(k, 1), 1.0f);
      std::vector<float> b(static_cast<size_t>(std::max(k, 1)) * n, 0.5f);
      std::vector<float> c(static_cast<size_t>(m) * n, kNaN);
      gemm(false, false, m, n, k, 2.0f, a.data(), std::max(k, 1), b.data(), n, 0.0f, c.data(), n);
      for (float v : c) ASSERT_EQ(v, static_cast<float>(k)) << isa_name(isa) << " k=" << k;
    }
  }
}

TEST_F(GemmTest, ZeroDepthOrAlphaScalesC) {
  for (Isa isa : isas()) {
    set_isa(isa);
    std::vector<float> a(12, kNaN), b(12, kNaN);
    std::vector<float> c(12, 3.0f);
    gemm(false, false, 3, 4, 0, 1.0f, a.data(), 1, b.data(), 4, 0.5f, c.data(), 4);
    for (float v : c) EXPECT_EQ(v, 1.5f);
    // alpha == 0: A and B are not read (they hold NaN here).
    gemm(false, false, 3, 4, 3, 0.0f, a.data(), 3, b.data(), 4, 2.0f, c.data(), 4);
    for (float v : c) EXPECT_EQ(v, 3.0f);
    // Empty C: nothing happens, even with null pointers.
    gemm(false, false, 0, 4, 3, 1.0f, nullptr, 3, nullptr, 4, 0.0f, nullptr, 4);
    gemm(true, true, 3, 0, 3, 1.0f, nullptr, 3, nullptr, 3, 0.0f, nullptr, 1);
  }
}

TEST_F(GemmTest, BitIdenticalAcrossThreadCounts) {
  // Big enough to be split between 3 threads (gemm.cpp gives each thread at least 2M
  // multiply-adds), both wide and tall, every transpose combination, and the dot-product form.
  const std::vector<Case> cases = {
      {false, false, 70, 900, 150, 0, 0, 0, 1.0f, 0.0f},
      {true, false, 500, 80, 160, 0, 0, 0, 1.0f, 0.5f},
      {false, true, 64, 288, 800, 0, 0, 0, 1.0f, 1.0f},
      {true, true, 100, 200, 400, 1, 2, 3, -2.0f, 0.0f},
      {false, false, 32, 24000, 9, 0, 0, 0, 1.0f, 0.0f},
      {false, true, 300, 9, 2400, 0, 0, 0, 1.0f, 1.0f},
      {false, true, 40, 80, 2100, 0, 0, 0, 1.0f, 0.0f},
  };
  for (Isa isa : isas()) {
    set_isa(isa);
    uint64_t seed = 100;
    for (const Case& cs : cases) {
      const Operands op = make_operands(cs, seed++);
      ThreadPool::set_num_threads(1);
      const std::vector<float> one = run_gemm(cs, op);
      for (int threads : {2, 3}) {
        ThreadPool::set_num_threads(threads);
        const std::vector<float> many = run_gemm(cs, op);
        EXPECT_EQ(std::memcmp(one.data(), many.data(), one.size() * sizeof(float)), 0)
            << isa_name(isa) << " " << cs.name() << " threads=" << threads;
      }
    }
  }
}

TEST_F(GemmTest, RepeatedCallsGiveTheSameBits) {
  const Case cs{false, true, 77, 130, 300, 0, 0, 0, 1.0f, 0.0f};
  const Operands op = make_operands(cs, 5);
  const std::vector<float> first = run_gemm(cs, op);
  for (int rep = 0; rep < 3; ++rep) {
    EXPECT_EQ(std::memcmp(first.data(), run_gemm(cs, op).data(), first.size() * sizeof(float)), 0);
  }
}

TEST(Gemm, RejectsBadArguments) {
  std::vector<float> a(100), b(100), c(100);
  EXPECT_THROW(gemm(false, false, -1, 2, 2, 1.0f, a.data(), 2, b.data(), 2, 0.0f, c.data(), 2),
               Error);
  // lda smaller than the stored A's row (k = 5 columns, or m = 4 when transposed).
  EXPECT_THROW(gemm(false, false, 4, 3, 5, 1.0f, a.data(), 4, b.data(), 3, 0.0f, c.data(), 3),
               Error);
  EXPECT_THROW(gemm(true, false, 4, 3, 5, 1.0f, a.data(), 3, b.data(), 3, 0.0f, c.data(), 3),
               Error);
  EXPECT_THROW(gemm(false, true, 4, 3, 5, 1.0f, a.data(), 5, b.data(), 4, 0.0f, c.data(), 3),
               Error);
  EXPECT_THROW(gemm(false, false, 4, 3, 5, 1.0f, a.data(), 5, b.data(), 3, 0.0f, c.data(), 2),
               Error);
  EXPECT_THROW(gemm(false, false, 4, 3, 5, 1.0f, nullptr, 5, b.data(), 3, 0.0f, c.data(), 3),
               Error);
  // The message names the bad field and its value.
  std::string message;
  try {
    gemm(false, false, 4, 3, 5, 1.0f, a.data(), 4, b.data(), 3, 0.0f, c.data(), 3);
  } catch (const Error& e) {
    message = e.what();
  }
  EXPECT_NE(message.find("lda=4"), std::string::npos) << message;
}

}  // namespace
}  // namespace inkstone::kernels
