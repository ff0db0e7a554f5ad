#pragma once
// Layer: the unit of a network. forward() caches what backward() needs; backward() returns the
// gradient with respect to the input and *accumulates* the gradients of the parameters.
// Shapes exclude the batch dimension: (C, H, W) for images, (F,) for vectors.
//
// Buffers: forward() and backward() return references to tensors the layer owns and reuses from
// batch to batch. The input passed to forward() must stay alive and unchanged until backward()
// has run (layers keep a pointer to it instead of copying).
#include <memory>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "inkstone/optim/param.hpp"
#include "inkstone/tensor/rng.hpp"
#include "inkstone/tensor/shape.hpp"
#include "inkstone/tensor/tensor.hpp"

namespace inkstone {

enum class Mode { kTrain, kInfer };

class Layer {
 public:
  virtual ~Layer() = default;

  // The Keras class name: "Conv2D", "Dense", "MaxPooling2D", ...
  virtual std::string type() const = 0;
  const std::string& name() const { return name_; }
  void set_name(std::string name) { name_ = std::move(name); }

  // Fixes the input shape, creates and initializes the parameters, returns the output shape.
  // Throws Error when the input shape does not suit the layer.
  virtual Shape build(const Shape& input_shape, Rng& rng) = 0;
  bool built() const { return built_; }
  const Shape& input_shape() const { return input_shape_; }
  const Shape& output_shape() const { return output_shape_; }

  virtual const Tensor& forward(const Tensor& x, Mode mode) = 0;
  virtual const Tensor& backward(const Tensor& dy) = 0;

  // Trainable parameters (may be frozen) and non-trainable state saved with the model
  // (BatchNorm's running mean and variance), each with a name unique within the layer.
  virtual std::vector<Param*> params() { return {}; }
  virtual std::vector<std::pair<std::string, Tensor*>> buffers() { return {}; }

  // The layer's configuration as Keras-like JSON ({"units": 64, "activation": "relu"}); together
  // with type() it is enough to rebuild the layer (see nn/spec.hpp).
  virtual nlohmann::json config() const = 0;

  // For a layer whose output ends in a softmax: when set, forward() returns the logits (the
  // softmax input) and backward() takes the gradient with respect to them. The model sets it on
  // its last layer to fuse softmax with cross-entropy. Returns false if the layer has no softmax.
  virtual bool set_emit_logits(bool /*on*/) { return false; }

  // Freezing: a frozen layer's params get no update; a frozen BatchNorm also uses its running
  // statistics in training mode.
  virtual void set_trainable(bool trainable);
  bool trainable() const { return trainable_; }

  // When false, backward() may skip the gradient with respect to the input (and return a tensor
  // of unspecified contents): the model clears it on the lowest layer it back-propagates into,
  // whose input is the data. Parameter gradients are computed either way.
  void set_input_grad_needed(bool needed) { input_grad_needed_ = needed; }
  bool input_grad_needed() const { return input_grad_needed_; }

 protected:
  std::string name_;
  Shape input_shape_;
  Shape output_shape_;
  bool built_ = false;
  bool trainable_ = true;
  bool input_grad_needed_ = true;
};

using LayerPtr = std::unique_ptr<Layer>;

}  // namespace inkstone
