#pragma once
// Dropout (inverted): in training each unit is kept with probability 1 - rate and scaled by
// 1 / (1 - rate), so inference is the identity:
//   train: y = x * m,  m_i = [u_i >= rate] / (1 - rate),  u_i ~ U[0, 1);   dx = dy * m
//   infer: y = x,                                                          dx = dy
// The mask comes from the layer's own Rng (split from the build Rng), so a run is reproducible;
// rng() exposes it for checkpoints and tests.
#include "inkstone/nn/layer.hpp"

namespace inkstone {

class Dropout final : public Layer {
 public:
  explicit Dropout(float rate);

  std::string type() const override { return "Dropout"; }
  Shape build(const Shape& input_shape, Rng& rng) override;
  const Tensor& forward(const Tensor& x, Mode mode) override;
  const Tensor& backward(const Tensor& dy) override;
  // {"rate"}
  nlohmann::json config() const override;

  float rate() const { return rate_; }
  Rng& rng() { return rng_; }
  // The mask of the last training forward() (0 or 1 / (1 - rate) per element).
  const Tensor& mask() const { return mask_; }

 private:
  float rate_;
  Rng rng_;
  bool masked_ = false;  // whether the last forward() applied a mask
  const Tensor* x_ = nullptr;
  Tensor mask_, y_, dx_;
};

}  // namespace inkstone
