#include "inkstone/nn/conv2d.hpp"

#include "inkstone/kernels/conv.hpp"
#include "inkstone/nn/pooling.hpp"
#include "nn/layer_util.hpp"

namespace inkstone {

namespace {
std::string pair_str(std::array<int, 2> p) {
  return std::to_string(p[0]) + "x" + std::to_string(p[1]);
}
}  // namespace

Conv2D::Conv2D(int filters, std::array<int, 2> kernel_size, std::array<int, 2> strides,
               Padding padding, Activation activation, bool use_bias,
               Initializer kernel_initializer)
    : filters_(filters),
      kernel_size_(kernel_size),
      strides_(strides),
      padding_(padding),
      activation_(activation),
      use_bias_(use_bias),
      kernel_init_(kernel_initializer) {
  if (filters < 1) throw Error("Conv2D: filters must be positive, got " + std::to_string(filters));
  if (kernel_size[0] < 1 || kernel_size[1] < 1) {
    throw Error("Conv2D: kernel_size must be positive, got " + pair_str(kernel_size));
  }
  if (strides[0] < 1 || strides[1] < 1) {
    throw Error("Conv2D: strides must be positive, got " + pair_str(strides));
  }
  if (activation == Activation::kSoftmax) {
    throw Error("Conv2D: activation 'softmax' is not supported (use it on a Dense layer)");
  }
}

Shape Conv2D::build(const Shape& input_shape, Rng& rng) {
  const std::string label = detail::layer_label(*this);
  if (input_shape.rank() != 3 || input_shape.numel() < 1) {
    throw Error(label + ": input " + input_shape.str() + " must be an image (C, H, W)");
  }
  const int64_t c = input_shape[0], h = input_shape[1], w = input_shape[2];
  const int kh = kernel_size_[0], kw = kernel_size_[1];
  if (padding_ == Padding::kValid && (h < kh || w < kw)) {
    throw Error(label + ": input " + input_shape.str() + " is smaller than the " +
                pair_str(kernel_size_) + " kernel");
  }
  const kernels::ConvGeometry g = kernels::make_conv_geometry(
      1, static_cast<int>(c), static_cast<int>(h), static_cast<int>(w), filters_, kh, kw,
      strides_[0], strides_[1], padding_ == Padding::kSame);
  kernel_.value.resize({filters_, c, kh, kw});
  // Keras fans for a conv kernel: fan_in = C kh kw, fan_out = filters kh kw.
  initialize(kernel_.value, kernel_init_, static_cast<double>(c * kh * kw),
             static_cast<double>(filters_) * kh * kw, rng);
  kernel_.grad = Tensor(kernel_.value.shape());
  kernel_.trainable = trainable_;
  if (use_bias_) {
    bias_.value = Tensor(Shape{filters_});
    bias_.grad = Tensor(Shape{filters_});
    bias_.trainable = trainable_;
  }
  input_shape_ = input_shape;
  output_shape_ = Shape{filters_, g.out_h, g.out_w};
  built_ = true;
  x_ = nullptr;
  return output_shape_;
}

std::vector<Param*> Conv2D::params() {
  if (!built_) return {};
  if (use_bias_) return {&kernel_, &bias_};
  return {&kernel_};
}

nlohmann::json Conv2D::config() const {
  return {{"filters", filters_},
          {"kernel_size", {kernel_size_[0], kernel_size_[1]}},
          {"strides", {strides_[0], strides_[1]}},
          {"padding", padding_name(padding_)},
          {"activation", activation_name(activation_)},
          {"use_bias", use_bias_},
          {"kernel_initializer", initializer_name(kernel_init_)}};
}

// Forward: y = act(conv(x, W) + b); the kernel adds the bias (and applies a ReLU in the same
// store), other activations run in place afterwards.
const Tensor& Conv2D::forward(const Tensor& x, Mode mode) {
  const int64_t n = detail::check_batch(*this, x);
  geom_ = kernels::make_conv_geometry(
      static_cast<int>(n), static_cast<int>(input_shape_[0]), static_cast<int>(input_shape_[1]),
      static_cast<int>(input_shape_[2]), filters_, kernel_size_[0], kernel_size_[1], strides_[0],
      strides_[1], padding_ == Padding::kSame);
  const bool fused_relu = activation_ == Activation::kRelu;
  x_ = &x;
  if (fused_pool_) {
    pooled_.resize({n, filters_, geom_.out_h / 2, geom_.out_w / 2});
    // Inference keeps no argmax (the pool's backward needs it, nothing else does).
    if (mode == Mode::kTrain) {
      argmax_.resize(static_cast<size_t>(pooled_.numel()));
    } else {
      std::vector<int32_t>().swap(argmax_);
    }
    kernels::conv2d_forward_maxpool(geom_, x.data(), kernel_.value.data(),
                                    use_bias_ ? bias_.value.data() : nullptr, fused_relu,
                                    pooled_.data(), mode == Mode::kTrain ? argmax_.data() : nullptr);
    return pooled_;
  }
  y_.resize(output_shape_.with_batch(n));
  kernels::conv2d_forward_relu(geom_, x.data(), kernel_.value.data(),
                               use_bias_ ? bias_.value.data() : nullptr, fused_relu, y_.data());
  if (activation_ != Activation::kLinear && !fused_relu) {
    bias_activation_forward(activation_, kLeakyReluActivationAlpha, 1, y_.numel(), nullptr,
                            y_.data());
  }
  return y_;
}

bool Conv2D::can_fuse_max_pool(const MaxPooling2D& pool) const {
  const bool act_ok = activation_ == Activation::kRelu || activation_ == Activation::kLinear;
  return built_ && pool.built() && act_ok && pool.pool_size() == std::array<int, 2>{2, 2} &&
         pool.strides() == std::array<int, 2>{2, 2} && pool.padding() == Padding::kValid &&
         output_shape_[1] >= 2 && output_shape_[2] >= 2;
}

// Backward: dz = dy * act'(z);  dW += corr(x, dz);  db += sum_{n,i,j} dz;  dx = conv^T(dz, W).
// For a ReLU the kernel applies act' = [y > 0] while it reads dy.
const Tensor& Conv2D::backward(const Tensor& dy) {
  detail::require_forward(*this, x_);
  const bool bias_grad = use_bias_ && bias_.trainable;
  float* dx = nullptr;
  if (input_grad_needed_) {
    dx_.resize(x_->shape());
    dx = dx_.data();
  }
  workspace_.resize({static_cast<int64_t>(kernels::conv2d_workspace_floats(geom_))});
  if (fused_pool_) {
    detail::check_grad(*this, dy, pooled_.shape());
    if (argmax_.size() != static_cast<size_t>(pooled_.numel())) {
      throw Error(detail::layer_label(*this) +
                  ": backward needs a training-mode forward pass first (the last one was inference)");
    }
    kernels::conv2d_backward_maxpool(geom_, x_->data(), dy.data(), pooled_.data(), argmax_.data(),
                                     activation_ == Activation::kRelu, kernel_.value.data(),
                                     kernel_.trainable ? kernel_.grad.data() : nullptr,
                                     bias_grad ? bias_.grad.data() : nullptr, dx,
                                     workspace_.data());
    return dx_;
  }
  detail::check_grad(*this, dy, y_.shape());
  const float* dz = dy.data();
  const float* relu_y = nullptr;
  if (activation_ == Activation::kRelu) {
    relu_y = y_.data();
  } else if (activation_ != Activation::kLinear) {
    dz_.resize(y_.shape());
    activation_backward(activation_, kLeakyReluActivationAlpha, 1, y_.numel(), y_.data(), dy.data(),
                        dz_.data());
    dz = dz_.data();
  }
  kernels::conv2d_backward(geom_, x_->data(), dz, relu_y, kernel_.value.data(),
                           kernel_.trainable ? kernel_.grad.data() : nullptr,
                           bias_grad ? bias_.grad.data() : nullptr, dx, workspace_.data());
  return dx_;
}

}  // namespace inkstone
