#pragma once
// Optimizer: updates parameters from their gradients. Parameters are identified by their
// position in the list passed to step(); the list must be the same (same order, same shapes)
// at every step. Frozen parameters (trainable == false) are skipped but keep their slot.
//
// The optimizers themselves: Adam (adam.hpp), AdamW (adamw.hpp), Sgd (sgd.hpp), RmsProp
// (rmsprop.hpp). Every one of them applies, in this order, per trainable parameter:
//   1. coupled L2 (params with decay == true):   g <- g + l2 * theta
//   2. global-norm clipping (clip_norm > 0):     g <- g * min(1, clip_norm / ||g||_2)
//      where ||g|| is taken over all trainable gradients after step 1 (fixed-order double sum)
//   3. decoupled weight decay (decay == true):   theta <- theta - lr_p * weight_decay * theta
//   4. the optimizer's own update with lr_p = lr() * param.lr_multiplier.
// step() never writes to the gradients: steps 1 and 2 are applied on the fly.
//
// Optimizer state (moments) lives in "slots": one tensor per slot name per parameter, with the
// parameter's shape, created on the first step (or by build()). After that, step() allocates
// nothing. Checkpoints save state() + iterations() + config(); restoring is
//   auto opt = make_optimizer(name, config); opt->build(params);
//   copy the saved tensors into *opt->state()[k].second; opt->set_iterations(t);
// after which continuing gives bit-identical results to an uninterrupted run.
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "inkstone/optim/param.hpp"
#include "inkstone/tensor/error.hpp"

namespace inkstone {

struct RegularizationOptions {
  float l2 = 0;            // L2 penalty: g <- g + l2 * theta (coupled, for decay params);
                           // the gradient of (l2 / 2) * ||theta||^2 added to the loss
  float weight_decay = 0;  // decoupled: theta <- theta - lr * weight_decay * theta (AdamW)
  float clip_norm = 0;     // > 0: scale all gradients so that their global L2 norm <= clip_norm
};

// Optimizer settings as name -> value, for training logs and checkpoints. Keys (Keras names
// where Keras has one): "learning_rate", "l2", "weight_decay", "clip_norm", and per optimizer
// "beta_1", "beta_2", "epsilon" (adam, adamw), "momentum", "nesterov" (sgd), "rho", "momentum",
// "epsilon", "centered" (rmsprop). Booleans are 0 or 1.
using OptimizerConfig = std::map<std::string, double>;

class Optimizer {
 public:
  virtual ~Optimizer() = default;
  virtual std::string name() const = 0;
  // One update of every trainable parameter with learning rate lr() * multiplier.
  virtual void step(const std::vector<Param*>& params) = 0;

  float lr() const { return lr_; }
  void set_lr(float lr) { lr_ = lr; }
  int64_t iterations() const { return t_; }
  // Sets the step count (restoring a checkpoint); t >= 0. Adam's bias corrections use it.
  void set_iterations(int64_t t);
  RegularizationOptions& regularization() { return reg_; }
  const RegularizationOptions& regularization() const { return reg_; }

  // Optimizer state (moments, step count) for checkpoints, as named tensors:
  // "<slot>/<param index>", e.g. "m/0", "v/0", "m/1", ... in parameter order. Empty until the
  // first step() or build(). The step count is iterations(), not a tensor.
  virtual std::vector<std::pair<std::string, Tensor*>> state();

  // Creates the zeroed state slots for `params` now (as the first step would); does nothing if
  // they exist with matching shapes, throws Error if they exist for a different list.
  void build(const std::vector<Param*>& params);
  // Drops all state and sets iterations to 0: the next step starts afresh.
  void reset();
  // The slot names of this optimizer ("m", "v" for Adam; none for SGD without momentum).
  const std::vector<std::string>& slot_names() const { return slot_names_; }

  // All hyperparameters, including learning_rate and the regularization options; see
  // OptimizerConfig. make_optimizer(name(), config()) builds an optimizer with the same settings.
  virtual OptimizerConfig config() const;

 protected:
  explicit Optimizer(float lr) : lr_(lr) {}

  // For subclasses. Sets the slot names; call in the constructor.
  void set_slot_names(std::vector<std::string> names) { slot_names_ = std::move(names); }
  // State tensor of slot k of parameter i (valid after begin_step).
  Tensor& slot(size_t i, size_t k) { return slots_[i * slot_names_.size() + k]; }
  // Validates `params` (creating the slots on the first call), advances iterations() and
  // returns the gradient scale of clipping (1 when clipping is off or the norm is within bounds).
  float begin_step(const std::vector<Param*>& params);
  // Calls fn(i, begin, end) on pieces [begin, end) of every trainable parameter i, together
  // covering all their elements once. Large updates are split over the global thread pool with
  // a fixed partition (elementwise updates, so results do not depend on the split).
  using SliceFn = std::function<void(size_t i, int64_t begin, int64_t end)>;
  void for_each_slice(const std::vector<Param*>& params, const SliceFn& fn);

  float lr_;
  int64_t t_ = 0;
  RegularizationOptions reg_;

 private:
  std::vector<std::string> slot_names_;
  std::vector<Tensor> slots_;        // [param][slot], row-major
  std::vector<Shape> built_shapes_;  // the parameter shapes the slots were built for
  std::vector<int64_t> offsets_;     // scratch for for_each_slice, sized once
};

// Scales every trainable gradient by min(1, max_norm / ||g||_2) where ||g|| is the global norm
// over all of them; returns the norm before clipping. max_norm <= 0 only measures the norm.
// The sum of squares is accumulated in double in a fixed order (bit-identical run to run).
// A non-finite norm leaves the gradients unchanged (NaN/Inf propagate to the caller's checks).
float clip_grad_norm(const std::vector<Param*>& params, float max_norm);
// The global L2 norm of the trainable gradients (the value clip_grad_norm returns).
float global_grad_norm(const std::vector<Param*>& params);

// Creates an optimizer by name: "adam", "adamw", "sgd", "rmsprop" with its Keras defaults and
// the given learning rate (lr <= 0 means the default). Throws Error on an unknown name.
// Names are case-insensitive.
std::unique_ptr<Optimizer> make_optimizer(const std::string& name, float lr = 0);
// Creates an optimizer by name from settings (see OptimizerConfig); missing keys take the Keras
// defaults. Throws Error naming the key on an unknown key or an invalid value.
std::unique_ptr<Optimizer> make_optimizer(const std::string& name, const OptimizerConfig& config);
// "adam", "adamw", "sgd", "rmsprop".
std::vector<std::string> optimizer_names();

}  // namespace inkstone
