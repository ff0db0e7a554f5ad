// Adam: the tutorial's update, m_hat / (sqrt(v_hat) + eps), with the bias corrections in double.
#include "inkstone/optim/adam.hpp"

#include <cmath>

#include "optim/optimizer_checks.hpp"
#include "optim/update_kernels.hpp"

namespace inkstone {

Adam::Adam(const AdamOptions& options) : Optimizer(options.learning_rate), options_(options) {
  optim_detail::check_non_negative("adam", "learning_rate", options.learning_rate);
  optim_detail::check_unit_interval("adam", "beta_1", options.beta_1);
  optim_detail::check_unit_interval("adam", "beta_2", options.beta_2);
  optim_detail::check_positive("adam", "epsilon", options.epsilon);
  set_slot_names({"m", "v"});
}

OptimizerConfig Adam::config() const {
  OptimizerConfig c = Optimizer::config();
  c["beta_1"] = options_.beta_1;
  c["beta_2"] = options_.beta_2;
  c["epsilon"] = options_.epsilon;
  return c;
}

void Adam::step(const std::vector<Param*>& params) {
  const float grad_scale = begin_step(params);
  // Per-step scalars: 1 / (1 - b^t) in double, rounded once to float.
  const double t = static_cast<double>(t_);
  const double b1 = options_.beta_1, b2 = options_.beta_2;
  optim_detail::AdamCoeffs base;
  base.beta_1 = options_.beta_1;
  base.one_minus_beta_1 = static_cast<float>(1.0 - b1);
  base.beta_2 = options_.beta_2;
  base.one_minus_beta_2 = static_cast<float>(1.0 - b2);
  base.inv_bias_1 = static_cast<float>(1.0 / (1.0 - std::pow(b1, t)));
  base.inv_bias_2 = static_cast<float>(1.0 / (1.0 - std::pow(b2, t)));
  base.epsilon = options_.epsilon;
  base.grad.scale = grad_scale;

  struct Context {
    Adam* self;
    const std::vector<Param*>* params;
    const optim_detail::AdamCoeffs* base;
    const optim_detail::UpdateKernels* kernels;
  } ctx{this, &params, &base, &optim_detail::update_kernels()};
  for_each_slice(params, [&ctx](size_t i, int64_t begin, int64_t end) {
    Param& p = *(*ctx.params)[i];
    optim_detail::AdamCoeffs c = *ctx.base;
    c.lr = ctx.self->lr_ * p.lr_multiplier;
    c.decay = p.decay ? c.lr * ctx.self->reg_.weight_decay : 0.0f;
    c.grad.l2 = p.decay ? ctx.self->reg_.l2 : 0.0f;
    ctx.kernels->adam(c, p.value.data() + begin, ctx.self->slot(i, 0).data() + begin,
                      ctx.self->slot(i, 1).data() + begin, p.grad.data() + begin, end - begin);
  });
}

}  // namespace inkstone
