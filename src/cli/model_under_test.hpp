#pragma once
// What `eval` and `compare` share: a saved model with the normalization it was trained with,
// the split it is evaluated on, and its class probabilities on that split.
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include <CLI/CLI.hpp>
#include <nlohmann/json.hpp>

#include "inkstone/data/dataset.hpp"
#include "inkstone/data/loader.hpp"
#include "inkstone/nn/sequential.hpp"
#include "inkstone/serve/line_recognizer.hpp"
#include "inkstone/serve/recognizer.hpp"
#include "inkstone/tensor/tensor.hpp"
#include "inkstone/vision/reading.hpp"

namespace inkstone::cli {

struct ModelUnderTest {
  std::string path;
  Sequential model;
  Normalization normalization;
  nlohmann::json meta;
};

ModelUnderTest load_model_under_test(const std::string& path);

// The data a model is evaluated on, and the options that choose it.
struct EvalDataOptions {
  std::string dataset = "mnist";
  std::string split = "test";
  std::string data_dir;
  int64_t limit = 0;  // first N images of the split (0: all)
  int batch_size = 1000;
  bool no_download = false;
  std::string classes;       // "0-4": only these classes, relabelled 0..k-1
  std::string domain_shift;  // corruptions applied to every image, "thick=2,rotate=25"
};
// Registers --dataset --split --data --limit --batch-size --no-download --classes
// --domain-shift on a command.
void add_eval_data_options(CLI::App* cmd, EvalDataOptions& o);

struct EvalData {
  Dataset data;      // the split, cut to --limit
  std::string note;  // what was loaded when it is not the full dataset
};
EvalData load_eval_data(const EvalDataOptions& o);

// Class probabilities [n, classes] of the model on every image of the data.
Tensor probabilities_of(ModelUnderTest& m, const Dataset& data, int batch_size);

// Class names: the dataset's, else the model's metadata, else "0", "1", ...
std::vector<std::string> class_names_of(const ModelUnderTest& m, const Dataset& data);
// The class names stored with the model, or the class numbers.
std::vector<std::string> model_class_names(const ModelUnderTest& m);

// The reader's tuning options shared by `read` and `bench read`, bound to the fields of
// `tuning` (load_reader_model fills in the fields that follow from the model).
void add_reader_tuning_options(CLI::App& cmd, ReaderOptions& tuning);

// The model `read` and `bench read` read with: one model, or with --ensemble more models whose
// probabilities are averaged, and the reader options that fit them.
// Line models (`inkstone train-line`) read strings whole instead: then `lines` holds them (with
// --ensemble, several whose per-frame probabilities are averaged by score_line), members and
// classify are empty, and options carries their class names.
struct ReaderModel {
  std::vector<std::unique_ptr<Recognizer>> members;
  Classifier classify;
  std::vector<std::unique_ptr<LineRecognizer>> lines;
  LineScorer score_line;
  ReaderOptions options;
};
// Registers --ensemble MODEL (repeatable) on a command.
void add_ensemble_option(CLI::App& cmd, std::vector<std::string>& more_models);
ReaderModel load_reader_model(const std::string& path, const std::vector<std::string>& more_models,
                              const ReaderOptions& tuning);

// Reads one image file as a digit string, or (boxes) as a form of printed boxes; errors name
// the file.
Reading read_file(const std::string& path, bool boxes, const ReaderModel& model,
                  const ReaderOptions& options);

}  // namespace inkstone::cli
