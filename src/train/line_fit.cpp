#include "inkstone/train/line_fit.hpp"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <numeric>

#include "inkstone/eval/metrics.hpp"
#include "inkstone/nn/ctc.hpp"
#include "inkstone/optim/adam.hpp"
#include "inkstone/tensor/error.hpp"
#include "inkstone/tensor/rng.hpp"

namespace inkstone {
namespace {

void check_fits(const Sequential& model, const LineDataset& data, const char* what) {
  const Shape in = model.input_shape();
  if (in.rank() != 3 || in[0] != 1 || in[1] != data.height || in[2] != data.width)
    throw Error(std::string("line training: the ") + what + " strips are " +
                std::to_string(data.height) + "x" + std::to_string(data.width) +
                ", the model reads " + in.str());
  if (data.size() < 1) throw Error(std::string("line training: the ") + what + " set is empty");
}

// The greedy reading of sample i of a [N, classes, 1, frames] output, as digit characters.
std::string decode_row(const Tensor& out, int64_t i, int blank, std::vector<float>& frame_major) {
  const int classes = static_cast<int>(out.dim(1));
  const int frames = static_cast<int>(out.numel() / (out.dim(0) * classes));
  frame_major.resize(static_cast<size_t>(classes) * static_cast<size_t>(frames));
  const float* o = out.data() + i * classes * frames;
  for (int f = 0; f < frames; ++f)
    for (int c = 0; c < classes; ++c)
      frame_major[static_cast<size_t>(f * classes + c)] = o[c * frames + f];
  std::string s;
  for (int c : ctc_greedy_decode(frame_major.data(), frames, classes, blank))
    s += static_cast<char>('0' + c);
  return s;
}

}  // namespace

LineScore evaluate_line_model(Sequential& model, const LineDataset& data, int blank,
                              int batch_size) {
  check_fits(model, data, "evaluation");
  auto loss = make_ctc_loss(blank);
  std::vector<int64_t> order(static_cast<size_t>(data.size()));
  std::iota(order.begin(), order.end(), 0);
  Tensor x, labels;
  std::vector<float> scratch;
  double loss_sum = 0;
  int64_t right = 0, digits = 0, edits = 0;
  for (int64_t b = 0; b < data.size(); b += batch_size) {
    const int64_t e = std::min<int64_t>(data.size(), b + batch_size);
    line_batch(data, order, b, e, x, labels);
    const Tensor& out = model.forward(x, Mode::kInfer);
    loss_sum += static_cast<double>(loss->value(out, Targets{nullptr, &labels})) * (e - b);
    for (int64_t i = 0; i < e - b; ++i) {
      const std::string& truth = data.texts[static_cast<size_t>(b + i)];
      const std::string read = decode_row(out, i, blank, scratch);
      right += read == truth;
      digits += static_cast<int64_t>(truth.size());
      edits += edit_distance(read, truth);
    }
  }
  const double n = static_cast<double>(data.size());
  return {loss_sum / n, static_cast<double>(right) / n,
          std::max(0.0, 1.0 - static_cast<double>(edits) / static_cast<double>(digits))};
}

std::vector<LineEpoch> fit_line_model(
    Sequential& model, const LineDataset& train, const LineDataset& val, const LineFitOptions& o,
    const std::function<void(const LineEpoch&)>& on_epoch,
    const std::function<void(int64_t, int64_t, double)>& on_batch) {
  if (o.epochs < 1 || o.batch_size < 1 || !(o.learning_rate > 0))
    throw Error("line training: epochs, batch size and learning rate must be positive");
  check_fits(model, train, "training");
  check_fits(model, val, "validation");
  AdamOptions adam;
  adam.learning_rate = o.learning_rate;
  model.compile(std::make_unique<Adam>(adam), make_ctc_loss(o.blank));
  Rng rng(o.seed);
  std::vector<int64_t> order(static_cast<size_t>(train.size()));
  std::iota(order.begin(), order.end(), 0);
  const int64_t batches = (train.size() + o.batch_size - 1) / o.batch_size;
  const double steps = static_cast<double>(batches) * o.epochs;
  const double pi = std::acos(-1.0);
  int64_t step = 0;
  Tensor x, labels;
  std::vector<LineEpoch> history;
  for (int epoch = 1; epoch <= o.epochs; ++epoch) {
    const auto start = std::chrono::steady_clock::now();
    for (size_t i = order.size(); i > 1; --i) std::swap(order[i - 1], order[rng.below(i)]);
    double loss_sum = 0;
    int64_t seen = 0;
    for (int64_t b = 0; b < batches; ++b, ++step) {
      const int64_t begin = b * o.batch_size;
      const int64_t end = std::min<int64_t>(train.size(), begin + o.batch_size);
      line_batch(train, order, begin, end, x, labels);
      model.optimizer().set_lr(static_cast<float>(
          o.learning_rate * 0.5 * (1.0 + std::cos(pi * static_cast<double>(step) / steps))));
      const StepResult r = model.train_step(x, Targets{nullptr, &labels});
      loss_sum += static_cast<double>(r.loss) * static_cast<double>(end - begin);
      seen += end - begin;
      if (on_batch) on_batch(b + 1, batches, loss_sum / static_cast<double>(seen));
    }
    LineEpoch e;
    e.epoch = epoch;
    e.train_loss = loss_sum / static_cast<double>(seen);
    const LineScore s = evaluate_line_model(model, val, o.blank);
    e.val_loss = s.loss;
    e.val_string_accuracy = s.string_accuracy;
    e.val_digit_accuracy = s.digit_accuracy;
    e.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    history.push_back(e);
    if (on_epoch) on_epoch(e);
  }
  return history;
}

}  // namespace inkstone
