// Learning-rate schedules: parsing, values at known points, and errors for bad text.
#include "inkstone/train/lr_schedule.hpp"

#include <gtest/gtest.h>

#include <cmath>
#include <numbers>
#include <string>

#include "inkstone/tensor/error.hpp"

namespace inkstone {
namespace {

TEST(LrSchedule, ConstantByDefault) {
  const LrSchedule s;
  EXPECT_EQ(s.kind(), LrSchedule::Kind::kConstant);
  EXPECT_EQ(s.factor(0, 5), 1.0);
  EXPECT_EQ(s.factor(4.99, 5), 1.0);
  EXPECT_EQ(LrSchedule::parse("constant").str(), "constant");
}

TEST(LrSchedule, StepIsAStaircase) {
  const LrSchedule s = LrSchedule::parse("step:every=2,gamma=0.1");
  EXPECT_EQ(s.str(), "step:every=2,gamma=0.1");
  EXPECT_DOUBLE_EQ(s.factor(0, 6), 1.0);
  EXPECT_DOUBLE_EQ(s.factor(1.99, 6), 1.0);
  EXPECT_NEAR(s.factor(2.0, 6), 0.1, 1e-12);
  EXPECT_NEAR(s.factor(5.5, 6), 0.01, 1e-12);
}

TEST(LrSchedule, ExponentialIsContinuous) {
  const LrSchedule s = LrSchedule::parse("exponential:gamma=0.5");
  EXPECT_DOUBLE_EQ(s.factor(0, 4), 1.0);
  EXPECT_NEAR(s.factor(0.5, 4), std::sqrt(0.5), 1e-12);
  EXPECT_NEAR(s.factor(3, 4), 0.125, 1e-12);
  EXPECT_NEAR(LrSchedule::parse("exponential").factor(1, 4), 0.9, 1e-12);
}

TEST(LrSchedule, CosineWarmsUpLinearlyThenDecaysToFinal) {
  const LrSchedule s = LrSchedule::parse("cosine:warmup=1,final=0.1");
  const long long batches = 100;
  EXPECT_NEAR(s.factor(0, 5, batches), 0.01, 1e-12);  // the first batch: lr / batches
  EXPECT_NEAR(s.factor(0.49, 5, batches), 0.5, 1e-12);
  EXPECT_NEAR(s.factor(1, 5, batches), 1.0, 1e-12);
  EXPECT_NEAR(s.factor(3, 5, batches), 0.1 + 0.9 * 0.5, 1e-12);  // halfway through the decay
  EXPECT_NEAR(s.factor(5, 5, batches), 0.1, 1e-12);
  // Monotone decay after the warmup.
  double prev = 2;
  for (double t = 1; t <= 5; t += 0.01) {
    const double f = s.factor(t, 5, batches);
    EXPECT_LE(f, prev + 1e-15);
    prev = f;
  }
  // Without warmup, plain cosine from 1 to 0.
  const LrSchedule c = LrSchedule::parse("cosine");
  EXPECT_NEAR(c.factor(0, 2), 1.0, 1e-12);
  EXPECT_NEAR(c.factor(1, 2), 0.5, 1e-12);
}

TEST(LrSchedule, OneCycleRisesToThePeakThenAnneals) {
  const LrSchedule s = LrSchedule::parse("onecycle:pct=0.25,div=10,final_div=100");
  EXPECT_EQ(s.str(), "onecycle:pct=0.25,div=10,final_div=100");
  EXPECT_NEAR(s.factor(0, 4), 0.1, 1e-12);
  EXPECT_NEAR(s.factor(0.5, 4), 0.1 + 0.9 * 0.5, 1e-12);  // cosine halfway up
  EXPECT_NEAR(s.factor(1, 4), 1.0, 1e-12);
  EXPECT_NEAR(s.factor(2.5, 4), 1e-3 + (1 - 1e-3) * 0.5, 1e-12);  // halfway down
  EXPECT_NEAR(s.factor(4, 4), 1e-3, 1e-12);
}

TEST(LrSchedule, PlateauParsesItsParametersAndLeavesTheFactorToTheCallback) {
  const LrSchedule s = LrSchedule::parse("plateau:factor=0.5,patience=3");
  EXPECT_EQ(s.kind(), LrSchedule::Kind::kPlateau);
  EXPECT_DOUBLE_EQ(s.plateau().factor, 0.5);
  EXPECT_EQ(s.plateau().patience, 3);
  EXPECT_DOUBLE_EQ(s.factor(4.5, 10, 100), 1.0);
  EXPECT_EQ(s.str(), "plateau:factor=0.5,patience=3,min_delta=0.0001,cooldown=0,min=0");
  EXPECT_EQ(LrSchedule::parse(s.str()).str(), s.str());
  EXPECT_THROW(LrSchedule::parse("plateau:factor=1"), Error);
  EXPECT_THROW(LrSchedule::parse("plateau:patience=1.5"), Error);
}

TEST(LrSchedule, BadTextIsAnErrorNamingThePart) {
  const auto message = [](const std::string& text) {
    try {
      LrSchedule::parse(text);
    } catch (const Error& e) {
      return std::string(e.what());
    }
    return std::string("no error");
  };
  EXPECT_NE(message("linear").find("unknown lr schedule 'linear'"), std::string::npos);
  EXPECT_NE(message("cosine:warm=1").find("unknown parameter 'warm'"), std::string::npos);
  EXPECT_NE(message("cosine:warmup=x").find("warmup must be a number"), std::string::npos);
  EXPECT_NE(message("cosine:warmup=1e999").find("must be a number"), std::string::npos);
  EXPECT_NE(message("cosine:warmup").find("expected key=value"), std::string::npos);
  EXPECT_NE(message("cosine:warmup=1,warmup=2").find("given twice"), std::string::npos);
  EXPECT_NE(message("step:gamma=1.5").find("gamma must be in (0, 1]"), std::string::npos);
  EXPECT_NE(message("step:every=0").find("every must be > 0"), std::string::npos);
  EXPECT_NE(message("onecycle:pct=1").find("pct must be in (0, 1)"), std::string::npos);
  EXPECT_NE(message("constant:x=1").find("unknown parameter 'x'"), std::string::npos);
  EXPECT_NE(message("").find("unknown lr schedule"), std::string::npos);
}

}  // namespace
}  // namespace inkstone
