// CTC loss and greedy decoding: the loss equals -log of the probability summed over every
// frame-by-frame path that collapses to the label (enumerated by brute force on small cases),
// its gradient matches central finite differences, impossible labels and bad shapes are errors.
#include "inkstone/nn/ctc.hpp"

#include <gtest/gtest.h>

#include <cmath>
#include <vector>

#include "inkstone/tensor/error.hpp"
#include "inkstone/tensor/rng.hpp"
#include "inkstone/tensor/tensor.hpp"

namespace inkstone {
namespace {

std::vector<float> random_logits(int frames, int classes, uint64_t seed) {
  Rng rng(seed);
  std::vector<float> z(static_cast<size_t>(frames * classes));
  for (float& v : z) v = 3 * rng.uniform() - 1.5f;
  return z;
}

// p(label) by enumerating all classes^frames paths and collapsing each one.
double brute_force_probability(const std::vector<float>& z, int frames, int classes,
                               const std::vector<int>& label, int blank) {
  std::vector<double> y(z.size());
  for (int t = 0; t < frames; ++t) {
    double sum = 0;
    for (int k = 0; k < classes; ++k)
      sum += std::exp(static_cast<double>(z[static_cast<size_t>(t * classes + k)]));
    for (int k = 0; k < classes; ++k)
      y[static_cast<size_t>(t * classes + k)] =
          std::exp(static_cast<double>(z[static_cast<size_t>(t * classes + k)])) / sum;
  }
  double total = 0;
  std::vector<int> path(static_cast<size_t>(frames), 0);
  while (true) {
    std::vector<int> collapsed;
    int previous = blank;
    double p = 1;
    for (int t = 0; t < frames; ++t) {
      const int k = path[static_cast<size_t>(t)];
      p *= y[static_cast<size_t>(t * classes + k)];
      if (k != blank && k != previous) collapsed.push_back(k);
      previous = k;
    }
    if (collapsed == label) total += p;
    int t = 0;
    while (t < frames && ++path[static_cast<size_t>(t)] == classes)
      path[static_cast<size_t>(t++)] = 0;
    if (t == frames) break;
  }
  return total;
}

TEST(Ctc, LossIsMinusLogOfTheSummedPathProbability) {
  const int frames = 5, classes = 4, blank = 0;
  const std::vector<std::vector<int>> labels = {{}, {1}, {2, 3}, {1, 1}, {3, 1, 3}, {2, 2, 2}};
  for (size_t i = 0; i < labels.size(); ++i) {
    const std::vector<float> z = random_logits(frames, classes, 10 + i);
    const double p = brute_force_probability(z, frames, classes, labels[i], blank);
    ASSERT_GT(p, 0) << i;
    EXPECT_NEAR(ctc_loss(z.data(), frames, classes, labels[i], blank), -std::log(p), 1e-9) << i;
  }
  // Another blank index.
  const std::vector<float> z = random_logits(4, 3, 3);
  EXPECT_NEAR(ctc_loss(z.data(), 4, 3, {0, 1}, 2),
              -std::log(brute_force_probability(z, 4, 3, {0, 1}, 2)), 1e-9);
}

TEST(Ctc, GradientMatchesFiniteDifferences) {
  const int frames = 7, classes = 5, blank = 4;
  const std::vector<std::vector<int>> labels = {{0, 1, 1, 3}, {2}, {}, {3, 3, 3}};
  for (size_t i = 0; i < labels.size(); ++i) {
    std::vector<float> z = random_logits(frames, classes, 40 + i);
    std::vector<float> grad(z.size());
    ctc_loss(z.data(), frames, classes, labels[i], blank, grad.data());
    double row_sum = 0;
    for (size_t j = 0; j < z.size(); ++j) {
      const float keep = z[j];
      const float h = 1e-2f;
      z[j] = keep + h;
      const double up = ctc_loss(z.data(), frames, classes, labels[i], blank);
      z[j] = keep - h;
      const double down = ctc_loss(z.data(), frames, classes, labels[i], blank);
      z[j] = keep;
      EXPECT_NEAR(grad[j], (up - down) / (2 * h), 2e-4) << "label " << i << " entry " << j;
      row_sum += grad[j];
    }
    // Softmax outputs and path occupancies both sum to 1 per frame: each frame's gradient to 0.
    EXPECT_NEAR(row_sum, 0, 1e-5) << i;
  }
}

TEST(Ctc, AConfidentRightReadingCostsAlmostNothing) {
  // Frames read "-1-12" with probability ~1 each: the label {1, 1, 2} is almost certain.
  const int classes = 3, blank = 0;
  const std::vector<int> best = {0, 1, 0, 1, 2};
  std::vector<float> z(best.size() * classes, -20.f);
  for (size_t t = 0; t < best.size(); ++t) z[t * classes + static_cast<size_t>(best[t])] = 20.f;
  EXPECT_LT(ctc_loss(z.data(), 5, classes, {1, 1, 2}, blank), 1e-6);
  EXPECT_GT(ctc_loss(z.data(), 5, classes, {1, 2}, blank), 10);
  EXPECT_EQ(ctc_greedy_decode(z.data(), 5, classes, blank), (std::vector<int>{1, 1, 2}));
}

TEST(Ctc, GreedyDecodingMergesRepeatsAndDropsBlanks) {
  const int classes = 3, blank = 2;
  // Per-frame winners: 2 0 0 2 0 1 1 2 -> "0 0 1".
  const std::vector<int> best = {2, 0, 0, 2, 0, 1, 1, 2};
  std::vector<float> s(best.size() * classes, 0.f);
  for (size_t t = 0; t < best.size(); ++t) s[t * classes + static_cast<size_t>(best[t])] = 1.f;
  EXPECT_EQ(ctc_greedy_decode(s.data(), 8, classes, blank), (std::vector<int>{0, 0, 1}));
  const std::vector<float> all_blank = {0, 0, 1};
  EXPECT_TRUE(ctc_greedy_decode(all_blank.data(), 1, classes, blank).empty());
}

TEST(Ctc, ImpossibleLabelsAndBadShapesAreErrors) {
  const std::vector<float> z = random_logits(3, 4, 1);
  // {1, 1, 1} needs 5 frames (two blanks between the repeats); {1, 2, 3} fits in 3.
  EXPECT_THROW(ctc_loss(z.data(), 3, 4, {1, 1, 1}, 0), Error);
  EXPECT_TRUE(std::isfinite(ctc_loss(z.data(), 3, 4, {1, 2, 3}, 0)));
  EXPECT_THROW(ctc_loss(z.data(), 3, 4, {1, 2, 3, 1}, 0), Error);
  EXPECT_THROW(ctc_loss(z.data(), 3, 4, {0}, 0), Error);  // the blank as a symbol
  EXPECT_THROW(ctc_loss(z.data(), 3, 4, {4}, 0), Error);  // not a class
  EXPECT_THROW(ctc_loss(z.data(), 3, 4, {-1}, 0), Error);
  EXPECT_THROW(ctc_loss(z.data(), 0, 4, {}, 0), Error);
  EXPECT_THROW(ctc_loss(z.data(), 3, 1, {}, 0), Error);
  EXPECT_THROW(ctc_loss(z.data(), 3, 4, {}, 4), Error);
  EXPECT_THROW(ctc_loss(nullptr, 3, 4, {}, 0), Error);
  EXPECT_THROW(ctc_greedy_decode(z.data(), 3, 4, 7), Error);
  std::vector<float> bad = z;
  bad[5] = NAN;
  EXPECT_THROW(ctc_loss(bad.data(), 3, 4, {1}, 0), Error);
}

// The Loss form reads a model's [N, classes, 1, frames] output (classes are channels) and labels
// padded with -1: its value is the mean of the per-sample losses and its gradient each sample's
// gradient divided by N, laid out like the output.
TEST(CtcLoss, MatchesThePerSampleLossInTheModelLayout) {
  const int n = 3, classes = 4, frames = 6, blank = 0;
  const std::vector<std::vector<int>> labels = {{1, 2}, {3, 3, 1}, {2}};
  Tensor out(Shape{n, classes, 1, frames});
  Rng rng(11);
  for (int64_t i = 0; i < out.numel(); ++i) out.data()[i] = 3 * rng.uniform() - 1.5f;
  Tensor targets(Shape{n, 3}, -1.0f);
  for (int i = 0; i < n; ++i)
    for (size_t j = 0; j < labels[static_cast<size_t>(i)].size(); ++j)
      targets.data()[i * 3 + static_cast<int64_t>(j)] =
          static_cast<float>(labels[static_cast<size_t>(i)][j]);
  auto loss = make_ctc_loss(blank);
  EXPECT_TRUE(loss->fuses_softmax());
  Tensor grad;
  const float value = loss->forward_backward(out, Targets{nullptr, &targets}, grad);
  ASSERT_EQ(grad.shape(), out.shape());
  double expected = 0;
  for (int i = 0; i < n; ++i) {
    std::vector<float> z(static_cast<size_t>(frames * classes)), g(z.size());
    for (int f = 0; f < frames; ++f)
      for (int c = 0; c < classes; ++c)
        z[static_cast<size_t>(f * classes + c)] = out.data()[(i * classes + c) * frames + f];
    expected +=
        ctc_loss(z.data(), frames, classes, labels[static_cast<size_t>(i)], blank, g.data());
    for (int f = 0; f < frames; ++f)
      for (int c = 0; c < classes; ++c)
        EXPECT_NEAR(grad.data()[(i * classes + c) * frames + f],
                    g[static_cast<size_t>(f * classes + c)] / n, 1e-6);
  }
  EXPECT_NEAR(value, expected / n, 1e-5);
  EXPECT_NEAR(loss->value(out, Targets{nullptr, &targets}), value, 1e-6);
}

TEST(CtcLoss, TargetsThatDoNotFitAreErrors) {
  auto loss = make_ctc_loss(0);
  Tensor out(Shape{2, 4, 1, 5}, 0.0f), grad;
  Tensor wrong_rows(Shape{3, 2}, 1.0f);
  EXPECT_THROW(loss->forward_backward(out, Targets{nullptr, &wrong_rows}, grad), Error);
  Tensor not_a_class(Shape{2, 1}, 7.0f);
  EXPECT_THROW(loss->forward_backward(out, Targets{nullptr, &not_a_class}, grad), Error);
  Tensor fraction(Shape{2, 1}, 1.5f);
  EXPECT_THROW(loss->value(out, Targets{nullptr, &fraction}), Error);
  Tensor too_long(Shape{2, 6}, 1.0f);  // six repeats need 11 frames
  EXPECT_THROW(loss->value(out, Targets{nullptr, &too_long}), Error);
  const int32_t labels[2] = {1, 2};
  EXPECT_THROW(loss->value(out, Targets{labels, nullptr}), Error);  // integer labels
  Tensor flat(Shape{2, 20}, 0.0f);
  Tensor ok(Shape{2, 1}, 1.0f);
  EXPECT_THROW(loss->value(flat, Targets{nullptr, &ok}), Error);  // not per-frame scores
  EXPECT_THROW(make_ctc_loss(-1), Error);
}

}  // namespace
}  // namespace inkstone
