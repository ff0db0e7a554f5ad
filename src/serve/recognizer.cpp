#include "inkstone/serve/recognizer.hpp"

#include <algorithm>

#include "inkstone/io/model_file.hpp"
#include "inkstone/serve/line_recognizer.hpp"
#include "inkstone/tensor/error.hpp"
#include "inkstone/train/fit.hpp"

namespace inkstone {

std::vector<std::string> class_names_from_metadata(const nlohmann::json& meta, int classes) {
  if (meta.is_object() && meta.contains("class_names") && meta["class_names"].is_array() &&
      static_cast<int>(meta["class_names"].size()) == classes) {
    bool strings = true;
    for (const auto& v : meta["class_names"]) strings = strings && v.is_string();
    if (strings) return meta["class_names"].get<std::vector<std::string>>();
  }
  std::vector<std::string> names;
  for (int c = 0; c < classes; ++c) names.push_back(std::to_string(c));
  return names;
}

std::unique_ptr<Recognizer> Recognizer::load(const std::string& path) {
  nlohmann::json meta;
  Sequential model = load_model(path, &meta);
  Normalization n;
  if (meta.contains("normalization") && meta["normalization"].is_object()) {
    n.mean = meta["normalization"].value("mean", 0.0f);
    n.std = meta["normalization"].value("std", 1.0f);
  }
  const size_t slash = path.rfind('/');
  return std::make_unique<Recognizer>(std::move(model), n, meta,
                                      slash == std::string::npos ? path : path.substr(slash + 1));
}

Recognizer::Recognizer(Sequential model, Normalization normalization, nlohmann::json meta,
                       std::string name)
    : model_(std::move(model)), normalization_(normalization) {
  if (is_line_model_metadata(meta)) {
    throw Error(name +
                ": a line model reads whole strings, not single digits: use it with `inkstone "
                "read` or `inkstone bench read`");
  }
  const Shape in = model_.input_shape();
  if (in.rank() != 3 || in[0] != 1 || in[1] != in[2])
    throw Error(name + ": reading needs a model of square grey images (input " + in.str() + ")");
  options_.classes = static_cast<int>(model_.output_shape().numel());
  options_.class_names = class_names_from_metadata(meta, options_.classes);
  const auto reject =
      std::find(options_.class_names.begin(), options_.class_names.end(), kRejectClassName);
  if (reject != options_.class_names.end())
    options_.reject_class = static_cast<int>(reject - options_.class_names.begin());
  options_.normalize.size = static_cast<int>(in[1]);
  options_.normalize.box = std::max(1, options_.normalize.size * 20 / 28);
  nlohmann::json layers = nlohmann::json::array();
  for (size_t i = 0; i < model_.size(); ++i)
    layers.push_back({{"name", model_.layer(i).name()}, {"type", model_.layer(i).type()}});
  info_ = {{"name", name},
           {"input", {1, in[1], in[2]}},
           {"classes", options_.classes},
           {"class_names", options_.class_names},
           {"parameters", model_.count_params()},
           {"layers", layers}};
  for (const char* key : {"dataset", "test_accuracy", "epochs", "recipe", "base_model"})
    if (meta.is_object() && meta.contains(key)) info_[key] = meta[key];
}

ReaderOptions Recognizer::reader_options(ReaderOptions tuned) const {
  tuned.classes = options_.classes;
  tuned.class_names = options_.class_names;
  tuned.reject_class = options_.reject_class;
  tuned.normalize.size = options_.normalize.size;
  tuned.normalize.box = options_.normalize.box;
  return tuned;
}

std::vector<float> Recognizer::classify(const std::vector<Image>& inputs) {
  const int s = options_.normalize.size;
  Dataset batch;
  batch.name = "inputs";
  batch.height = batch.width = s;
  batch.num_classes = options_.classes;
  for (const Image& img : inputs) {
    if (img.width != s || img.height != s || img.channels != 1)
      throw Error("recognizer: an input is not " + std::to_string(s) + "x" + std::to_string(s) +
                  " grey");
    batch.images.insert(batch.images.end(), img.pixels.begin(), img.pixels.end());
    batch.labels.push_back(0);
  }
  if (inputs.empty()) return {};
  std::lock_guard<std::mutex> lock(mutex_);
  const Tensor p = predict(model_, batch, 256, normalization_);
  return std::vector<float>(p.data(), p.data() + p.numel());
}

Classifier averaged_classifier(const std::vector<Recognizer*>& members) {
  if (members.empty()) throw Error("an ensemble needs at least one model");
  const Recognizer& first = *members[0];
  for (const Recognizer* r : members)
    if (r->input_size() != first.input_size() || r->class_names() != first.class_names())
      throw Error("ensemble: " + r->info().value("name", std::string("a model")) +
                  " does not have the input size and classes of " +
                  first.info().value("name", std::string("the first model")));
  if (members.size() == 1) return members[0]->classifier();
  return [members](const std::vector<Image>& inputs) {
    std::vector<float> sum = members[0]->classify(inputs);
    for (size_t m = 1; m < members.size(); ++m) {
      const std::vector<float> p = members[m]->classify(inputs);
      for (size_t i = 0; i < sum.size(); ++i) sum[i] += p[i];
    }
    const float scale = 1.0f / static_cast<float>(members.size());
    for (float& v : sum) v *= scale;
    return sum;
  };
}

}  // namespace inkstone
