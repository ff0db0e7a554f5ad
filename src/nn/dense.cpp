#include "inkstone/nn/dense.hpp"

#include "inkstone/kernels/activations.hpp"
#include "inkstone/kernels/gemm.hpp"
#include "nn/layer_util.hpp"

namespace inkstone {

Dense::Dense(int units, Activation activation, bool use_bias, Initializer kernel_initializer)
    : units_(units),
      activation_(activation),
      use_bias_(use_bias),
      kernel_init_(kernel_initializer) {
  if (units < 1) throw Error("Dense: units must be positive, got " + std::to_string(units));
}

Activation Dense::effective_activation() const {
  return emit_logits_ ? Activation::kLinear : activation_;
}

Shape Dense::build(const Shape& input_shape, Rng& rng) {
  if (input_shape.rank() != 1 || input_shape[0] < 1) {
    throw Error(detail::layer_label(*this) + ": input " + input_shape.str() +
                " must be a vector (F,); add a Flatten layer before it");
  }
  const int64_t in = input_shape[0];
  kernel_.value.resize({in, units_});
  initialize(kernel_.value, kernel_init_, static_cast<double>(in), units_, rng);
  kernel_.grad = Tensor(Shape{in, units_});
  kernel_.trainable = trainable_;
  if (use_bias_) {
    bias_.value = Tensor(Shape{units_});  // zeros
    bias_.grad = Tensor(Shape{units_});
    bias_.trainable = trainable_;
  }
  input_shape_ = input_shape;
  output_shape_ = Shape{units_};
  built_ = true;
  x_ = nullptr;
  return output_shape_;
}

std::vector<Param*> Dense::params() {
  if (!built_) return {};
  if (use_bias_) return {&kernel_, &bias_};
  return {&kernel_};
}

nlohmann::json Dense::config() const {
  return {{"units", units_},
          {"activation", activation_name(activation_)},
          {"use_bias", use_bias_},
          {"kernel_initializer", initializer_name(kernel_init_)}};
}

bool Dense::set_emit_logits(bool on) {
  if (activation_ != Activation::kSoftmax) return false;
  emit_logits_ = on;
  return true;
}

// Forward: z = x W + b (one GEMM, then bias and activation fused in one pass), y = act(z).
const Tensor& Dense::forward(const Tensor& x, Mode /*mode*/) {
  const int64_t n = detail::check_batch(*this, x);
  const int in = static_cast<int>(input_shape_[0]);
  y_.resize({n, units_});
  kernels::gemm(false, false, static_cast<int>(n), units_, in, 1.0f, x.data(), in,
                kernel_.value.data(), units_, 0.0f, y_.data(), units_);
  bias_activation_forward(effective_activation(), kLeakyReluActivationAlpha, n, units_,
                          use_bias_ ? bias_.value.data() : nullptr, y_.data());
  x_ = &x;
  return y_;
}

// Backward: dz = dy * act'(z);  dW += x^T dz;  db += sum_rows dz;  dx = dz W^T.
const Tensor& Dense::backward(const Tensor& dy) {
  detail::require_forward(*this, x_);
  detail::check_grad(*this, dy, y_.shape());
  const int n = static_cast<int>(y_.dim(0));
  const int in = static_cast<int>(input_shape_[0]);
  const Activation act = effective_activation();
  const float* dz = dy.data();
  if (act != Activation::kLinear) {
    dz_.resize(y_.shape());
    activation_backward(act, kLeakyReluActivationAlpha, n, units_, y_.data(), dy.data(),
                        dz_.data());
    dz = dz_.data();
  }
  if (kernel_.trainable) {
    kernels::gemm(true, false, in, units_, n, 1.0f, x_->data(), in, dz, units_, 1.0f,
                  kernel_.grad.data(), units_);
  }
  if (use_bias_ && bias_.trainable) kernels::sum_rows(n, units_, dz, bias_.grad.data());
  dx_.resize({n, in});
  if (!input_grad_needed_) return dx_;  // the lowest layer: its input is the data
  kernels::gemm(false, true, n, in, units_, 1.0f, dz, units_, kernel_.value.data(), units_, 0.0f,
                dx_.data(), in);
  return dx_;
}

}  // namespace inkstone
