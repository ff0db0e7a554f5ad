// RMSprop, Keras's formulation: lr * g / sqrt(rms + eps), optionally centered and with momentum.
#include "inkstone/optim/rmsprop.hpp"

#include "optim/optimizer_checks.hpp"
#include "optim/update_kernels.hpp"

namespace inkstone {

RmsProp::RmsProp(const RmsPropOptions& options)
    : Optimizer(options.learning_rate), options_(options) {
  optim_detail::check_non_negative("rmsprop", "learning_rate", options.learning_rate);
  optim_detail::check_unit_interval("rmsprop", "rho", options.rho);
  optim_detail::check_unit_interval("rmsprop", "momentum", options.momentum);
  optim_detail::check_positive("rmsprop", "epsilon", options.epsilon);
  std::vector<std::string> slots = {"rms"};
  if (options.centered) slots.push_back("mg");
  if (options.momentum > 0) slots.push_back("momentum");
  set_slot_names(std::move(slots));
}

OptimizerConfig RmsProp::config() const {
  OptimizerConfig c = Optimizer::config();
  c["rho"] = options_.rho;
  c["momentum"] = options_.momentum;
  c["epsilon"] = options_.epsilon;
  c["centered"] = options_.centered ? 1.0 : 0.0;
  return c;
}

void RmsProp::step(const std::vector<Param*>& params) {
  optim_detail::RmsPropCoeffs base;
  base.grad.scale = begin_step(params);
  base.rho = options_.rho;
  base.one_minus_rho = static_cast<float>(1.0 - static_cast<double>(options_.rho));
  base.epsilon = options_.epsilon;
  base.momentum = options_.momentum;

  struct Context {
    RmsProp* self;
    const std::vector<Param*>* params;
    const optim_detail::RmsPropCoeffs* base;
    const optim_detail::UpdateKernels* kernels;
  } ctx{this, &params, &base, &optim_detail::update_kernels()};
  for_each_slice(params, [&ctx](size_t i, int64_t begin, int64_t end) {
    RmsProp& self = *ctx.self;
    Param& p = *(*ctx.params)[i];
    optim_detail::RmsPropCoeffs c = *ctx.base;
    c.lr = self.lr_ * p.lr_multiplier;
    c.decay = p.decay ? c.lr * self.reg_.weight_decay : 0.0f;
    c.grad.l2 = p.decay ? self.reg_.l2 : 0.0f;
    size_t k = 0;
    float* rms = self.slot(i, k++).data() + begin;
    float* mg = self.options_.centered ? self.slot(i, k++).data() + begin : nullptr;
    float* mom = self.options_.momentum > 0 ? self.slot(i, k++).data() + begin : nullptr;
    ctx.kernels->rmsprop(c, p.value.data() + begin, rms, mg, mom, p.grad.data() + begin,
                         end - begin);
  });
}

}  // namespace inkstone
