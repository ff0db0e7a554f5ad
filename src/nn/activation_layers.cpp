#include "inkstone/nn/activation_layers.hpp"

#include <algorithm>
#include <cmath>

#include "inkstone/kernels/activations.hpp"
#include "nn/layer_util.hpp"

namespace inkstone {

ActivationLayer::ActivationLayer(Activation activation, float alpha)
    : activation_(activation), alpha_(alpha) {}

LeakyReLU::LeakyReLU(float alpha) : ActivationLayer(Activation::kLeakyRelu, alpha) {
  if (!(alpha >= 0.0f) || !std::isfinite(alpha)) {
    throw Error("LeakyReLU: alpha must be a finite number >= 0, got " + std::to_string(alpha));
  }
}

nlohmann::json LeakyReLU::config() const {
  return {{"alpha", detail::float_for_json(alpha_)}};
}

Shape ActivationLayer::build(const Shape& input_shape, Rng& /*rng*/) {
  if (input_shape.rank() < 1 || input_shape.numel() < 1) {
    throw Error(detail::layer_label(*this) + ": input " + input_shape.str() + " has no elements");
  }
  if (activation_ == Activation::kSoftmax && input_shape.rank() != 1) {
    throw Error(detail::layer_label(*this) + ": input " + input_shape.str() +
                " must be a vector (F,); add a Flatten layer before it");
  }
  input_shape_ = input_shape;
  output_shape_ = input_shape;
  built_ = true;
  x_ = nullptr;
  return output_shape_;
}

// Forward: y = act(x) element-wise (softmax: over each row of [N, F]).
const Tensor& ActivationLayer::forward(const Tensor& x, Mode /*mode*/) {
  const int64_t n = detail::check_batch(*this, x);
  x_ = &x;
  if (emit_logits_) return x;
  y_.resize(x.shape());
  const int64_t cols = x.numel() / n;
  switch (activation_) {
    case Activation::kRelu:
      kernels::relu_forward(x.numel(), x.data(), y_.data());
      break;
    case Activation::kLeakyRelu:
      kernels::leaky_relu_forward(x.numel(), alpha_, x.data(), y_.data());
      break;
    case Activation::kSigmoid:
      kernels::sigmoid_forward(x.numel(), x.data(), y_.data());
      break;
    case Activation::kTanh:
      kernels::tanh_forward(x.numel(), x.data(), y_.data());
      break;
    case Activation::kSoftmax:
      kernels::softmax_rows(n, cols, x.data(), y_.data());
      break;
    case Activation::kLinear:
      std::copy(x.data(), x.data() + x.numel(), y_.data());
      break;
  }
  return y_;
}

// Backward: dx = dy * act'(x) (formulas in nn/activation.hpp).
const Tensor& ActivationLayer::backward(const Tensor& dy) {
  detail::require_forward(*this, x_);
  detail::check_grad(*this, dy, x_->shape());
  if (emit_logits_) return dy;
  dx_.resize(dy.shape());
  const int64_t n = dy.dim(0);
  if (activation_ == Activation::kLeakyRelu) {
    kernels::leaky_relu_backward(dy.numel(), alpha_, x_->data(), dy.data(), dx_.data());
  } else {
    activation_backward(activation_, alpha_, n, dy.numel() / n, y_.data(), dy.data(), dx_.data());
  }
  return dx_;
}

}  // namespace inkstone
