#pragma once
// RMSprop (Hinton), Keras's formulation (epsilon inside the square root):
//   rms <- rho * rms + (1 - rho) * g^2
//   centered:  mg <- rho * mg + (1 - rho) * g;   d = rms - mg^2 + eps
//   otherwise:                                   d = rms + eps
//   inc = lr * g / sqrt(d)
//   momentum > 0:  mom <- momentum * mom + inc;  theta <- theta - mom
//   otherwise:                                   theta <- theta - inc
// Keras defaults: lr 0.001, rho 0.9, momentum 0, eps 1e-7, centered false.
// Slots "rms", then "mg" (centered), then "momentum" (momentum > 0).
#include <string>
#include <vector>

#include "inkstone/optim/optimizer.hpp"

namespace inkstone {

struct RmsPropOptions {
  float learning_rate = 0.001f;
  float rho = 0.9f;
  float momentum = 0.0f;
  float epsilon = 1e-7f;
  bool centered = false;
};

class RmsProp : public Optimizer {
 public:
  // Throws Error on an out-of-range option (rho and momentum in [0, 1), lr >= 0, eps > 0).
  explicit RmsProp(const RmsPropOptions& options = {});
  std::string name() const override { return "rmsprop"; }
  void step(const std::vector<Param*>& params) override;
  OptimizerConfig config() const override;
  const RmsPropOptions& options() const { return options_; }

 private:
  RmsPropOptions options_;
};

}  // namespace inkstone
