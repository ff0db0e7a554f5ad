#include "inkstone/nn/pooling.hpp"

#include "nn/layer_util.hpp"

namespace inkstone {

namespace {
std::string pair_str(std::array<int, 2> p) {
  return std::to_string(p[0]) + "x" + std::to_string(p[1]);
}
}  // namespace

Pooling2D::Pooling2D(const char* type, std::array<int, 2> pool_size, std::array<int, 2> strides,
                     Padding padding)
    : pool_size_(pool_size), strides_(strides), padding_(padding) {
  if (strides_[0] == 0 && strides_[1] == 0) strides_ = pool_size_;
  if (pool_size_[0] < 1 || pool_size_[1] < 1) {
    throw Error(std::string(type) + ": pool_size must be positive, got " + pair_str(pool_size_));
  }
  if (strides_[0] < 1 || strides_[1] < 1) {
    throw Error(std::string(type) + ": strides must be positive, got " + pair_str(strides_));
  }
}

Shape Pooling2D::build(const Shape& input_shape, Rng& /*rng*/) {
  const std::string label = detail::layer_label(*this);
  if (input_shape.rank() != 3 || input_shape.numel() < 1) {
    throw Error(label + ": input " + input_shape.str() + " must be an image (C, H, W)");
  }
  const int64_t h = input_shape[1], w = input_shape[2];
  if (padding_ == Padding::kValid && (h < pool_size_[0] || w < pool_size_[1])) {
    throw Error(label + ": input " + input_shape.str() + " is smaller than the " +
                pair_str(pool_size_) + " pool");
  }
  const kernels::PoolGeometry g = kernels::make_pool_geometry(
      static_cast<int>(input_shape[0]), static_cast<int>(h), static_cast<int>(w), pool_size_[0],
      pool_size_[1], strides_[0], strides_[1], padding_ == Padding::kSame);
  input_shape_ = input_shape;
  output_shape_ = Shape{input_shape[0], g.out_h, g.out_w};
  built_ = true;
  x_ = nullptr;
  return output_shape_;
}

nlohmann::json Pooling2D::config() const {
  return {{"pool_size", {pool_size_[0], pool_size_[1]}},
          {"strides", {strides_[0], strides_[1]}},
          {"padding", padding_name(padding_)}};
}

void Pooling2D::prepare(const Tensor& x) {
  const int64_t n = detail::check_batch(*this, x);
  geom_ = kernels::make_pool_geometry(
      static_cast<int>(n * input_shape_[0]), static_cast<int>(input_shape_[1]),
      static_cast<int>(input_shape_[2]), pool_size_[0], pool_size_[1], strides_[0], strides_[1],
      padding_ == Padding::kSame);
  y_.resize(output_shape_.with_batch(n));
  x_ = &x;
}

MaxPooling2D::MaxPooling2D(std::array<int, 2> pool_size, std::array<int, 2> strides,
                           Padding padding)
    : Pooling2D("MaxPooling2D", pool_size, strides, padding) {}

// Forward: y = max over each window, remembering where the max came from.
const Tensor& MaxPooling2D::forward(const Tensor& x, Mode /*mode*/) {
  if (passthrough_) {  // the Conv2D below already pooled its output
    const int64_t n = x.rank() >= 1 ? x.dim(0) : 0;
    if (n < 1 || x.shape() != output_shape_.with_batch(n)) {
      throw Error(detail::layer_label(*this) + ": fused input " + x.shape().str() +
                  " is not the pooled shape " + output_shape_.str());
    }
    return x;
  }
  prepare(x);
  argmax_.resize(static_cast<size_t>(y_.numel()));
  kernels::maxpool_forward(geom_, x.data(), y_.data(), argmax_.data());
  return y_;
}

// Backward: dx = 0, dx[argmax] += dy (the gradient goes to the chosen input only).
const Tensor& MaxPooling2D::backward(const Tensor& dy) {
  if (passthrough_) return dy;
  detail::require_forward(*this, x_);
  detail::check_grad(*this, dy, y_.shape());
  dx_.resize(x_->shape());
  kernels::maxpool_backward(geom_, dy.data(), argmax_.data(), dx_.data());
  return dx_;
}

AveragePooling2D::AveragePooling2D(std::array<int, 2> pool_size, std::array<int, 2> strides,
                                   Padding padding)
    : Pooling2D("AveragePooling2D", pool_size, strides, padding) {}

// Forward: y = mean of the window's cells inside x.
const Tensor& AveragePooling2D::forward(const Tensor& x, Mode /*mode*/) {
  prepare(x);
  kernels::avgpool_forward(geom_, x.data(), y_.data());
  return y_;
}

// Backward: each cell of a window receives dy / (number of cells counted in that window).
const Tensor& AveragePooling2D::backward(const Tensor& dy) {
  detail::require_forward(*this, x_);
  detail::check_grad(*this, dy, y_.shape());
  dx_.resize(x_->shape());
  kernels::avgpool_backward(geom_, dy.data(), dx_.data());
  return dx_;
}

}  // namespace inkstone
