// AdamW: Adam with the decoupled weight decay preset (Keras's default 0.004).
#include "inkstone/optim/adamw.hpp"

#include "optim/optimizer_checks.hpp"

namespace inkstone {

AdamW::AdamW(const AdamOptions& options, float weight_decay) : Adam(options) {
  optim_detail::check_non_negative("adamw", "weight_decay", weight_decay);
  reg_.weight_decay = weight_decay;
}

}  // namespace inkstone
