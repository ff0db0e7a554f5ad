// PLACEHOLDER: replaced by the optimizers.
#include "inkstone/optim/optimizer.hpp"
