// SGD (plain, momentum, Nesterov) against Keras's formulas, worked by hand.
#include "inkstone/optim/sgd.hpp"

#include <gtest/gtest.h>

#include "optim/optim_test_util.hpp"

namespace inkstone {
namespace {

using test::make_param;
using test::set_grad;

// The gradients of the three steps used below.
const std::vector<std::vector<float>> kGrads = {
    {0.1f, -0.2f, 0.3f}, {0.3f, -0.2f, -0.1f}, {0.0f, 0.4f, 0.2f}};

TEST(Sgd, KerasDefaults) {
  Sgd sgd;
  EXPECT_EQ(sgd.name(), "sgd");
  EXPECT_FLOAT_EQ(sgd.lr(), 0.01f);
  EXPECT_EQ(sgd.options().momentum, 0.0f);
  EXPECT_FALSE(sgd.options().nesterov);
  EXPECT_TRUE(sgd.slot_names().empty());
}

// theta0 = (1, -2, 0.5), lr = 0.1: theta <- theta - 0.1 g
//   theta1 = (1 - 0.01, -2 + 0.02, 0.5 - 0.03) = (0.99, -1.98, 0.47)
//   theta2 = (0.99 - 0.03, -1.98 + 0.02, 0.47 + 0.01) = (0.96, -1.96, 0.48)
//   theta3 = (0.96, -1.96 - 0.04, 0.48 - 0.02) = (0.96, -2.0, 0.46)
TEST(Sgd, PlainMatchesHandComputedValues) {
  SgdOptions o;
  o.learning_rate = 0.1f;
  Sgd sgd(o);
  Param p = make_param({1.0f, -2.0f, 0.5f});
  const std::vector<std::vector<float>> expected = {
      {0.99f, -1.98f, 0.47f}, {0.96f, -1.96f, 0.48f}, {0.96f, -2.0f, 0.46f}};
  for (int s = 0; s < 3; ++s) {
    set_grad(p, kGrads[s]);
    sgd.step({&p});
    for (int i = 0; i < 3; ++i) EXPECT_NEAR(p.value[i], expected[s][i], 1e-6) << s << " " << i;
  }
  EXPECT_TRUE(sgd.state().empty());
}

// momentum 0.9, lr 0.1: v <- 0.9 v - 0.1 g; theta <- theta + v
//   v1 = (-0.01, 0.02, -0.03)                          theta1 = (0.99, -1.98, 0.47)
//   v2 = (-0.009 - 0.03, 0.018 + 0.02, -0.027 + 0.01)
//      = (-0.039, 0.038, -0.017)                       theta2 = (0.951, -1.942, 0.453)
//   v3 = (-0.0351, 0.0342 - 0.04, -0.0153 - 0.02)
//      = (-0.0351, -0.0058, -0.0353)                   theta3 = (0.9159, -1.9478, 0.4177)
TEST(Sgd, MomentumMatchesHandComputedValues) {
  SgdOptions o;
  o.learning_rate = 0.1f;
  o.momentum = 0.9f;
  Sgd sgd(o);
  Param p = make_param({1.0f, -2.0f, 0.5f});
  const std::vector<std::vector<float>> expected = {
      {0.99f, -1.98f, 0.47f}, {0.951f, -1.942f, 0.453f}, {0.9159f, -1.9478f, 0.4177f}};
  for (int s = 0; s < 3; ++s) {
    set_grad(p, kGrads[s]);
    sgd.step({&p});
    for (int i = 0; i < 3; ++i) EXPECT_NEAR(p.value[i], expected[s][i], 1e-6) << s << " " << i;
  }
  auto state = sgd.state();
  ASSERT_EQ(state.size(), 1u);
  EXPECT_EQ(state[0].first, "velocity/0");
  EXPECT_NEAR((*state[0].second)[1], -0.0058, 1e-7);
}

// Nesterov, momentum 0.9, lr 0.1: v <- 0.9 v - 0.1 g; theta <- theta + 0.9 v - 0.1 g
//   v1 = (-0.01, 0.02, -0.03)
//   theta1 = (1 - 0.009 - 0.01, -2 + 0.018 + 0.02, 0.5 - 0.027 - 0.03) = (0.981, -1.962, 0.443)
//   v2 = (-0.039, 0.038, -0.017)
//   theta2 = (0.981 - 0.0351 - 0.03, -1.962 + 0.0342 + 0.02, 0.443 - 0.0153 + 0.01)
//          = (0.9159, -1.9078, 0.4377)
//   v3 = (-0.0351, -0.0058, -0.0353)
//   theta3 = (0.9159 - 0.03159 - 0, -1.9078 - 0.00522 - 0.04, 0.4377 - 0.03177 - 0.02)
//          = (0.88431, -1.95302, 0.38593)
TEST(Sgd, NesterovMatchesHandComputedValues) {
  SgdOptions o;
  o.learning_rate = 0.1f;
  o.momentum = 0.9f;
  o.nesterov = true;
  Sgd sgd(o);
  Param p = make_param({1.0f, -2.0f, 0.5f});
  const std::vector<std::vector<float>> expected = {
      {0.981f, -1.962f, 0.443f}, {0.9159f, -1.9078f, 0.4377f}, {0.88431f, -1.95302f, 0.38593f}};
  for (int s = 0; s < 3; ++s) {
    set_grad(p, kGrads[s]);
    sgd.step({&p});
    for (int i = 0; i < 3; ++i) EXPECT_NEAR(p.value[i], expected[s][i], 1e-6) << s << " " << i;
  }
}

// For plain SGD coupled L2 and decoupled decay are the same update:
//   theta - lr (g + l2 theta) = theta - lr wd theta - lr g   when l2 = wd.
TEST(Sgd, CoupledL2EqualsDecoupledDecayWithoutMomentum) {
  SgdOptions o;
  o.learning_rate = 0.1f;
  Sgd coupled(o), decoupled(o);
  coupled.regularization().l2 = 0.5f;
  decoupled.regularization().weight_decay = 0.5f;
  Param a = make_param({1.0f, -2.0f, 0.5f});
  Param b = make_param({1.0f, -2.0f, 0.5f});
  set_grad(a, kGrads[0]);
  set_grad(b, kGrads[0]);
  coupled.step({&a});
  decoupled.step({&b});
  // theta1 = theta0 (1 - 0.05) - 0.1 g = (0.94, -1.88, 0.445)
  const std::vector<float> expected = {0.94f, -1.88f, 0.445f};
  for (int i = 0; i < 3; ++i) {
    EXPECT_NEAR(a.value[i], expected[i], 1e-6);
    EXPECT_NEAR(b.value[i], expected[i], 1e-6);
  }
}

TEST(Sgd, RejectsBadOptions) {
  SgdOptions o;
  o.momentum = 1.0f;
  EXPECT_THROW(Sgd{o}, Error);
  o.momentum = -0.5f;
  EXPECT_THROW(Sgd{o}, Error);
}

}  // namespace
}  // namespace inkstone
