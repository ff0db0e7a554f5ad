// Fine-tuning helpers: layer ranges by name and index, freezing (frozen weights and BatchNorm
// statistics stay bit-identical through Adam training), learning-rate multipliers, and
// replacing the head.
#include "inkstone/nn/transfer.hpp"

#include <gtest/gtest.h>

#include <cmath>
#include <string>
#include <vector>

#include "inkstone/nn/spec.hpp"
#include "inkstone/optim/optimizer.hpp"
#include "inkstone/tensor/error.hpp"
#include "inkstone/tensor/rng.hpp"

namespace inkstone {
namespace {

// conv2d -> batch_normalization -> re_lu -> max_pooling2d -> flatten -> dense -> dense_1
Sequential small_cnn() {
  const nlohmann::json spec = {
      {"input_shape", {1, 8, 8}},
      {"layers",
       {{{"type", "Conv2D"}, {"filters", 4}, {"kernel_size", 3}, {"activation", "linear"}},
        {{"type", "BatchNormalization"}},
        {{"type", "ReLU"}},
        {{"type", "MaxPooling2D"}, {"pool_size", 2}},
        {{"type", "Flatten"}},
        {{"type", "Dense"}, {"units", 6}, {"activation", "relu"}},
        {{"type", "Dense"}, {"units", 3}, {"activation", "softmax"}}}}};
  return model_from_spec(spec, 3);
}

void random_batch(Tensor& x, std::vector<int32_t>& labels, uint64_t seed) {
  Rng rng(seed);
  x = Tensor(Shape{16, 1, 8, 8});
  for (int64_t i = 0; i < x.numel(); ++i) x[i] = rng.normal();
  labels.resize(16);
  for (size_t i = 0; i < labels.size(); ++i) labels[i] = static_cast<int32_t>(i % 3);
}

TEST(LayerRange, ByNameIndexAndKeyword) {
  const Sequential m = small_cnn();
  EXPECT_EQ(layer_index(m, "flatten"), 4u);
  LayerRange r = parse_layer_range(m, "up-to:flatten");
  EXPECT_EQ(r.first, 0u);
  EXPECT_EQ(r.last, 4u);
  r = parse_layer_range(m, "from:5");
  EXPECT_EQ(r.first, 5u);
  EXPECT_EQ(r.last, 6u);
  r = parse_layer_range(m, "re_lu..dense");
  EXPECT_EQ(r.first, 2u);
  EXPECT_EQ(r.last, 5u);
  r = parse_layer_range(m, "dense_1");
  EXPECT_EQ(r.first, 6u);
  EXPECT_EQ(r.last, 6u);
  r = parse_layer_range(m, "all");
  EXPECT_EQ(r.last, 6u);
}

TEST(LayerRange, ErrorsNameWhatIsWrong) {
  const Sequential m = small_cnn();
  try {
    parse_layer_range(m, "up-to:dense_9");
    ADD_FAILURE() << "no error";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("no layer named 'dense_9'"), std::string::npos);
    EXPECT_NE(std::string(e.what()).find("conv2d, batch_normalization"), std::string::npos);
  }
  EXPECT_THROW(parse_layer_range(m, "7"), Error);
  EXPECT_THROW(parse_layer_range(m, "dense..conv2d"), Error);  // reversed: empty
  EXPECT_THROW(parse_layer_range(Sequential(), "all"), Error);
}

TEST(Freezing, FrozenWeightsAndStatisticsStayBitIdenticalUnderAdam) {
  Sequential m = small_cnn();
  set_trainable(m, parse_layer_range(m, "up-to:flatten"), false);
  m.compile(make_optimizer("adam", 0.01f), make_loss("categorical_crossentropy"));
  // Every tensor of the frozen layers (conv kernel and bias, BN gamma, beta, running stats).
  std::vector<std::pair<const Tensor*, Tensor>> frozen;
  for (size_t i = 0; i <= 4; ++i) {
    for (Param* p : m.layer(i).params()) frozen.push_back({&p->value, p->value});
    for (auto& [name, t] : m.layer(i).buffers()) frozen.push_back({t, *t});
  }
  ASSERT_GE(frozen.size(), 6u);
  const Tensor head_before = m.layer(6).params()[0]->value;
  Tensor x;
  std::vector<int32_t> labels;
  for (uint64_t s = 0; s < 5; ++s) {
    random_batch(x, labels, s);
    Targets t;
    t.labels = labels.data();
    m.train_step(x, t);
  }
  for (const auto& [now, before] : frozen)
    for (int64_t k = 0; k < before.numel(); ++k) ASSERT_EQ((*now)[k], before[k]);
  bool moved = false;
  const Tensor& head = m.layer(6).params()[0]->value;
  for (int64_t k = 0; k < head.numel(); ++k) moved = moved || head[k] != head_before[k];
  EXPECT_TRUE(moved);
  EXPECT_EQ(m.count_params(true), 6 * 36 + 6 + 6 * 3 + 3);  // only the two dense layers
  set_trainable(m, parse_layer_range(m, "all"), true);
  EXPECT_EQ(m.count_params(true), m.count_params() - 8);  // all but BN's running statistics
}

TEST(Freezing, LearningRateMultiplierZeroKeepsValues) {
  Sequential m = small_cnn();
  set_lr_multiplier(m, parse_layer_range(m, "dense"), 0.0f);
  m.compile(make_optimizer("sgd", 0.1f), make_loss("categorical_crossentropy"));
  const Tensor before = m.layer(5).params()[0]->value;
  Tensor x;
  std::vector<int32_t> labels;
  random_batch(x, labels, 1);
  Targets t;
  t.labels = labels.data();
  m.train_step(x, t);
  const Tensor& after = m.layer(5).params()[0]->value;
  for (int64_t k = 0; k < before.numel(); ++k) ASSERT_EQ(after[k], before[k]);
  EXPECT_THROW(set_lr_multiplier(m, parse_layer_range(m, "dense"), -1.0f), Error);
}

TEST(ReplaceHead, NewDenseWithTheSameConfigurationAndANewName) {
  Sequential m = small_cnn();
  const Tensor features = m.layer(5).params()[0]->value;
  replace_head(m, 5);
  ASSERT_EQ(m.size(), 7u);
  EXPECT_EQ(m.output_shape(), Shape{5});
  EXPECT_EQ(m.layer(6).type(), "Dense");
  EXPECT_NE(m.layer(6).name(), "dense_1");
  EXPECT_EQ(m.layer(6).config()["activation"], "softmax");
  const Tensor& kept = m.layer(5).params()[0]->value;
  for (int64_t k = 0; k < features.numel(); ++k) ASSERT_EQ(kept[k], features[k]);
  // The new head trains like any layer.
  m.compile(make_optimizer("adam", 0.01f), make_loss("categorical_crossentropy"));
  Tensor x;
  std::vector<int32_t> labels;
  random_batch(x, labels, 2);
  Targets t;
  t.labels = labels.data();
  EXPECT_TRUE(std::isfinite(m.train_step(x, t).loss));
  m.pop();
  m.pop();
  EXPECT_THROW(replace_head(m, 3), Error);  // the last layer is Flatten
}

}  // namespace
}  // namespace inkstone
