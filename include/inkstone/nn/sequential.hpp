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

  // Builds every layer for inputs of `input_shape` (no batch dimension, rank 1 to 3), initializing
  // weights from `seed`: layer i draws from the i-th split() of Rng(seed), so its weights depend
  // only on the seed and its position. Layers that are already built are kept when their input
  // shape is unchanged. A layer added to a built model is built at once the same way.
  void build(const Shape& input_shape, uint64_t seed = 1);
  bool built() const { return built_; }
  const Shape& input_shape() const { return input_shape_; }
  Shape output_shape() const;

  void compile(std::unique_ptr<Optimizer> optimizer, std::unique_ptr<Loss> loss);
  bool compiled() const { return optimizer_ != nullptr && loss_ != nullptr; }
  Optimizer& optimizer();
  Loss& loss();

  // Raw forward/backward through all layers. When the loss fuses softmax, the last layer emits
  // logits and forward() returns them (a last layer without a softmax emits raw scores, which
  // such a loss reads as logits, like Keras' from_logits=True). The input must be
  // [N, input_shape...]. backward() stops below the lowest layer that has a trainable
  // parameter (a frozen base costs no backward pass). Neither adds any allocation of its own
  // after the first batch of a given size (the layers must not allocate either).
  const Tensor& forward(const Tensor& x, Mode mode);
  void backward(const Tensor& dy);

  // One optimization step on a batch: zero grads, forward, loss, backward, optimizer step.
  StepResult train_step(const Tensor& x, const Targets& targets);
  // Loss and correct count on a batch, in inference mode.
  StepResult test_step(const Tensor& x, const Targets& targets);
  // Class probabilities (softmax applied if the model emits logits), [n, classes], computed in
  // batches of batch_size. A model whose last layer has no softmax and that is not compiled with
  // a softmax-fusing loss returns its raw outputs.
  Tensor predict(const Tensor& x, int batch_size = 256);

  // All parameters in layer order; all gradients set to zero.
  std::vector<Param*> params();
  void zero_grad();
  // All parameters and buffers (BatchNorm statistics), as Keras counts them; or only the
  // trainable (not frozen) parameters.
  int64_t count_params(bool trainable_only = false);

  // A Keras-style table: layer (type), output shape (None, C, H, W), parameter count and a
  // Trainable column (Y, N for frozen, - for no parameters); totals at the bottom.
  std::string summary();

  // Layer fusion (on by default): a Conv2D with a ReLU or linear activation followed by a 2x2 /
  // stride-2 MaxPooling2D runs as one fused operation (see Conv2D::set_fused_max_pool), which
  // never writes the full-size activation. Results are bit-identical either way; switching it
  // off is for comparison and debugging.
  void set_fusion(bool on) { fusion_ = on; }
  bool fusion() const { return fusion_; }

  // Profiling (off by default): wall time of every layer's forward and backward passes, of the
  // loss and of the optimizer step, summed since profiling was switched on (which resets the
  // figures; switching it off keeps them).
  struct LayerTiming {
    std::string name, type;
    double forward_s = 0.0, backward_s = 0.0;
  };
  struct Profile {
    std::vector<LayerTiming> layers;
    double loss_s = 0.0, optimizer_s = 0.0;
    int64_t forward_calls = 0, backward_calls = 0;
  };
  void set_profiling(bool on);
  bool profiling() const { return profiling_; }
  const Profile& profile() const { return profile_; }
  // A table of the profile: per layer forward and backward milliseconds per call and share of
  // the total.
  std::string profile_report() const;

 private:
  void prepare_logits();
  void plan_fusion();
  void refresh_params();
  Rng layer_rng(size_t index) const;

  std::vector<LayerPtr> layers_;
  Shape input_shape_;
  bool built_ = false;
  uint64_t seed_ = 1;
  std::unique_ptr<Optimizer> optimizer_;
  std::unique_ptr<Loss> loss_;
  bool emits_logits_ = false;
  Tensor grad_;   // dL/d(output), reused
  Tensor batch_;  // one input batch of predict, reused
  // Cached parameter list (so a training step allocates nothing) and, per layer, the end of its
  // range in params_.
  std::vector<Param*> params_;
  std::vector<size_t> param_end_;
  bool fusion_ = true;
  bool profiling_ = false;
  Profile profile_;
};

}  // namespace inkstone
