#pragma once
// AdamW (Loshchilov & Hutter): Adam with decoupled weight decay. Before Adam's update, every
// parameter with decay == true shrinks by
//   theta <- theta - lr * weight_decay * theta
// (lr including the parameter's lr_multiplier). This is Adam with regularization().weight_decay
// preset: the default weight decay is Keras's AdamW default, 0.004 (PyTorch uses 0.01).
#include <string>

#include "inkstone/optim/adam.hpp"

namespace inkstone {

class AdamW : public Adam {
 public:
  static constexpr float kDefaultWeightDecay = 0.004f;

  explicit AdamW(const AdamOptions& options = {}, float weight_decay = kDefaultWeightDecay);
  std::string name() const override { return "adamw"; }
};

}  // namespace inkstone
