// SGD with optional (Nesterov) momentum, Keras's formulation.
#include "inkstone/optim/sgd.hpp"

#include "optim/optimizer_checks.hpp"
#include "optim/update_kernels.hpp"

namespace inkstone {

Sgd::Sgd(const SgdOptions& options) : Optimizer(options.learning_rate), options_(options) {
  optim_detail::check_non_negative("sgd", "learning_rate", options.learning_rate);
  optim_detail::check_unit_interval("sgd", "momentum", options.momentum);
  if (options.momentum > 0) set_slot_names({"velocity"});
}

OptimizerConfig Sgd::config() const {
  OptimizerConfig c = Optimizer::config();
  c["momentum"] = options_.momentum;
  c["nesterov"] = options_.nesterov ? 1.0 : 0.0;
  return c;
}

void Sgd::step(const std::vector<Param*>& params) {
  optim_detail::SgdCoeffs base;
  base.grad.scale = begin_step(params);
  base.momentum = options_.momentum;
  base.nesterov = options_.nesterov;
  const bool has_velocity = options_.momentum > 0;

  struct Context {
    Sgd* self;
    const std::vector<Param*>* params;
    const optim_detail::SgdCoeffs* base;
    const optim_detail::UpdateKernels* kernels;
    bool has_velocity;
  } ctx{this, &params, &base, &optim_detail::update_kernels(), has_velocity};
  for_each_slice(params, [&ctx](size_t i, int64_t begin, int64_t end) {
    Param& p = *(*ctx.params)[i];
    optim_detail::SgdCoeffs c = *ctx.base;
    c.lr = ctx.self->lr_ * p.lr_multiplier;
    c.decay = p.decay ? c.lr * ctx.self->reg_.weight_decay : 0.0f;
    c.grad.l2 = p.decay ? ctx.self->reg_.l2 : 0.0f;
    float* velocity = ctx.has_velocity ? ctx.self->slot(i, 0).data() + begin : nullptr;
    ctx.kernels->sgd(c, p.value.data() + begin, velocity, p.grad.data() + begin, end - begin);
  });
}

}  // namespace inkstone
