// inkstone train: the tutorial's pipeline (load, scale, build, compile, fit, evaluate, save).
#include <algorithm>
#include <chrono>
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
#include "inkstone/train/lr_schedule.hpp"

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
  std::string validate;  // test, split or none; default: split with --validation-split, else test
  double validation_split = 0;
  std::string lr_schedule = "constant";
  std::string recipe;
  bool standardize = false;
  bool no_download = false;
  bool json = false;
  bool profile = false;
};

// A recipe: a complete, tested set of training options. Options given on the command line
// override the recipe's.
struct Recipe {
  const char* name;
  const char* what;
  const char* model;
  int epochs;
  int batch_size;
  const char* optimizer;
  float lr;
  const char* lr_schedule;
  const char* validate;
};

constexpr Recipe kRecipes[] = {
    {"tutorial", "the tutorial's Keras CNN and training (about 99.0% on MNIST)", "seed-cnn", 5, 64,
     "adam", 0.001f, "constant", "test"},
    {"fast", "99% on MNIST in under 10 s on 2 cores (docs/performance.md)", "fast-cnn", 2, 128,
     "adam", 0.01f, "onecycle:pct=0.2,div=10,final_div=100", "none"},
};

const Recipe* find_recipe(const std::string& name) {
  for (const Recipe& r : kRecipes)
    if (name == r.name) return &r;
  return nullptr;
}

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

void run_train(const TrainOptions& o, const LrSchedule& schedule) {
  const auto start = std::chrono::steady_clock::now();
  const auto seconds_since_start = [&] {
    return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  };
  const std::string validate =
      !o.validate.empty() ? o.validate : (o.validation_split > 0 ? "split" : "test");
  DatasetSplits data = load_splits(o.dataset, o.data_dir, !o.no_download);
  Dataset held_out;
  if (o.validation_split > 0) {
    auto [head, tail] = split_tail(data.train, o.validation_split);
    data.train = std::move(head);
    held_out = std::move(tail);
  }
  const Dataset& train = data.train;
  const Dataset& test = data.test;
  if (!o.json) {
    std::printf("Dataset: %s\n", data.note.c_str());
    if (o.validation_split > 0) {
      std::printf("Training on %s images, validating on %s held-out training images (%s)\n",
                  with_commas(train.size()).c_str(), with_commas(held_out.size()).c_str(),
                  held_out.name.c_str());
    }
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
  fit_options.lr_schedule = schedule;
  if (validate == "test") fit_options.validation = &test;
  if (validate == "split") fit_options.validation = &held_out;
  EpochPrinter printer(!o.json && stdout_is_tty());
  if (!o.json) {
    if (!o.recipe.empty()) std::printf("Recipe: %s\n", o.recipe.c_str());
    std::printf(
        "Model: %s (%s parameters), optimizer %s (lr %g, schedule %s), batch %d, %d %s, %s\n",
        o.model.c_str(), with_commas(model.count_params()).c_str(), o.optimizer.c_str(),
        static_cast<double>(o.lr), schedule.str().c_str(), o.batch_size, o.epochs,
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
    meta["lr_schedule"] = schedule.str();
    if (!o.recipe.empty()) meta["recipe"] = o.recipe;
    save_model(model, o.save, meta);
    if (!o.json) std::printf("Saved %s\n", o.save.c_str());
  }
  if (o.json) {
    nlohmann::json j;
    j["dataset"] = o.dataset;
    j["model"] = o.model;
    if (!o.recipe.empty()) j["recipe"] = o.recipe;
    j["lr_schedule"] = schedule.str();
    j["parameters"] = model.count_params();
    j["epochs"] = nlohmann::json::array();
    for (const EpochStats& s : history.epochs) {
      nlohmann::json e{{"epoch", s.epoch},
                       {"loss", s.loss},
                       {"accuracy", s.accuracy},
                       {"seconds", s.seconds},
                       {"images_per_second", s.images_per_second},
                       {"lr", s.lr}};
      if (s.has_validation) {
        e["val_loss"] = s.val_loss;
        e["val_accuracy"] = s.val_accuracy;
      }
      j["epochs"].push_back(e);
    }
    j["test_loss"] = result.loss;
    j["test_accuracy"] = result.accuracy;
    j["total_seconds"] = seconds_since_start();
    if (o.profile) j["profile"] = profile_json(model.profile());
    std::printf("%s\n", j.dump(2).c_str());
  } else {
    if (o.profile)
      std::printf("Time per call (training%s):\n%s", validate != "none" ? " and validation" : "",
                  model.profile_report().c_str());
    std::printf("Test loss: %.4f\n", result.loss);
    std::printf("Test accuracy: %.4f\n", result.accuracy);
    std::printf("Total time: %.1f s (data loading, training, evaluation)\n", seconds_since_start());
  }
}
}  // namespace

void add_train_command(CLI::App& app) {
  auto o = std::make_shared<TrainOptions>();
  std::string recipes_help = "Start from a recipe (options given explicitly override it):";
  for (const Recipe& r : kRecipes) {
    recipes_help += std::string("\n  ") + r.name + ": " + r.what + "\n    = --model " + r.model +
                    " --epochs " + std::to_string(r.epochs) + " --batch-size " +
                    std::to_string(r.batch_size) + " --optimizer " + r.optimizer + " --lr " +
                    CLI::detail::to_string(r.lr) + " --lr-schedule " + r.lr_schedule +
                    " --validate " + r.validate;
  }
  CLI::App* cmd = app.add_subcommand(
      "train",
      "Train a model on a dataset, print one line per epoch and the test accuracy.\n"
      "Examples:\n"
      "  inkstone train --recipe tutorial --save model.inks   (the tutorial's recipe)\n"
      "  inkstone train --recipe fast                         (99% in under 10 s)\n"
      "  inkstone train --model lenet5 --epochs 10 --lr-schedule cosine:warmup=1 \\\n"
      "                 --validation-split 0.1");
  cmd->add_option("--recipe", o->recipe, recipes_help)->check(CLI::IsMember({"tutorial", "fast"}));
  cmd->add_option("--dataset", o->dataset, "Dataset: mnist, fashion-mnist, mnist-10k")
      ->capture_default_str();
  CLI::Option* model = cmd->add_option("--model", o->model,
                                       "Preset (mlp, lenet5, seed-cnn, fast-cnn) or a JSON spec "
                                       "file (see docs/model.md)")
                           ->capture_default_str();
  CLI::Option* epochs = cmd->add_option("--epochs", o->epochs, "Passes over the training set")
                            ->check(CLI::Range(1, 100000))
                            ->capture_default_str();
  CLI::Option* batch =
      cmd->add_option("--batch-size", o->batch_size, "Images per optimization step")
          ->check(CLI::Range(1, 65536))
          ->capture_default_str();
  CLI::Option* optimizer =
      cmd->add_option("--optimizer", o->optimizer, "adam, adamw, sgd or rmsprop")
          ->check(CLI::IsMember({"adam", "adamw", "sgd", "rmsprop"}, CLI::ignore_case))
          ->capture_default_str();
  CLI::Option* lr = cmd->add_option("--lr", o->lr, "Base learning rate (scaled by --lr-schedule)")
                        ->check(CLI::PositiveNumber)
                        ->capture_default_str();
  CLI::Option* schedule =
      cmd->add_option("--lr-schedule", o->lr_schedule,
                      "Learning-rate schedule, NAME or NAME:key=value,... (t = epochs done, "
                      "fractional; T = --epochs):\n"
                      "  constant\n"
                      "  step:every=1,gamma=0.5          lr * gamma^floor(t/every)\n"
                      "  exponential:gamma=0.9           lr * gamma^t\n"
                      "  cosine:warmup=0,final=0         linear warmup over `warmup` epochs, then\n"
                      "                                  cosine decay to lr*final at T\n"
                      "  onecycle:pct=0.25,div=25,final_div=10000\n"
                      "                                  lr/div rising to lr over pct*T, then\n"
                      "                                  cosine decay to lr/(div*final_div)")
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
  cmd->add_option("--validation-split", o->validation_split,
                  "Hold out this fraction of the training set (its last images, as Keras does) "
                  "and validate on it after each epoch; the test set is then read only once, "
                  "at the end")
      ->check(CLI::Range(0.0, 0.99));
  CLI::Option* validate =
      cmd->add_option("--validate", o->validate,
                      "Data evaluated after each epoch: split (the --validation-split images; "
                      "the default when it is given), test (the default otherwise, as the "
                      "tutorial does) or none")
          ->check(CLI::IsMember({"test", "split", "none"}));
  cmd->add_flag("--standardize", o->standardize,
                "Standardize pixels with the training set's mean and std (default: x/255)");
  cmd->add_flag("--no-download", o->no_download, "Never download missing datasets");
  cmd->add_flag("--json", o->json, "Print the results as JSON instead of text");
  cmd->add_flag("--profile", o->profile,
                "Time every layer's forward and backward pass and print a table after training");
  cmd->callback([=] {
    if (const Recipe* r = find_recipe(o->recipe)) {
      // Only the options not given on the command line take the recipe's values.
      if (model->count() == 0) o->model = r->model;
      if (epochs->count() == 0) o->epochs = r->epochs;
      if (batch->count() == 0) o->batch_size = r->batch_size;
      if (optimizer->count() == 0) o->optimizer = r->optimizer;
      if (lr->count() == 0) o->lr = r->lr;
      if (schedule->count() == 0) o->lr_schedule = r->lr_schedule;
      if (validate->count() == 0 && o->validation_split <= 0) o->validate = r->validate;
    }
    if (o->validate == "split" && o->validation_split <= 0) {
      throw CLI::ValidationError("--validate split needs --validation-split F (e.g. 0.1)");
    }
    LrSchedule schedule;
    try {
      schedule = LrSchedule::parse(o->lr_schedule);
    } catch (const Error& e) {
      throw CLI::ValidationError("--lr-schedule", e.what());
    }
    run_train(*o, schedule);
  });
}

}  // namespace inkstone::cli
