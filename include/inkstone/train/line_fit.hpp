#pragma once
// Training a line recognizer (nn::line_cnn_spec) with CTC on a LineDataset: Adam, shuffled
// mini-batches, the learning rate on a cosine from its start value to zero over the epochs,
//   lr(step) = lr0 * (1 + cos(pi * step / steps)) / 2,
// and after each epoch the loss and greedy-decoded accuracy on a validation set.
#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "inkstone/data/line_dataset.hpp"
#include "inkstone/nn/sequential.hpp"

namespace inkstone {

struct LineFitOptions {
  int epochs = 6;
  int batch_size = 32;
  float learning_rate = 0.002f;
  uint64_t seed = 1;  // order of the batches
  int blank = 10;
};

struct LineEpoch {
  int epoch = 0;  // 1-based
  double train_loss = 0, val_loss = 0;
  double val_string_accuracy = 0;  // strings read exactly right
  double val_digit_accuracy = 0;   // 1 - edit distance / digits
  double seconds = 0;
};

// Accuracy of a line model on a dataset (greedy CTC decoding), and its mean CTC loss.
struct LineScore {
  double loss = 0, string_accuracy = 0, digit_accuracy = 0;
};
LineScore evaluate_line_model(Sequential& model, const LineDataset& data, int blank,
                              int batch_size = 64);

// Compiles the model with Adam and the CTC loss and trains it. on_epoch runs after each epoch
// (to print, save a checkpoint); on_batch(done, total, running loss) during it. Throws Error on
// a dataset that does not fit the model.
std::vector<LineEpoch> fit_line_model(
    Sequential& model, const LineDataset& train, const LineDataset& val,
    const LineFitOptions& options, const std::function<void(const LineEpoch&)>& on_epoch = {},
    const std::function<void(int64_t, int64_t, double)>& on_batch = {});

}  // namespace inkstone
