#pragma once
// Conv2D: 2-D convolution (cross-correlation) over NCHW images with a fused bias and activation,
//   y[n,k,i,j] = act(b[k] + sum_{c,p,q} W[k,c,p,q] x[n, c, i*sh + p - pad_top, j*sw + q -
//   pad_left])
// Input (C, H, W), kernel [filters, C, kh, kw], bias [filters], output (filters, out_h, out_w)
// with Keras "valid" / "same" padding. The softmax activation is not supported here.
#include <array>
#include <cstdint>
#include <vector>

#include "inkstone/kernels/conv.hpp"
#include "inkstone/nn/activation.hpp"
#include "inkstone/nn/initializers.hpp"
#include "inkstone/nn/layer.hpp"
#include "inkstone/nn/padding.hpp"

namespace inkstone {

class Conv2D : public Layer {
 public:
  Conv2D(int filters, std::array<int, 2> kernel_size, std::array<int, 2> strides = {1, 1},
         Padding padding = Padding::kValid, Activation activation = Activation::kLinear,
         bool use_bias = true, Initializer kernel_initializer = Initializer::kGlorotUniform);

  std::string type() const override { return "Conv2D"; }
  Shape build(const Shape& input_shape, Rng& rng) override;
  const Tensor& forward(const Tensor& x, Mode mode) override;
  const Tensor& backward(const Tensor& dy) override;
  std::vector<Param*> params() override;
  // {"filters", "kernel_size": [h, w], "strides": [sh, sw], "padding", "activation",
  //  "use_bias", "kernel_initializer"}
  nlohmann::json config() const override;

  int filters() const { return filters_; }
  std::array<int, 2> kernel_size() const { return kernel_size_; }
  std::array<int, 2> strides() const { return strides_; }
  Padding padding() const { return padding_; }
  Activation activation() const { return activation_; }
  bool use_bias() const { return use_bias_; }
  Initializer kernel_initializer() const { return kernel_init_; }
  Param& kernel() { return kernel_; }
  Param& bias() { return bias_; }

  // Fusion with the MaxPooling2D that follows (the model sets it; see Sequential::set_fusion):
  // forward() then returns the pooled output act(conv) -> max pool, computed while each chunk of
  // the batch is in cache, and backward() takes the pooled output's gradient. The results are
  // bit-identical to running the two layers one after the other. Possible for 2x2 / stride-2
  // "valid" pools after a ReLU or linear activation with an output of at least 2x2.
  bool can_fuse_max_pool(const class MaxPooling2D& pool) const;
  void set_fused_max_pool(bool on) { fused_pool_ = on; }
  bool fused_max_pool() const { return fused_pool_; }

 private:
  int filters_;
  std::array<int, 2> kernel_size_;
  std::array<int, 2> strides_;
  Padding padding_;
  Activation activation_;
  bool use_bias_;
  Initializer kernel_init_;
  Param kernel_{"kernel", {}, {}, true, true, 1};
  Param bias_{"bias", {}, {}, true, false, 1};
  kernels::ConvGeometry geom_;  // of the last forward()
  const Tensor* x_ = nullptr;
  Tensor y_, dz_, dx_, workspace_;
  bool fused_pool_ = false;
  Tensor pooled_;                // output when fused with a max pool
  std::vector<int32_t> argmax_;  // chosen cell of each pool window, within its output plane
};

}  // namespace inkstone
