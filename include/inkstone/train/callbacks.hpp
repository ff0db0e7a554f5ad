#pragma once
// Callbacks: code that fit() runs at the end of every epoch and that may stop training or scale
// the learning rate. Their whole state is JSON plus named tensors, so a checkpoint can save it
// and a resumed run continues exactly where the interrupted one stopped.
//
// The monitored quantity is one of "val_loss", "val_accuracy", "loss", "accuracy"; "auto" means
// val_loss when the run validates and loss otherwise. An improvement is a decrease by more than
// min_delta for losses, an increase by more than min_delta for accuracies.
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

#include "inkstone/nn/sequential.hpp"

namespace inkstone {

struct EpochStats;

// What callbacks may decide at the end of an epoch.
struct FitControl {
  bool stop = false;  // end training after this epoch
};

class Callback {
 public:
  virtual ~Callback() = default;
  virtual std::string name() const = 0;
  virtual void on_epoch_end(Sequential& model, const EpochStats& stats, FitControl& control) = 0;
  // After the last epoch (also after a stop).
  virtual void on_train_end(Sequential& /*model*/) {}
  // Multiplies the scheduled learning rate (reduce-on-plateau); 1 for most callbacks.
  virtual double lr_factor() const { return 1.0; }
  // State for checkpoints. set_state receives what state() returned, and the model (built) so
  // that tensors() can be sized before they are filled.
  virtual nlohmann::json state() const { return nlohmann::json::object(); }
  virtual void set_state(const nlohmann::json& /*state*/, Sequential& /*model*/) {}
  virtual std::vector<std::pair<std::string, Tensor*>> tensors() { return {}; }
};

// Tracks the best value of a monitored quantity (shared by the callbacks below).
class Monitor {
 public:
  explicit Monitor(std::string quantity = "auto", double min_delta = 0);
  // The quantity's value in `stats` (resolving "auto"); throws Error if stats lack it.
  double value(const EpochStats& stats) const;
  // Records `stats`; true when it improved on the best so far.
  bool update(const EpochStats& stats);
  const std::string& quantity() const { return quantity_; }
  double best() const { return best_; }
  int best_epoch() const { return best_epoch_; }
  nlohmann::json state() const;
  void set_state(const nlohmann::json& state);

 private:
  std::string quantity_;
  double min_delta_;
  bool has_best_ = false;
  double best_ = 0;
  int best_epoch_ = 0;
};

// Stops when the monitored quantity has not improved for `patience` epochs; with restore_best,
// puts back the weights (and buffers) of the best epoch when training ends.
class EarlyStopping final : public Callback {
 public:
  EarlyStopping(std::string monitor, int patience, double min_delta = 0, bool restore_best = true);
  std::string name() const override { return "early_stopping"; }
  void on_epoch_end(Sequential& model, const EpochStats& stats, FitControl& control) override;
  void on_train_end(Sequential& model) override;
  nlohmann::json state() const override;
  void set_state(const nlohmann::json& state, Sequential& model) override;
  std::vector<std::pair<std::string, Tensor*>> tensors() override;

  int stopped_epoch() const { return stopped_epoch_; }  // 0 if it did not stop training
  const Monitor& monitor() const { return monitor_; }

 private:
  void size_snapshot(Sequential& model);

  Monitor monitor_;
  int patience_;
  bool restore_best_;
  int wait_ = 0;
  int stopped_epoch_ = 0;
  std::vector<std::pair<std::string, Tensor>> best_;  // the best epoch's tensors
};

// Reduce-on-plateau (Keras's ReduceLROnPlateau): when the monitored quantity has not improved
// for `patience` epochs, lr_factor *= factor (not below min_factor), then waits `cooldown`
// epochs before counting again.
class ReduceLrOnPlateau final : public Callback {
 public:
  ReduceLrOnPlateau(std::string monitor, double factor = 0.1, int patience = 2,
                    double min_delta = 1e-4, int cooldown = 0, double min_factor = 0);
  std::string name() const override { return "reduce_lr_on_plateau"; }
  void on_epoch_end(Sequential& model, const EpochStats& stats, FitControl& control) override;
  double lr_factor() const override { return scale_; }
  nlohmann::json state() const override;
  void set_state(const nlohmann::json& state, Sequential& model) override;

 private:
  Monitor monitor_;
  double factor_, min_factor_;
  int patience_, cooldown_;
  int wait_ = 0, cooldown_left_ = 0;
  double scale_ = 1.0;
};

}  // namespace inkstone
