// The training run shared by `inkstone train` and `inkstone finetune` (cli/training_run.hpp).
#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <iostream>
#include <memory>
#include <sstream>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "cli/helpers.hpp"
#include "cli/progress.hpp"
#include "cli/training_run.hpp"
#include "data/file_util.hpp"
#include "inkstone/data/augment.hpp"
#include "inkstone/data/corrupt.hpp"
#include "inkstone/data/subset.hpp"
#include "inkstone/io/model_file.hpp"
#include "inkstone/kernels/thread_pool.hpp"
#include "inkstone/nn/loss.hpp"
#include "inkstone/nn/transfer.hpp"
#include "inkstone/optim/optimizer.hpp"
#include "inkstone/tensor/error.hpp"
#include "inkstone/train/callbacks.hpp"
#include "inkstone/train/checkpoint.hpp"
#include "inkstone/train/fit.hpp"
#include "inkstone/train/lr_schedule.hpp"
#include "inkstone/train/run_log.hpp"

namespace inkstone::cli {

namespace {
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

// The options that determine the trained model, as JSON: the first line of --log and what
// --resume checks against the checkpoint (options that only change output are left out).
nlohmann::json config_json(const TrainOptions& o, const LrSchedule& schedule,
                           const AugmentOptions& augment) {
  return {{"dataset", o.dataset},
          {"model", o.model},
          {"epochs", o.epochs},
          {"batch_size", o.batch_size},
          {"optimizer", o.optimizer},
          {"lr", o.lr},
          {"lr_schedule", schedule.str()},
          {"l2", o.l2},
          {"weight_decay", o.weight_decay},
          {"clip_norm", o.clip_norm},
          {"seed", o.seed},
          {"validation_split", o.validation_split},
          {"stratified", o.stratified},
          {"augment", augment.str()},
          {"balanced_sampling", o.balanced_sampling},
          {"class_weight", o.class_weight.empty() ? "none" : o.class_weight},
          {"label_smoothing", o.label_smoothing},
          {"early_stopping", o.early_stopping},
          {"min_delta", o.min_delta},
          {"monitor", o.monitor},
          {"restore_best", !o.no_restore_best},
          {"standardize", o.standardize},
          {"train_limit", o.train_limit},
          {"class_fraction", o.class_fraction},
          {"recipe", o.recipe},
          {"classes", o.classes},
          {"samples_per_class", o.samples_per_class},
          {"domain_shift", o.domain_shift},
          {"from", o.from},
          {"freeze", o.freeze},
          {"new_head", o.new_head},
          {"lr_mult", o.lr_mult},
          {"threads", kernels::num_threads()}};
}

// --class-weight: "balanced" gives w_c = n / (K * n_c) (scikit-learn's formula; 0 for a class
// without images), otherwise K comma-separated weights.
std::vector<float> class_weights(const std::string& spec, const Dataset& train) {
  if (spec.empty() || spec == "none") return {};
  const size_t k = static_cast<size_t>(train.num_classes);
  std::vector<float> w;
  if (spec == "balanced") {
    std::vector<int64_t> count(k, 0);
    for (int32_t y : train.labels) ++count[static_cast<size_t>(y)];
    for (size_t c = 0; c < k; ++c) {
      w.push_back(count[c] == 0 ? 0.0f
                                : static_cast<float>(
                                      static_cast<double>(train.size()) /
                                      (static_cast<double>(k) * static_cast<double>(count[c]))));
    }
    return w;
  }
  std::stringstream ss(spec);
  std::string item;
  while (std::getline(ss, item, ',')) {
    char* end = nullptr;
    const float v = std::strtof(item.c_str(), &end);
    if (item.empty() || *end != '\0' || !(v >= 0) || !std::isfinite(v)) {
      throw Error("--class-weight: '" + item + "' is not a weight >= 0");
    }
    w.push_back(v);
  }
  if (w.size() != k) {
    throw Error("--class-weight: " + std::to_string(w.size()) + " weights for " +
                std::to_string(k) + " classes");
  }
  return w;
}

void print_recall(const EpochStats& s, const Dataset& data) {
  std::printf("  val recall:");
  for (size_t c = 0; c < s.val_recall.size(); ++c) {
    const std::string name = c < data.class_names.size() ? data.class_names[c] : std::to_string(c);
    if (std::isnan(s.val_recall[c])) {
      std::printf(" %s -", name.c_str());
    } else {
      std::printf(" %s %.3f", name.c_str(), s.val_recall[c]);
    }
  }
  std::printf("\n");
}

// The keys whose values differ between two configurations.
std::string config_differences(const nlohmann::json& a, const nlohmann::json& b) {
  std::string out;
  for (const auto& [key, value] : a.items()) {
    if (!b.contains(key) || b.at(key) != value) {
      out += (out.empty() ? "" : ", ") + key + " (" + value.dump() + " there, " +
             (b.contains(key) ? b.at(key).dump() : "absent") + " here)";
    }
  }
  return out;
}

// finetune: the base model with its weights, its head replaced (--new-head), layers frozen
// (--freeze) and learning rates scaled (--lr-mult); prints what it did unless --json.
Sequential base_model(const TrainOptions& o, const Dataset& train, Normalization* normalization) {
  nlohmann::json meta;
  Sequential model = load_model(o.from, &meta);
  if (meta.contains("normalization")) {
    normalization->mean = meta["normalization"].value("mean", 0.0f);
    normalization->std = meta["normalization"].value("std", 1.0f);
  }
  const Shape image{train.channels, train.height, train.width};
  if (model.input_shape().numel() != image.numel())
    throw Error(o.from + ": the model takes inputs of shape " + model.input_shape().str() +
                " but " + train.name + " has images of " + image.str());
  std::string head_note;
  if (o.new_head > 0) {
    if (o.new_head != train.num_classes)
      throw Error("--new-head " + std::to_string(o.new_head) + " does not match the " +
                  std::to_string(train.num_classes) + " classes of " + train.name);
    replace_head(model, o.new_head);
    head_note = ", new head " + model.layer(model.size() - 1).name() + " (" +
                std::to_string(o.new_head) + " classes, initialized from the seed)";
  } else if (model.output_shape().numel() != train.num_classes) {
    throw Error(o.from + ": the model predicts " + std::to_string(model.output_shape().numel()) +
                " classes but " + train.name + " has " + std::to_string(train.num_classes) +
                "; give --new-head " + std::to_string(train.num_classes));
  }
  std::string freeze_note;
  if (!o.freeze.empty() && o.freeze != "none") {
    const LayerRange r = parse_layer_range(model, o.freeze);
    set_trainable(model, r, false);
    freeze_note = ", frozen " + model.layer(r.first).name() + ".." + model.layer(r.last).name();
  }
  for (const std::string& item : o.lr_mult) {
    const size_t eq = item.rfind('=');
    char* end = nullptr;
    const float m = eq == std::string::npos ? -1 : std::strtof(item.c_str() + eq + 1, &end);
    if (eq == std::string::npos || *end != '\0' || !(m >= 0))
      throw Error("--lr-mult: expected RANGE=MULTIPLIER (e.g. up-to:flatten=0.1), got '" + item +
                  "'");
    set_lr_multiplier(model, parse_layer_range(model, item.substr(0, eq)), m);
  }
  if (!o.json) {
    std::printf("Fine-tuning %s%s%s: %s of %s parameters trainable\n", o.from.c_str(),
                head_note.c_str(), freeze_note.c_str(),
                with_commas(model.count_params(true)).c_str(),
                with_commas(model.count_params()).c_str());
  }
  return model;
}

void run_train(const TrainOptions& o, const LrSchedule& schedule, const AugmentOptions& augment) {
  const auto start = std::chrono::steady_clock::now();
  const auto seconds_since_start = [&] {
    return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  };
  const std::string validate =
      !o.validate.empty() ? o.validate : (o.validation_split > 0 ? "split" : "test");
  DatasetSplits data = load_splits(o.dataset, o.data_dir, !o.no_download);
  if (!o.domain_shift.empty()) {
    // Seed 1, not --seed: the shifted domain is one fixed dataset, whatever the training seed.
    data.train = shift_domain(data.train, o.domain_shift);
    data.test = shift_domain(data.test, o.domain_shift);
    data.note += ", shifted: " + o.domain_shift;
  }
  if (!o.classes.empty()) {
    const std::vector<int> classes = parse_class_list(o.classes, data.train.num_classes);
    data.train = select_classes(data.train, classes);
    data.test = select_classes(data.test, classes);
  }
  Dataset held_out;
  if (o.validation_split > 0) {
    auto [head, tail] = o.stratified ? split_tail_stratified(data.train, o.validation_split)
                                     : split_tail(data.train, o.validation_split);
    data.train = std::move(head);
    held_out = std::move(tail);
  }
  if (!o.class_fraction.empty()) {
    data.train = keep_class_fractions(
        data.train, parse_class_fractions(o.class_fraction, data.train.num_classes));
  }
  if (o.samples_per_class > 0)
    data.train = samples_per_class(data.train, o.samples_per_class, o.seed);
  if (o.train_limit > 0) data.train = take_first(data.train, o.train_limit);
  const Dataset& train = data.train;
  const Dataset& test = data.test;
  if (!o.json) {
    std::printf("Dataset: %s\n", data.note.c_str());
    if (o.train_limit > 0 || !o.class_fraction.empty() || o.samples_per_class > 0) {
      std::printf("Training subset: %s images (%s)\n", with_commas(train.size()).c_str(),
                  train.name.c_str());
    }
    if (o.validation_split > 0) {
      std::printf("Training on %s images, validating on %s held-out training images (%s)\n",
                  with_commas(train.size()).c_str(), with_commas(held_out.size()).c_str(),
                  held_out.name.c_str());
    }
  }

  Normalization base_normalization;
  Sequential model = o.from.empty() ? model_from_argument(
                                          o.model, Shape{train.channels, train.height, train.width},
                                          train.num_classes, o.seed)
                                    : base_model(o, train, &base_normalization);
  auto optimizer = make_optimizer(o.optimizer, o.lr);
  optimizer->regularization().l2 = o.l2;
  optimizer->regularization().weight_decay = o.weight_decay;
  optimizer->regularization().clip_norm = o.clip_norm;
  CrossEntropyOptions loss_options;
  loss_options.label_smoothing = o.label_smoothing;
  loss_options.class_weights = class_weights(o.class_weight, train);
  model.compile(std::move(optimizer), make_softmax_cross_entropy(loss_options));

  FitOptions fit_options;
  fit_options.epochs = o.epochs;
  fit_options.batch_size = o.batch_size;
  fit_options.seed = o.seed;
  if (o.standardize) fit_options.normalization = standardization_of(train);
  // A fine-tuned model sees its inputs scaled as its base was trained.
  if (!o.from.empty() && !o.standardize) fit_options.normalization = base_normalization;
  fit_options.lr_schedule = schedule;
  fit_options.augment = augment;
  fit_options.balanced_sampling = o.balanced_sampling;
  if (validate == "test") fit_options.validation = &test;
  if (validate == "split") fit_options.validation = &held_out;

  // Callbacks, in the order they run: the checkpointer last, so that it saves the others'
  // state after this epoch.
  const nlohmann::json config = config_json(o, schedule, augment);
  std::unique_ptr<ReduceLrOnPlateau> plateau;
  std::unique_ptr<EarlyStopping> stopper;
  std::unique_ptr<Checkpointer> checkpointer;
  std::vector<Callback*> callbacks;
  if (schedule.kind() == LrSchedule::Kind::kPlateau) {
    const LrSchedule::Plateau& p = schedule.plateau();
    plateau = std::make_unique<ReduceLrOnPlateau>(o.monitor, p.factor, p.patience, p.min_delta,
                                                  p.cooldown, p.min_factor);
    callbacks.push_back(plateau.get());
  }
  if (o.early_stopping > 0) {
    stopper = std::make_unique<EarlyStopping>(o.monitor, o.early_stopping, o.min_delta,
                                              !o.no_restore_best);
    callbacks.push_back(stopper.get());
  }
  std::vector<nlohmann::json> records;  // every epoch's log record, resumed ones included
  if (!o.checkpoint_dir.empty()) {
    detail::make_dirs(o.checkpoint_dir);
    checkpointer = std::make_unique<Checkpointer>(
        o.checkpoint_dir, callbacks, o.monitor, o.keep_checkpoints, [&] {
          return nlohmann::json{{"config", config}, {"history", records}};
        });
  }
  std::vector<Callback*> restored = callbacks;  // the checkpointer restores its own state too
  if (checkpointer) restored.push_back(checkpointer.get());
  if (!o.resume.empty()) {
    const RestoredCheckpoint r = load_checkpoint(o.resume, model, restored);
    const nlohmann::json saved = r.run.contains("config") ? r.run.at("config") : nlohmann::json();
    const std::string diff = config_differences(saved, config);
    if (!saved.is_object() || !diff.empty()) {
      throw Error(o.resume + ": was written by a run with other options: " +
                  (diff.empty() ? std::string("no configuration stored") : diff) +
                  "; resume with the same options");
    }
    if (r.run.contains("history")) records = r.run.at("history").get<std::vector<nlohmann::json>>();
    fit_options.initial_epoch = r.epochs_done;
    if (!o.json) {
      std::printf("Resuming from %s after epoch %d of %d\n", o.resume.c_str(), r.epochs_done,
                  o.epochs);
    }
  }
  if (checkpointer) callbacks.push_back(checkpointer.get());
  fit_options.callbacks = callbacks;

  std::unique_ptr<RunLog> log;
  if (!o.log.empty()) log = std::make_unique<RunLog>(o.log, config, records);
  EpochPrinter printer(!o.json && stdout_is_tty());
  if (!o.json) {
    if (!o.recipe.empty()) std::printf("Recipe: %s\n", o.recipe.c_str());
    std::printf(
        "Model: %s (%s parameters), optimizer %s (lr %g, schedule %s), batch %d, %d %s, %s\n",
        (o.from.empty() ? o.model : o.from).c_str(), with_commas(model.count_params()).c_str(),
        o.optimizer.c_str(), static_cast<double>(o.lr), schedule.str().c_str(), o.batch_size,
        o.epochs, o.epochs == 1 ? "epoch" : "epochs", isa_and_threads().c_str());
    if (augment.any()) std::printf("Augmentation: %s\n", augment.str().c_str());
    std::fflush(stdout);
    fit_options.on_batch = [&](const BatchProgress& p) { printer.on_batch(p); };
  }
  fit_options.on_epoch = [&](const EpochStats& s) {
    records.push_back(epoch_record(s));
    if (log) log->add(records.back());
    if (!o.json) {
      printer.on_epoch(s);
      if (o.per_class && s.has_validation) print_recall(s, train);
    }
  };
  if (o.profile) model.set_profiling(true);
  const History history = fit(model, train, fit_options);
  model.set_profiling(false);  // keeps the figures; the test evaluation below is not in them
  if (!o.json && stopper && history.stopped_early) {
    std::printf("Early stopping after epoch %d: no improvement of %s for %d epochs%s\n",
                stopper->stopped_epoch(), o.monitor.c_str(), o.early_stopping,
                o.no_restore_best ? ""
                                  : (", restored the weights of epoch " +
                                     std::to_string(stopper->monitor().best_epoch()))
                                        .c_str());
  }
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
    meta["training"] = config;
    if (!o.recipe.empty()) meta["recipe"] = o.recipe;
    if (!o.from.empty()) meta["base_model"] = o.from;
    save_model(model, o.save, meta);
    if (!o.json) std::printf("Saved %s\n", o.save.c_str());
  }
  if (o.json) {
    nlohmann::json j;
    j["dataset"] = o.dataset;
    j["model"] = o.model;
    if (!o.recipe.empty()) j["recipe"] = o.recipe;
    j["lr_schedule"] = schedule.str();
    j["augment"] = augment.str();
    j["parameters"] = model.count_params();
    j["trainable_parameters"] = model.count_params(true);
    j["epochs"] = records;
    j["stopped_early"] = history.stopped_early;
    j["test_loss"] = result.loss;
    j["test_accuracy"] = result.accuracy;
    j["test_recall"] = result.recall();
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

TrainFlags add_training_options(CLI::App* cmd, TrainOptions& o) {
  TrainFlags f;
  cmd->add_option("--dataset", o.dataset, dataset_help())->capture_default_str();
  f.epochs = cmd->add_option("--epochs", o.epochs, "Passes over the training set")
                 ->check(CLI::Range(1, 100000))
                 ->capture_default_str();
  f.batch = cmd->add_option("--batch-size", o.batch_size, "Images per optimization step")
                ->check(CLI::Range(1, 65536))
                ->capture_default_str();
  f.optimizer = cmd->add_option("--optimizer", o.optimizer, "adam, adamw, sgd or rmsprop")
                    ->check(CLI::IsMember({"adam", "adamw", "sgd", "rmsprop"}, CLI::ignore_case))
                    ->capture_default_str();
  f.lr = cmd->add_option("--lr", o.lr, "Base learning rate (scaled by --lr-schedule)")
             ->check(CLI::PositiveNumber)
             ->capture_default_str();
  f.schedule =
      cmd->add_option("--lr-schedule", o.lr_schedule,
                      "Learning-rate schedule, NAME or NAME:key=value,... (t = epochs done, "
                      "fractional; T = --epochs):\n"
                      "  constant\n"
                      "  step:every=1,gamma=0.5          lr * gamma^floor(t/every)\n"
                      "  exponential:gamma=0.9           lr * gamma^t\n"
                      "  cosine:warmup=0,final=0         linear warmup over `warmup` epochs, then\n"
                      "                                  cosine decay to lr*final at T\n"
                      "  onecycle:pct=0.25,div=25,final_div=10000\n"
                      "                                  lr/div rising to lr over pct*T, then\n"
                      "                                  cosine decay to lr/(div*final_div)\n"
                      "  plateau:factor=0.1,patience=2,min_delta=1e-4,cooldown=0,min=0\n"
                      "                                  lr*factor when --monitor has not\n"
                      "                                  improved for `patience` epochs")
          ->capture_default_str();
  cmd->add_option("--l2", o.l2, "L2 penalty on weights (coupled, added to the gradient)")
      ->check(CLI::NonNegativeNumber);
  cmd->add_option("--weight-decay", o.weight_decay, "Decoupled weight decay (AdamW style)")
      ->check(CLI::NonNegativeNumber);
  cmd->add_option("--clip-norm", o.clip_norm, "Clip gradients to this global L2 norm (0: off)")
      ->check(CLI::NonNegativeNumber);
  cmd->add_option("--seed", o.seed, "Seed for weights and shuffling")->capture_default_str();
  cmd->add_option("--save", o.save, "Write the trained model to this .inks file");
  cmd->add_option("--data", o.data_dir, "Directory holding the dataset files");
  f.split =
      cmd->add_option("--validation-split", o.validation_split,
                      "Hold out this fraction of the training set (its last images, as Keras does) "
                      "and validate on it after each epoch; the test set is then read only once, "
                      "at the end")
          ->check(CLI::Range(0.0, 0.99));
  f.validate =
      cmd->add_option("--validate", o.validate,
                      "Data evaluated after each epoch: split (the --validation-split images; "
                      "the default when it is given), test (the default otherwise, as the "
                      "tutorial does) or none")
          ->check(CLI::IsMember({"test", "split", "none"}));
  f.augment =
      cmd->add_option("--augment", o.augment,
                      "Augment training images, e.g. \"shift=2,rotate=10,scale=0.1,shear=5,"
                      "elastic=34:4,erase=0.5,noise=0.05\" (shift in pixels, angles in degrees, "
                      "elastic alpha:sigma in pixels, erase a probability, noise a std as a "
                      "fraction of 255); see it with `inkstone data show`");
  cmd->add_flag("--balanced-sampling", o.balanced_sampling,
                "Draw every class equally often (oversamples rare classes)");
  cmd->add_option("--class-weight", o.class_weight,
                  "Weight each class's training loss: balanced (n / (classes * n_class)) or "
                  "one weight per class, comma-separated");
  cmd->add_option("--label-smoothing", o.label_smoothing,
                  "Train on targets (1 - e) one_hot + e / classes")
      ->check(CLI::Range(0.0, 0.99));
  cmd->add_option("--early-stopping", o.early_stopping,
                  "Stop when --monitor has not improved for this many epochs (0: off)")
      ->check(CLI::NonNegativeNumber);
  cmd->add_option("--min-delta", o.min_delta,
                  "Smallest change of --monitor that counts as an improvement")
      ->check(CLI::NonNegativeNumber);
  cmd->add_option("--monitor", o.monitor,
                  "Quantity for early stopping, plateau and the best checkpoint: val_loss, "
                  "val_accuracy, loss, accuracy or auto (val_loss when validating, else loss)")
      ->check(CLI::IsMember({"auto", "val_loss", "val_accuracy", "loss", "accuracy"}))
      ->capture_default_str();
  cmd->add_flag("--no-restore-best", o.no_restore_best,
                "With --early-stopping, keep the last weights instead of the best epoch's");
  cmd->add_flag("--stratified", o.stratified,
                "Make --validation-split hold out the same fraction of every class");
  cmd->add_flag("--per-class", o.per_class, "Print the per-class validation recall each epoch");
  cmd->add_option("--checkpoint-dir", o.checkpoint_dir,
                  "Write DIR/epoch-NNN.inks and DIR/last.inks after every epoch and DIR/best.inks "
                  "when --monitor improves (atomically; each also loads as a model)");
  cmd->add_option("--keep-checkpoints", o.keep_checkpoints,
                  "Keep only the last N epoch checkpoints (0: all)")
      ->check(CLI::NonNegativeNumber);
  cmd->add_option("--resume", o.resume,
                  "Continue from a checkpoint; give the same options as the interrupted run. "
                  "The result is bit-identical to an uninterrupted run (same thread count)")
      ->check(CLI::ExistingFile);
  cmd->add_option("--log", o.log,
                  "Write the configuration and every epoch to this JSON Lines file "
                  "(plot it with `inkstone plot`)");
  cmd->add_option("--train-limit", o.train_limit,
                  "Train on the first N training images only (after --validation-split)")
      ->check(CLI::PositiveNumber);
  cmd->add_option("--class-fraction", o.class_fraction,
                  "Keep only a fraction of some classes' training images, e.g. \"0-4=0.05\" "
                  "(their first images; for imbalance experiments)");
  cmd->add_option("--classes", o.classes,
                  "Use only these classes, relabelled 0..k-1 in order, e.g. \"0-4\" or \"5,7\" "
                  "(train and test; class names are kept)");
  cmd->add_option("--samples-per-class", o.samples_per_class,
                  "Train on N random images of each class (seeded by --seed; after "
                  "--validation-split): few-shot training sets")
      ->check(CLI::PositiveNumber);
  cmd->add_option("--domain-shift", o.domain_shift,
                  "Corrupt every training and test image, e.g. \"thick=2,rotate=25\" (kinds of "
                  "`eval --robustness`; a shifted domain for adaptation experiments)");
  cmd->add_flag("--standardize", o.standardize,
                "Standardize pixels with the training set's mean and std (default: x/255)");
  cmd->add_flag("--no-download", o.no_download, "Never download missing datasets");
  cmd->add_flag("--json", o.json, "Print the results as JSON instead of text");
  cmd->add_flag("--profile", o.profile,
                "Time every layer's forward and backward pass and print a table after training");
  return f;
}

void run_training(const TrainOptions& o) {
  if (o.validate == "split" && o.validation_split <= 0) {
    throw CLI::ValidationError("--validate split needs --validation-split F (e.g. 0.1)");
  }
  if (o.stratified && o.validation_split <= 0) {
    throw CLI::ValidationError("--stratified needs --validation-split F (e.g. 0.1)");
  }
  LrSchedule schedule;
  try {
    schedule = LrSchedule::parse(o.lr_schedule);
  } catch (const Error& e) {
    throw CLI::ValidationError("--lr-schedule", e.what());
  }
  AugmentOptions augment_options;
  try {
    augment_options = AugmentOptions::parse(o.augment);
  } catch (const Error& e) {
    throw CLI::ValidationError("--augment", e.what());
  }
  run_train(o, schedule, augment_options);
}

}  // namespace inkstone::cli
