#pragma once
// Flatten: (C, H, W) -> (C*H*W,), keeping the row-major (NCHW) order. A vector input passes
// through unchanged (no copy).
#include "inkstone/nn/layer.hpp"

namespace inkstone {

class Flatten final : public Layer {
 public:
  std::string type() const override { return "Flatten"; }
  Shape build(const Shape& input_shape, Rng& rng) override;
  const Tensor& forward(const Tensor& x, Mode mode) override;
  const Tensor& backward(const Tensor& dy) override;
  nlohmann::json config() const override { return nlohmann::json::object(); }

 private:
  const Tensor* x_ = nullptr;
  Tensor y_, dx_;
};

}  // namespace inkstone
