#include "inkstone/nn/dropout.hpp"

#include <cmath>

#include "nn/layer_util.hpp"

namespace inkstone {

Dropout::Dropout(float rate) : rate_(rate) {
  if (!(rate >= 0.0f && rate < 1.0f)) {
    throw Error("Dropout: rate must be in [0, 1), got " + std::to_string(rate));
  }
}

nlohmann::json Dropout::config() const {
  return {{"rate", detail::float_for_json(rate_)}};
}

Shape Dropout::build(const Shape& input_shape, Rng& rng) {
  if (input_shape.rank() < 1 || input_shape.numel() < 1) {
    throw Error(detail::layer_label(*this) + ": input " + input_shape.str() + " has no elements");
  }
  rng_ = rng.split();
  input_shape_ = input_shape;
  output_shape_ = input_shape;
  built_ = true;
  x_ = nullptr;
  return output_shape_;
}

// Forward (train): m_i = [u_i >= rate] / (1 - rate), y = x * m. Inference: y = x (no copy).
const Tensor& Dropout::forward(const Tensor& x, Mode mode) {
  detail::check_batch(*this, x);
  x_ = &x;
  masked_ = mode == Mode::kTrain && rate_ > 0.0f;
  if (!masked_) return x;
  const int64_t n = x.numel();
  mask_.resize(x.shape());
  y_.resize(x.shape());
  // u is 32 random bits; keep when u >= rate * 2^32 (two draws per 64-bit word).
  const uint64_t threshold = static_cast<uint64_t>(std::ldexp(static_cast<double>(rate_), 32));
  const float scale = 1.0f / (1.0f - rate_);
  float* m = mask_.data();
  const float* xp = x.data();
  float* yp = y_.data();
  for (int64_t i = 0; i < n; i += 2) {
    const uint64_t bits = rng_.next_u64();
    m[i] = (bits & 0xffffffffu) >= threshold ? scale : 0.0f;
    if (i + 1 < n) m[i + 1] = (bits >> 32) >= threshold ? scale : 0.0f;
  }
  for (int64_t i = 0; i < n; ++i) yp[i] = xp[i] * m[i];
  return y_;
}

// Backward: dx = dy * m (identity when the forward applied no mask).
const Tensor& Dropout::backward(const Tensor& dy) {
  detail::require_forward(*this, x_);
  detail::check_grad(*this, dy, x_->shape());
  if (!masked_) return dy;
  dx_.resize(dy.shape());
  const float* m = mask_.data();
  const float* g = dy.data();
  float* dx = dx_.data();
  for (int64_t i = 0; i < dy.numel(); ++i) dx[i] = g[i] * m[i];
  return dx_;
}

}  // namespace inkstone
