// Losses: values against hand computations, gradients against finite differences.
#include "inkstone/nn/loss.hpp"

#include <gtest/gtest.h>

#include <cmath>
#include <functional>
#include <string>
#include <vector>

#include "inkstone/tensor/error.hpp"
#include "inkstone/tensor/rng.hpp"

namespace inkstone {
namespace {

Tensor matrix(int64_t rows, int64_t cols, const std::vector<float>& values) {
  Tensor t(Shape{rows, cols});
  for (int64_t i = 0; i < t.numel(); ++i) t[i] = values[static_cast<size_t>(i)];
  return t;
}

Tensor one_hot(const std::vector<int32_t>& labels, int64_t classes) {
  Tensor t(Shape{static_cast<int64_t>(labels.size()), classes});
  for (size_t i = 0; i < labels.size(); ++i) t[static_cast<int64_t>(i) * classes + labels[i]] = 1;
  return t;
}

// Central differences of loss.value with respect to each output element.
std::vector<double> numeric_gradient(Loss& loss, Tensor out, const Targets& t, float eps) {
  std::vector<double> g(static_cast<size_t>(out.numel()));
  for (int64_t k = 0; k < out.numel(); ++k) {
    const float saved = out[k];
    out[k] = saved + eps;
    const double plus = loss.value(out, t);
    out[k] = saved - eps;
    const double minus = loss.value(out, t);
    out[k] = saved;
    g[static_cast<size_t>(k)] = (plus - minus) / (2.0 * eps);
  }
  return g;
}

std::string error_of(const std::function<void()>& fn) {
  try {
    fn();
  } catch (const Error& e) {
    return e.what();
  }
  return "";
}

TEST(CrossEntropy, ValueMatchesHandComputation) {
  // Row 0: logits (1, 2, 3), label 2: L = log(e + e^2 + e^3) - 3 = 0.4076059645
  // Row 1: logits (1, 1, 1), label 0: L = log 3 = 1.0986122887
  const Tensor z = matrix(2, 3, {1, 2, 3, 1, 1, 1});
  const std::vector<int32_t> labels{2, 0};
  Targets t;
  t.labels = labels.data();
  auto loss = make_softmax_cross_entropy();
  EXPECT_TRUE(loss->fuses_softmax());
  Tensor grad;
  const float value = loss->forward_backward(z, t, grad);
  EXPECT_NEAR(value, (0.4076059645 + 1.0986122887) / 2, 1e-6);
  EXPECT_NEAR(loss->value(z, t), value, 1e-7);
  // dL/dz = (p - y) / N
  const double e1 = std::exp(1.0), e2 = std::exp(2.0), e3 = std::exp(3.0), s = e1 + e2 + e3;
  const std::vector<double> want{e1 / s / 2,        e2 / s / 2, (e3 / s - 1) / 2,
                                 (1.0 / 3 - 1) / 2, 1.0 / 6,    1.0 / 6};
  ASSERT_EQ(grad.shape(), z.shape());
  for (int64_t k = 0; k < 6; ++k) EXPECT_NEAR(grad[k], want[static_cast<size_t>(k)], 1e-6) << k;
}

TEST(CrossEntropy, IntegerLabelsEqualOneHotTargets) {
  Rng rng(3);
  Tensor z(Shape{5, 7});
  for (int64_t k = 0; k < z.numel(); ++k) z[k] = rng.normal() * 3;
  const std::vector<int32_t> labels{0, 6, 3, 3, 1};
  const Tensor y = one_hot(labels, 7);
  Targets by_label, by_dense;
  by_label.labels = labels.data();
  by_dense.dense = &y;
  auto loss = make_softmax_cross_entropy();
  Tensor g1, g2;
  const float l1 = loss->forward_backward(z, by_label, g1);
  const float l2 = loss->forward_backward(z, by_dense, g2);
  EXPECT_NEAR(l1, l2, 1e-6);
  for (int64_t k = 0; k < z.numel(); ++k) EXPECT_NEAR(g1[k], g2[k], 1e-7) << k;
}

TEST(CrossEntropy, GradientMatchesFiniteDifferences) {
  Rng rng(11);
  Tensor z(Shape{4, 6});
  for (int64_t k = 0; k < z.numel(); ++k) z[k] = rng.normal();
  // Soft targets (rows sum to 1) and integer labels.
  Tensor y(Shape{4, 6});
  for (int64_t i = 0; i < 4; ++i) {
    float sum = 0;
    for (int64_t j = 0; j < 6; ++j) sum += (y[i * 6 + j] = rng.uniform() + 0.05f);
    for (int64_t j = 0; j < 6; ++j) y[i * 6 + j] /= sum;
  }
  const std::vector<int32_t> labels{5, 0, 2, 2};
  Targets soft, hard;
  soft.dense = &y;
  hard.labels = labels.data();
  auto loss = make_softmax_cross_entropy();
  for (const Targets* t : {&soft, &hard}) {
    Tensor grad;
    loss->forward_backward(z, *t, grad);
    const std::vector<double> num = numeric_gradient(*loss, z, *t, 1e-2f);
    for (int64_t k = 0; k < z.numel(); ++k) {
      EXPECT_NEAR(grad[k], num[static_cast<size_t>(k)], 2e-4) << k;
    }
  }
}

TEST(CrossEntropy, UnnormalizedTargetsUseTheExactGradient) {
  // dL/dz_ij = (p_ij * sum_j y_ij - y_ij) / N for targets that do not sum to 1.
  Tensor z = matrix(1, 3, {0.5f, -1, 2});
  Tensor y = matrix(1, 3, {2, 0, 1});
  Targets t;
  t.dense = &y;
  auto loss = make_softmax_cross_entropy();
  Tensor grad;
  loss->forward_backward(z, t, grad);
  const std::vector<double> num = numeric_gradient(*loss, z, t, 1e-2f);
  for (int64_t k = 0; k < 3; ++k) EXPECT_NEAR(grad[k], num[static_cast<size_t>(k)], 2e-4) << k;
}

TEST(CrossEntropy, StableForHugeLogits) {
  const Tensor z = matrix(2, 3, {1000, -1000, 0, 1000, -1000, 0});
  const std::vector<int32_t> labels{0, 1};
  Targets t;
  t.labels = labels.data();
  auto loss = make_softmax_cross_entropy();
  Tensor grad;
  const float value = loss->forward_backward(z, t, grad);
  // Row 0 is certain and right (loss ~0), row 1 certain and wrong (loss 2000).
  ASSERT_TRUE(std::isfinite(value));
  EXPECT_NEAR(value, 1000.0, 1e-3);
  for (int64_t k = 0; k < grad.numel(); ++k) ASSERT_TRUE(std::isfinite(grad[k])) << k;
  EXPECT_NEAR(grad[0], 0.0, 1e-6);
  EXPECT_NEAR(grad[3], 0.5, 1e-6);   // p = 1, y = 0, / N
  EXPECT_NEAR(grad[4], -0.5, 1e-6);  // p = 0, y = 1, / N
}

TEST(CrossEntropy, RejectsBadTargets) {
  const Tensor z = matrix(2, 3, {1, 2, 3, 4, 5, 6});
  auto loss = make_softmax_cross_entropy();
  Tensor grad;
  const std::vector<int32_t> bad{1, 3};
  Targets t;
  t.labels = bad.data();
  const std::string msg = error_of([&] { loss->forward_backward(z, t, grad); });
  EXPECT_NE(msg.find("label 3 of row 1"), std::string::npos) << msg;
  const std::vector<int32_t> negative{-1, 0};
  t.labels = negative.data();
  EXPECT_THROW(loss->value(z, t), Error);

  const Tensor y(Shape{2, 4});
  Targets dense;
  dense.dense = &y;
  EXPECT_NE(error_of([&] { loss->value(z, dense); }).find("(2, 4)"), std::string::npos);
  Targets none;
  EXPECT_THROW(loss->value(z, none), Error);
  Targets both;
  both.labels = bad.data();
  both.dense = &y;
  EXPECT_THROW(loss->value(z, both), Error);
  const Tensor vector_out(Shape{3});
  Targets ok;
  const std::vector<int32_t> labels{0, 0, 0};
  ok.labels = labels.data();
  EXPECT_THROW(loss->value(vector_out, ok), Error);
}

TEST(CrossEntropy, LabelSmoothingValueAndGradient) {
  // Row (1, 2, 3), label 2, eps 0.3, K 3: y = (0.1, 0.1, 0.8);
  // L = sum_j y_j (lse - z_j) with lse = 3.4076059645: 0.1*2.4076 + 0.1*1.4076 + 0.8*0.4076
  //   = 0.7076059645
  const Tensor z = matrix(1, 3, {1, 2, 3});
  const std::vector<int32_t> labels{2};
  Targets t;
  t.labels = labels.data();
  CrossEntropyOptions o;
  o.label_smoothing = 0.3f;
  auto loss = make_softmax_cross_entropy(o);
  EXPECT_NEAR(loss->value(z, t), 0.7076059645, 1e-6);
  // The same as dense targets (0.1, 0.1, 0.8) through the plain loss.
  const Tensor y = matrix(1, 3, {0.1f, 0.1f, 0.8f});
  Targets dense;
  dense.dense = &y;
  Tensor g1, g2;
  EXPECT_NEAR(loss->forward_backward(z, t, g1),
              make_softmax_cross_entropy()->forward_backward(z, dense, g2), 1e-6);
  for (int k = 0; k < 3; ++k) EXPECT_NEAR(g1[k], g2[k], 1e-6);
}

TEST(CrossEntropy, ClassWeightsScaleTrainingLossAndGradient) {
  Rng rng(4);
  Tensor z(Shape{5, 4});
  for (int64_t k = 0; k < z.numel(); ++k) z[k] = rng.normal();
  const std::vector<int32_t> labels{0, 3, 1, 1, 2};
  Targets t;
  t.labels = labels.data();
  CrossEntropyOptions o;
  o.label_smoothing = 0.1f;
  o.class_weights = {2.0f, 0.5f, 1.0f, 3.0f};
  auto loss = make_softmax_cross_entropy(o);
  Tensor grad;
  const float weighted = loss->forward_backward(z, t, grad);
  // Finite differences of the weighted training loss (forward_backward's value).
  for (int64_t k = 0; k < z.numel(); ++k) {
    Tensor zp = z, zm = z, scratch;
    zp[k] += 1e-2f;
    zm[k] -= 1e-2f;
    const double num = (static_cast<double>(loss->forward_backward(zp, t, scratch)) -
                        loss->forward_backward(zm, t, scratch)) /
                       2e-2;
    EXPECT_NEAR(grad[k], num, 2e-3) << k;
  }
  // value() is unweighted: equal to the loss with all weights 1.
  CrossEntropyOptions unweighted;
  unweighted.label_smoothing = 0.1f;
  EXPECT_NEAR(loss->value(z, t), make_softmax_cross_entropy(unweighted)->value(z, t), 1e-6);
  EXPECT_NE(weighted, loss->value(z, t));
  // Wrong count, negative weights, bad smoothing, dense targets: errors.
  CrossEntropyOptions bad;
  bad.class_weights = {1, 1};
  EXPECT_THROW(make_softmax_cross_entropy(bad)->value(z, t), Error);
  bad.class_weights = {1, -1, 1, 1};
  EXPECT_THROW(make_softmax_cross_entropy(bad), Error);
  CrossEntropyOptions smooth;
  smooth.label_smoothing = 1.0f;
  EXPECT_THROW(make_softmax_cross_entropy(smooth), Error);
  const Tensor y = one_hot(labels, 4);
  Targets dense;
  dense.dense = &y;
  EXPECT_THROW(loss->value(z, dense), Error);
}

TEST(MeanSquaredError, ValueAndGradient) {
  const Tensor out = matrix(2, 2, {1, 2, 3, 4});
  const Tensor y = matrix(2, 2, {0, 2, 1, 1});
  Targets t;
  t.dense = &y;
  auto loss = make_mean_squared_error();
  EXPECT_FALSE(loss->fuses_softmax());
  Tensor grad;
  // differences 1, 0, 2, 3: L = 14 / 4; dL/do = 2 d / 4
  EXPECT_NEAR(loss->forward_backward(out, t, grad), 3.5, 1e-6);
  const std::vector<float> want{0.5f, 0, 1, 1.5f};
  for (int64_t k = 0; k < 4; ++k) EXPECT_NEAR(grad[k], want[static_cast<size_t>(k)], 1e-7);
  const std::vector<double> num = numeric_gradient(*loss, out, t, 1e-2f);
  for (int64_t k = 0; k < 4; ++k) EXPECT_NEAR(grad[k], num[static_cast<size_t>(k)], 1e-4);
}

TEST(MeanSquaredError, IntegerLabelsAreOneHotRows) {
  const Tensor out = matrix(1, 2, {0.2f, 0.8f});
  const std::vector<int32_t> labels{1};
  Targets t;
  t.labels = labels.data();
  auto loss = make_mean_squared_error();
  Tensor grad;
  // differences 0.2, -0.2: L = 0.08 / 2
  EXPECT_NEAR(loss->forward_backward(out, t, grad), 0.04, 1e-6);
  EXPECT_NEAR(grad[0], 0.2, 1e-6);
  EXPECT_NEAR(grad[1], -0.2, 1e-6);
  const std::vector<int32_t> bad{2};
  t.labels = bad.data();
  EXPECT_THROW(loss->value(out, t), Error);
}

TEST(MakeLoss, KnowsTheKerasNames) {
  EXPECT_EQ(make_loss("categorical_crossentropy")->name(), "categorical_crossentropy");
  EXPECT_TRUE(make_loss("sparse_categorical_crossentropy")->fuses_softmax());
  EXPECT_TRUE(make_loss("cross_entropy")->fuses_softmax());
  EXPECT_EQ(make_loss("mse")->name(), "mse");
  EXPECT_EQ(make_loss("mean_squared_error")->name(), "mse");
  const std::string msg = error_of([] { make_loss("hinge"); });
  EXPECT_NE(msg.find("'hinge'"), std::string::npos) << msg;
}

}  // namespace
}  // namespace inkstone
