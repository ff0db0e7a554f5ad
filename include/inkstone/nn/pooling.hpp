#pragma once
// MaxPooling2D and AveragePooling2D over NCHW images, Keras semantics: pool_size (ph, pw),
// strides defaulting to pool_size, "valid" or "same" padding (padded cells are ignored by max
// and not counted by average).
//   max:     y[n,c,i,j] = max_{p,q} x[n, c, i*sh + p - pt, j*sw + q - pl]
//   average: y[n,c,i,j] = mean over the window cells inside x
#include <array>
#include <cstdint>
#include <vector>

#include "inkstone/kernels/pool.hpp"
#include "inkstone/nn/layer.hpp"
#include "inkstone/nn/padding.hpp"

namespace inkstone {

// The part both pooling layers share: configuration, shape checks, geometry.
class Pooling2D : public Layer {
 public:
  Shape build(const Shape& input_shape, Rng& rng) override;
  // {"pool_size": [h, w], "strides": [h, w], "padding"}
  nlohmann::json config() const override;

  std::array<int, 2> pool_size() const { return pool_size_; }
  std::array<int, 2> strides() const { return strides_; }
  Padding padding() const { return padding_; }

 protected:
  // strides {0, 0} means "the pool size" (the Keras default).
  Pooling2D(const char* type, std::array<int, 2> pool_size, std::array<int, 2> strides,
            Padding padding);
  // Checks x and sets geom_ for its batch size.
  void prepare(const Tensor& x);

  std::array<int, 2> pool_size_;
  std::array<int, 2> strides_;
  Padding padding_;
  kernels::PoolGeometry geom_;
  const Tensor* x_ = nullptr;
  Tensor y_, dx_;
};

class MaxPooling2D final : public Pooling2D {
 public:
  explicit MaxPooling2D(std::array<int, 2> pool_size = {2, 2}, std::array<int, 2> strides = {0, 0},
                        Padding padding = Padding::kValid);
  std::string type() const override { return "MaxPooling2D"; }
  const Tensor& forward(const Tensor& x, Mode mode) override;
  const Tensor& backward(const Tensor& dy) override;

  // Set by the model when the Conv2D below computes this pool fused into its own output
  // (Conv2D::set_fused_max_pool): forward() and backward() then pass their argument through.
  void set_passthrough(bool on) { passthrough_ = on; }
  bool passthrough() const { return passthrough_; }

 private:
  bool passthrough_ = false;
  std::vector<int32_t> argmax_;  // per output cell: index of the chosen input in its plane
};

class AveragePooling2D final : public Pooling2D {
 public:
  explicit AveragePooling2D(std::array<int, 2> pool_size = {2, 2},
                            std::array<int, 2> strides = {0, 0}, Padding padding = Padding::kValid);
  std::string type() const override { return "AveragePooling2D"; }
  const Tensor& forward(const Tensor& x, Mode mode) override;
  const Tensor& backward(const Tensor& dy) override;
};

}  // namespace inkstone
