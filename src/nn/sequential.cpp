// Sequential: a stack of layers run in order, Keras-style.
#include "inkstone/nn/sequential.hpp"

#include <algorithm>
#include <cctype>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <regex>
#include <string>

#include "inkstone/kernels/activations.hpp"
#include "inkstone/nn/conv2d.hpp"
#include "inkstone/nn/pooling.hpp"
#include "inkstone/tensor/error.hpp"

namespace inkstone {

namespace {

using Clock = std::chrono::steady_clock;
double seconds_since(Clock::time_point t0) {
  return std::chrono::duration<double>(Clock::now() - t0).count();
}

// Keras' to_snake_case: "Conv2D" -> "conv2d", "MaxPooling2D" -> "max_pooling2d",
// "BatchNormalization" -> "batch_normalization", "ReLU" -> "re_lu".
std::string keras_snake_case(const std::string& type) {
  static const std::regex kWordStart("(.)([A-Z][a-z0-9]+)");
  static const std::regex kLowerUpper("([a-z])([A-Z])");
  std::string s = std::regex_replace(type, kWordStart, "$1_$2");
  s = std::regex_replace(s, kLowerUpper, "$1_$2");
  for (char& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return s.empty() ? std::string("layer") : s;
}

// 93322 -> "93,322"
std::string with_commas(int64_t v) {
  std::string digits = std::to_string(v < 0 ? -v : v);
  std::string out;
  const int n = static_cast<int>(digits.size());
  for (int i = 0; i < n; ++i) {
    if (i > 0 && (n - i) % 3 == 0) out += ',';
    out += digits[static_cast<size_t>(i)];
  }
  return v < 0 ? "-" + out : out;
}

// 373288 bytes -> "364.54 KB" (Keras' convention: 1 KB = 1024 bytes).
std::string human_bytes(int64_t bytes) {
  const char* units[] = {"B", "KB", "MB", "GB", "TB"};
  double v = static_cast<double>(bytes);
  int u = 0;
  while (v >= 1024.0 && u < 4) {
    v /= 1024.0;
    ++u;
  }
  char buf[32];
  std::snprintf(buf, sizeof buf, u == 0 ? "%.0f %s" : "%.2f %s", v, units[u]);
  return buf;
}

// "(None, 32, 26, 26)"
std::string batch_shape_str(const Shape& s) {
  std::string out = "(None";
  for (int i = 0; i < s.rank(); ++i) out += ", " + std::to_string(s[i]);
  return out + ")";
}

int64_t layer_param_count(Layer& l) {
  int64_t n = 0;
  for (Param* p : l.params()) n += p->value.numel();
  for (auto& [name, t] : l.buffers()) n += t->numel();
  return n;
}

// Prefixes a layer's build error with its position, and its name and type unless the message
// already names it.
std::string build_error(size_t i, const Layer& l, const std::string& what) {
  std::string s = "layer " + std::to_string(i);
  if (what.find("'" + l.name() + "'") == std::string::npos) {
    s += " '" + l.name() + "' (" + l.type() + ")";
  }
  return s + ": " + what;
}

// Index of the largest value of row[0..n) (the first one on ties).
int64_t argmax(const float* row, int64_t n) {
  int64_t best = 0;
  for (int64_t j = 1; j < n; ++j) {
    if (row[j] > row[best]) best = j;
  }
  return best;
}

int64_t count_correct(const Tensor& out, const Targets& t) {
  const int64_t rows = out.dim(0);
  if (rows == 0) return 0;
  const int64_t cols = out.numel() / rows;
  int64_t correct = 0;
  for (int64_t i = 0; i < rows; ++i) {
    const int64_t predicted = argmax(out.data() + i * cols, cols);
    int64_t truth = -1;
    if (t.labels != nullptr) {
      truth = t.labels[i];
    } else if (t.dense != nullptr && t.dense->numel() == out.numel()) {
      truth = argmax(t.dense->data() + i * cols, cols);
    }
    if (predicted == truth) ++correct;
  }
  return correct;
}

}  // namespace

Layer& Sequential::add(LayerPtr layer) {
  if (!layer) throw Error("Sequential::add: the layer is null");
  if (layer->name().empty()) {
    const std::string base = keras_snake_case(layer->type());
    for (int k = 0;; ++k) {
      std::string candidate = k == 0 ? base : base + "_" + std::to_string(k);
      const bool taken = std::any_of(layers_.begin(), layers_.end(),
                                     [&](const LayerPtr& l) { return l->name() == candidate; });
      if (!taken) {
        layer->set_name(std::move(candidate));
        break;
      }
    }
  } else {
    for (const LayerPtr& l : layers_) {
      if (l->name() == layer->name()) {
        throw Error("Sequential::add: the model already has a layer named '" + layer->name() + "'");
      }
    }
  }
  if (built_) {
    const size_t i = layers_.size();
    const Shape in = output_shape();
    if (!layer->built() || layer->input_shape() != in) {
      Rng rng = layer_rng(i);
      try {
        layer->build(in, rng);
      } catch (const Error& e) {
        throw Error(build_error(i, *layer, e.what()));
      }
    }
    if (!layer->trainable()) layer->set_trainable(false);
  }
  layers_.push_back(std::move(layer));
  refresh_params();
  prepare_logits();
  return *layers_.back();
}

LayerPtr Sequential::pop() {
  if (layers_.empty()) throw Error("Sequential::pop: the model has no layers");
  LayerPtr last = std::move(layers_.back());
  layers_.pop_back();
  last->set_emit_logits(false);
  refresh_params();
  prepare_logits();
  return last;
}

Layer& Sequential::layer(const std::string& name) {
  for (LayerPtr& l : layers_) {
    if (l->name() == name) return *l;
  }
  throw Error("the model has no layer named '" + name + "'");
}

Rng Sequential::layer_rng(size_t index) const {
  // Layer i draws from the i-th child of Rng(seed): its weights depend only on the seed and its
  // position, whatever the other layers draw.
  Rng master(seed_);
  for (size_t k = 0; k < index; ++k) master.split();
  return master.split();
}

void Sequential::build(const Shape& input_shape, uint64_t seed) {
  if (input_shape.rank() < 1 || input_shape.rank() > 3) {
    throw Error("Sequential::build: the input shape " + input_shape.str() +
                " must have 1 to 3 dimensions (no batch dimension)");
  }
  for (int i = 0; i < input_shape.rank(); ++i) {
    if (input_shape[i] < 1) {
      throw Error("Sequential::build: the input shape " + input_shape.str() +
                  " has a dimension < 1");
    }
  }
  if (layers_.empty()) throw Error("Sequential::build: the model has no layers");
  seed_ = seed;
  Shape s = input_shape;
  for (size_t i = 0; i < layers_.size(); ++i) {
    Layer& l = *layers_[i];
    if (!l.built() || l.input_shape() != s) {
      Rng rng = layer_rng(i);
      try {
        s = l.build(s, rng);
      } catch (const Error& e) {
        built_ = false;
        throw Error(build_error(i, l, e.what()));
      }
      // The layer may have been frozen before it had parameters: pass the flag on to them.
      if (!l.trainable()) l.set_trainable(false);
    } else {
      s = l.output_shape();
    }
  }
  input_shape_ = input_shape;
  built_ = true;
  refresh_params();
  prepare_logits();
}

Shape Sequential::output_shape() const {
  if (!built_) throw Error("Sequential: the model is not built (call build with an input shape)");
  if (layers_.empty()) return input_shape_;
  return layers_.back()->output_shape();
}

void Sequential::compile(std::unique_ptr<Optimizer> optimizer, std::unique_ptr<Loss> loss) {
  if (!optimizer) throw Error("Sequential::compile: the optimizer is null");
  if (!loss) throw Error("Sequential::compile: the loss is null");
  optimizer_ = std::move(optimizer);
  loss_ = std::move(loss);
  prepare_logits();
}

Optimizer& Sequential::optimizer() {
  if (!optimizer_) throw Error("Sequential: the model is not compiled (no optimizer)");
  return *optimizer_;
}

Loss& Sequential::loss() {
  if (!loss_) throw Error("Sequential: the model is not compiled (no loss)");
  return *loss_;
}

void Sequential::prepare_logits() {
  // With a softmax-fusing loss the last layer drops its softmax and emits logits. A last layer
  // without a softmax (set_emit_logits returns false) already emits raw scores, which the loss
  // then reads as logits (Keras' from_logits=True); either way the model's output is logits.
  emits_logits_ = false;
  if (layers_.empty()) return;
  for (size_t i = 0; i + 1 < layers_.size(); ++i) layers_[i]->set_emit_logits(false);
  const bool fuse = loss_ != nullptr && loss_->fuses_softmax();
  layers_.back()->set_emit_logits(fuse);
  emits_logits_ = fuse;
}

// Pairs each Conv2D with the MaxPooling2D right after it when the two can run fused; every other
// conv and pool runs on its own. Re-planned on each forward pass (a few pointer checks), so layers
// added, popped or changed never see a stale plan.
void Sequential::plan_fusion() {
  for (size_t i = 0; i < layers_.size(); ++i) {
    auto* conv = dynamic_cast<Conv2D*>(layers_[i].get());
    auto* pool = dynamic_cast<MaxPooling2D*>(layers_[i].get());
    if (pool != nullptr) {
      auto* below = i > 0 ? dynamic_cast<Conv2D*>(layers_[i - 1].get()) : nullptr;
      pool->set_passthrough(fusion_ && below != nullptr && below->can_fuse_max_pool(*pool));
    }
    if (conv != nullptr) {
      auto* above =
          i + 1 < layers_.size() ? dynamic_cast<MaxPooling2D*>(layers_[i + 1].get()) : nullptr;
      conv->set_fused_max_pool(fusion_ && above != nullptr && conv->can_fuse_max_pool(*above));
    }
  }
}

void Sequential::refresh_params() {
  params_.clear();
  param_end_.clear();
  for (LayerPtr& l : layers_) {
    for (Param* p : l->params()) params_.push_back(p);
    param_end_.push_back(params_.size());
  }
}

const Tensor& Sequential::forward(const Tensor& x, Mode mode) {
  if (!built_) throw Error("Sequential: the model is not built (call build with an input shape)");
  bool ok = x.rank() == input_shape_.rank() + 1 && x.dim(0) >= 1;
  for (int i = 0; ok && i < input_shape_.rank(); ++i) ok = x.dim(i + 1) == input_shape_[i];
  if (!ok) {
    throw Error("Sequential: an input batch of shape " + x.shape().str() +
                " does not match the model's input " + batch_shape_str(input_shape_));
  }
  plan_fusion();
  const Tensor* h = &x;
  if (!profiling_) {
    for (LayerPtr& l : layers_) h = &l->forward(*h, mode);
    return *h;
  }
  if (profile_.layers.size() != layers_.size()) set_profiling(true);  // layers added or popped
  ++profile_.forward_calls;
  for (size_t i = 0; i < layers_.size(); ++i) {
    const auto t0 = Clock::now();
    h = &layers_[i]->forward(*h, mode);
    profile_.layers[i].forward_s += seconds_since(t0);
  }
  return *h;
}

void Sequential::backward(const Tensor& dy) {
  if (!built_) throw Error("Sequential: the model is not built (call build with an input shape)");
  // Layers below the lowest one with a trainable parameter need no gradient: stop there (a frozen
  // base is not back-propagated through when fine-tuning).
  size_t lowest = layers_.size();
  for (size_t i = 0, begin = 0; i < layers_.size(); begin = param_end_[i], ++i) {
    for (size_t k = begin; k < param_end_[i]; ++k) {
      if (params_[k]->trainable) {
        lowest = i;
        break;
      }
    }
    if (lowest != layers_.size()) break;
  }
  const Tensor* g = &dy;
  if (profiling_ && profile_.layers.size() != layers_.size()) set_profiling(true);
  for (size_t i = layers_.size(); i > lowest; --i) {
    Layer& l = *layers_[i - 1];
    l.set_input_grad_needed(i - 1 > lowest);  // the lowest layer's input gradient goes nowhere
    const auto t0 = profiling_ ? Clock::now() : Clock::time_point{};
    g = &l.backward(*g);
    if (profiling_) profile_.layers[i - 1].backward_s += seconds_since(t0);
  }
  if (profiling_) ++profile_.backward_calls;
}

StepResult Sequential::train_step(const Tensor& x, const Targets& targets) {
  if (!compiled()) throw Error("Sequential::train_step: the model is not compiled");
  zero_grad();
  const Tensor& out = forward(x, Mode::kTrain);
  StepResult r;
  auto t0 = profiling_ ? Clock::now() : Clock::time_point{};
  r.loss = loss_->forward_backward(out, targets, grad_);
  r.correct = count_correct(out, targets);
  if (profiling_) profile_.loss_s += seconds_since(t0);
  backward(grad_);
  t0 = profiling_ ? Clock::now() : Clock::time_point{};
  optimizer_->step(params_);
  if (profiling_) profile_.optimizer_s += seconds_since(t0);
  return r;
}

StepResult Sequential::test_step(const Tensor& x, const Targets& targets) {
  if (!loss_) throw Error("Sequential::test_step: the model is not compiled (no loss)");
  const Tensor& out = forward(x, Mode::kInfer);
  StepResult r;
  r.loss = loss_->value(out, targets);
  r.correct = count_correct(out, targets);
  return r;
}

Tensor Sequential::predict(const Tensor& x, int batch_size) {
  if (!built_) throw Error("Sequential::predict: the model is not built");
  if (batch_size < 1) {
    throw Error("Sequential::predict: batch size must be >= 1, got " + std::to_string(batch_size));
  }
  bool ok = x.rank() == input_shape_.rank() + 1;
  for (int i = 0; ok && i < input_shape_.rank(); ++i) ok = x.dim(i + 1) == input_shape_[i];
  if (!ok) {
    throw Error("Sequential::predict: inputs of shape " + x.shape().str() +
                " do not match the model's input " + batch_shape_str(input_shape_));
  }
  const int64_t n = x.dim(0);
  const int64_t classes = output_shape().numel();
  const int64_t row = input_shape_.numel();
  Tensor result(Shape{n, classes});
  for (int64_t start = 0; start < n; start += batch_size) {
    const int64_t b = std::min<int64_t>(batch_size, n - start);
    const Tensor* in = &x;
    if (b != n) {
      batch_.resize(input_shape_.with_batch(b));
      std::memcpy(batch_.data(), x.data() + start * row, sizeof(float) * b * row);
      in = &batch_;
    }
    const Tensor& out = forward(*in, Mode::kInfer);
    float* dst = result.data() + start * classes;
    if (emits_logits_) {
      kernels::softmax_rows(b, classes, out.data(), dst);
    } else {
      std::memcpy(dst, out.data(), sizeof(float) * b * classes);
    }
  }
  return result;
}

std::vector<Param*> Sequential::params() {
  refresh_params();
  return params_;
}

void Sequential::zero_grad() {
  for (Param* p : params_) p->grad.zero();
}

int64_t Sequential::count_params(bool trainable_only) {
  int64_t n = 0;
  for (LayerPtr& l : layers_) {
    for (Param* p : l->params()) {
      if (!trainable_only || p->trainable) n += p->value.numel();
    }
    if (!trainable_only) {
      for (auto& [name, t] : l->buffers()) n += t->numel();
    }
  }
  return n;
}

std::string Sequential::summary() {
  struct Row {
    std::string layer, shape, params, trainable;
  };
  std::vector<Row> rows;
  for (LayerPtr& l : layers_) {
    Row r;
    r.layer = l->name() + " (" + l->type() + ")";
    r.shape = l->built() ? batch_shape_str(l->output_shape()) : "(unbuilt)";
    const int64_t n = layer_param_count(*l);
    r.params = with_commas(n);
    r.trainable = n == 0 ? "-" : (l->trainable() ? "Y" : "N");
    rows.push_back(std::move(r));
  }
  const Row header{"Layer (type)", "Output Shape", "Param #", "Trainable"};
  size_t w0 = 28, w1 = 25, w2 = 12, w3 = header.trainable.size();
  for (const Row& r : rows) {
    w0 = std::max(w0, r.layer.size() + 2);
    w1 = std::max(w1, r.shape.size() + 2);
    w2 = std::max(w2, r.params.size() + 2);
  }
  const size_t width = 1 + w0 + w1 + w2 + w3;
  auto pad = [](const std::string& s, size_t w) { return s + std::string(w - s.size(), ' '); };
  auto line = [&](const Row& r) {
    std::string s = " " + pad(r.layer, w0) + pad(r.shape, w1) + pad(r.params, w2) + r.trainable;
    while (!s.empty() && s.back() == ' ') s.pop_back();
    return s + "\n";
  };
  const int64_t total = count_params(false);
  const int64_t trainable = count_params(true);
  std::string out = "Model: \"sequential\"\n";
  out += std::string(width, '_') + "\n";
  out += line(header);
  out += std::string(width, '=') + "\n";
  for (const Row& r : rows) out += line(r);
  out += std::string(width, '=') + "\n";
  auto count_line = [&](const char* label, int64_t n) {
    return std::string(label) + with_commas(n) + " (" +
           human_bytes(n * static_cast<int64_t>(sizeof(float))) + ")\n";
  };
  out += count_line("Total params: ", total);
  out += count_line("Trainable params: ", trainable);
  out += count_line("Non-trainable params: ", total - trainable);
  out += std::string(width, '_') + "\n";
  return out;
}

}  // namespace inkstone

namespace inkstone {

void Sequential::set_profiling(bool on) {
  profiling_ = on;
  if (!on) return;  // stopping keeps the figures
  profile_ = Profile{};
  for (const LayerPtr& l : layers_) profile_.layers.push_back({l->name(), l->type(), 0.0, 0.0});
}

std::string Sequential::profile_report() const {
  double total = profile_.loss_s + profile_.optimizer_s;
  for (const LayerTiming& t : profile_.layers) total += t.forward_s + t.backward_s;
  const double fwd_calls = std::max<double>(1.0, static_cast<double>(profile_.forward_calls));
  const double bwd_calls = std::max<double>(1.0, static_cast<double>(profile_.backward_calls));
  auto share = [&](double s) { return total > 0.0 ? 100.0 * s / total : 0.0; };
  std::string out;
  char line[160];
  std::snprintf(line, sizeof line, "%-28s %12s %12s %8s\n", "Layer (type)", "forward ms",
                "backward ms", "share");
  out += line;
  for (const LayerTiming& t : profile_.layers) {
    std::snprintf(line, sizeof line, "%-28s %12.3f %12.3f %7.1f%%\n",
                  (t.name + " (" + t.type + ")").c_str(), 1e3 * t.forward_s / fwd_calls,
                  1e3 * t.backward_s / bwd_calls, share(t.forward_s + t.backward_s));
    out += line;
  }
  std::snprintf(line, sizeof line, "%-28s %12.3f %12s %7.1f%%\n", "loss",
                1e3 * profile_.loss_s / bwd_calls, "", share(profile_.loss_s));
  out += line;
  std::snprintf(line, sizeof line, "%-28s %12s %12.3f %7.1f%%\n", "optimizer", "",
                1e3 * profile_.optimizer_s / bwd_calls, share(profile_.optimizer_s));
  out += line;
  std::snprintf(line, sizeof line, "%lld forward and %lld backward calls, %.3f s in all\n",
                static_cast<long long>(profile_.forward_calls),
                static_cast<long long>(profile_.backward_calls), total);
  out += line;
  return out;
}

}  // namespace inkstone
