#pragma once
// Standalone activation layers: ReLU, LeakyReLU, Sigmoid, Tanh (element-wise, any input shape)
// and Softmax (over the features of a vector input (F,)). Formulas in nn/activation.hpp;
// LeakyReLU: y = x > 0 ? x : alpha x, dx = dy (x > 0 ? 1 : alpha), alpha >= 0 (Keras default 0.3).
#include "inkstone/nn/activation.hpp"
#include "inkstone/nn/layer.hpp"

namespace inkstone {

// The shared implementation; each subclass only names itself and its config.
class ActivationLayer : public Layer {
 public:
  Shape build(const Shape& input_shape, Rng& rng) override;
  const Tensor& forward(const Tensor& x, Mode mode) override;
  const Tensor& backward(const Tensor& dy) override;
  Activation activation() const { return activation_; }

 protected:
  explicit ActivationLayer(Activation activation, float alpha = 0);
  Activation activation_;
  float alpha_;
  bool emit_logits_ = false;  // Softmax only: forward is the identity

 private:
  const Tensor* x_ = nullptr;
  Tensor y_, dx_;
};

class ReLU final : public ActivationLayer {
 public:
  ReLU() : ActivationLayer(Activation::kRelu) {}
  std::string type() const override { return "ReLU"; }
  nlohmann::json config() const override { return nlohmann::json::object(); }
};

class LeakyReLU final : public ActivationLayer {
 public:
  static constexpr float kDefaultAlpha = 0.3f;  // as Keras' LeakyReLU layer
  explicit LeakyReLU(float alpha = kDefaultAlpha);
  std::string type() const override { return "LeakyReLU"; }
  nlohmann::json config() const override;
  float alpha() const { return alpha_; }
};

class Sigmoid final : public ActivationLayer {
 public:
  Sigmoid() : ActivationLayer(Activation::kSigmoid) {}
  std::string type() const override { return "Sigmoid"; }
  nlohmann::json config() const override { return nlohmann::json::object(); }
};

class Tanh final : public ActivationLayer {
 public:
  Tanh() : ActivationLayer(Activation::kTanh) {}
  std::string type() const override { return "Tanh"; }
  nlohmann::json config() const override { return nlohmann::json::object(); }
};

class Softmax final : public ActivationLayer {
 public:
  Softmax() : ActivationLayer(Activation::kSoftmax) {}
  std::string type() const override { return "Softmax"; }
  nlohmann::json config() const override { return nlohmann::json::object(); }
  // When on, forward() returns its input (the logits) and backward() passes dL/dlogits through.
  bool set_emit_logits(bool on) override {
    emit_logits_ = on;
    return true;
  }
};

}  // namespace inkstone
