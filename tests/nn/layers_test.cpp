// The layers: finite-difference gradient checks, output shapes, modes and buffers.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <memory>
#include <numeric>

#include "inkstone/kernels/thread_pool.hpp"
#include "inkstone/nn/activation_layers.hpp"
#include "inkstone/nn/batch_norm.hpp"
#include "inkstone/nn/conv2d.hpp"
#include "inkstone/nn/dense.hpp"
#include "inkstone/nn/dropout.hpp"
#include "inkstone/nn/flatten.hpp"
#include "inkstone/nn/pooling.hpp"
#include "inkstone/tensor/error.hpp"
#include "nn/gradcheck.hpp"

namespace inkstone {
namespace {

using testing::check_gradients;
using testing::GradCheckOptions;
using testing::random_tensor;

// Smallest |z| of a linear twin's output: z is the pre-activation of a relu layer, and the
// finite differences are only valid if no z crosses the kink at 0.
float min_abs(const Tensor& z) {
  float m = INFINITY;
  for (int64_t i = 0; i < z.numel(); ++i) m = std::min(m, std::fabs(z[i]));
  return m;
}

// An input for `layer` (with relu-like kinks) whose pre-activations, computed by `twin` (the
// same layer without activation, sharing its weights), all stay at least `margin` from 0.
Tensor input_away_from_kinks(Layer& twin, const Shape& shape, float margin) {
  for (uint64_t seed = 1; seed < 500; ++seed) {
    Tensor x = random_tensor(shape, seed);
    if (min_abs(twin.forward(x, Mode::kTrain)) >= margin) return x;
  }
  ADD_FAILURE() << "no input away from the kinks found";
  return random_tensor(shape, 1);
}

// Distinct values spaced 0.01 apart in a random order: no near-ties for max pooling.
Tensor distinct_values(const Shape& shape, uint64_t seed) {
  Tensor t(shape);
  std::vector<int64_t> idx(static_cast<size_t>(t.numel()));
  std::iota(idx.begin(), idx.end(), 0);
  Rng rng(seed);
  for (size_t i = idx.size(); i > 1; --i) std::swap(idx[i - 1], idx[rng.below(i)]);
  for (int64_t i = 0; i < t.numel(); ++i) {
    t[i] = 0.01f * static_cast<float>(idx[static_cast<size_t>(i)]) - 0.005f * t.numel();
  }
  return t;
}

void randomize(Param& p, uint64_t seed, float lo = -1, float hi = 1) {
  Rng rng(seed);
  testing::fill_uniform(p.value, rng, lo, hi);
}

// ---------------------------------------------------------------------------------------------
// Dense

class DenseActivation : public ::testing::TestWithParam<Activation> {};

TEST_P(DenseActivation, GradientsMatchFiniteDifferences) {
  const Activation act = GetParam();
  Rng rng(7);
  Dense layer(5, act);
  layer.build({6}, rng);
  randomize(layer.bias(), 3, -0.5f, 0.5f);
  Tensor x = random_tensor({4, 6}, 11);
  if (act == Activation::kRelu || act == Activation::kLeakyRelu) {
    Dense twin(5);
    twin.build({6}, rng);
    twin.kernel().value = layer.kernel().value;
    twin.bias().value = layer.bias().value;
    x = input_away_from_kinks(twin, {4, 6}, 0.02f);
  }
  check_gradients(layer, x, 5);
}

INSTANTIATE_TEST_SUITE_P(AllActivations, DenseActivation,
                         ::testing::Values(Activation::kLinear, Activation::kRelu,
                                           Activation::kLeakyRelu, Activation::kSigmoid,
                                           Activation::kTanh, Activation::kSoftmax),
                         [](const auto& info) { return activation_name(info.param); });

TEST(Dense, ForwardIsXWPlusB) {
  Rng rng(1);
  Dense layer(2, Activation::kLinear);
  layer.build({3}, rng);
  // W [in=3, out=2] in Keras layout.
  const float w[] = {1, 2, 3, 4, 5, 6};
  std::copy(w, w + 6, layer.kernel().value.data());
  layer.bias().value[0] = 0.5f;
  layer.bias().value[1] = -1;
  Tensor x({1, 3});
  x[0] = 1, x[1] = 0, x[2] = -1;
  const Tensor& y = layer.forward(x, Mode::kInfer);
  ASSERT_EQ(y.shape(), Shape({1, 2}));
  EXPECT_FLOAT_EQ(y[0], 1 - 5 + 0.5f);
  EXPECT_FLOAT_EQ(y[1], 2 - 6 - 1);
}

TEST(Dense, WithoutBiasHasOnlyAKernel) {
  Rng rng(2);
  Dense layer(3, Activation::kTanh, /*use_bias=*/false);
  layer.build({4}, rng);
  ASSERT_EQ(layer.params().size(), 1u);
  EXPECT_EQ(layer.params()[0]->name, "kernel");
  check_gradients(layer, random_tensor({3, 4}, 4), 9);
}

TEST(Dense, SoftmaxEmitsLogitsOnRequest) {
  Rng rng(3);
  Dense layer(4, Activation::kSoftmax);
  layer.build({5}, rng);
  randomize(layer.bias(), 8);
  Dense twin(4, Activation::kLinear);
  twin.build({5}, rng);
  twin.kernel().value = layer.kernel().value;
  twin.bias().value = layer.bias().value;
  const Tensor x = random_tensor({3, 5}, 6);

  const Tensor probs = layer.forward(x, Mode::kInfer);
  for (int r = 0; r < 3; ++r) {
    double s = 0;
    for (int c = 0; c < 4; ++c) s += probs[r * 4 + c];
    EXPECT_NEAR(s, 1.0, 1e-6);
  }
  EXPECT_TRUE(layer.set_emit_logits(true));
  const Tensor& logits = layer.forward(x, Mode::kInfer);
  const Tensor& z = twin.forward(x, Mode::kInfer);
  for (int64_t i = 0; i < z.numel(); ++i) EXPECT_FLOAT_EQ(logits[i], z[i]);
  // With logits on, backward takes dL/dlogits.
  check_gradients(layer, x, 12);
  EXPECT_TRUE(layer.set_emit_logits(false));
  check_gradients(layer, x, 13);

  Dense relu(4, Activation::kRelu);
  EXPECT_FALSE(relu.set_emit_logits(true));
}

TEST(Dense, RejectsNonVectorInputs) {
  Rng rng(1);
  Dense layer(3);
  layer.set_name("dense_1");
  try {
    layer.build({1, 28, 28}, rng);
    FAIL() << "no error";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("Dense 'dense_1': input (1, 28, 28)"), std::string::npos)
        << e.what();
    EXPECT_NE(std::string(e.what()).find("Flatten"), std::string::npos) << e.what();
  }
  layer.build({4}, rng);
  EXPECT_THROW(layer.forward(Tensor(Shape{2, 5}), Mode::kTrain), Error);
  EXPECT_THROW(layer.forward(Tensor(Shape{4}), Mode::kTrain), Error);
  EXPECT_THROW(layer.backward(Tensor(Shape{2, 3})), Error);  // before any forward
  const Tensor x = random_tensor({2, 4}, 1);
  layer.forward(x, Mode::kTrain);
  EXPECT_THROW(layer.backward(Tensor(Shape{2, 4})), Error);  // wrong gradient shape
}

TEST(Dense, FrozenLeavesGradientsAloneButPassesInputGradient) {
  Rng rng(4);
  Dense layer(3, Activation::kSigmoid);
  layer.build({4}, rng);
  layer.set_trainable(false);
  for (Param* p : layer.params()) {
    EXPECT_FALSE(p->trainable);
    p->grad.fill(0.25f);
  }
  const Tensor x = random_tensor({2, 4}, 2);
  layer.forward(x, Mode::kTrain);
  const Tensor& dx = layer.backward(random_tensor({2, 3}, 3));
  double dx_norm = 0;
  for (int64_t i = 0; i < dx.numel(); ++i) dx_norm += std::fabs(dx[i]);
  EXPECT_GT(dx_norm, 0.0);
  for (Param* p : layer.params()) {
    for (int64_t i = 0; i < p->grad.numel(); ++i) EXPECT_EQ(p->grad[i], 0.25f);
  }
}

// Parameter gradients accumulate: two backward passes give twice the gradient.
template <typename L>
void expect_accumulation(L& layer, const Tensor& x, Mode mode = Mode::kTrain) {
  const Tensor& y = layer.forward(x, mode);
  const Tensor dy = random_tensor(y.shape(), 99);
  for (Param* p : layer.params()) p->grad.zero();
  layer.backward(dy);
  std::vector<Tensor> once;
  for (Param* p : layer.params()) once.push_back(p->grad);
  layer.forward(x, mode);
  layer.backward(dy);
  const auto params = layer.params();
  ASSERT_FALSE(params.empty());
  for (size_t k = 0; k < params.size(); ++k) {
    for (int64_t i = 0; i < once[k].numel(); ++i) {
      EXPECT_NEAR(params[k]->grad[i], 2 * once[k][i], 1e-5 * (1 + std::fabs(once[k][i])))
          << layer.type() << " " << params[k]->name << "[" << i << "]";
    }
  }
}

TEST(Dense, ParamGradientsAccumulate) {
  Rng rng(5);
  Dense layer(3, Activation::kTanh);
  layer.build({4}, rng);
  expect_accumulation(layer, random_tensor({5, 4}, 1));
}

TEST(Dense, ReusesItsBuffers) {
  Rng rng(5);
  Dense layer(8, Activation::kRelu);
  layer.build({16}, rng);
  const Tensor x = random_tensor({32, 16}, 1);
  const Tensor dy = random_tensor({32, 8}, 2);
  const float* y0 = layer.forward(x, Mode::kTrain).data();
  const float* dx0 = layer.backward(dy).data();
  EXPECT_EQ(layer.forward(x, Mode::kTrain).data(), y0);
  EXPECT_EQ(layer.backward(dy).data(), dx0);
  const Tensor small = random_tensor({7, 16}, 3);
  EXPECT_EQ(layer.forward(small, Mode::kTrain).data(), y0);
  EXPECT_EQ(layer.forward(small, Mode::kTrain).shape(), Shape({7, 8}));
}

// ---------------------------------------------------------------------------------------------
// Conv2D

TEST(Conv2D, OutputShapes) {
  Rng rng(1);
  struct Case {
    std::array<int, 2> k, s;
    Padding pad;
    Shape in, out;
  };
  const Case cases[] = {
      {{3, 3}, {1, 1}, Padding::kValid, {1, 28, 28}, {4, 26, 26}},
      {{3, 3}, {1, 1}, Padding::kSame, {1, 28, 28}, {4, 28, 28}},
      {{3, 3}, {2, 2}, Padding::kValid, {2, 7, 7}, {4, 3, 3}},
      {{3, 3}, {2, 2}, Padding::kSame, {2, 7, 7}, {4, 4, 4}},
      {{5, 5}, {1, 1}, Padding::kValid, {3, 5, 5}, {4, 1, 1}},
      {{2, 3}, {2, 1}, Padding::kValid, {1, 6, 6}, {4, 3, 4}},
      {{3, 3}, {3, 3}, Padding::kSame, {1, 2, 2}, {4, 1, 1}},
  };
  for (const Case& c : cases) {
    Conv2D layer(4, c.k, c.s, c.pad);
    EXPECT_EQ(layer.build(c.in, rng), c.out) << c.in.str();
    EXPECT_EQ(layer.output_shape(), c.out);
    const Tensor x = random_tensor(c.in.with_batch(2), 3);
    EXPECT_EQ(layer.forward(x, Mode::kInfer).shape(), c.out.with_batch(2));
  }
}

TEST(Conv2D, ForwardMatchesDirectConvolution) {
  Rng rng(2);
  Conv2D layer(3, {3, 2}, {2, 1}, Padding::kSame, Activation::kLinear);
  const Shape in{2, 5, 4};
  const Shape out = layer.build(in, rng);
  randomize(layer.bias(), 4);
  const Tensor x = random_tensor(in.with_batch(2), 5);
  const Tensor& y = layer.forward(x, Mode::kInfer);
  // TensorFlow's "same": total padding max((out - 1) * s + k - in, 0), top/left gets half.
  const int oh = static_cast<int>(out[1]), ow = static_cast<int>(out[2]);
  ASSERT_EQ(oh, 3);
  ASSERT_EQ(ow, 4);
  const int pad_top = ((oh - 1) * 2 + 3 - 5) / 2, pad_left = ((ow - 1) * 1 + 2 - 4) / 2;
  const Tensor& w = layer.kernel().value;
  for (int n = 0; n < 2; ++n) {
    for (int k = 0; k < 3; ++k) {
      for (int i = 0; i < oh; ++i) {
        for (int j = 0; j < ow; ++j) {
          double s = layer.bias().value[k];
          for (int c = 0; c < 2; ++c) {
            for (int p = 0; p < 3; ++p) {
              for (int q = 0; q < 2; ++q) {
                const int r = i * 2 + p - pad_top, col = j + q - pad_left;
                if (r < 0 || r >= 5 || col < 0 || col >= 4) continue;
                s += double(w[((k * 2 + c) * 3 + p) * 2 + q]) * x[((n * 2 + c) * 5 + r) * 4 + col];
              }
            }
          }
          EXPECT_NEAR(y[((n * 3 + k) * oh + i) * ow + j], s, 1e-5);
        }
      }
    }
  }
}

TEST(Conv2D, GradientsValidStride1) {
  Rng rng(3);
  Conv2D layer(4, {3, 3});
  layer.build({3, 6, 6}, rng);
  randomize(layer.bias(), 5);
  check_gradients(layer, random_tensor({2, 3, 6, 6}, 7), 8);
}

TEST(Conv2D, GradientsSamePaddingStride2) {
  Rng rng(4);
  Conv2D layer(3, {3, 3}, {2, 2}, Padding::kSame, Activation::kTanh);
  layer.build({2, 7, 6}, rng);
  randomize(layer.bias(), 6);
  check_gradients(layer, random_tensor({2, 2, 7, 6}, 9), 10);
}

TEST(Conv2D, GradientsNonSquareKernelAndStrides) {
  Rng rng(5);
  Conv2D layer(2, {2, 3}, {1, 2}, Padding::kValid, Activation::kSigmoid, /*use_bias=*/false);
  layer.build({2, 5, 7}, rng);
  ASSERT_EQ(layer.params().size(), 1u);
  check_gradients(layer, random_tensor({2, 2, 5, 7}, 11), 12);
}

TEST(Conv2D, GradientsWithFusedRelu) {
  Rng rng(6);
  Conv2D layer(3, {3, 3}, {1, 1}, Padding::kSame, Activation::kRelu);
  layer.build({2, 5, 5}, rng);
  randomize(layer.bias(), 7, -0.2f, 0.2f);
  Conv2D twin(3, {3, 3}, {1, 1}, Padding::kSame);
  twin.build({2, 5, 5}, rng);
  twin.kernel().value = layer.kernel().value;
  twin.bias().value = layer.bias().value;
  const Tensor x = input_away_from_kinks(twin, {2, 2, 5, 5}, 3e-3f);
  check_gradients(layer, x, 13);
}

TEST(Conv2D, ParamGradientsAccumulateAndBuffersAreReused) {
  Rng rng(7);
  Conv2D layer(4, {3, 3}, {1, 1}, Padding::kValid, Activation::kRelu);
  layer.build({2, 6, 6}, rng);
  const Tensor x = random_tensor({3, 2, 6, 6}, 1);
  expect_accumulation(layer, x);
  const float* y0 = layer.forward(x, Mode::kTrain).data();
  const float* dx0 = layer.backward(random_tensor({3, 4, 4, 4}, 2)).data();
  EXPECT_EQ(layer.forward(x, Mode::kTrain).data(), y0);
  EXPECT_EQ(layer.backward(random_tensor({3, 4, 4, 4}, 3)).data(), dx0);
}

TEST(Conv2D, BuildNamesTooSmallInputs) {
  Rng rng(1);
  Conv2D layer(8, {3, 3});
  layer.set_name("conv2d_2");
  try {
    layer.build({64, 2, 2}, rng);
    FAIL() << "no error";
  } catch (const Error& e) {
    EXPECT_STREQ(e.what(), "Conv2D 'conv2d_2': input (64, 2, 2) is smaller than the 3x3 kernel");
  }
  EXPECT_THROW(layer.build({64}, rng), Error);
  EXPECT_THROW(layer.build({2, 8}, rng), Error);
  Conv2D same(8, {3, 3}, {1, 1}, Padding::kSame);
  EXPECT_EQ(same.build({64, 2, 2}, rng), Shape({8, 2, 2}));
  EXPECT_THROW(Conv2D(0, {3, 3}), Error);
  EXPECT_THROW(Conv2D(4, {3, 0}), Error);
  EXPECT_THROW(Conv2D(4, {3, 3}, {0, 1}), Error);
  EXPECT_THROW(Conv2D(4, {3, 3}, {1, 1}, Padding::kValid, Activation::kSoftmax), Error);
}

// ---------------------------------------------------------------------------------------------
// Pooling

TEST(MaxPooling2D, ForwardPicksTheMaxAndRoutesTheGradient) {
  Rng rng(1);
  MaxPooling2D layer({2, 2});
  EXPECT_EQ(layer.build({1, 4, 4}, rng), Shape({1, 2, 2}));
  Tensor x({1, 1, 4, 4});
  for (int i = 0; i < 16; ++i) x[i] = static_cast<float>((i * 7) % 16);
  const Tensor& y = layer.forward(x, Mode::kTrain);
  // x rows: 0 7 14 5 / 12 3 10 1 / 8 15 6 13 / 4 11 2 9
  EXPECT_EQ(y[0], 12);
  EXPECT_EQ(y[1], 14);
  EXPECT_EQ(y[2], 15);
  EXPECT_EQ(y[3], 13);
  Tensor dy({1, 1, 2, 2});
  dy[0] = 1, dy[1] = 2, dy[2] = 3, dy[3] = 4;
  const Tensor& dx = layer.backward(dy);
  EXPECT_EQ(dx[4], 1);   // the 12
  EXPECT_EQ(dx[2], 2);   // the 14
  EXPECT_EQ(dx[9], 3);   // the 15
  EXPECT_EQ(dx[11], 4);  // the 13
  EXPECT_EQ(std::accumulate(dx.data(), dx.data() + 16, 0.0f), 10.0f);
}

TEST(MaxPooling2D, Gradients) {
  Rng rng(2);
  for (Padding pad : {Padding::kValid, Padding::kSame}) {
    // Overlapping windows (pool 3, stride 2): one input can win two windows.
    MaxPooling2D layer({3, 3}, {2, 2}, pad);
    layer.build({2, 7, 6}, rng);
    check_gradients(layer, distinct_values({2, 2, 7, 6}, 3), 4);
  }
}

TEST(AveragePooling2D, ForwardAndGradients) {
  Rng rng(3);
  AveragePooling2D layer({2, 2}, {0, 0}, Padding::kSame);
  EXPECT_EQ(layer.strides(), (std::array<int, 2>{2, 2}));
  EXPECT_EQ(layer.build({1, 3, 3}, rng), Shape({1, 2, 2}));
  Tensor x({1, 1, 3, 3});
  for (int i = 0; i < 9; ++i) x[i] = static_cast<float>(i);
  const Tensor& y = layer.forward(x, Mode::kInfer);
  EXPECT_FLOAT_EQ(y[0], (0 + 1 + 3 + 4) / 4.0f);
  EXPECT_FLOAT_EQ(y[1], (2 + 5) / 2.0f);  // padded cells are not counted
  EXPECT_FLOAT_EQ(y[3], 8.0f);
  for (Padding pad : {Padding::kValid, Padding::kSame}) {
    AveragePooling2D pool({2, 3}, {1, 2}, pad);
    pool.build({2, 5, 6}, rng);
    check_gradients(pool, random_tensor({2, 2, 5, 6}, 5), 6);
  }
}

TEST(Pooling, ShapesAndErrors) {
  Rng rng(4);
  EXPECT_EQ(MaxPooling2D({2, 2}).build({3, 7, 7}, rng), Shape({3, 3, 3}));
  EXPECT_EQ(MaxPooling2D({2, 2}, {2, 2}, Padding::kSame).build({3, 7, 7}, rng), Shape({3, 4, 4}));
  EXPECT_EQ(MaxPooling2D({3, 3}, {1, 1}).build({3, 7, 7}, rng), Shape({3, 5, 5}));
  EXPECT_EQ(AveragePooling2D({2, 1}).build({1, 4, 4}, rng), Shape({1, 2, 4}));
  MaxPooling2D small({3, 3});
  small.set_name("max_pooling2d_1");
  try {
    small.build({8, 2, 5}, rng);
    FAIL() << "no error";
  } catch (const Error& e) {
    EXPECT_STREQ(e.what(),
                 "MaxPooling2D 'max_pooling2d_1': input (8, 2, 5) is smaller than the "
                 "3x3 pool");
  }
  EXPECT_THROW(MaxPooling2D({0, 2}), Error);
  EXPECT_THROW(AveragePooling2D({2, 2}, {2, -1}), Error);
  EXPECT_THROW(MaxPooling2D({2, 2}).build({16}, rng), Error);
}

// ---------------------------------------------------------------------------------------------
// Flatten and activation layers

TEST(Flatten, KeepsRowMajorOrder) {
  Rng rng(1);
  Flatten layer;
  EXPECT_EQ(layer.build({2, 3, 4}, rng), Shape({24}));
  const Tensor x = random_tensor({3, 2, 3, 4}, 2);
  const Tensor& y = layer.forward(x, Mode::kTrain);
  ASSERT_EQ(y.shape(), Shape({3, 24}));
  for (int64_t i = 0; i < x.numel(); ++i) EXPECT_EQ(y[i], x[i]);
  check_gradients(layer, x, 3);
  layer.forward(x, Mode::kTrain);  // the input must outlive backward()
  EXPECT_EQ(layer.backward(random_tensor({3, 24}, 4)).shape(), x.shape());
  Flatten vec;
  EXPECT_EQ(vec.build({5}, rng), Shape({5}));
  const Tensor v = random_tensor({2, 5}, 5);
  EXPECT_EQ(&vec.forward(v, Mode::kTrain), &v);  // nothing to do for vectors
}

TEST(ActivationLayers, ForwardValues) {
  Rng rng(1);
  Tensor x({1, 4});
  x[0] = -2, x[1] = -0.5f, x[2] = 0.5f, x[3] = 2;
  ReLU relu;
  relu.build({4}, rng);
  EXPECT_EQ(relu.forward(x, Mode::kInfer)[0], 0.0f);
  EXPECT_EQ(relu.forward(x, Mode::kInfer)[3], 2.0f);
  LeakyReLU leaky;
  EXPECT_FLOAT_EQ(leaky.alpha(), 0.3f);
  leaky.build({4}, rng);
  EXPECT_FLOAT_EQ(leaky.forward(x, Mode::kInfer)[0], -0.6f);
  EXPECT_FLOAT_EQ(leaky.forward(x, Mode::kInfer)[2], 0.5f);
  Sigmoid sig;
  sig.build({4}, rng);
  EXPECT_NEAR(sig.forward(x, Mode::kInfer)[3], 1 / (1 + std::exp(-2.0)), 1e-6);
  Tanh th;
  th.build({4}, rng);
  EXPECT_NEAR(th.forward(x, Mode::kInfer)[1], std::tanh(-0.5), 1e-6);
  Softmax sm;
  sm.build({4}, rng);
  const Tensor& p = sm.forward(x, Mode::kInfer);
  double z = 0;
  for (int i = 0; i < 4; ++i) z += std::exp(double(x[i]));
  EXPECT_NEAR(p[3], std::exp(2.0) / z, 1e-6);
  EXPECT_THROW(LeakyReLU(-0.1f), Error);
}

Tensor away_from_zero(const Shape& shape, uint64_t seed) {
  Tensor x = random_tensor(shape, seed);
  for (int64_t i = 0; i < x.numel(); ++i) x[i] += x[i] >= 0 ? 0.05f : -0.05f;
  return x;
}

TEST(ActivationLayers, Gradients) {
  Rng rng(2);
  const Shape in{2, 3, 4};
  const Tensor x = away_from_zero(in.with_batch(2), 3);
  std::vector<std::unique_ptr<Layer>> layers;
  layers.push_back(std::make_unique<ReLU>());
  layers.push_back(std::make_unique<LeakyReLU>(0.1f));
  layers.push_back(std::make_unique<Sigmoid>());
  layers.push_back(std::make_unique<Tanh>());
  for (auto& layer : layers) {
    EXPECT_EQ(layer->build(in, rng), in);
    EXPECT_TRUE(layer->params().empty());
    check_gradients(*layer, x, 4);
  }
}

TEST(Softmax, GradientsWithAndWithoutLogits) {
  Rng rng(3);
  Softmax layer;
  layer.build({6}, rng);
  const Tensor x = random_tensor({4, 6}, 5, -2, 2);
  check_gradients(layer, x, 6);
  EXPECT_TRUE(layer.set_emit_logits(true));
  EXPECT_EQ(&layer.forward(x, Mode::kTrain), &x);
  const Tensor dy = random_tensor({4, 6}, 7);
  EXPECT_EQ(&layer.backward(dy), &dy);
  check_gradients(layer, x, 8);
  Softmax image;
  EXPECT_THROW(image.build({2, 3, 3}, rng), Error);
}

// ---------------------------------------------------------------------------------------------
// Dropout

TEST(Dropout, IdentityAtInference) {
  Rng rng(1);
  Dropout layer(0.5f);
  layer.build({10}, rng);
  const Tensor x = random_tensor({4, 10}, 2);
  const Tensor& y = layer.forward(x, Mode::kInfer);
  for (int64_t i = 0; i < x.numel(); ++i) EXPECT_EQ(y[i], x[i]);
  const Tensor dy = random_tensor({4, 10}, 3);
  const Tensor& dx = layer.backward(dy);
  for (int64_t i = 0; i < dy.numel(); ++i) EXPECT_EQ(dx[i], dy[i]);
}

TEST(Dropout, TrainingDropsAtTheRateAndRescales) {
  Rng rng(2);
  const float rate = 0.3f;
  Dropout layer(rate);
  layer.build({1000}, rng);
  const Tensor x({100, 1000}, 1.0f);
  const Tensor& y = layer.forward(x, Mode::kTrain);
  int64_t zeros = 0;
  double sum = 0;
  for (int64_t i = 0; i < y.numel(); ++i) {
    if (y[i] == 0) {
      ++zeros;
    } else {
      EXPECT_FLOAT_EQ(y[i], 1 / (1 - rate));
    }
    sum += y[i];
  }
  // 100000 Bernoulli draws: the std of the dropped fraction is ~0.0015.
  EXPECT_NEAR(static_cast<double>(zeros) / y.numel(), rate, 0.01);
  EXPECT_NEAR(sum / y.numel(), 1.0, 0.02);  // inverted dropout keeps the mean
  // Each training pass draws a fresh mask.
  const Tensor first = y;
  const Tensor& second = layer.forward(x, Mode::kTrain);
  int64_t differ = 0;
  for (int64_t i = 0; i < first.numel(); ++i) differ += first[i] != second[i];
  EXPECT_GT(differ, 1000);
}

TEST(Dropout, MasksAreDeterministicPerSeed) {
  Rng a(42), b(42);
  Dropout da(0.5f), db(0.5f);
  da.build({64}, a);
  db.build({64}, b);
  const Tensor x = random_tensor({8, 64}, 1);
  const Tensor ya = da.forward(x, Mode::kTrain);
  const Tensor& yb = db.forward(x, Mode::kTrain);
  for (int64_t i = 0; i < x.numel(); ++i) EXPECT_EQ(ya[i], yb[i]);
}

TEST(Dropout, GradientsWithAFixedMask) {
  Rng rng(3);
  Dropout layer(0.4f);
  layer.build({3, 4}, rng);
  const auto state = layer.rng().state();
  GradCheckOptions o;
  o.before_forward = [&] { layer.rng().set_state(state); };  // replay the same mask
  const Tensor x = random_tensor({2, 3, 4}, 4);
  check_gradients(layer, x, 5, o);
  // dx = dy * mask
  layer.rng().set_state(state);
  layer.forward(x, Mode::kTrain);
  const Tensor dy = random_tensor({2, 3, 4}, 6);
  const Tensor& dx = layer.backward(dy);
  int64_t dropped = 0;
  for (int64_t i = 0; i < dy.numel(); ++i) {
    EXPECT_FLOAT_EQ(dx[i], dy[i] * layer.mask()[i]);
    dropped += layer.mask()[i] == 0;
  }
  EXPECT_GT(dropped, 0);
  EXPECT_THROW(Dropout(1.0f), Error);
  EXPECT_THROW(Dropout(-0.1f), Error);
}

// ---------------------------------------------------------------------------------------------
// BatchNormalization

TEST(BatchNormalization, GradientsAfterConvInTraining) {
  Rng rng(1);
  BatchNormalization layer;
  layer.build({3, 4, 5}, rng);
  randomize(layer.gamma(), 2, 0.5f, 1.5f);
  randomize(layer.beta(), 3);
  GradCheckOptions o;
  o.h = 3e-3;
  check_gradients(layer, random_tensor({2, 3, 4, 5}, 4, -1, 2), 5, o);
}

TEST(BatchNormalization, GradientsAfterDenseInTraining) {
  Rng rng(2);
  BatchNormalization layer;
  layer.build({5}, rng);
  randomize(layer.gamma(), 3, 0.5f, 1.5f);
  randomize(layer.beta(), 4);
  GradCheckOptions o;
  o.h = 3e-3;
  check_gradients(layer, random_tensor({6, 5}, 5, -2, 1), 6, o);
}

TEST(BatchNormalization, GradientsAtInference) {
  Rng rng(3);
  BatchNormalization layer;
  layer.build({2, 3, 3}, rng);
  randomize(layer.gamma(), 4, 0.5f, 1.5f);
  randomize(layer.beta(), 5);
  for (int c = 0; c < 2; ++c) {
    layer.moving_mean()[c] = 0.3f * c - 0.1f;
    layer.moving_variance()[c] = 0.5f + c;
  }
  GradCheckOptions o;
  o.mode = Mode::kInfer;
  check_gradients(layer, random_tensor({2, 2, 3, 3}, 6), 7, o);
}

TEST(BatchNormalization, TrainingNormalizesAndUpdatesMovingStatistics) {
  Rng rng(4);
  BatchNormalization layer(0.9f, 1e-3f);
  layer.build({2, 3, 3}, rng);
  EXPECT_EQ(layer.params().size(), 2u);
  EXPECT_EQ(layer.params()[0]->name, "gamma");
  EXPECT_EQ(layer.params()[1]->name, "beta");
  EXPECT_FALSE(layer.params()[0]->decay);
  EXPECT_FALSE(layer.params()[1]->decay);
  ASSERT_EQ(layer.buffers().size(), 2u);
  EXPECT_EQ(layer.buffers()[0].first, "moving_mean");
  EXPECT_EQ(layer.buffers()[1].first, "moving_variance");
  const Tensor x = random_tensor({4, 2, 3, 3}, 5, 2, 6);  // mean ~4, far from 0
  const Tensor& y = layer.forward(x, Mode::kTrain);
  for (int c = 0; c < 2; ++c) {
    double sx = 0, sxx = 0, sy = 0, syy = 0;
    for (int n = 0; n < 4; ++n) {
      for (int i = 0; i < 9; ++i) {
        const int64_t k = (n * 2 + c) * 9 + i;
        sx += x[k], sxx += double(x[k]) * x[k], sy += y[k], syy += double(y[k]) * y[k];
      }
    }
    const double m = 36, mean = sx / m, var = sxx / m - mean * mean;  // biased
    EXPECT_NEAR(sy / m, 0.0, 1e-5);
    EXPECT_NEAR(syy / m, var / (var + 1e-3), 1e-4);
    EXPECT_NEAR(layer.moving_mean()[c], 0.9 * 0 + 0.1 * mean, 1e-5);
    EXPECT_NEAR(layer.moving_variance()[c], 0.9 * 1 + 0.1 * var, 1e-5);
  }
}

TEST(BatchNormalization, InferenceUsesMovingStatistics) {
  Rng rng(5);
  BatchNormalization layer(0.99f, 1e-3f);
  layer.build({3}, rng);
  for (int c = 0; c < 3; ++c) {
    layer.moving_mean()[c] = static_cast<float>(c);
    layer.moving_variance()[c] = 0.25f * (c + 1);
    layer.gamma().value[c] = 2.0f;
    layer.beta().value[c] = -1.0f;
  }
  const Tensor x = random_tensor({4, 3}, 6);
  const Tensor& y = layer.forward(x, Mode::kInfer);
  for (int n = 0; n < 4; ++n) {
    for (int c = 0; c < 3; ++c) {
      const double want = 2.0 * (x[n * 3 + c] - c) / std::sqrt(0.25 * (c + 1) + 1e-3) - 1.0;
      EXPECT_NEAR(y[n * 3 + c], want, 1e-5);
    }
  }
  EXPECT_FLOAT_EQ(layer.moving_mean()[1], 1.0f);  // untouched
  EXPECT_FLOAT_EQ(layer.moving_variance()[2], 0.75f);
}

TEST(BatchNormalization, FrozenUsesMovingStatisticsInTraining) {
  Rng rng(6);
  BatchNormalization layer;
  layer.build({2, 2, 2}, rng);
  layer.moving_mean()[0] = 0.5f;
  layer.moving_variance()[1] = 2.0f;
  layer.set_trainable(false);
  for (Param* p : layer.params()) p->grad.fill(0.5f);
  const Tensor x = random_tensor({3, 2, 2, 2}, 7);
  const Tensor infer = layer.forward(x, Mode::kInfer);
  const Tensor& train = layer.forward(x, Mode::kTrain);
  for (int64_t i = 0; i < x.numel(); ++i) EXPECT_EQ(train[i], infer[i]);
  EXPECT_EQ(layer.moving_mean()[0], 0.5f);
  EXPECT_EQ(layer.moving_variance()[1], 2.0f);
  const Tensor dy = random_tensor(x.shape(), 8);
  const Tensor& dx = layer.backward(dy);
  for (int64_t i = 0; i < x.numel(); ++i) {
    const int c = static_cast<int>((i / 4) % 2);
    EXPECT_NEAR(dx[i], dy[i] / std::sqrt(layer.moving_variance()[c] + 1e-3), 1e-5);
  }
  for (Param* p : layer.params()) {
    for (int64_t i = 0; i < p->grad.numel(); ++i) EXPECT_EQ(p->grad[i], 0.5f);
  }
}

TEST(BatchNormalization, ParamGradientsAccumulateAndShapesAreChecked) {
  Rng rng(7);
  BatchNormalization layer;
  layer.build({3, 2, 2}, rng);
  expect_accumulation(layer, random_tensor({2, 3, 2, 2}, 8));
  BatchNormalization bad;
  EXPECT_THROW(bad.build({3, 4}, rng), Error);
  EXPECT_THROW(BatchNormalization(1.5f), Error);
  EXPECT_THROW(BatchNormalization(0.99f, 0.0f), Error);
}

TEST(BatchNormalization, SameResultsWhateverTheThreadCount) {
  // 4 x 16 x 24 x 24 values: large enough to be split over the pool.
  const Tensor x = random_tensor({4, 16, 24, 24}, 9);
  const Tensor dy = random_tensor(x.shape(), 10);
  const int saved = kernels::num_threads();
  std::vector<Tensor> results;
  for (int threads : {1, 3}) {
    kernels::ThreadPool::set_num_threads(threads);
    Rng rng(1);
    BatchNormalization layer;
    layer.build({16, 24, 24}, rng);
    results.push_back(layer.forward(x, Mode::kTrain));
    results.push_back(layer.backward(dy));
    results.push_back(layer.gamma().grad);
    results.push_back(layer.moving_variance());
  }
  kernels::ThreadPool::set_num_threads(saved);
  for (size_t k = 0; k < 4; ++k) {
    for (int64_t i = 0; i < results[k].numel(); ++i) {
      ASSERT_EQ(results[k][i], results[k + 4][i]) << "result " << k << " at " << i;
    }
  }
}

// Every layer reuses its output and input-gradient buffers from batch to batch.
TEST(Layers, BuffersAreReusedAcrossBatches) {
  std::vector<std::unique_ptr<Layer>> layers;
  layers.push_back(std::make_unique<Conv2D>(3, std::array<int, 2>{3, 3}));
  layers.push_back(std::make_unique<MaxPooling2D>());
  layers.push_back(std::make_unique<AveragePooling2D>());
  layers.push_back(std::make_unique<BatchNormalization>());
  layers.push_back(std::make_unique<ReLU>());
  layers.push_back(std::make_unique<LeakyReLU>());
  layers.push_back(std::make_unique<Sigmoid>());
  layers.push_back(std::make_unique<Tanh>());
  layers.push_back(std::make_unique<Dropout>(0.5f));
  layers.push_back(std::make_unique<Flatten>());
  Rng rng(1);
  for (auto& layer : layers) {
    const Shape out = layer->build({2, 6, 6}, rng);
    const Tensor x = random_tensor({4, 2, 6, 6}, 2);
    const Tensor dy = random_tensor(out.with_batch(4), 3);
    const float* y0 = layer->forward(x, Mode::kTrain).data();
    const float* dx0 = layer->backward(dy).data();
    for (int rep = 0; rep < 2; ++rep) {
      EXPECT_EQ(layer->forward(x, Mode::kTrain).data(), y0) << layer->type();
      EXPECT_EQ(layer->backward(dy).data(), dx0) << layer->type();
    }
  }
}

TEST(Layers, ParamNamesAndDecay) {
  Rng rng(8);
  Dense dense(3);
  EXPECT_TRUE(dense.params().empty());  // nothing before build
  dense.build({2}, rng);
  Conv2D conv(2, {3, 3});
  conv.build({1, 5, 5}, rng);
  for (Layer* layer : std::initializer_list<Layer*>{&dense, &conv}) {
    const auto params = layer->params();
    ASSERT_EQ(params.size(), 2u);
    EXPECT_EQ(params[0]->name, "kernel");
    EXPECT_TRUE(params[0]->decay);
    EXPECT_EQ(params[1]->name, "bias");
    EXPECT_FALSE(params[1]->decay);
    for (int64_t i = 0; i < params[1]->value.numel(); ++i) EXPECT_EQ(params[1]->value[i], 0.0f);
    EXPECT_EQ(params[0]->grad.shape(), params[0]->value.shape());
  }
  EXPECT_EQ(conv.kernel().value.shape(), Shape({2, 1, 3, 3}));
  EXPECT_EQ(dense.kernel().value.shape(), Shape({2, 3}));
}

}  // namespace
}  // namespace inkstone
