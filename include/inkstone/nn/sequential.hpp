#pragma once
// Sequential: a stack of layers, Keras-style. Build it with add(), fix the input shape with
// build(), attach an optimizer and a loss with compile(), then train batch by batch with
// train_step() (train/fit.hpp runs whole epochs) and predict().
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "inkstone/nn/layer.hpp"
#include "inkstone/nn/loss.hpp"
#include "inkstone/optim/optimizer.hpp"

namespace inkstone {

struct StepResult {
  float loss = 0;       // mean loss of the batch
  int64_t correct = 0;  // rows whose arg-max output equals the label
};

class Sequential {
 public:
  Sequential() = default;
  Sequential(Sequential&&) noexcept = default;
  Sequential& operator=(Sequential&&) noexcept = default;

  // Appends a layer. Unnamed layers get Keras-style names: "conv2d", "conv2d_1", "dense", ...
  // If the model is already built, the new layer is built on the current output shape.
  Layer& add(LayerPtr layer);
  // Removes and returns the last layer.
  LayerPtr pop();
  size_t size() const { return layers_.size(); }
  Layer& layer(size_t i) { return *layers_.at(i); }
  const Layer& layer(size_t i) const { return *layers_.at(i); }
  // The layer with this name; throws Error if there is none.
  Layer& layer(const std::string& name);

  // Builds every layer for inputs of `input_shape` (no batch dimension), initializing weights
  // from `seed`. Layers that are already built are kept when their input shape is unchanged.
  void build(const Shape& input_shape, uint64_t seed = 1);
  bool built() const { return built_; }
  const Shape& input_shape() const { return input_shape_; }
  Shape output_shape() const;

  void compile(std::unique_ptr<Optimizer> optimizer, std::unique_ptr<Loss> loss);
  bool compiled() const { return optimizer_ != nullptr && loss_ != nullptr; }
  Optimizer& optimizer();
  Loss& loss();

  // Raw forward/backward through all layers. When the loss fuses softmax, the last layer emits
  // logits and forward() returns them.
  const Tensor& forward(const Tensor& x, Mode mode);
  void backward(const Tensor& dy);

  // One optimization step on a batch: zero grads, forward, loss, backward, optimizer step.
  StepResult train_step(const Tensor& x, const Targets& targets);
  // Loss and correct count on a batch, in inference mode.
  StepResult test_step(const Tensor& x, const Targets& targets);
  // Class probabilities (softmax applied if the model emits logits), [n, classes].
  Tensor predict(const Tensor& x, int batch_size = 256);

  // All parameters in layer order; all gradients set to zero.
  std::vector<Param*> params();
  void zero_grad();
  int64_t count_params(bool trainable_only = false);

  // A Keras-style table: layer (type), output shape, parameter count; totals at the bottom.
  std::string summary();

 private:
  void prepare_logits();

  std::vector<LayerPtr> layers_;
  Shape input_shape_;
  bool built_ = false;
  std::unique_ptr<Optimizer> optimizer_;
  std::unique_ptr<Loss> loss_;
  bool emits_logits_ = false;
  Tensor grad_;   // dL/d(output), reused
  Tensor probs_;  // reused by predict
};

}  // namespace inkstone
