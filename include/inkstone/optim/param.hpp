#pragma once
// Param: one trainable tensor of a layer with its gradient and its training settings.
#include <string>

#include "inkstone/tensor/tensor.hpp"

namespace inkstone {

struct Param {
  std::string name;  // "kernel", "bias", "gamma", "beta"; the layer prefixes its own name
  Tensor value;
  Tensor grad;              // same shape as value; layers accumulate into it in backward
  bool trainable = true;    // frozen params get no update (and their grad is left untouched)
  bool decay = true;        // subject to L2 / weight decay (weights yes, biases and BN no)
  float lr_multiplier = 1;  // per-layer learning-rate scale (fine-tuning)
};

}  // namespace inkstone
