#include "inkstone/nn/flatten.hpp"

#include <cstring>

#include "nn/layer_util.hpp"

namespace inkstone {

Shape Flatten::build(const Shape& input_shape, Rng& /*rng*/) {
  if (input_shape.rank() < 1 || input_shape.numel() < 1) {
    throw Error(detail::layer_label(*this) + ": input " + input_shape.str() + " has no elements");
  }
  input_shape_ = input_shape;
  output_shape_ = Shape{input_shape.numel()};
  built_ = true;
  x_ = nullptr;
  return output_shape_;
}

// Forward: y[n, f] = x[n, ...] with f the row-major index of the element within the sample.
const Tensor& Flatten::forward(const Tensor& x, Mode /*mode*/) {
  const int64_t n = detail::check_batch(*this, x);
  x_ = &x;
  if (input_shape_.rank() == 1) return x;
  y_.resize({n, output_shape_[0]});
  std::memcpy(y_.data(), x.data(), sizeof(float) * static_cast<size_t>(x.numel()));
  return y_;
}

// Backward: dx = dy viewed in the input's shape.
const Tensor& Flatten::backward(const Tensor& dy) {
  detail::require_forward(*this, x_);
  detail::check_grad(*this, dy, output_shape_.with_batch(x_->dim(0)));
  if (input_shape_.rank() == 1) return dy;
  dx_.resize(x_->shape());
  std::memcpy(dx_.data(), dy.data(), sizeof(float) * static_cast<size_t>(dy.numel()));
  return dx_;
}

}  // namespace inkstone
