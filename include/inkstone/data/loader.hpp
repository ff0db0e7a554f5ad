#pragma once
// BatchLoader: draws batches from a Dataset in a per-epoch shuffled order and converts them to
// float: x = (u8 / 255 - mean) / std (mean 0, std 1 by default: plain [0, 1] scaling as the
// tutorial does). The order of epoch e is a permutation drawn from Rng(seed, e), so a run is
// reproducible and can be resumed at any epoch.
#include <cstdint>
#include <vector>

#include "inkstone/data/dataset.hpp"
#include "inkstone/tensor/tensor.hpp"

namespace inkstone {

struct Normalization {
  float mean = 0.0f;
  float std = 1.0f;
};

class BatchLoader {
 public:
  BatchLoader(const Dataset& data, int batch_size, bool shuffle, uint64_t seed,
              Normalization norm = {}, bool drop_last = false);

  // Starts epoch `epoch` (0-based): fixes its order and rewinds to its first batch.
  void start_epoch(int epoch);
  // Fills the next batch: x as [b, c, h, w] floats, labels as b ints. Returns false at the end
  // of the epoch. The last batch may be smaller unless drop_last.
  bool next(Tensor& x, std::vector<int32_t>& labels);
  int64_t num_batches() const;
  int batch_size() const { return batch_size_; }
  const Dataset& dataset() const { return data_; }

 private:
  const Dataset& data_;
  int batch_size_;
  bool shuffle_;
  uint64_t seed_;
  Normalization norm_;
  bool drop_last_;
  std::vector<int64_t> order_;
  int64_t cursor_ = 0;
};

}  // namespace inkstone
