// The fit loop on a small synthetic problem: it learns, it is bit-identical for a seed, and a
// saved model predicts exactly as the trained one.
#include <gtest/gtest.h>

#include <cstring>
#include <string>
#include <vector>

#include "inkstone/nn/loss.hpp"
#include "inkstone/nn/spec.hpp"
#include "inkstone/optim/optimizer.hpp"
#include "inkstone/tensor/error.hpp"
#include "inkstone/tensor/rng.hpp"
#include "inkstone/train/fit.hpp"

namespace inkstone {
namespace {

// 10x10 images; class k (of 4) is a bright bar in row 2k+1 plus noise.
Dataset bars(int n, uint64_t seed) {
  Dataset d;
  d.name = "bars";
  d.channels = 1;
  d.height = d.width = 10;
  d.num_classes = 4;
  d.class_names = {"0", "1", "2", "3"};
  Rng rng(seed);
  d.images.resize(static_cast<size_t>(n) * 100);
  for (int i = 0; i < n; ++i) {
    const int k = static_cast<int>(rng.below(4));
    d.labels.push_back(k);
    uint8_t* img = d.images.data() + static_cast<size_t>(i) * 100;
    for (int p = 0; p < 100; ++p) img[p] = static_cast<uint8_t>(rng.below(60));
    const int row = 2 * k + 1 + static_cast<int>(rng.below(2));
    for (int c = 0; c < 10; ++c) img[row * 10 + c] = static_cast<uint8_t>(180 + rng.below(70));
  }
  return d;
}

Sequential small_cnn(uint64_t seed) {
  nlohmann::json spec = {
      {"input_shape", {1, 10, 10}},
      {"layers",
       {{{"type", "Conv2D"}, {"filters", 4}, {"kernel_size", 3}, {"activation", "relu"}},
        {{"type", "MaxPooling2D"}, {"pool_size", 2}},
        {{"type", "Flatten"}},
        {{"type", "Dense"}, {"units", 4}, {"activation", "softmax"}}}}};
  Sequential m = model_from_spec(spec, seed);
  m.compile(make_optimizer("adam", 0.01f), make_loss("categorical_crossentropy"));
  return m;
}

std::vector<float> all_weights(Sequential& m) {
  std::vector<float> w;
  for (Param* p : m.params())
    w.insert(w.end(), p->value.data(), p->value.data() + p->value.numel());
  return w;
}

TEST(Fit, LearnsAndReportsEveryEpoch) {
  const Dataset train = bars(512, 1), test = bars(128, 2);
  Sequential m = small_cnn(3);
  FitOptions opt;
  opt.epochs = 4;
  opt.batch_size = 32;
  opt.validation = &test;
  int epochs_seen = 0;
  int64_t batches_seen = 0;
  opt.on_epoch = [&](const EpochStats& s) {
    ++epochs_seen;
    EXPECT_EQ(s.epoch, epochs_seen);
    EXPECT_TRUE(s.has_validation);
    EXPECT_GT(s.images_per_second, 0);
  };
  opt.on_batch = [&](const BatchProgress& p) {
    ++batches_seen;
    EXPECT_EQ(p.num_batches, 16);
  };
  const History h = fit(m, train, opt);
  EXPECT_EQ(epochs_seen, 4);
  EXPECT_EQ(batches_seen, 64);
  ASSERT_EQ(h.epochs.size(), 4u);
  EXPECT_LT(h.epochs.back().loss, h.epochs.front().loss);
  const EvalResult r = evaluate(m, test);
  EXPECT_EQ(r.count, 128);
  EXPECT_GT(r.accuracy, 0.9);
  EXPECT_NEAR(r.accuracy, h.epochs.back().val_accuracy, 1e-12);
  const Tensor p = predict(m, test);
  EXPECT_EQ(p.shape(), (Shape{128, 4}));
}

TEST(Fit, SameSeedIsBitIdenticalOtherSeedIsNot) {
  const Dataset train = bars(256, 1);
  FitOptions opt;
  opt.epochs = 2;
  opt.batch_size = 16;
  Sequential a = small_cnn(7), b = small_cnn(7), c = small_cnn(7);
  fit(a, train, opt);
  fit(b, train, opt);
  opt.seed = 2;  // another shuffling order
  fit(c, train, opt);
  const auto wa = all_weights(a), wb = all_weights(b), wc = all_weights(c);
  ASSERT_EQ(wa.size(), wb.size());
  EXPECT_EQ(std::memcmp(wa.data(), wb.data(), wa.size() * sizeof(float)), 0);
  EXPECT_NE(std::memcmp(wa.data(), wc.data(), wa.size() * sizeof(float)), 0);
}

TEST(Fit, AppliesTheLearningRateScheduleAndRestoresTheBaseRate) {
  const Dataset train = bars(128, 1);
  Sequential m = small_cnn(5);
  FitOptions opt;
  opt.epochs = 2;
  opt.batch_size = 32;  // 4 batches per epoch
  opt.lr_schedule = LrSchedule::parse("step:every=1,gamma=0.5");
  std::vector<double> lrs;
  opt.on_epoch = [&](const EpochStats& s) { lrs.push_back(s.lr); };
  fit(m, train, opt);
  ASSERT_EQ(lrs.size(), 2u);
  EXPECT_FLOAT_EQ(static_cast<float>(lrs[0]), 0.01f);
  EXPECT_FLOAT_EQ(static_cast<float>(lrs[1]), 0.005f);
  EXPECT_FLOAT_EQ(m.optimizer().lr(), 0.01f);
  // A schedule changes the result: a constant-rate run ends elsewhere.
  Sequential a = small_cnn(5), b = small_cnn(5);
  FitOptions constant = opt;
  constant.lr_schedule = LrSchedule{};
  constant.on_epoch = nullptr;
  opt.on_epoch = nullptr;
  fit(a, train, opt);
  fit(b, train, constant);
  const auto wa = all_weights(a), wb = all_weights(b);
  EXPECT_NE(std::memcmp(wa.data(), wb.data(), wa.size() * sizeof(float)), 0);
}

TEST(Fit, AugmentationAndBalancedSamplingChangeTrainingDeterministically) {
  const Dataset train = bars(256, 1);
  auto weights_after = [&](const char* augment, bool balanced) {
    Sequential m = small_cnn(3);
    FitOptions opt;
    opt.epochs = 2;
    opt.batch_size = 32;
    opt.augment = AugmentOptions::parse(augment);
    opt.balanced_sampling = balanced;
    fit(m, train, opt);
    return all_weights(m);
  };
  const auto plain = weights_after("none", false);
  const auto augmented = weights_after("shift=1,rotate=10", false);
  EXPECT_NE(augmented, plain);
  EXPECT_EQ(augmented, weights_after("shift=1,rotate=10", false));
  EXPECT_NE(weights_after("none", true), plain);
  Sequential m = small_cnn(3);
  FitOptions bad;
  bad.epochs = 2;
  bad.initial_epoch = 3;
  EXPECT_THROW(fit(m, train, bad), Error);
}

TEST(Fit, RejectsDataThatDoesNotFit) {
  Dataset wrong = bars(32, 1);
  wrong.height = wrong.width = 5;
  wrong.images.resize(32 * 25);
  Sequential m = small_cnn(1);
  EXPECT_THROW(fit(m, wrong, FitOptions{}), Error);
  Dataset many = bars(32, 1);
  many.num_classes = 12;
  EXPECT_THROW(evaluate(m, many), Error);
  Sequential uncompiled = model_from_spec(spec_of(m));
  EXPECT_THROW(fit(uncompiled, bars(32, 1), FitOptions{}), Error);
}

}  // namespace
}  // namespace inkstone
