#pragma once
// BatchLoader: draws batches from a Dataset in a per-epoch shuffled order and converts them to
// float: x = (u8 / 255 - mean) / std (mean 0, std 1 by default: plain [0, 1] scaling as the
// tutorial does). The order of epoch e is a permutation drawn from Rng(seed, e), so a run is
// reproducible and can be resumed at any epoch.
//
// Options for training:
// - augmentation (data/augment.hpp): image i of epoch e is augmented with its own generator,
//   Rng(mix(seed, e, i)), so the result depends only on (seed, e, i), not on threads;
// - class-balanced sampling: an epoch is size() draws, each a class chosen uniformly and then
//   one of its images uniformly (with replacement), so rare classes are oversampled;
// - prefetching: a background thread prepares the next batch while the caller trains on the
//   current one (the batches are the same as without it).
#include <condition_variable>
#include <cstdint>
#include <exception>
#include <memory>
#include <mutex>
#include <thread>
#include <vector>

#include "inkstone/data/augment.hpp"
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
  ~BatchLoader();
  BatchLoader(const BatchLoader&) = delete;
  BatchLoader& operator=(const BatchLoader&) = delete;

  // Set before start_epoch (they take effect from the next start_epoch).
  void set_augment(const AugmentOptions& options);
  void set_balanced_sampling(bool on);
  void set_prefetch(bool on);

  // Starts epoch `epoch` (0-based): fixes its order and rewinds to its first batch.
  void start_epoch(int epoch);
  // Fills the next batch: x as [b, c, h, w] floats, labels as b ints. Returns false at the end
  // of the epoch. The last batch may be smaller unless drop_last. Rethrows an error of the
  // prefetch thread.
  bool next(Tensor& x, std::vector<int32_t>& labels);
  int64_t num_batches() const;
  int batch_size() const { return batch_size_; }
  const Dataset& dataset() const { return data_; }
  // The dataset index of every position of the current epoch's order.
  const std::vector<int64_t>& order() const { return order_; }

  // The augmented bytes of image `index` as drawn in epoch `epoch` (what training sees before
  // scaling to float); for showing and testing augmentation.
  static void augmented_image(const Dataset& data, const AugmentOptions& options, uint64_t seed,
                              int epoch, int64_t index, uint8_t* out);

 private:
  struct Batch {
    Tensor x;
    std::vector<int32_t> labels;
  };
  // Fills `out` with the `count` images at positions [begin, begin + count) of the order.
  void fill(int64_t begin, int64_t count, Batch& out);
  int64_t batch_count_at(int64_t begin) const;
  void stop_prefetch();
  void worker_loop();

  const Dataset& data_;
  int batch_size_;
  bool shuffle_;
  uint64_t seed_;
  Normalization norm_;
  bool drop_last_;
  bool balanced_ = false;
  int epoch_ = 0;
  std::unique_ptr<Augmenter> augmenter_;
  Augmenter::Scratch scratch_;      // used by whichever thread fills
  std::vector<uint8_t> augmented_;  // one augmented image
  std::vector<int64_t> order_;
  int64_t cursor_ = 0;

  // Prefetch: the worker fills `ready_` with the batch at `pending_` while the caller trains.
  bool prefetch_ = false;
  std::thread worker_;
  std::mutex mu_;
  std::condition_variable cv_;
  Batch ready_;
  int64_t pending_ = -1;  // position the worker is asked to fill; -1: idle
  bool filled_ = false;   // ready_ holds the batch at pending_
  bool quit_ = false;
  std::exception_ptr error_;
};

}  // namespace inkstone
