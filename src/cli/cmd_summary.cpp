// inkstone summary: the Keras-style table of a model file, a preset or a JSON spec.
#include <cstdio>
#include <filesystem>
#include <memory>
#include <sstream>
#include <string>
#include <vector>

#include "cli/commands.hpp"
#include "cli/helpers.hpp"
#include "inkstone/io/model_file.hpp"
#include "inkstone/nn/spec.hpp"
#include "inkstone/tensor/error.hpp"

namespace inkstone::cli {

namespace {
struct SummaryOptions {
  std::string model;
  std::string input_shape = "1,28,28";
  int classes = 10;
};

Shape parse_shape(const std::string& text) {
  std::vector<int64_t> dims;
  std::stringstream ss(text);
  std::string part;
  while (std::getline(ss, part, ',')) {
    try {
      size_t used = 0;
      const long long v = std::stoll(part, &used);
      if (used != part.size() || v < 1 || v > 100000) throw Error("");
      dims.push_back(v);
    } catch (const std::exception&) {
      throw Error("--input-shape: '" + text + "' is not a list of positive sizes like 1,28,28");
    }
  }
  if (dims.empty() || dims.size() > 3) {
    throw Error("--input-shape: '" + text + "' must have 1 to 3 dimensions");
  }
  return Shape(dims);
}

void run_summary(const SummaryOptions& o) {
  const bool is_model_file = o.model.size() > 5 && o.model.substr(o.model.size() - 5) == ".inks";
  if (is_model_file) {
    Sequential model = load_model(o.model);
    std::printf("%s", model.summary().c_str());
    return;
  }
  Sequential model = model_from_argument(o.model, parse_shape(o.input_shape), o.classes, 1);
  std::printf("%s", model.summary().c_str());
}
}  // namespace

void add_summary_command(CLI::App& app) {
  auto o = std::make_shared<SummaryOptions>();
  CLI::App* cmd = app.add_subcommand(
      "summary",
      "Print a model's layers, output shapes and parameter counts.\n"
      "MODEL is a .inks file, a preset (mlp, lenet5, seed-cnn, fast-cnn) or a JSON spec file.");
  cmd->add_option("model", o->model, "Model file, preset name or spec file")->required();
  cmd->add_option("--input-shape", o->input_shape, "Input shape C,H,W for presets and specs")
      ->capture_default_str();
  cmd->add_option("--classes", o->classes, "Number of classes for presets")
      ->check(CLI::Range(1, 100000))
      ->capture_default_str();
  cmd->callback([o] { run_summary(*o); });
}

}  // namespace inkstone::cli
