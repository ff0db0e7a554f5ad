// Training a line model with CTC: on strings of font digits a small line-cnn learns to read
// most validation strings in a few epochs (the loss falls, the accuracy is measured by greedy
// decoding); datasets that do not fit the model are errors.
#include "inkstone/train/line_fit.hpp"

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "inkstone/data/mnist_style.hpp"
#include "inkstone/nn/spec.hpp"
#include "inkstone/tensor/error.hpp"
#include "vision/glyphs.hpp"

namespace inkstone {
namespace {

// The ten font digits as a 28x28 MNIST-style dataset (light on black).
Dataset font_digits() {
  Dataset d;
  d.name = "font";
  for (int digit = 0; digit < 10; ++digit) {
    Image page(5 * test_glyphs::kScale + 40, 7 * test_glyphs::kScale + 40, 1, 235);
    test_glyphs::draw_digit(page, digit, 20, 20);
    const Image img = mnist_style(page);
    d.images.insert(d.images.end(), img.pixels.begin(), img.pixels.end());
    d.labels.push_back(digit);
  }
  return d;
}

LineDataset strings(int64_t count, uint64_t seed) {
  LineDatasetOptions o;
  o.count = count;
  o.min_length = 2;
  o.max_length = 3;
  o.input.width = 64;
  Rng rng(seed);
  return make_line_dataset(font_digits(), o, rng);
}

TEST(LineFit, LearnsToReadFontDigitStrings) {
  const LineDataset train = strings(600, 1), val = strings(100, 2);
  Sequential model = model_from_spec(line_cnn_spec(32, 64, 11), 3);
  ASSERT_EQ(model.output_shape(), (Shape{11, 1, 12}));
  LineFitOptions o;
  o.epochs = 4;
  o.batch_size = 16;
  o.learning_rate = 0.003f;
  int epochs_seen = 0;
  int64_t batches_seen = 0;
  const std::vector<LineEpoch> h = fit_line_model(
      model, train, val, o, [&](const LineEpoch& e) { EXPECT_EQ(e.epoch, ++epochs_seen); },
      [&](int64_t, int64_t total, double) {
        ++batches_seen;
        EXPECT_EQ(total, 38);
      });
  ASSERT_EQ(h.size(), 4u);
  EXPECT_EQ(epochs_seen, 4);
  EXPECT_EQ(batches_seen, 4 * 38);
  EXPECT_LT(h.back().train_loss, 0.3 * h.front().train_loss);
  EXPECT_GT(h.back().val_string_accuracy, 0.8);
  EXPECT_GT(h.back().val_digit_accuracy, 0.9);
  // evaluate_line_model agrees with the last epoch's validation figures.
  const LineScore s = evaluate_line_model(model, val, 10);
  EXPECT_NEAR(s.string_accuracy, h.back().val_string_accuracy, 1e-12);
  EXPECT_NEAR(s.loss, h.back().val_loss, 1e-4);
}

TEST(LineFit, DatasetsThatDoNotFitAreErrors) {
  const LineDataset narrow = strings(20, 1);  // 32 x 64 strips
  Sequential wide = model_from_spec(line_cnn_spec(32, 128, 11), 1);
  EXPECT_THROW(fit_line_model(wide, narrow, narrow, LineFitOptions{}), Error);
  EXPECT_THROW(evaluate_line_model(wide, narrow, 10), Error);
  Sequential model = model_from_spec(line_cnn_spec(32, 64, 11), 1);
  LineFitOptions zero;
  zero.epochs = 0;
  EXPECT_THROW(fit_line_model(model, narrow, narrow, zero), Error);
  EXPECT_THROW(line_cnn_spec(28, 64, 11), Error);
  EXPECT_THROW(line_cnn_spec(32, 66, 11), Error);
}

}  // namespace
}  // namespace inkstone
