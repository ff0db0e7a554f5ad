#include "inkstone/train/fit.hpp"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <string>

#include "inkstone/optim/optimizer.hpp"
#include "inkstone/tensor/error.hpp"

namespace inkstone {

namespace {
using Clock = std::chrono::steady_clock;

double seconds_since(Clock::time_point t0) {
  return std::chrono::duration<double>(Clock::now() - t0).count();
}

// The data's images and labels fit the built model's input and output.
void check_data_fits(Sequential& model, const Dataset& data) {
  if (!model.built()) throw Error("the model is not built (call build with an input shape)");
  const Shape want = model.input_shape();
  const Shape have{data.channels, data.height, data.width};
  if (want.numel() != have.numel()) {
    throw Error("dataset " + data.name + ": images of shape " + have.str() +
                " do not fit the model's input " + want.str());
  }
  const Shape out = model.output_shape();
  if (out.rank() != 1 || out[0] < data.num_classes) {
    throw Error("dataset " + data.name + " has " + std::to_string(data.num_classes) +
                " classes but the model outputs " + out.str());
  }
  if (data.size() == 0) throw Error("dataset " + data.name + " is empty");
}

void check_fits(Sequential& model, const Dataset& data) {
  if (model.built() && !model.compiled())
    throw Error("fit: the model is not compiled (call compile first)");
  check_data_fits(model, data);
}

// Reshapes a loader batch [b, c, h, w] to the model's input shape with a batch dimension.
void to_model_shape(Sequential& model, Tensor& x) {
  x.reshape(model.input_shape().with_batch(x.dim(0)));
}
}  // namespace

History fit(Sequential& model, const Dataset& train, const FitOptions& options) {
  check_fits(model, train);
  if (options.epochs < 1) throw Error("epochs must be >= 1, got " + std::to_string(options.epochs));
  if (options.validation) check_fits(model, *options.validation);

  if (options.initial_epoch < 0 || options.initial_epoch > options.epochs) {
    throw Error("initial epoch " + std::to_string(options.initial_epoch) + " is outside [0, " +
                std::to_string(options.epochs) + "]");
  }
  BatchLoader loader(train, options.batch_size, options.shuffle, options.seed,
                     options.normalization);
  loader.set_augment(options.augment);
  loader.set_balanced_sampling(options.balanced_sampling);
  loader.set_prefetch(options.augment.any());
  Optimizer& optimizer = model.optimizer();
  const float base_lr = optimizer.lr();
  struct RestoreLr {  // also when a callback throws
    Optimizer& o;
    float lr;
    ~RestoreLr() { o.set_lr(lr); }
  } restore{optimizer, base_lr};
  History history;
  Tensor x;
  std::vector<int32_t> labels;
  FitControl control;
  for (int epoch = options.initial_epoch; epoch < options.epochs && !control.stop; ++epoch) {
    double callback_factor = 1;
    for (const Callback* c : options.callbacks) callback_factor *= c->lr_factor();
    const auto t0 = Clock::now();
    loader.start_epoch(epoch);
    double loss_sum = 0;
    int64_t correct = 0, seen = 0, batch = 0;
    const int64_t num_batches = loader.num_batches();
    while (loader.next(x, labels)) {
      to_model_shape(model, x);
      const double t = epoch + static_cast<double>(batch) / static_cast<double>(num_batches);
      optimizer.set_lr(static_cast<float>(
          base_lr * callback_factor * options.lr_schedule.factor(t, options.epochs, num_batches)));
      Targets targets;
      targets.labels = labels.data();
      const StepResult r = model.train_step(x, targets);
      const int64_t b = x.dim(0);
      loss_sum += static_cast<double>(r.loss) * static_cast<double>(b);
      correct += r.correct;
      seen += b;
      ++batch;
      if (options.on_batch) {
        BatchProgress p;
        p.epoch = epoch + 1;
        p.epochs = options.epochs;
        p.batch = batch;
        p.num_batches = num_batches;
        p.loss = loss_sum / static_cast<double>(seen);
        p.accuracy = static_cast<double>(correct) / static_cast<double>(seen);
        p.seconds = seconds_since(t0);
        p.images_per_second = p.seconds > 0 ? static_cast<double>(seen) / p.seconds : 0;
        options.on_batch(p);
      }
    }
    EpochStats s;
    s.epoch = epoch + 1;
    s.epochs = options.epochs;
    s.loss = loss_sum / static_cast<double>(seen);
    s.accuracy = static_cast<double>(correct) / static_cast<double>(seen);
    s.train_seconds = seconds_since(t0);
    s.images_per_second = static_cast<double>(seen) / s.train_seconds;
    s.lr = optimizer.lr();
    if (options.validation) {
      const EvalResult v = evaluate(model, *options.validation, 1000, options.normalization);
      s.has_validation = true;
      s.val_loss = v.loss;
      s.val_accuracy = v.accuracy;
      s.val_recall = v.recall();
    }
    s.seconds = seconds_since(t0);
    history.epochs.push_back(s);
    if (options.on_epoch) options.on_epoch(s);
    for (Callback* c : options.callbacks) c->on_epoch_end(model, s, control);
  }
  history.stopped_early =
      control.stop && history.epochs.size() > 0 && history.epochs.back().epoch < options.epochs;
  for (Callback* c : options.callbacks) c->on_train_end(model);
  return history;
}

EvalResult evaluate(Sequential& model, const Dataset& data, int batch_size,
                    const Normalization& normalization) {
  check_fits(model, data);
  BatchLoader loader(data, batch_size, /*shuffle=*/false, 0, normalization);
  loader.start_epoch(0);
  Tensor x;
  std::vector<int32_t> labels;
  EvalResult r;
  r.classes = static_cast<int>(model.output_shape().numel());
  r.confusion.assign(static_cast<size_t>(r.classes) * static_cast<size_t>(r.classes), 0);
  double loss_sum = 0;
  while (loader.next(x, labels)) {
    to_model_shape(model, x);
    Targets targets;
    targets.labels = labels.data();
    const Tensor& out = model.forward(x, Mode::kInfer);
    loss_sum +=
        static_cast<double>(model.loss().value(out, targets)) * static_cast<double>(x.dim(0));
    // Prediction = arg-max of the row (the first on ties); logits and probabilities agree.
    for (int64_t i = 0; i < x.dim(0); ++i) {
      const float* row = out.data() + i * r.classes;
      const int64_t pred = std::max_element(row, row + r.classes) - row;
      const int32_t truth = labels[static_cast<size_t>(i)];
      r.confusion[static_cast<size_t>(truth) * static_cast<size_t>(r.classes) +
                  static_cast<size_t>(pred)] += 1;
      r.correct += pred == truth;
    }
    r.count += x.dim(0);
  }
  r.loss = loss_sum / static_cast<double>(r.count);
  r.accuracy = static_cast<double>(r.correct) / static_cast<double>(r.count);
  return r;
}

std::vector<double> EvalResult::recall() const {
  std::vector<double> out(static_cast<size_t>(classes));
  for (int c = 0; c < classes; ++c) {
    int64_t support = 0;
    for (int p = 0; p < classes; ++p) {
      support +=
          confusion[static_cast<size_t>(c) * static_cast<size_t>(classes) + static_cast<size_t>(p)];
    }
    const int64_t hit =
        confusion[static_cast<size_t>(c) * static_cast<size_t>(classes) + static_cast<size_t>(c)];
    out[static_cast<size_t>(c)] =
        support > 0 ? static_cast<double>(hit) / static_cast<double>(support) : std::nan("");
  }
  return out;
}

Tensor predict(Sequential& model, const Dataset& data, int batch_size,
               const Normalization& normalization) {
  check_data_fits(model, data);
  BatchLoader loader(data, batch_size, /*shuffle=*/false, 0, normalization);
  loader.start_epoch(0);
  const int64_t classes = model.output_shape().numel();
  Tensor out(Shape{data.size(), classes});
  Tensor x;
  std::vector<int32_t> labels;
  int64_t row = 0;
  while (loader.next(x, labels)) {
    to_model_shape(model, x);
    const Tensor p = model.predict(x, batch_size);
    std::copy(p.data(), p.data() + p.numel(), out.data() + row * classes);
    row += x.dim(0);
  }
  return out;
}

}  // namespace inkstone
