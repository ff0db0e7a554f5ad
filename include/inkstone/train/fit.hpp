#pragma once
// The fit loop: epochs of shuffled mini-batches through Sequential::train_step, with optional
// validation after each epoch, and evaluation of a whole dataset. Callbacks report progress;
// the library itself prints nothing.
#include <cstdint>
#include <functional>
#include <vector>

#include "inkstone/data/augment.hpp"
#include "inkstone/data/dataset.hpp"
#include "inkstone/data/loader.hpp"
#include "inkstone/nn/sequential.hpp"
#include "inkstone/train/callbacks.hpp"
#include "inkstone/train/lr_schedule.hpp"

namespace inkstone {

struct EvalResult {
  double loss = 0;      // mean loss over the samples
  double accuracy = 0;  // correct / count
  int64_t correct = 0;
  int64_t count = 0;
  int classes = 0;
  std::vector<int64_t> confusion;  // classes x classes, row = true class, column = prediction

  // Recall of class c: confusion[c][c] / (samples of class c); NaN for a class with no samples.
  std::vector<double> recall() const;
};

struct EpochStats {
  int epoch = 0;  // 1-based
  int epochs = 0;
  double loss = 0, accuracy = 0;  // running means over the epoch's training batches
  bool has_validation = false;
  double val_loss = 0, val_accuracy = 0;
  double seconds = 0;              // wall time of the epoch, validation included
  double train_seconds = 0;        // training batches only
  double images_per_second = 0;    // training images / train_seconds
  double lr = 0;                   // learning rate of the epoch's last batch
  std::vector<double> val_recall;  // per-class recall on the validation data
};

struct BatchProgress {
  int epoch = 0, epochs = 0;
  int64_t batch = 0, num_batches = 0;  // batch is 1-based
  double loss = 0, accuracy = 0;       // running means so far in the epoch
  double seconds = 0;                  // since the epoch started
  double images_per_second = 0;
};

struct FitOptions {
  int epochs = 1;
  int batch_size = 32;
  uint64_t seed = 1;  // shuffling order (weights are seeded by build())
  bool shuffle = true;
  Normalization normalization;     // how uint8 pixels become floats
  AugmentOptions augment;          // training images only; prepared by a loader thread
  bool balanced_sampling = false;  // draw classes uniformly (oversampling rare ones)
  // Epochs already done (resuming a checkpoint): training runs epochs initial_epoch .. epochs-1
  // with the same data order, augmentation and learning rates as an uninterrupted run.
  int initial_epoch = 0;
  // Scales the optimizer's learning rate (its value when fit starts) before every batch; the
  // optimizer's learning rate is set back to that base value when fit returns.
  LrSchedule lr_schedule;
  const Dataset* validation = nullptr;                 // evaluated after each epoch when set
  std::function<void(const BatchProgress&)> on_batch;  // after every batch
  std::function<void(const EpochStats&)> on_epoch;     // after every epoch
  // Run in order after on_epoch; any may stop training. Their lr_factor()s multiply the
  // scheduled learning rate. Not owned.
  std::vector<Callback*> callbacks;
};

struct History {
  std::vector<EpochStats> epochs;  // the epochs this call ran
  bool stopped_early = false;      // a callback ended training before options.epochs
};

// Trains a compiled, built model. Throws Error if the data does not fit the model.
History fit(Sequential& model, const Dataset& train, const FitOptions& options);

// Loss and accuracy of a compiled model on a whole dataset (inference mode).
EvalResult evaluate(Sequential& model, const Dataset& data, int batch_size = 256,
                    const Normalization& normalization = {});

// Class probabilities for every image of a dataset, [n, classes].
Tensor predict(Sequential& model, const Dataset& data, int batch_size = 256,
               const Normalization& normalization = {});

}  // namespace inkstone
