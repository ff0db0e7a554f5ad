#pragma once
// Dense: a fully connected layer, y = act(x W + b), x [N, in], W [in, units] (Keras layout),
// b [units]. Accepts vector inputs (F,) only: put a Flatten before it.
#include "inkstone/nn/activation.hpp"
#include "inkstone/nn/initializers.hpp"
#include "inkstone/nn/layer.hpp"

namespace inkstone {

class Dense : public Layer {
 public:
  explicit Dense(int units, Activation activation = Activation::kLinear, bool use_bias = true,
                 Initializer kernel_initializer = Initializer::kGlorotUniform);

  std::string type() const override { return "Dense"; }
  Shape build(const Shape& input_shape, Rng& rng) override;
  const Tensor& forward(const Tensor& x, Mode mode) override;
  const Tensor& backward(const Tensor& dy) override;
  std::vector<Param*> params() override;
  // {"units", "activation", "use_bias", "kernel_initializer"}
  nlohmann::json config() const override;
  // Only with activation softmax: forward() then returns the logits z = x W + b.
  bool set_emit_logits(bool on) override;

  int units() const { return units_; }
  Activation activation() const { return activation_; }
  bool use_bias() const { return use_bias_; }
  Initializer kernel_initializer() const { return kernel_init_; }
  Param& kernel() { return kernel_; }
  Param& bias() { return bias_; }

 private:
  // The activation forward() applies now (linear while emitting logits).
  Activation effective_activation() const;

  int units_;
  Activation activation_;
  bool use_bias_;
  Initializer kernel_init_;
  bool emit_logits_ = false;
  Param kernel_{"kernel", {}, {}, true, true, 1};
  Param bias_{"bias", {}, {}, true, false, 1};
  const Tensor* x_ = nullptr;  // input of the last forward()
  Tensor y_, dz_, dx_;
};

}  // namespace inkstone
