// Adam and AdamW against the tutorial's formulas, worked by hand.
#include "inkstone/optim/adam.hpp"

#include <gtest/gtest.h>

#include <cmath>

#include "inkstone/optim/adamw.hpp"
#include "optim/optim_test_util.hpp"

namespace inkstone {
namespace {

using test::make_param;
using test::set_grad;

TEST(Adam, KerasDefaults) {
  Adam adam;
  EXPECT_EQ(adam.name(), "adam");
  EXPECT_FLOAT_EQ(adam.lr(), 0.001f);
  EXPECT_FLOAT_EQ(adam.options().beta_1, 0.9f);
  EXPECT_FLOAT_EQ(adam.options().beta_2, 0.999f);
  EXPECT_FLOAT_EQ(adam.options().epsilon, 1e-7f);
  EXPECT_EQ(adam.regularization().weight_decay, 0.0f);
  EXPECT_EQ(adam.iterations(), 0);
  AdamW adamw;
  EXPECT_EQ(adamw.name(), "adamw");
  EXPECT_FLOAT_EQ(adamw.lr(), 0.001f);
  EXPECT_FLOAT_EQ(adamw.regularization().weight_decay, 0.004f);
}

// theta0 = (1, -2, 0.5), lr = 0.1, b1 = 0.9, b2 = 0.999, eps = 1e-7.
// Step 1, g = (0.1, -0.2, 0.3); bias corrections 1 - 0.9 = 0.1 and 1 - 0.999 = 0.001:
//   m = 0.1 g = (0.01, -0.02, 0.03)           m_hat = m / 0.1 = (0.1, -0.2, 0.3)
//   v = 0.001 g^2 = (1e-5, 4e-5, 9e-5)        v_hat = v / 0.001 = (0.01, 0.04, 0.09)
//   step = 0.1 m_hat / (sqrt(v_hat) + 1e-7) = (0.0999999, -0.09999995, 0.0999999667)
//   theta1 = (0.9000001, -1.90000005, 0.4000000333)
// Step 2, g = (0.3, -0.2, -0.1); 1 - 0.9^2 = 0.19, 1 - 0.999^2 = 0.001999:
//   m = 0.9 m + 0.1 g = (0.039, -0.038, 0.017)
//   v = 0.999 v + 0.001 g^2 = (9.999e-5, 7.996e-5, 9.991e-5)
//   m_hat = (0.2052631579, -0.2, 0.0894736842)
//   v_hat = (0.0500200100, 0.04, 0.0499799900), sqrt = (0.2236515370, 0.2, 0.2235620495)
//   step = (0.0917780709, -0.09999995, 0.0400218393)
//   theta2 = (0.8082220291, -1.8000001, 0.3599781940)
// Step 3, g = (0, 0.4, 0.2); 1 - 0.9^3 = 0.271, 1 - 0.999^3 = 0.002997001:
//   m = (0.0351, 0.0058, 0.0353)
//   v = (9.989001e-5, 2.3988004e-4, 1.3981009e-4)
//   m_hat = (0.1295202952, 0.0214022140, 0.1302583026)
//   v_hat = (0.0333299889, 0.0800400267, 0.0466499978)
//   step = (0.0709447076, 0.0075649304, 0.0603086212)
//   theta3 = (0.7372773215, -1.8075650300, 0.2996695728)
TEST(Adam, ThreeStepsMatchHandComputedValues) {
  AdamOptions o;
  o.learning_rate = 0.1f;
  Adam adam(o);
  Param p = make_param({1.0f, -2.0f, 0.5f});
  std::vector<Param*> params{&p};
  const float tol = 2e-6f;

  set_grad(p, {0.1f, -0.2f, 0.3f});
  adam.step(params);
  EXPECT_EQ(adam.iterations(), 1);
  EXPECT_NEAR(p.value[0], 0.9000001, tol);
  EXPECT_NEAR(p.value[1], -1.90000005, tol);
  EXPECT_NEAR(p.value[2], 0.4000000333, tol);
  auto state = adam.state();
  ASSERT_EQ(state.size(), 2u);
  EXPECT_EQ(state[0].first, "m/0");
  EXPECT_EQ(state[1].first, "v/0");
  EXPECT_NEAR((*state[0].second)[1], -0.02, 1e-8);
  // v carries 1 - b2 of the float b2 = 0.999f (0.00099998713), a relative 1.3e-5 off 0.001;
  // the bias correction divides the same factor back out of v_hat.
  EXPECT_NEAR((*state[1].second)[2], 9e-5, 9e-5 * 2e-5);

  set_grad(p, {0.3f, -0.2f, -0.1f});
  adam.step(params);
  EXPECT_NEAR(p.value[0], 0.8082220291, tol);
  EXPECT_NEAR(p.value[1], -1.8000001, tol);
  EXPECT_NEAR(p.value[2], 0.3599781940, tol);

  set_grad(p, {0.0f, 0.4f, 0.2f});
  adam.step(params);
  EXPECT_NEAR(p.value[0], 0.7372773215, tol);
  EXPECT_NEAR(p.value[1], -1.8075650300, tol);
  EXPECT_NEAR(p.value[2], 0.2996695728, tol);
  EXPECT_NEAR((*state[0].second)[0], 0.0351, 1e-8);
  EXPECT_NEAR((*state[1].second)[1], 2.3988004e-4, 2.3988004e-4 * 2e-5);
  EXPECT_EQ(adam.iterations(), 3);
}

// With a zero gradient Adam's step is 0 / (0 + eps) = 0, so AdamW moves theta only by the
// decoupled decay: theta1 = theta0 (1 - lr wd) = theta0 * (1 - 0.1 * 0.5) = 0.95 theta0.
// Params with decay == false (biases) are left alone.
TEST(AdamW, DecoupledDecayShrinksWeightsOnly) {
  AdamOptions o;
  o.learning_rate = 0.1f;
  AdamW adamw(o, 0.5f);
  Param w = make_param({1.0f, -2.0f, 0.5f});
  Param b = make_param({1.0f, -2.0f, 0.5f}, "b");
  b.decay = false;
  std::vector<Param*> params{&w, &b};
  adamw.step(params);
  EXPECT_FLOAT_EQ(w.value[0], 0.95f);
  EXPECT_FLOAT_EQ(w.value[1], -1.9f);
  EXPECT_FLOAT_EQ(w.value[2], 0.475f);
  EXPECT_EQ(test::values(b), (std::vector<float>{1.0f, -2.0f, 0.5f}));
}

// With a gradient, AdamW = Adam's step applied after theta <- theta - lr wd theta:
// theta1 = theta0 - lr wd theta0 - (Adam's step from the hand computation above).
TEST(AdamW, EqualsAdamStepPlusDecayOfOldTheta) {
  AdamOptions o;
  o.learning_rate = 0.1f;
  AdamW adamw(o, 0.5f);
  Param p = make_param({1.0f, -2.0f, 0.5f});
  set_grad(p, {0.1f, -0.2f, 0.3f});
  std::vector<Param*> params{&p};
  adamw.step(params);
  EXPECT_NEAR(p.value[0], 1.0 - 0.05 * 1.0 - 0.0999999, 2e-6);
  EXPECT_NEAR(p.value[1], -2.0 + 0.05 * 2.0 + 0.09999995, 2e-6);
  EXPECT_NEAR(p.value[2], 0.5 - 0.05 * 0.5 - 0.0999999667, 2e-6);
}

// Adam normalizes the gradient, so coupled L2 (g = l2 theta) moves every weight by about lr
// on the first step whatever its size, while decoupled decay shrinks it in proportion:
//   coupled:   theta1 ~ theta0 - lr sign(theta0) = (0.9, -1.9, 0.4)
//   decoupled: theta1 = 0.95 theta0            = (0.95, -1.9, 0.475)
TEST(Adam, CoupledL2DiffersFromDecoupledDecay) {
  AdamOptions o;
  o.learning_rate = 0.1f;
  Adam coupled(o);
  coupled.regularization().l2 = 0.5f;
  Adam decoupled(o);
  decoupled.regularization().weight_decay = 0.5f;
  Param a = make_param({1.0f, -2.0f, 0.5f});
  Param b = make_param({1.0f, -2.0f, 0.5f});
  coupled.step({&a});
  decoupled.step({&b});
  EXPECT_NEAR(a.value[0], 0.9, 1e-5);
  EXPECT_NEAR(a.value[1], -1.9, 1e-5);
  EXPECT_NEAR(a.value[2], 0.4, 1e-5);
  EXPECT_NEAR(b.value[0], 0.95, 1e-6);
  EXPECT_NEAR(b.value[1], -1.9, 1e-6);
  EXPECT_NEAR(b.value[2], 0.475, 1e-6);
  // The gradient itself is left untouched by the coupled term.
  EXPECT_EQ(a.grad[0], 0.0f);
}

TEST(Adam, LargeIterationCountStaysFinite) {
  Adam adam;
  Param p = make_param({1.0f, -2.0f, 0.5f});
  set_grad(p, {0.1f, -0.2f, 0.3f});
  adam.build({&p});
  adam.set_iterations(5'000'000);
  adam.step({&p});
  for (int i = 0; i < 3; ++i) EXPECT_TRUE(std::isfinite(p.value[i]));
  // The bias corrections are 1 at that t: step = lr m / (sqrt(v) + eps), m = 0.1 g, v = 1e-3 g^2
  // so step = 0.001 * 0.01 / (sqrt(1e-5) + 1e-7) = 0.0031622...
  EXPECT_NEAR(p.value[0], 1.0 - 0.001 * 0.01 / (std::sqrt(1e-5) + 1e-7), 1e-6);
}

TEST(Adam, RejectsBadOptions) {
  AdamOptions o;
  o.beta_1 = 1.0f;
  EXPECT_THROW(Adam{o}, Error);
  o = {};
  o.beta_2 = -0.1f;
  EXPECT_THROW(Adam{o}, Error);
  o = {};
  o.epsilon = 0.0f;
  EXPECT_THROW(Adam{o}, Error);
  o = {};
  o.learning_rate = -1.0f;
  EXPECT_THROW(Adam{o}, Error);
  EXPECT_THROW(AdamW({}, -0.1f), Error);
}

}  // namespace
}  // namespace inkstone
