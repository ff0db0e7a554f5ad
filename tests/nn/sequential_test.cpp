// Sequential: naming, building, summary, training steps, prediction, freezing.
#include "inkstone/nn/sequential.hpp"

#include <gtest/gtest.h>

#include <cmath>
#include <cstring>
#include <functional>
#include <sstream>
#include <string>
#include <vector>

#include "inkstone/nn/conv2d.hpp"
#include "inkstone/nn/pooling.hpp"
#include "inkstone/nn/spec.hpp"
#include "inkstone/tensor/error.hpp"
#include "inkstone/tensor/rng.hpp"

namespace inkstone {
namespace {

using nlohmann::json;

// theta <- theta - lr * g: enough to test the model without depending on the real optimizers.
class PlainSgd final : public Optimizer {
 public:
  explicit PlainSgd(float lr) : Optimizer(lr) {}
  std::string name() const override { return "plain_sgd"; }
  void step(const std::vector<Param*>& params) override {
    ++t_;
    for (Param* p : params) {
      if (!p->trainable) continue;
      for (int64_t k = 0; k < p->value.numel(); ++k) {
        p->value[k] -= lr_ * p->lr_multiplier * p->grad[k];
      }
    }
  }
};

LayerPtr dense(int units, const std::string& activation = "linear") {
  return make_layer("Dense", {{"units", units}, {"activation", activation}});
}

// Points around three centers in the plane, labelled by their center.
void blobs(int n, Tensor& x, std::vector<int32_t>& labels) {
  const float centers[3][2] = {{2, 0}, {-1, 1.7f}, {-1, -1.7f}};
  Rng rng(5);
  x = Tensor(Shape{n, 2});
  labels.assign(static_cast<size_t>(n), 0);
  for (int i = 0; i < n; ++i) {
    const int c = i % 3;
    labels[static_cast<size_t>(i)] = c;
    x[2 * i] = centers[c][0] + 0.4f * rng.normal();
    x[2 * i + 1] = centers[c][1] + 0.4f * rng.normal();
  }
}

Sequential small_mlp(uint64_t seed = 1) {
  Sequential m;
  m.add(dense(8, "tanh"));
  m.add(dense(3, "softmax"));
  m.build(Shape{2}, seed);
  return m;
}

std::string error_of(const std::function<void()>& fn) {
  try {
    fn();
  } catch (const Error& e) {
    return e.what();
  }
  return "";
}

std::vector<std::string> lines_of(const std::string& text) {
  std::vector<std::string> out;
  std::stringstream ss(text);
  std::string line;
  while (std::getline(ss, line)) out.push_back(line);
  return out;
}

TEST(Sequential, KerasStyleAutomaticNames) {
  Sequential m;
  EXPECT_EQ(m.add(make_layer("Conv2D", {{"filters", 4}, {"kernel_size", 3}})).name(), "conv2d");
  EXPECT_EQ(m.add(make_layer("MaxPooling2D", json::object())).name(), "max_pooling2d");
  EXPECT_EQ(m.add(make_layer("Conv2D", {{"filters", 4}, {"kernel_size", 3}})).name(), "conv2d_1");
  EXPECT_EQ(m.add(make_layer("BatchNormalization", json::object())).name(), "batch_normalization");
  EXPECT_EQ(m.add(make_layer("Flatten", json::object())).name(), "flatten");
  EXPECT_EQ(m.add(dense(5)).name(), "dense");
  EXPECT_EQ(m.add(dense(5)).name(), "dense_1");
  EXPECT_EQ(m.add(make_layer("AveragePooling2D", json::object())).name(), "average_pooling2d");
  EXPECT_EQ(m.add(make_layer("ReLU", json::object())).name(), "re_lu");  // as Keras spells it
  EXPECT_EQ(m.size(), 9u);
  EXPECT_EQ(m.layer("dense_1").type(), "Dense");
  EXPECT_THROW(m.layer("dense_7"), Error);

  LayerPtr named = dense(2);
  named->set_name("head");
  EXPECT_EQ(m.add(std::move(named)).name(), "head");
  LayerPtr clash = dense(2);
  clash->set_name("dense");
  const std::string msg = error_of([&] { m.add(std::move(clash)); });
  EXPECT_NE(msg.find("'dense'"), std::string::npos) << msg;
}

TEST(Sequential, SummaryOfTheTutorialCnn) {
  Sequential m = model_from_spec(preset_spec("seed-cnn"));
  EXPECT_EQ(m.count_params(), 93322);
  const std::string s = m.summary();
  EXPECT_NE(s.find("Model: \"sequential\""), std::string::npos) << s;
  EXPECT_NE(s.find("Total params: 93,322 (364.54 KB)"), std::string::npos) << s;
  EXPECT_NE(s.find("Trainable params: 93,322"), std::string::npos) << s;
  EXPECT_NE(s.find("Non-trainable params: 0"), std::string::npos) << s;
  for (const char* part :
       {"conv2d (Conv2D)", "(None, 32, 26, 26)", "max_pooling2d (MaxPooling2D)", "(None, 64, 3, 3)",
        "flatten (Flatten)", "(None, 576)", "dense_1 (Dense)", "(None, 10)", "36,928"}) {
    EXPECT_NE(s.find(part), std::string::npos) << part << "\n" << s;
  }
  // Columns line up: every row's output shape starts under the "Output Shape" heading.
  const std::vector<std::string> lines = lines_of(s);
  size_t heading = std::string::npos, rows = 0;
  for (const std::string& line : lines) {
    if (line.find("Output Shape") != std::string::npos) heading = line.find("Output Shape");
    const size_t at = line.find("(None");
    if (at != std::string::npos) {
      EXPECT_EQ(at, heading) << line;
      ++rows;
    }
  }
  EXPECT_EQ(rows, 8u);
}

TEST(Sequential, SummaryMarksFrozenLayers) {
  Sequential m = model_from_spec(preset_spec("seed-cnn"));
  m.layer("conv2d").set_trainable(false);
  EXPECT_EQ(m.count_params(true), 93322 - 320);
  const std::string s = m.summary();
  EXPECT_NE(s.find("Trainable params: 93,002"), std::string::npos) << s;
  EXPECT_NE(s.find("Non-trainable params: 320"), std::string::npos) << s;
  for (const std::string& line : lines_of(s)) {
    if (line.find("conv2d (Conv2D)") != std::string::npos) {
      EXPECT_EQ(line.back(), 'N') << line;
    }
    if (line.find("conv2d_1 (Conv2D)") != std::string::npos) {
      EXPECT_EQ(line.back(), 'Y') << line;
    }
    if (line.find("flatten (Flatten)") != std::string::npos) {
      EXPECT_EQ(line.back(), '-') << line;
    }
  }
}

TEST(Sequential, CountsBatchNormStatisticsAsNonTrainable) {
  Sequential m;
  m.add(dense(3));
  m.add(make_layer("BatchNormalization", json::object()));
  m.build(Shape{4});
  // Dense 4*3+3 = 15; BatchNorm gamma, beta (trainable) + moving mean, variance (not): 12.
  EXPECT_EQ(m.count_params(), 27);
  EXPECT_EQ(m.count_params(true), 21);
  EXPECT_NE(m.summary().find("Non-trainable params: 6"), std::string::npos) << m.summary();
}

TEST(Sequential, TrainStepLowersTheLoss) {
  Tensor x;
  std::vector<int32_t> labels;
  blobs(30, x, labels);
  Sequential m = small_mlp();
  m.compile(std::make_unique<PlainSgd>(0.5f), make_loss("categorical_crossentropy"));
  Targets t;
  t.labels = labels.data();
  const StepResult first = m.train_step(x, t);
  StepResult last;
  for (int i = 0; i < 60; ++i) last = m.train_step(x, t);
  EXPECT_GT(first.loss, 0.5f);
  EXPECT_LT(last.loss, 0.25f * first.loss);
  EXPECT_EQ(last.correct, 30);
  EXPECT_EQ(m.optimizer().iterations(), 61);
  const StepResult test = m.test_step(x, t);
  EXPECT_EQ(test.correct, 30);
  EXPECT_LT(test.loss, first.loss);
}

TEST(Sequential, DenseTargetsCountCorrectByArgmax) {
  Tensor x;
  std::vector<int32_t> labels;
  blobs(9, x, labels);
  Tensor y(Shape{9, 3});
  for (int i = 0; i < 9; ++i) y[i * 3 + labels[static_cast<size_t>(i)]] = 1;
  Sequential a = small_mlp(), b = small_mlp();
  a.compile(std::make_unique<PlainSgd>(0.1f), make_loss("categorical_crossentropy"));
  b.compile(std::make_unique<PlainSgd>(0.1f), make_loss("categorical_crossentropy"));
  Targets by_label, by_dense;
  by_label.labels = labels.data();
  by_dense.dense = &y;
  const StepResult ra = a.train_step(x, by_label);
  const StepResult rb = b.train_step(x, by_dense);
  EXPECT_NEAR(ra.loss, rb.loss, 1e-6);
  EXPECT_EQ(ra.correct, rb.correct);
}

// dL/dtheta from backward() against central differences of the loss, through the fused
// softmax + cross-entropy at the output.
TEST(Sequential, BackwardMatchesFiniteDifferences) {
  Tensor x;
  std::vector<int32_t> labels;
  blobs(6, x, labels);
  Sequential m = small_mlp(3);
  m.compile(std::make_unique<PlainSgd>(0.1f), make_loss("categorical_crossentropy"));
  Targets t;
  t.labels = labels.data();
  m.zero_grad();
  Tensor grad;
  m.loss().forward_backward(m.forward(x, Mode::kTrain), t, grad);
  m.backward(grad);
  const float eps = 1e-2f;
  for (Param* p : m.params()) {
    for (int64_t k = 0; k < p->value.numel(); k += 3) {
      const float saved = p->value[k];
      p->value[k] = saved + eps;
      const double plus = m.test_step(x, t).loss;
      p->value[k] = saved - eps;
      const double minus = m.test_step(x, t).loss;
      p->value[k] = saved;
      const double numeric = (plus - minus) / (2.0 * eps);
      EXPECT_NEAR(p->grad[k], numeric, 2e-3 + 0.02 * std::abs(numeric)) << p->name << " " << k;
    }
  }
}

TEST(Sequential, SameSeedSameWeights) {
  const json spec = preset_spec("lenet5");
  Sequential a = model_from_spec(spec, 7), b = model_from_spec(spec, 7),
             c = model_from_spec(spec, 8);
  const auto pa = a.params(), pb = b.params(), pc = c.params();
  ASSERT_EQ(pa.size(), pb.size());
  ASSERT_EQ(pa.size(), 10u);
  bool any_differs = false;
  for (size_t i = 0; i < pa.size(); ++i) {
    ASSERT_EQ(pa[i]->value.shape(), pb[i]->value.shape());
    for (int64_t k = 0; k < pa[i]->value.numel(); ++k) {
      ASSERT_EQ(pa[i]->value[k], pb[i]->value[k]) << i << " " << k;
      any_differs = any_differs || pa[i]->value[k] != pc[i]->value[k];
    }
  }
  EXPECT_TRUE(any_differs);
}

TEST(Sequential, PredictGivesProbabilitiesInBatches) {
  Sequential m = model_from_spec(preset_spec("mlp", Shape{1, 6, 6}, 4), 2);
  Rng rng(9);
  Tensor x(Shape{7, 1, 6, 6});
  for (int64_t k = 0; k < x.numel(); ++k) x[k] = rng.uniform();
  const Tensor whole = m.predict(x);
  const Tensor pieces = m.predict(x, 3);
  ASSERT_EQ(whole.shape(), (Shape{7, 4}));
  ASSERT_EQ(pieces.shape(), whole.shape());
  for (int64_t i = 0; i < 7; ++i) {
    double sum = 0;
    for (int64_t j = 0; j < 4; ++j) {
      EXPECT_GE(whole[i * 4 + j], 0.0f);
      sum += whole[i * 4 + j];
      EXPECT_NEAR(pieces[i * 4 + j], whole[i * 4 + j], 1e-6);
    }
    EXPECT_NEAR(sum, 1.0, 1e-5);
  }
  // Compiled with cross-entropy the last layer emits logits; predict still gives probabilities.
  m.compile(std::make_unique<PlainSgd>(0.1f), make_loss("categorical_crossentropy"));
  const Tensor after = m.predict(x, 4);
  for (int64_t k = 0; k < whole.numel(); ++k) EXPECT_NEAR(after[k], whole[k], 1e-6);
  double logit_sum = 0;
  const Tensor& logits = m.forward(x, Mode::kInfer);
  for (int64_t j = 0; j < 4; ++j) logit_sum += logits[j];
  EXPECT_GT(std::abs(logit_sum - 1.0), 1e-3);  // really logits, not probabilities
  EXPECT_THROW(m.predict(x, 0), Error);
  EXPECT_EQ(m.predict(Tensor(Shape{0, 1, 6, 6})).shape(), (Shape{0, 4}));
}

TEST(Sequential, CrossEntropyOnALinearOutputReadsItAsLogits) {
  Sequential m;
  m.add(dense(3));
  m.build(Shape{2});
  m.compile(std::make_unique<PlainSgd>(0.1f), make_loss("cross_entropy"));
  Tensor x(Shape{2, 2}, 1.5f);
  const Tensor p = m.predict(x);
  EXPECT_NEAR(p[0] + p[1] + p[2], 1.0, 1e-6);
}

TEST(Sequential, FrozenBaseGetsNoGradientOrUpdate) {
  Tensor x;
  std::vector<int32_t> labels;
  blobs(6, x, labels);
  Sequential m = small_mlp();
  m.layer(0).set_trainable(false);
  m.compile(std::make_unique<PlainSgd>(0.5f), make_loss("categorical_crossentropy"));
  const std::vector<Param*> params = m.params();
  const Tensor kernel0 = params[0]->value, kernel1 = params[2]->value;
  Targets t;
  t.labels = labels.data();
  m.train_step(x, t);
  for (int64_t k = 0; k < kernel0.numel(); ++k) {
    EXPECT_EQ(params[0]->value[k], kernel0[k]);
    EXPECT_EQ(params[0]->grad[k], 0.0f);  // backward stopped above the frozen layer
  }
  bool moved = false;
  for (int64_t k = 0; k < kernel1.numel(); ++k) moved = moved || params[2]->value[k] != kernel1[k];
  EXPECT_TRUE(moved);
}

// The lowest layer back-propagated into skips its input gradient (its input is the data); the
// layers above it still pass one down.
TEST(Sequential, OnlyTheLowestTrainedLayerSkipsItsInputGradient) {
  Tensor x;
  std::vector<int32_t> labels;
  blobs(6, x, labels);
  Sequential m = small_mlp();
  m.compile(std::make_unique<PlainSgd>(0.1f), make_loss("categorical_crossentropy"));
  Targets t;
  t.labels = labels.data();
  m.train_step(x, t);
  EXPECT_FALSE(m.layer(0).input_grad_needed());
  for (size_t i = 1; i < m.size(); ++i) EXPECT_TRUE(m.layer(i).input_grad_needed()) << i;
  m.layer(0).set_trainable(false);  // now the backward pass stops at layer 1
  m.train_step(x, t);
  EXPECT_FALSE(m.layer(1).input_grad_needed());
}

// Conv2D + MaxPooling2D run fused by default; training with and without the fusion gives the same
// losses and weights bit for bit, and the profile counts every call.
TEST(Sequential, FusedConvPoolTrainsBitIdenticallyAndIsProfiled) {
  const json spec = {
      {"input_shape", {1, 12, 12}},
      {"layers",
       {{{"type", "Conv2D"}, {"filters", 4}, {"kernel_size", 3}, {"activation", "relu"}},
        {{"type", "MaxPooling2D"}, {"pool_size", 2}},
        {{"type", "Conv2D"}, {"filters", 6}, {"kernel_size", 3}},
        {{"type", "MaxPooling2D"}, {"pool_size", 2}},
        {{"type", "Flatten"}},
        {{"type", "Dense"}, {"units", 3}, {"activation", "softmax"}}}}};
  Rng rng(5);
  Tensor x(Shape{16, 1, 12, 12});
  for (int64_t i = 0; i < x.numel(); ++i) x[i] = rng.uniform(0.0f, 1.0f);
  std::vector<int32_t> labels(16);
  for (size_t i = 0; i < labels.size(); ++i) labels[i] = static_cast<int32_t>(i % 3);
  Targets t;
  t.labels = labels.data();
  auto train = [&](bool fusion) {
    Sequential m = model_from_spec(spec, 7);
    m.compile(std::make_unique<PlainSgd>(0.1f), make_loss("categorical_crossentropy"));
    m.set_fusion(fusion);
    m.set_profiling(true);
    std::vector<float> out;
    for (int step = 0; step < 3; ++step) out.push_back(static_cast<float>(m.train_step(x, t).loss));
    EXPECT_EQ(m.profile().forward_calls, 3);
    EXPECT_EQ(m.profile().backward_calls, 3);
    EXPECT_EQ(m.profile().layers.size(), m.size());
    EXPECT_GT(m.profile().layers[0].forward_s, 0.0);
    EXPECT_NE(m.profile_report().find("conv2d (Conv2D)"), std::string::npos);
    EXPECT_EQ(dynamic_cast<Conv2D&>(m.layer(0)).fused_max_pool(), fusion);
    EXPECT_EQ(dynamic_cast<MaxPooling2D&>(m.layer(3)).passthrough(), fusion);
    for (Param* p : m.params()) {
      for (int64_t k = 0; k < p->value.numel(); ++k) out.push_back(p->value[k]);
    }
    const Tensor probs = m.predict(x);  // inference keeps no argmax in the fused layer
    for (int64_t k = 0; k < probs.numel(); ++k) out.push_back(probs[k]);
    if (fusion) {
      Conv2D& conv = dynamic_cast<Conv2D&>(m.layer(0));
      const Tensor& pooled = conv.forward(x, Mode::kInfer);
      EXPECT_THROW(conv.backward(pooled), Error);
    }
    return out;
  };
  const std::vector<float> fused = train(true), plain = train(false);
  ASSERT_EQ(fused.size(), plain.size());
  EXPECT_EQ(0, std::memcmp(fused.data(), plain.data(), sizeof(float) * fused.size()));
}

TEST(Sequential, PopAndAddANewHeadOnABuiltModel) {
  Sequential m = model_from_spec(preset_spec("mlp", Shape{1, 4, 4}, 10));
  LayerPtr old = m.pop();
  EXPECT_EQ(old->name(), "dense_1");
  EXPECT_EQ(m.output_shape(), (Shape{128}));
  Layer& head = m.add(dense(5, "softmax"));
  EXPECT_EQ(head.name(), "dense_1");
  EXPECT_TRUE(head.built());
  EXPECT_EQ(m.output_shape(), (Shape{5}));
  Tensor x(Shape{2, 1, 4, 4}, 0.5f);
  const Tensor p = m.predict(x);
  EXPECT_EQ(p.shape(), (Shape{2, 5}));
  EXPECT_NEAR(p[0] + p[1] + p[2] + p[3] + p[4], 1.0, 1e-5);
}

TEST(Sequential, ClearErrors) {
  Sequential empty;
  EXPECT_THROW(empty.build(Shape{3}), Error);
  EXPECT_THROW(empty.pop(), Error);
  EXPECT_THROW(empty.add(nullptr), Error);

  Sequential m;
  m.add(dense(3));
  EXPECT_THROW(m.build(Shape{}), Error);
  EXPECT_THROW(m.build(Shape{1, 2, 3, 4}), Error);
  EXPECT_THROW(m.build(Shape{0}), Error);
  EXPECT_THROW(m.forward(Tensor(Shape{1, 2}), Mode::kInfer), Error);  // not built
  const std::string image = error_of([&] { m.build(Shape{1, 4, 4}); });
  EXPECT_EQ(image.rfind("layer 0", 0), 0u) << image;
  EXPECT_NE(image.find("'dense'"), std::string::npos) << image;

  m.build(Shape{2});
  const std::string shape = error_of([&] { m.forward(Tensor(Shape{4, 3}), Mode::kInfer); });
  EXPECT_NE(shape.find("(None, 2)"), std::string::npos) << shape;
  EXPECT_NE(shape.find("(4, 3)"), std::string::npos) << shape;
  Targets t;
  const std::vector<int32_t> labels{0};
  t.labels = labels.data();
  EXPECT_THROW(m.train_step(Tensor(Shape{1, 2}), t), Error);  // not compiled
  EXPECT_THROW(m.test_step(Tensor(Shape{1, 2}), t), Error);
  EXPECT_THROW(m.optimizer(), Error);
  EXPECT_THROW(m.compile(nullptr, make_loss("mse")), Error);
}

}  // namespace
}  // namespace inkstone
