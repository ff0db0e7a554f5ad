// inkstone eval: loss and accuracy of a saved model on a dataset split.
#include <cstdio>
#include <memory>
#include <string>

#include <nlohmann/json.hpp>

#include "cli/commands.hpp"
#include "cli/helpers.hpp"
#include "inkstone/io/model_file.hpp"
#include "inkstone/nn/loss.hpp"
#include "inkstone/optim/optimizer.hpp"
#include "inkstone/train/fit.hpp"

namespace inkstone::cli {

namespace {
struct EvalOptions {
  std::string model_path;
  std::string dataset = "mnist";
  std::string split = "test";
  std::string data_dir;
  int batch_size = 1000;
  bool no_download = false;
  bool json = false;
};

void run_eval(const EvalOptions& o) {
  nlohmann::json meta;
  Sequential model = load_model(o.model_path, &meta);
  Normalization norm;
  if (meta.contains("normalization")) {
    norm.mean = meta["normalization"].value("mean", 0.0f);
    norm.std = meta["normalization"].value("std", 1.0f);
  }
  model.compile(make_optimizer("sgd"), make_loss("categorical_crossentropy"));
  const DatasetSplits data = load_splits(o.dataset, o.data_dir, !o.no_download);
  const Dataset& d = o.split == "train" ? data.train : data.test;
  const EvalResult r = evaluate(model, d, o.batch_size, norm);
  if (o.json) {
    nlohmann::json j{{"model", o.model_path}, {"dataset", o.dataset}, {"split", o.split},
                     {"count", r.count},      {"loss", r.loss},       {"accuracy", r.accuracy}};
    std::printf("%s\n", j.dump(2).c_str());
    return;
  }
  std::printf("Model: %s, dataset: %s/%s (%s images), %s\n", o.model_path.c_str(),
              o.dataset.c_str(), o.split.c_str(), with_commas(r.count).c_str(),
              isa_and_threads().c_str());
  if (!data.note.empty()) std::printf("Note: %s\n", data.note.c_str());
  std::printf("Loss: %.4f\n", r.loss);
  std::printf("Accuracy: %.4f (%lld/%lld)\n", r.accuracy, static_cast<long long>(r.correct),
              static_cast<long long>(r.count));
}
}  // namespace

void add_eval_command(CLI::App& app) {
  auto o = std::make_shared<EvalOptions>();
  CLI::App* cmd = app.add_subcommand("eval", "Evaluate a saved model (.inks) on a dataset split.");
  cmd->add_option("model", o->model_path, "Model file (.inks)")->required();
  cmd->add_option("--dataset", o->dataset, "Dataset: mnist, fashion-mnist, mnist-10k")
      ->capture_default_str();
  cmd->add_option("--split", o->split, "test or train")
      ->check(CLI::IsMember({"test", "train"}))
      ->capture_default_str();
  cmd->add_option("--data", o->data_dir, "Directory holding the dataset files");
  cmd->add_option("--batch-size", o->batch_size, "Images per forward pass")
      ->check(CLI::Range(1, 65536))
      ->capture_default_str();
  cmd->add_flag("--no-download", o->no_download, "Never download missing datasets");
  cmd->add_flag("--json", o->json, "Print the results as JSON");
  cmd->callback([o] { run_eval(*o); });
}

}  // namespace inkstone::cli
