#pragma once
// Optimizer: updates parameters from their gradients. Parameters are identified by their
// position in the list passed to step(); the list must be the same (same order, same shapes)
// at every step. Frozen parameters (trainable == false) are skipped but keep their slot.
#include <memory>
#include <string>
#include <vector>

#include "inkstone/optim/param.hpp"

namespace inkstone {

struct RegularizationOptions {
  float l2 = 0;            // L2 penalty: g <- g + l2 * theta (coupled, for decay params)
  float weight_decay = 0;  // decoupled: theta <- theta - lr * weight_decay * theta (AdamW)
  float clip_norm = 0;     // > 0: scale all gradients so that their global L2 norm <= clip_norm
};

class Optimizer {
 public:
  virtual ~Optimizer() = default;
  virtual std::string name() const = 0;
  // One update of every trainable parameter with learning rate lr() * multiplier.
  virtual void step(const std::vector<Param*>& params) = 0;

  float lr() const { return lr_; }
  void set_lr(float lr) { lr_ = lr; }
  int64_t iterations() const { return t_; }
  RegularizationOptions& regularization() { return reg_; }
  const RegularizationOptions& regularization() const { return reg_; }

  // Optimizer state (moments, step count) for checkpoints, as named tensors.
  virtual std::vector<std::pair<std::string, Tensor*>> state() { return {}; }

 protected:
  explicit Optimizer(float lr) : lr_(lr) {}
  float lr_;
  int64_t t_ = 0;
  RegularizationOptions reg_;
};

// Scales every trainable gradient by min(1, max_norm / ||g||_2) where ||g|| is the global norm
// over all of them; returns the norm before clipping.
float clip_grad_norm(const std::vector<Param*>& params, float max_norm);

// Creates an optimizer by name: "adam", "adamw", "sgd", "rmsprop" with its Keras defaults and
// the given learning rate (lr <= 0 means the default). Throws Error on an unknown name.
std::unique_ptr<Optimizer> make_optimizer(const std::string& name, float lr = 0);

}  // namespace inkstone
