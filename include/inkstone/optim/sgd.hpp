#pragma once
// Stochastic gradient descent with optional momentum, Keras's formulation:
//   momentum == 0:  theta <- theta - lr * g
//   momentum  > 0:  v <- momentum * v - lr * g
//                   theta <- theta + v                       (classical)
//                   theta <- theta + momentum * v - lr * g   (Nesterov, with the new v)
// Keras defaults: lr 0.01, momentum 0, nesterov false. Slot "velocity" when momentum > 0.
#include <string>
#include <vector>

#include "inkstone/optim/optimizer.hpp"

namespace inkstone {

struct SgdOptions {
  float learning_rate = 0.01f;
  float momentum = 0.0f;
  bool nesterov = false;
};

class Sgd : public Optimizer {
 public:
  // Throws Error on an out-of-range option (momentum in [0, 1), lr >= 0).
  explicit Sgd(const SgdOptions& options = {});
  std::string name() const override { return "sgd"; }
  void step(const std::vector<Param*>& params) override;
  OptimizerConfig config() const override;
  const SgdOptions& options() const { return options_; }

 private:
  SgdOptions options_;
};

}  // namespace inkstone
