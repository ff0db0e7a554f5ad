#pragma once
// LineRecognizer: a trained line model (`inkstone train-line`, nn::line_cnn_spec) ready to read
// digit strings (vision/line_reader.hpp); calls into the network are serialized.
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "inkstone/nn/sequential.hpp"
#include "inkstone/vision/line_reader.hpp"

namespace inkstone {

// True when a model's metadata marks it as a line model ("reader": "line").
bool is_line_model_metadata(const nlohmann::json& metadata);

class LineRecognizer {
 public:
  // From a model file; throws Error when it is not a line model (metadata "reader": "line",
  // input [1, H, W], output [classes, 1, frames]).
  static std::unique_ptr<LineRecognizer> load(const std::string& path);
  // nullptr when the file holds a model that is not a line model (Error when it is unreadable).
  static std::unique_ptr<LineRecognizer> load_if_line(const std::string& path);
  LineRecognizer(Sequential model, const nlohmann::json& metadata, const std::string& name);

  // Per-frame probabilities (softmax of the model's scores) of one strip.
  std::vector<float> score(const Image& strip);
  LineScorer scorer() {
    return [this](const Image& s) { return score(s); };
  }
  const LineReaderOptions& options() const { return options_; }
  const std::string& name() const { return name_; }

 private:
  Sequential model_;
  LineReaderOptions options_;
  std::string name_;
  Tensor x_;
  std::mutex mutex_;
};

// A scorer whose per-frame probabilities are the mean of several line recognizers' (an
// ensemble). They must share strip size, frames, classes and blank; throws Error naming the
// first that does not. The recognizers must outlive the scorer.
LineScorer averaged_line_scorer(const std::vector<LineRecognizer*>& members);

// The metadata train-line stores with a line model (read back by LineRecognizer).
nlohmann::json line_model_metadata(const LineReaderOptions& options);

}  // namespace inkstone
