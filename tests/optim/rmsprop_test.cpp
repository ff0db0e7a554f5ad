// RMSprop against Keras's formulas: literal values for the plain case, and a double-precision
// reference written from the formulas for the centered and momentum variants.
#include "inkstone/optim/rmsprop.hpp"

#include <gtest/gtest.h>

#include <cmath>

#include "optim/optim_test_util.hpp"

namespace inkstone {
namespace {

using test::make_param;
using test::set_grad;

TEST(RmsProp, KerasDefaults) {
  RmsProp rms;
  EXPECT_EQ(rms.name(), "rmsprop");
  EXPECT_FLOAT_EQ(rms.lr(), 0.001f);
  EXPECT_FLOAT_EQ(rms.options().rho, 0.9f);
  EXPECT_FLOAT_EQ(rms.options().epsilon, 1e-7f);
  EXPECT_EQ(rms.options().momentum, 0.0f);
  EXPECT_FALSE(rms.options().centered);
  EXPECT_EQ(rms.slot_names(), (std::vector<std::string>{"rms"}));
}

// theta0 = 1, lr = 0.1, rho = 0.9, eps = 1e-7 (inside the square root, as in Keras).
// Step 1, g = 0.1:  rms = 0.1 * 0.01 = 0.001;  sqrt(0.001 + 1e-7) = 0.0316243577
//   inc = 0.1 * 0.1 / 0.0316243577 = 0.3162119558;  theta1 = 0.6837880442
// Step 2, g = 0.3:  rms = 0.9 * 0.001 + 0.1 * 0.09 = 0.0099;  sqrt(0.0099001) = 0.0994992462
//   inc = 0.1 * 0.3 / 0.0994992462 = 0.3015098218;  theta2 = 0.3822782224
TEST(RmsProp, PlainMatchesHandComputedValues) {
  RmsPropOptions o;
  o.learning_rate = 0.1f;
  RmsProp rms(o);
  Param p = make_param({1.0f});
  set_grad(p, {0.1f});
  rms.step({&p});
  EXPECT_NEAR(p.value[0], 0.6837880442, 2e-6);
  set_grad(p, {0.3f});
  rms.step({&p});
  EXPECT_NEAR(p.value[0], 0.3822782224, 2e-6);
  auto state = rms.state();
  ASSERT_EQ(state.size(), 1u);
  EXPECT_EQ(state[0].first, "rms/0");
  EXPECT_NEAR((*state[0].second)[0], 0.0099, 1e-8);  // 1 - 0.9f = 0.100000024
}

// Keras's RMSprop in double, straight from the formulas.
struct RmsReference {
  double rho, lr, eps, momentum;
  bool centered;
  std::vector<double> theta, rms, mg, mom;
  void step(const std::vector<double>& g) {
    for (size_t i = 0; i < theta.size(); ++i) {
      rms[i] = rho * rms[i] + (1 - rho) * g[i] * g[i];
      double d = rms[i] + eps;
      if (centered) {
        mg[i] = rho * mg[i] + (1 - rho) * g[i];
        d = rms[i] - mg[i] * mg[i] + eps;
      }
      const double inc = lr * g[i] / std::sqrt(d);
      if (momentum > 0) {
        mom[i] = momentum * mom[i] + inc;
        theta[i] -= mom[i];
      } else {
        theta[i] -= inc;
      }
    }
  }
};

void check_against_reference(bool centered, float momentum) {
  RmsPropOptions o;
  o.learning_rate = 0.05f;
  o.rho = 0.8f;
  o.momentum = momentum;
  o.centered = centered;
  RmsProp opt(o);
  Param p = make_param({1.0f, -2.0f, 0.5f, 0.25f, -0.75f});
  RmsReference ref{0.8,
                   0.05,
                   1e-7,
                   momentum,
                   centered,
                   {1.0, -2.0, 0.5, 0.25, -0.75},
                   std::vector<double>(5),
                   std::vector<double>(5),
                   std::vector<double>(5)};
  const std::vector<std::vector<float>> grads = {{0.1f, -0.2f, 0.3f, 0.05f, -1.0f},
                                                 {0.3f, -0.2f, -0.1f, 0.02f, 0.5f},
                                                 {0.0f, 0.4f, 0.2f, -0.3f, 0.1f},
                                                 {-0.2f, 0.1f, 0.1f, 0.3f, 0.3f}};
  for (const auto& g : grads) {
    set_grad(p, g);
    opt.step({&p});
    ref.step(std::vector<double>(g.begin(), g.end()));
    for (int i = 0; i < 5; ++i) {
      EXPECT_NEAR(p.value[i], ref.theta[static_cast<size_t>(i)], 2e-5)
          << "centered " << centered << " momentum " << momentum << " element " << i;
    }
  }
}

TEST(RmsProp, CenteredMatchesFormulas) {
  check_against_reference(true, 0.0f);
}
TEST(RmsProp, MomentumMatchesFormulas) {
  check_against_reference(false, 0.9f);
}
TEST(RmsProp, CenteredWithMomentumMatchesFormulas) {
  check_against_reference(true, 0.9f);
}
TEST(RmsProp, PlainMatchesFormulas) {
  check_against_reference(false, 0.0f);
}

TEST(RmsProp, SlotsFollowOptions) {
  RmsPropOptions o;
  o.centered = true;
  o.momentum = 0.5f;
  RmsProp rms(o);
  EXPECT_EQ(rms.slot_names(), (std::vector<std::string>{"rms", "mg", "momentum"}));
  Param a = make_param({1.0f, 2.0f});
  Param b = make_param({3.0f});
  rms.build({&a, &b});
  auto state = rms.state();
  ASSERT_EQ(state.size(), 6u);
  EXPECT_EQ(state[0].first, "rms/0");
  EXPECT_EQ(state[1].first, "mg/0");
  EXPECT_EQ(state[2].first, "momentum/0");
  EXPECT_EQ(state[5].first, "momentum/1");
  EXPECT_EQ(state[5].second->shape(), Shape{1});
}

TEST(RmsProp, RejectsBadOptions) {
  RmsPropOptions o;
  o.rho = 1.0f;
  EXPECT_THROW(RmsProp{o}, Error);
  o = {};
  o.epsilon = -1e-7f;
  EXPECT_THROW(RmsProp{o}, Error);
  o = {};
  o.momentum = 1.5f;
  EXPECT_THROW(RmsProp{o}, Error);
}

}  // namespace
}  // namespace inkstone
