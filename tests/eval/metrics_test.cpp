// Classification metrics against a case computed by hand: five classes, where class 2 has
// samples but is never predicted, class 3 is predicted but has no samples, and class 4 has
// neither; and McNemar's test against values from its formulas.
#include <gtest/gtest.h>

#include <cmath>
#include <cstdint>
#include <vector>

#include "inkstone/eval/metrics.hpp"
#include "inkstone/tensor/error.hpp"

namespace inkstone {
namespace {

struct Case {
  std::vector<float> probs;
  std::vector<int32_t> labels;
};

// truth -> prediction (confidence): 0->0 (.9), 0->0 (.8), 0->1 (.6), 1->1 (.7), 1->3 (.5),
// 2->0 (.6), 2->1 (.4), 1->1 (.95).
Case hand_case() {
  Case c;
  c.labels = {0, 0, 0, 1, 1, 2, 2, 1};
  c.probs = {0.9f,  0.025f, 0.025f, 0.025f, 0.025f,  // rank of truth 0
             0.8f,  0.05f,  0.05f,  0.05f,  0.05f,   // 0
             0.3f,  0.6f,   0.05f,  0.025f, 0.025f,  // 1
             0.1f,  0.7f,   0.1f,   0.05f,  0.05f,   // 0
             0.1f,  0.3f,   0.05f,  0.5f,   0.05f,   // 1
             0.6f,  0.1f,   0.25f,  0.03f,  0.02f,   // 1
             0.3f,  0.4f,   0.2f,   0.05f,  0.05f,   // 2
             0.02f, 0.95f,  0.01f,  0.01f,  0.01f};  // 0
  return c;
}

ClassificationMetrics hand_metrics() {
  const Case c = hand_case();
  return classification_metrics(c.probs.data(), c.labels.data(), 8, 5, {1, 2, 3, 9}, 5);
}

TEST(ClassificationMetrics, ConfusionMatrixSumsToTheSampleCount) {
  const ClassificationMetrics m = hand_metrics();
  int64_t total = 0;
  for (int64_t v : m.confusion) total += v;
  EXPECT_EQ(total, 8);
  EXPECT_EQ(m.count, 8);
  EXPECT_EQ(m.confusion_at(0, 0), 2);
  EXPECT_EQ(m.confusion_at(0, 1), 1);
  EXPECT_EQ(m.confusion_at(1, 1), 2);
  EXPECT_EQ(m.confusion_at(1, 3), 1);
  EXPECT_EQ(m.confusion_at(2, 0), 1);
  EXPECT_EQ(m.confusion_at(2, 1), 1);
  EXPECT_EQ(m.correct, 4);
  EXPECT_DOUBLE_EQ(m.accuracy, 0.5);
}

TEST(ClassificationMetrics, PerClassHandlesClassesWithoutPredictionsOrSamples) {
  const ClassificationMetrics m = hand_metrics();
  ASSERT_EQ(m.per_class.size(), 5u);
  const ClassMetrics& c0 = m.per_class[0];
  EXPECT_EQ(c0.support, 3);
  EXPECT_EQ(c0.predicted, 3);
  EXPECT_NEAR(c0.precision, 2.0 / 3, 1e-12);
  EXPECT_NEAR(c0.recall, 2.0 / 3, 1e-12);
  EXPECT_NEAR(c0.f1, 2.0 / 3, 1e-12);
  const ClassMetrics& c1 = m.per_class[1];
  EXPECT_EQ(c1.predicted, 4);
  EXPECT_NEAR(c1.precision, 0.5, 1e-12);
  EXPECT_NEAR(c1.recall, 2.0 / 3, 1e-12);
  EXPECT_NEAR(c1.f1, 4.0 / 7, 1e-12);
  // Class 2: two samples, never predicted -> precision 0/0 = 0, recall 0, F1 0.
  const ClassMetrics& c2 = m.per_class[2];
  EXPECT_EQ(c2.support, 2);
  EXPECT_EQ(c2.predicted, 0);
  EXPECT_EQ(c2.precision, 0);
  EXPECT_EQ(c2.recall, 0);
  EXPECT_EQ(c2.f1, 0);
  EXPECT_FALSE(c2.absent());
  // Class 3: no samples, predicted once -> precision 0, recall 0/0 = 0.
  const ClassMetrics& c3 = m.per_class[3];
  EXPECT_EQ(c3.support, 0);
  EXPECT_EQ(c3.predicted, 1);
  EXPECT_EQ(c3.precision, 0);
  EXPECT_EQ(c3.recall, 0);
  EXPECT_FALSE(c3.absent());
  // Class 4: neither -> left out of the averages.
  EXPECT_TRUE(m.per_class[4].absent());
}

TEST(ClassificationMetrics, MacroAndWeightedAveragesOverPresentClasses) {
  const ClassificationMetrics m = hand_metrics();
  EXPECT_NEAR(m.macro.precision, 7.0 / 24, 1e-12);   // (2/3 + 1/2 + 0 + 0) / 4
  EXPECT_NEAR(m.macro.recall, 1.0 / 3, 1e-12);       // (2/3 + 2/3 + 0 + 0) / 4
  EXPECT_NEAR(m.macro.f1, 13.0 / 42, 1e-12);         // (2/3 + 4/7) / 4
  EXPECT_NEAR(m.weighted.precision, 0.4375, 1e-12);  // (3 * 2/3 + 3 * 1/2) / 8
  EXPECT_NEAR(m.weighted.recall, 0.5, 1e-12);        // equals the accuracy
  EXPECT_NEAR(m.weighted.f1, 13.0 / 28, 1e-12);      // (3 * 2/3 + 3 * 4/7) / 8
}

TEST(ClassificationMetrics, TopKLossAndConfusedPairs) {
  const ClassificationMetrics m = hand_metrics();
  ASSERT_EQ(m.top_k, (std::vector<int>{1, 2, 3}));  // k = 9 > 5 classes is dropped
  EXPECT_DOUBLE_EQ(m.top_k_accuracy[0], 0.5);
  EXPECT_DOUBLE_EQ(m.top_k_accuracy[1], 7.0 / 8);
  EXPECT_DOUBLE_EQ(m.top_k_accuracy[2], 1.0);
  const double expected_loss =
      -(std::log(0.9f) + std::log(0.8f) + std::log(0.3f) + std::log(0.7f) + std::log(0.3f) +
        std::log(0.25f) + std::log(0.2f) + std::log(0.95f)) /
      8;
  EXPECT_NEAR(m.loss, expected_loss, 1e-6);
  ASSERT_EQ(m.confused.size(), 4u);
  EXPECT_EQ(m.confused[0].truth, 0);
  EXPECT_EQ(m.confused[0].predicted, 1);
  EXPECT_EQ(m.confused[3].truth, 2);
  EXPECT_EQ(m.confused[3].predicted, 1);
}

TEST(ClassificationMetrics, CalibrationBinsAndExpectedCalibrationError) {
  const ClassificationMetrics m = hand_metrics();
  ASSERT_EQ(m.calibration.size(), 5u);
  EXPECT_EQ(m.calibration[0].count + m.calibration[1].count, 0);
  EXPECT_EQ(m.calibration[2].count, 2);  // .4, .5, both wrong
  EXPECT_NEAR(m.calibration[2].confidence, 0.45, 1e-6);
  EXPECT_EQ(m.calibration[2].accuracy, 0);
  EXPECT_EQ(m.calibration[3].count, 3);  // .6 wrong, .7 right, .6 wrong
  EXPECT_NEAR(m.calibration[3].accuracy, 1.0 / 3, 1e-12);
  EXPECT_EQ(m.calibration[4].count, 3);  // .8, .9, .95 (the last bin holds 1.0 too), all right
  EXPECT_DOUBLE_EQ(m.calibration[4].accuracy, 1.0);
  // ECE = 2/8 * .45 + 3/8 * |1/3 - 1.9/3| + 3/8 * |1 - 2.65/3|
  EXPECT_NEAR(m.ece, 0.26875, 1e-6);
  EXPECT_NEAR(m.mce, 0.45, 1e-6);
}

TEST(ClassificationMetrics, RankAndPredictionBreakTiesByClassIndex) {
  const float p[4] = {0.25f, 0.25f, 0.4f, 0.1f};
  EXPECT_EQ(predicted_class(p, 4), 2);
  EXPECT_EQ(rank_of(p, 4, 2), 0);
  EXPECT_EQ(rank_of(p, 4, 0), 1);
  EXPECT_EQ(rank_of(p, 4, 1), 2);
  EXPECT_EQ(rank_of(p, 4, 3), 3);
}

TEST(ClassificationMetrics, RefusesBadInput) {
  const Case c = hand_case();
  EXPECT_THROW(classification_metrics(c.probs.data(), c.labels.data(), 0, 5), Error);
  EXPECT_THROW(classification_metrics(c.probs.data(), c.labels.data(), 8, 1), Error);
  EXPECT_THROW(classification_metrics(c.probs.data(), c.labels.data(), 8, 5, {1}, 0), Error);
  std::vector<int32_t> bad = c.labels;
  bad[5] = 7;
  EXPECT_THROW(classification_metrics(c.probs.data(), bad.data(), 8, 5), Error);
}

TEST(McNemar, ExactAndChiSquarePValues) {
  // b = 10, c = 2: exact p = 2 * (C(12,0) + C(12,1) + C(12,2)) / 2^12 = 158 / 4096.
  const McNemarResult r = mcnemar(10, 2);
  EXPECT_NEAR(r.p_value, 158.0 / 4096, 1e-12);
  EXPECT_NEAR(r.statistic, 49.0 / 12, 1e-12);  // (|10 - 2| - 1)^2 / 12
  EXPECT_NEAR(r.p_value_chi2, 0.04331, 1e-4);  // chi-square(1) survival at 4.0833
  EXPECT_DOUBLE_EQ(mcnemar(5, 5).p_value, 1.0);
  EXPECT_DOUBLE_EQ(mcnemar(0, 0).p_value, 1.0);
  // Many disagreements: the exact test and the chi-square approximation agree.
  const McNemarResult big = mcnemar(600, 500);
  EXPECT_NEAR(big.p_value / big.p_value_chi2, 1.0, 0.15);
  EXPECT_LT(big.p_value, 0.01);
  EXPECT_THROW(mcnemar(-1, 3), Error);
}

}  // namespace
}  // namespace inkstone
