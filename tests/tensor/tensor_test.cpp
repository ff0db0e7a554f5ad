#include <gtest/gtest.h>

#include <cstdint>

#include "inkstone/tensor/error.hpp"
#include "inkstone/tensor/rng.hpp"
#include "inkstone/tensor/tensor.hpp"

namespace inkstone {
namespace {

TEST(Shape, NumelRankAndString) {
  Shape s{64, 1, 28, 28};
  EXPECT_EQ(s.rank(), 4);
  EXPECT_EQ(s.numel(), 64 * 28 * 28);
  EXPECT_EQ(s.str(), "(64, 1, 28, 28)");
  EXPECT_EQ(Shape({10}).str(), "(10,)");
  EXPECT_EQ(s.without_batch(), Shape({1, 28, 28}));
  EXPECT_EQ(Shape({1, 28, 28}).with_batch(64), s);
  EXPECT_THROW(Shape({1, 2, 3, 4, 5}), Error);
  EXPECT_THROW(Shape({-1}), Error);
}

TEST(Tensor, AlignedZeroedAndCopies) {
  Tensor t(Shape{3, 5}, 2.0f);
  EXPECT_EQ(reinterpret_cast<uintptr_t>(t.data()) % Tensor::kAlignment, 0u);
  EXPECT_EQ(t[14], 2.0f);
  Tensor u = t;
  u[0] = 7;
  EXPECT_EQ(t[0], 2.0f);
  Tensor z(Shape{4});
  EXPECT_EQ(z[3], 0.0f);
}

TEST(Tensor, ResizeKeepsAllocationWhenLargeEnough) {
  Tensor t(Shape{100});
  const float* p = t.data();
  t.resize(Shape{10, 5});
  EXPECT_EQ(t.data(), p);
  EXPECT_EQ(t.numel(), 50);
  t.resize(Shape{1000});
  EXPECT_EQ(t.numel(), 1000);
  EXPECT_THROW(t.reshape(Shape{3}), Error);
}

TEST(Rng, DeterministicAndInRange) {
  Rng a(42), b(42), c(43);
  bool differs = false;
  for (int i = 0; i < 100; ++i) {
    uint64_t x = a.next_u64();
    EXPECT_EQ(x, b.next_u64());
    differs |= x != c.next_u64();
  }
  EXPECT_TRUE(differs);
  double sum = 0, sq = 0;
  const int n = 200000;
  for (int i = 0; i < n; ++i) {
    float u = a.uniform();
    ASSERT_GE(u, 0.0f);
    ASSERT_LT(u, 1.0f);
    EXPECT_LT(a.below(7), 7u);
    float z = a.normal();
    sum += z;
    sq += z * z;
  }
  EXPECT_NEAR(sum / n, 0.0, 0.01);
  EXPECT_NEAR(sq / n, 1.0, 0.02);
}

}  // namespace
}  // namespace inkstone
