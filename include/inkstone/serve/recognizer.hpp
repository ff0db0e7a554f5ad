#pragma once
// Recognizer: a trained model ready to read images — its normalization, class names and the
// reader options that match its input — safe to call from several threads at once (calls into
// the network are serialized: a Sequential keeps per-batch activations).
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "inkstone/data/loader.hpp"
#include "inkstone/nn/sequential.hpp"
#include "inkstone/vision/reading.hpp"

namespace inkstone {

// The class names stored in a model's metadata ("class_names"), or the class numbers.
std::vector<std::string> class_names_from_metadata(const nlohmann::json& metadata, int classes);

class Recognizer {
 public:
  // From a model file (.inks): normalization and class names come from its metadata. Throws
  // Error for a model whose input is not a square grey image.
  static std::unique_ptr<Recognizer> load(const std::string& path);
  Recognizer(Sequential model, Normalization normalization, nlohmann::json metadata,
             std::string name);

  // Class probabilities of 28x28 (input_size) grey inputs, light ink on black; n * classes.
  std::vector<float> classify(const std::vector<Image>& inputs);
  Classifier classifier() {
    return [this](const std::vector<Image>& in) { return classify(in); };
  }
  const ReaderOptions& reader_options() const { return options_; }
  // `tuned` with the fields that follow from the model put in: classes, class names, reject
  // class and input size (for options a user tuned, e.g. on the command line).
  ReaderOptions reader_options(ReaderOptions tuned) const;
  const std::vector<std::string>& class_names() const { return options_.class_names; }
  int classes() const { return options_.classes; }
  int input_size() const { return options_.normalize.size; }
  // A description for people and clients: name, input, classes, parameters, layers, and the
  // training facts stored with the model (dataset, test accuracy, epochs, recipe).
  const nlohmann::json& info() const { return info_; }

 private:
  Sequential model_;
  Normalization normalization_;
  ReaderOptions options_;
  nlohmann::json info_;
  std::mutex mutex_;
};

// A classifier whose probabilities are the mean of several recognizers' (an ensemble: models
// trained apart make fewer of the same mistakes). They must share input size and class names;
// throws Error naming the first that does not. The recognizers must outlive the classifier.
Classifier averaged_classifier(const std::vector<Recognizer*>& members);

}  // namespace inkstone
