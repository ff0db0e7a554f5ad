#pragma once
// Adam (Kingma & Ba), exactly the tutorial's formulas, per element, at step t = iterations():
//   m_t = b1 * m + (1 - b1) * g
//   v_t = b2 * v + (1 - b2) * g^2
//   m_hat = m_t / (1 - b1^t),  v_hat = v_t / (1 - b2^t)
//   theta <- theta - lr * m_hat / (sqrt(v_hat) + eps)
// The bias corrections 1 / (1 - b^t) are computed in double once per step. Keras defaults:
// lr 0.001, b1 0.9, b2 0.999, eps 1e-7. Slots "m" and "v".
#include <string>
#include <vector>

#include "inkstone/optim/optimizer.hpp"

namespace inkstone {

struct AdamOptions {
  float learning_rate = 0.001f;
  float beta_1 = 0.9f;
  float beta_2 = 0.999f;
  float epsilon = 1e-7f;
};

class Adam : public Optimizer {
 public:
  // Throws Error on an out-of-range option (betas in [0, 1), lr >= 0, eps > 0).
  explicit Adam(const AdamOptions& options = {});
  std::string name() const override { return "adam"; }
  void step(const std::vector<Param*>& params) override;
  OptimizerConfig config() const override;
  const AdamOptions& options() const { return options_; }

 protected:
  AdamOptions options_;
};

}  // namespace inkstone
