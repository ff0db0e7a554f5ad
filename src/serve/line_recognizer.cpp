#include "inkstone/serve/line_recognizer.hpp"

#include <algorithm>
#include <cmath>
#include <string>
#include <vector>

#include "inkstone/io/model_file.hpp"
#include "inkstone/serve/recognizer.hpp"
#include "inkstone/tensor/error.hpp"

namespace inkstone {

bool is_line_model_metadata(const nlohmann::json& meta) {
  return meta.is_object() && meta.contains("reader") && meta["reader"] == "line";
}

nlohmann::json line_model_metadata(const LineReaderOptions& o) {
  return {{"reader", "line"},
          {"blank", o.blank},
          {"class_names", o.class_names},
          {"frame_step", o.frame_step},
          {"frame_x0", o.frame_x0},
          {"margin", o.input.margin},
          {"normalization", {{"mean", 0.0}, {"std", 1.0}}}};
}

namespace {
std::string file_name(const std::string& path) {
  const size_t slash = path.rfind('/');
  return slash == std::string::npos ? path : path.substr(slash + 1);
}
}  // namespace

std::unique_ptr<LineRecognizer> LineRecognizer::load(const std::string& path) {
  std::unique_ptr<LineRecognizer> r = load_if_line(path);
  if (r == nullptr) {
    throw Error(file_name(path) + ": not a line model (its metadata lacks \"reader\": \"line\")");
  }
  return r;
}

std::unique_ptr<LineRecognizer> LineRecognizer::load_if_line(const std::string& path) {
  nlohmann::json meta;
  Sequential model = load_model(path, &meta);
  if (!is_line_model_metadata(meta)) return nullptr;
  return std::make_unique<LineRecognizer>(std::move(model), meta, file_name(path));
}

LineRecognizer::LineRecognizer(Sequential model, const nlohmann::json& meta,
                               const std::string& name)
    : model_(std::move(model)), name_(name) {
  if (!is_line_model_metadata(meta))
    throw Error(name + ": not a line model (its metadata lacks \"reader\": \"line\")");
  const Shape in = model_.input_shape();
  const Shape out = model_.output_shape();
  if (in.rank() != 3 || in[0] != 1 || out.rank() != 3 || out[1] != 1 || out[0] < 2)
    throw Error(name +
                ": a line model needs input [1, H, W] and output [classes, 1, frames], has " +
                in.str() + " -> " + out.str());
  options_.input.height = static_cast<int>(in[1]);
  options_.input.width = static_cast<int>(in[2]);
  options_.input.margin = meta.value("margin", 2);
  options_.classes = static_cast<int>(out[0]);
  options_.frames = static_cast<int>(out[2]);
  options_.blank = meta.value("blank", options_.classes - 1);
  if (options_.blank < 0 || options_.blank >= options_.classes)
    throw Error(name + ": blank class " + std::to_string(options_.blank) + " out of range");
  options_.frame_step = meta.value("frame_step", 4.0);
  options_.frame_x0 = meta.value("frame_x0", 8.0);
  options_.class_names = class_names_from_metadata(meta, options_.classes);
}

std::vector<float> LineRecognizer::score(const Image& strip) {
  const LineInputOptions& in = options_.input;
  if (strip.width != in.width || strip.height != in.height || strip.channels != 1)
    throw Error("line recognizer: the strip is not " + std::to_string(in.height) + "x" +
                std::to_string(in.width) + " grey");
  std::lock_guard<std::mutex> lock(mutex_);
  const Shape xs{1, 1, in.height, in.width};
  if (x_.shape() != xs) x_ = Tensor(xs);
  for (size_t i = 0; i < strip.pixels.size(); ++i) x_.data()[i] = strip.pixels[i] * (1.0f / 255.0f);
  const Tensor& out = model_.forward(x_, Mode::kInfer);  // [1, classes, 1, frames]
  const int c = options_.classes, t = options_.frames;
  std::vector<float> p(static_cast<size_t>(c) * static_cast<size_t>(t));
  std::vector<double> e(static_cast<size_t>(c));
  for (int f = 0; f < t; ++f) {
    // softmax over the classes of frame f: p_k = exp(z_k - max) / sum_j exp(z_j - max)
    float hi = out.data()[f];
    for (int k = 1; k < c; ++k) hi = std::max(hi, out.data()[k * t + f]);
    double sum = 0;
    for (int k = 0; k < c; ++k) {
      e[static_cast<size_t>(k)] = std::exp(static_cast<double>(out.data()[k * t + f] - hi));
      sum += e[static_cast<size_t>(k)];
    }
    for (int k = 0; k < c; ++k)
      p[static_cast<size_t>(f * c + k)] = static_cast<float>(e[static_cast<size_t>(k)] / sum);
  }
  return p;
}

LineScorer averaged_line_scorer(const std::vector<LineRecognizer*>& members) {
  if (members.empty()) throw Error("line ensemble: no models");
  const LineReaderOptions& a = members[0]->options();
  for (const LineRecognizer* m : members) {
    const LineReaderOptions& b = m->options();
    if (b.input.height != a.input.height || b.input.width != a.input.width ||
        b.input.margin != a.input.margin || b.frames != a.frames || b.classes != a.classes ||
        b.blank != a.blank || b.frame_step != a.frame_step || b.frame_x0 != a.frame_x0)
      throw Error("line ensemble: " + m->name() + " reads other strips or frames than " +
                  members[0]->name() + " (size, frames, classes and blank must agree)");
  }
  if (members.size() == 1) return members[0]->scorer();
  return [members](const Image& strip) {
    // p_t(k) = (1 / M) sum over the members m of p^m_t(k)
    std::vector<float> mean = members[0]->score(strip);
    for (size_t i = 1; i < members.size(); ++i) {
      const std::vector<float> p = members[i]->score(strip);
      for (size_t k = 0; k < mean.size(); ++k) mean[k] += p[k];
    }
    const float inv = 1.0f / static_cast<float>(members.size());
    for (float& v : mean) v *= inv;
    return mean;
  };
}

}  // namespace inkstone
