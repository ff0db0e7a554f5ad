#pragma once
// What `inkstone train` and `inkstone finetune` share: their options, the registration of the
// options both accept, and the training run itself (load, subset, split, build or load the
// model, compile, fit with callbacks, evaluate on the test set once, save).
#include <cstdint>
#include <string>
#include <vector>

#include <CLI/CLI.hpp>

namespace inkstone::cli {

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
  std::string augment;
  bool balanced_sampling = false;
  std::string class_weight;
  float label_smoothing = 0;
  int early_stopping = 0;  // patience; 0 = off
  double min_delta = 0;
  std::string monitor = "auto";
  bool no_restore_best = false;
  bool stratified = false;
  bool per_class = false;
  std::string checkpoint_dir;
  int keep_checkpoints = 0;
  std::string resume;
  std::string log;
  int64_t train_limit = 0;
  std::string class_fraction;
  bool standardize = false;
  bool no_download = false;
  bool json = false;
  bool profile = false;
  // Subsets and fine-tuning (inkstone finetune).
  std::string classes;               // --classes: only these classes, relabelled 0..k-1
  int64_t samples_per_class = 0;     // few-shot: N random training images per class
  std::string domain_shift;          // corruptions applied to train and test, "thick=2,rotate=25"
  std::string from;                  // base model (.inks) to start from instead of --model
  std::string freeze;                // layer range to freeze (nn/transfer.hpp syntax)
  int new_head = 0;                  // replace the base's last Dense with one of N classes
  std::vector<std::string> lr_mult;  // "RANGE=F": learning-rate multipliers
};

// The options whose values a recipe may set (train --recipe fills the ones not given).
struct TrainFlags {
  CLI::Option *epochs = nullptr, *batch = nullptr, *optimizer = nullptr, *lr = nullptr,
              *schedule = nullptr, *split = nullptr, *validate = nullptr, *augment = nullptr;
};

// Registers every option train and finetune both accept (all but --recipe, --model and the
// finetune-only ones) on cmd, bound to o (which must outlive the command).
TrainFlags add_training_options(CLI::App* cmd, TrainOptions& o);

// Checks the option combinations (usage errors throw CLI::ValidationError) and runs training.
void run_training(const TrainOptions& o);

}  // namespace inkstone::cli
