// Initializers: the Keras distributions, their fans for Dense and Conv2D, determinism.
#include <gtest/gtest.h>

#include <cmath>

#include "inkstone/nn/conv2d.hpp"
#include "inkstone/nn/dense.hpp"
#include "inkstone/nn/initializers.hpp"
#include "inkstone/tensor/error.hpp"

namespace inkstone {
namespace {

struct Stats {
  double mean = 0, std = 0, max_abs = 0;
};

Stats stats_of(const Tensor& t) {
  Stats s;
  double sum = 0, sq = 0;
  for (int64_t i = 0; i < t.numel(); ++i) {
    sum += t[i];
    sq += double(t[i]) * t[i];
    s.max_abs = std::max(s.max_abs, std::fabs(double(t[i])));
  }
  s.mean = sum / t.numel();
  s.std = std::sqrt(sq / t.numel() - s.mean * s.mean);
  return s;
}

TEST(Initializers, GlorotUniformForDense) {
  Rng rng(1);
  Dense layer(200, Activation::kLinear);
  layer.build({300}, rng);
  const double limit = std::sqrt(6.0 / (300 + 200));
  const Stats s = stats_of(layer.kernel().value);
  EXPECT_LE(s.max_abs, limit);
  EXPECT_GT(s.max_abs, 0.999 * limit);
  EXPECT_NEAR(s.mean, 0.0, 0.01 * limit);
  EXPECT_NEAR(s.std, limit / std::sqrt(3.0), 0.01 * limit);  // U(-l, l) has std l / sqrt(3)
  EXPECT_EQ(stats_of(layer.bias().value).max_abs, 0.0);
}

TEST(Initializers, ConvFansAsKeras) {
  Rng rng(2);
  Conv2D layer(64, {3, 3});
  layer.build({32, 8, 8}, rng);
  // fan_in = 32 * 9 = 288, fan_out = 64 * 9 = 576
  const double limit = std::sqrt(6.0 / (288 + 576));
  const Stats s = stats_of(layer.kernel().value);
  EXPECT_LE(s.max_abs, limit);
  EXPECT_GT(s.max_abs, 0.999 * limit);
  EXPECT_NEAR(s.std, limit / std::sqrt(3.0), 0.02 * limit);
}

TEST(Initializers, HeNormalIsATruncatedNormalWithHeStd) {
  Rng rng(3);
  Conv2D layer(64, {3, 3}, {1, 1}, Padding::kValid, Activation::kRelu, true,
               Initializer::kHeNormal);
  layer.build({32, 8, 8}, rng);
  const double std = std::sqrt(2.0 / 288);
  const Stats s = stats_of(layer.kernel().value);  // 18432 draws
  EXPECT_NEAR(s.std, std, 0.02 * std);
  EXPECT_NEAR(s.mean, 0.0, 0.03 * std);
  // Truncated at 2 standard deviations of the underlying normal.
  const double cut = 2 * std / 0.87962566103423978;
  EXPECT_LE(s.max_abs, cut * (1 + 1e-6));
  EXPECT_GT(s.max_abs, 0.98 * cut);
}

TEST(Initializers, HeUniformZerosOnesAndGlorotNormal) {
  Rng rng(4);
  Tensor t(Shape{100, 100});
  initialize(t, Initializer::kHeUniform, 50, 7, rng);
  const double limit = std::sqrt(6.0 / 50);
  Stats s = stats_of(t);
  EXPECT_LE(s.max_abs, limit);
  EXPECT_GT(s.max_abs, 0.999 * limit);
  EXPECT_NEAR(s.std, limit / std::sqrt(3.0), 0.02 * limit);
  initialize(t, Initializer::kGlorotNormal, 30, 70, rng);
  s = stats_of(t);
  EXPECT_NEAR(s.std, std::sqrt(2.0 / 100), 0.03 * std::sqrt(2.0 / 100));
  initialize(t, Initializer::kZeros, 1, 1, rng);
  EXPECT_EQ(stats_of(t).max_abs, 0.0);
  initialize(t, Initializer::kOnes, 1, 1, rng);
  EXPECT_EQ(stats_of(t).mean, 1.0);
  EXPECT_EQ(stats_of(t).std, 0.0);
  EXPECT_THROW(initialize(t, Initializer::kHeUniform, 0, 1, rng), Error);
}

TEST(Initializers, SameSeedSameWeights) {
  Rng a(9), b(9), c(10);
  Dense da(5), db(5), dc(5);
  da.build({7}, a);
  db.build({7}, b);
  dc.build({7}, c);
  int differ = 0;
  for (int64_t i = 0; i < 35; ++i) {
    EXPECT_EQ(da.kernel().value[i], db.kernel().value[i]);
    differ += da.kernel().value[i] != dc.kernel().value[i];
  }
  EXPECT_GT(differ, 30);
}

TEST(Initializers, Names) {
  for (const auto& name : initializer_names()) {
    EXPECT_EQ(initializer_name(parse_initializer(name)), name);
  }
  EXPECT_EQ(parse_initializer("he_normal"), Initializer::kHeNormal);
  try {
    parse_initializer("xavier");
    FAIL();
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("xavier"), std::string::npos);
  }
  for (const auto& name : activation_names()) {
    EXPECT_EQ(activation_name(parse_activation(name)), name);
  }
  EXPECT_THROW(parse_activation("swish"), Error);
  EXPECT_EQ(parse_padding("same"), Padding::kSame);
  EXPECT_THROW(parse_padding("SAME"), Error);
}

}  // namespace
}  // namespace inkstone
