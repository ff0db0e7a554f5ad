#pragma once
// Checkpoints: everything a training run needs to continue as if it had never stopped, in one
// .inks model file (so a checkpoint also loads as a model for eval or predict):
//   model tensors          the weights and buffers (BatchNorm statistics)
//   extra tensors          "optimizer/<slot>/<i>" (moments), "callback/<name>/<tensor>"
//   metadata.checkpoint    {"epochs_done", "optimizer": {"name", "config", "iterations"},
//                           "rng": {"<layer>": [4 words as strings]}, "callbacks": {name: state},
//                           "run": free-form JSON of the caller (its configuration and history)}
// The data order, augmentation and learning rate of an epoch follow from (seed, epoch), so
// restoring this state into a model built and compiled as before and calling fit() with
// initial_epoch = epochs_done gives a final model bit-identical to an uninterrupted run (same
// thread count). Files are written atomically (temp file + rename).
#include <functional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "inkstone/nn/sequential.hpp"
#include "inkstone/train/callbacks.hpp"
#include "inkstone/train/fit.hpp"

namespace inkstone {

// Writes a checkpoint of a compiled model after `epochs_done` epochs.
void save_checkpoint(const std::string& path, Sequential& model, int epochs_done,
                     const std::vector<Callback*>& callbacks, const nlohmann::json& run = {});

struct RestoredCheckpoint {
  int epochs_done = 0;
  nlohmann::json run;  // what save_checkpoint was given
};

// Restores a checkpoint into `model`, which must be built and compiled like the saved one (same
// spec, same optimizer type), and into `callbacks` (matched by name). Throws Error naming the
// file and what does not match.
RestoredCheckpoint load_checkpoint(const std::string& path, Sequential& model,
                                   const std::vector<Callback*>& callbacks);

// The callback that writes checkpoints: after every epoch "<dir>/epoch-NNN.inks" (keeping the
// last `keep`, 0 = all) and "<dir>/last.inks", and "<dir>/best.inks" whenever the monitored
// quantity improves. `run` is called for the free-form run JSON of each checkpoint.
class Checkpointer final : public Callback {
 public:
  Checkpointer(std::string dir, std::vector<Callback*> others, std::string monitor = "auto",
               int keep = 0, std::function<nlohmann::json()> run = {});
  std::string name() const override { return "checkpointer"; }
  void on_epoch_end(Sequential& model, const EpochStats& stats, FitControl& control) override;
  nlohmann::json state() const override;
  void set_state(const nlohmann::json& state, Sequential& model) override;

  static std::string epoch_file(const std::string& dir, int epoch);

 private:
  std::string dir_;
  std::vector<Callback*> others_;  // the run's other callbacks, whose state goes in the files
  Monitor monitor_;
  int keep_;
  std::function<nlohmann::json()> run_;
};

}  // namespace inkstone
