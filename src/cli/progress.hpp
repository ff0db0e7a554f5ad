#pragma once
// Epoch output for people: on a terminal a live progress bar per epoch (batches, ETA, images/s,
// running loss and accuracy) that ends in the epoch line; elsewhere just the epoch line.
#include <string>

#include "inkstone/train/fit.hpp"

namespace inkstone::cli {

class EpochPrinter {
 public:
  explicit EpochPrinter(bool live) : live_(live) {}
  void on_batch(const BatchProgress& p);
  void on_epoch(const EpochStats& s);

 private:
  bool live_;
  double last_draw_ = -1;
};

std::string format_epoch_line(const EpochStats& s);

}  // namespace inkstone::cli
