// inkstone train: the tutorial's pipeline (load, scale, build, compile, fit, evaluate, save).
#include <algorithm>
#include <cmath>
#include <cstdio>
#include <iostream>
#include <memory>
#include <string>

#include <nlohmann/json.hpp>

#include "cli/commands.hpp"
#include "cli/helpers.hpp"
#include "cli/progress.hpp"
#include "inkstone/io/model_file.hpp"
#include "inkstone/nn/loss.hpp"
#include "inkstone/optim/optimizer.hpp"
#include "inkstone/tensor/error.hpp"
#include "inkstone/train/fit.hpp"

namespace inkstone::cli {

namespace {
struct TrainOptions {
  std::string dataset = "mnist";
  std::string model = "seed-cnn";
  int epochs = 5;
  int batch_size = 64;
  std::string optimizer = "adam";
  float lr = 0.001f;
  float l2 = 0, weight_decay = 0, clip_norm = 0;
  uint64_t seed = 1;
  std::string save;
  std::string data_dir;
  std::string validate = "test";
  bool standardize = false;
  bool no_download = false;
  bool json = false;
  bool profile = false;
};

// MNIST's pixel mean and standard deviation over the training set (of x / 255), used by
// --standardize; for other datasets they are computed from the training images.
Normalization standardization_of(const Dataset& d) {
  double sum = 0, sq = 0;
  for (uint8_t v : d.images) {
    const double x = v / 255.0;
    sum += x;
    sq += x * x;
  }
  const double n = static_cast<double>(d.images.size());
  const double mean = sum / n;
  Normalization norm;
  norm.mean = static_cast<float>(mean);
  norm.std = static_cast<float>(std::sqrt(std::max(sq / n - mean * mean, 1e-12)));
  return norm;
}

nlohmann::json profile_json(const Sequential::Profile& p) {
  nlohmann::json layers = nlohmann::json::array();
  for (const Sequential::LayerTiming& t : p.layers) {
    layers.push_back({{"name", t.name},
                      {"type", t.type},
                      {"forward_s", t.forward_s},
                      {"backward_s", t.backward_s}});
  }
  return {{"layers", layers},
          {"loss_s", p.loss_s},
          {"optimizer_s", p.optimizer_s},
          {"forward_calls", p.forward_calls},
          {"backward_calls", p.backward_calls}};
}

void run_train(const TrainOptions& o) {
  const DatasetSplits data = load_splits(o.dataset, o.data_dir, !o.no_download);
  const Dataset& train = data.train;
  const Dataset& test = data.test;
  if (!o.json) {
    std::printf("Dataset: %s\n", data.note.c_str());
  }

  Sequential model = model_from_argument(o.model, Shape{train.channels, train.height, train.width},
                                         train.num_classes, o.seed);
  auto optimizer = make_optimizer(o.optimizer, o.lr);
  optimizer->regularization().l2 = o.l2;
  optimizer->regularization().weight_decay = o.weight_decay;
  optimizer->regularization().clip_norm = o.clip_norm;
  model.compile(std::move(optimizer), make_loss("categorical_crossentropy"));

  FitOptions fit_options;
  fit_options.epochs = o.epochs;
  fit_options.batch_size = o.batch_size;
  fit_options.seed = o.seed;
  if (o.standardize) fit_options.normalization = standardization_of(train);
  if (o.validate == "test") fit_options.validation = &test;
  EpochPrinter printer(!o.json && stdout_is_tty());
  if (!o.json) {
    std::printf("Model: %s (%s parameters), optimizer %s (lr %g), batch %d, %d %s, %s\n",
                o.model.c_str(), with_commas(model.count_params()).c_str(), o.optimizer.c_str(),
                static_cast<double>(o.lr), o.batch_size, o.epochs,
                o.epochs == 1 ? "epoch" : "epochs", isa_and_threads().c_str());
    std::fflush(stdout);
    fit_options.on_batch = [&](const BatchProgress& p) { printer.on_batch(p); };
    fit_options.on_epoch = [&](const EpochStats& s) { printer.on_epoch(s); };
  }
  if (o.profile) model.set_profiling(true);
  const History history = fit(model, train, fit_options);
  model.set_profiling(false);  // keeps the figures; the test evaluation below is not in them
  const EvalResult result = evaluate(model, test, 1000, fit_options.normalization);

  if (!o.save.empty()) {
    nlohmann::json meta;
    meta["dataset"] = o.dataset;
    meta["class_names"] = train.class_names;
    meta["normalization"] = {{"mean", fit_options.normalization.mean},
                             {"std", fit_options.normalization.std}};
    meta["test_accuracy"] = result.accuracy;
    meta["epochs"] = o.epochs;
    save_model(model, o.save, meta);
    if (!o.json) std::printf("Saved %s\n", o.save.c_str());
  }
  if (o.json) {
    nlohmann::json j;
    j["dataset"] = o.dataset;
    j["model"] = o.model;
    j["parameters"] = model.count_params();
    j["epochs"] = nlohmann::json::array();
    for (const EpochStats& s : history.epochs) {
      nlohmann::json e{{"epoch", s.epoch},
                       {"loss", s.loss},
                       {"accuracy", s.accuracy},
                       {"seconds", s.seconds},
                       {"images_per_second", s.images_per_second}};
      if (s.has_validation) {
        e["val_loss"] = s.val_loss;
        e["val_accuracy"] = s.val_accuracy;
      }
      j["epochs"].push_back(e);
    }
    j["test_loss"] = result.loss;
    j["test_accuracy"] = result.accuracy;
    std::printf("%s\n", j.dump(2).c_str());
    if (o.profile) j["profile"] = profile_json(model.profile());
  } else {
    if (o.profile)
      std::printf("Time per call (training%s):\n%s", o.validate == "test" ? " and validation" : "",
                  model.profile_report().c_str());
    std::printf("Test loss: %.4f\n", result.loss);
    std::printf("Test accuracy: %.4f\n", result.accuracy);
  }
}
}  // namespace

void add_train_command(CLI::App& app) {
  auto o = std::make_shared<TrainOptions>();
  CLI::App* cmd = app.add_subcommand(
      "train",
      "Train a model on a dataset, print one line per epoch and the test accuracy.\n"
      "Example (the tutorial's recipe):\n"
      "  inkstone train --dataset mnist --model seed-cnn --epochs 5 --batch-size 64 \\\n"
      "                 --optimizer adam --lr 0.001 --seed 1 --save model.inks");
  cmd->add_option("--dataset", o->dataset, "Dataset: mnist, fashion-mnist, mnist-10k")
      ->capture_default_str();
  cmd->add_option("--model", o->model,
                  "Preset (mlp, lenet5, seed-cnn) or a JSON spec file (see docs/model.md)")
      ->capture_default_str();
  cmd->add_option("--epochs", o->epochs, "Passes over the training set")
      ->check(CLI::Range(1, 100000))
      ->capture_default_str();
  cmd->add_option("--batch-size", o->batch_size, "Images per optimization step")
      ->check(CLI::Range(1, 65536))
      ->capture_default_str();
  cmd->add_option("--optimizer", o->optimizer, "adam, adamw, sgd or rmsprop")
      ->check(CLI::IsMember({"adam", "adamw", "sgd", "rmsprop"}, CLI::ignore_case))
      ->capture_default_str();
  cmd->add_option("--lr", o->lr, "Learning rate")
      ->check(CLI::PositiveNumber)
      ->capture_default_str();
  cmd->add_option("--l2", o->l2, "L2 penalty on weights (coupled, added to the gradient)")
      ->check(CLI::NonNegativeNumber);
  cmd->add_option("--weight-decay", o->weight_decay, "Decoupled weight decay (AdamW style)")
      ->check(CLI::NonNegativeNumber);
  cmd->add_option("--clip-norm", o->clip_norm, "Clip gradients to this global L2 norm (0: off)")
      ->check(CLI::NonNegativeNumber);
  cmd->add_option("--seed", o->seed, "Seed for weights and shuffling")->capture_default_str();
  cmd->add_option("--save", o->save, "Write the trained model to this .inks file");
  cmd->add_option("--data", o->data_dir, "Directory holding the dataset files");
  cmd->add_option("--validate", o->validate,
                  "Data evaluated after each epoch: test (as the tutorial does) or none")
      ->check(CLI::IsMember({"test", "none"}))
      ->capture_default_str();
  cmd->add_flag("--standardize", o->standardize,
                "Standardize pixels with the training set's mean and std (default: x/255)");
  cmd->add_flag("--no-download", o->no_download, "Never download missing datasets");
  cmd->add_flag("--json", o->json, "Print the results as JSON instead of text");
  cmd->add_flag("--profile", o->profile,
                "Time every layer's forward and backward pass and print a table after training");
  cmd->callback([o] { run_train(*o); });
}

}  // namespace inkstone::cli
