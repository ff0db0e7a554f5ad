#include "inkstone/nn/layer.hpp"

namespace inkstone {

void Layer::set_trainable(bool trainable) {
  trainable_ = trainable;
  for (Param* p : params()) p->trainable = trainable;
}

}  // namespace inkstone
