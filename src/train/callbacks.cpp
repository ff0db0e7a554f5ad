#include "inkstone/train/callbacks.hpp"

#include <algorithm>
#include <cmath>

#include "inkstone/io/model_file.hpp"
#include "inkstone/tensor/error.hpp"
#include "inkstone/train/fit.hpp"

namespace inkstone {

namespace {
bool is_accuracy(const std::string& q) {
  return q == "val_accuracy" || q == "accuracy";
}
}  // namespace

Monitor::Monitor(std::string quantity, double min_delta)
    : quantity_(std::move(quantity)), min_delta_(min_delta) {
  if (quantity_ != "auto" && quantity_ != "val_loss" && quantity_ != "val_accuracy" &&
      quantity_ != "loss" && quantity_ != "accuracy") {
    throw Error("monitor '" + quantity_ +
                "' is not one of auto, val_loss, val_accuracy, loss, accuracy");
  }
  if (!(min_delta >= 0)) throw Error("min_delta must be >= 0");
}

double Monitor::value(const EpochStats& s) const {
  const std::string q = quantity_ == "auto" ? (s.has_validation ? "val_loss" : "loss") : quantity_;
  if (q.rfind("val_", 0) == 0 && !s.has_validation) {
    throw Error("cannot monitor " + q + ": the run does not validate (use --validation-split)");
  }
  if (q == "val_loss") return s.val_loss;
  if (q == "val_accuracy") return s.val_accuracy;
  if (q == "loss") return s.loss;
  return s.accuracy;
}

bool Monitor::update(const EpochStats& s) {
  const double v = value(s);
  const bool higher_better =
      is_accuracy(quantity_ == "auto" ? (s.has_validation ? "val_loss" : "loss") : quantity_);
  const bool improved =
      !has_best_ || (higher_better ? v > best_ + min_delta_ : v < best_ - min_delta_);
  if (improved && std::isfinite(v)) {
    has_best_ = true;
    best_ = v;
    best_epoch_ = s.epoch;
    return true;
  }
  return false;
}

nlohmann::json Monitor::state() const {
  return {{"has_best", has_best_}, {"best", best_}, {"best_epoch", best_epoch_}};
}

void Monitor::set_state(const nlohmann::json& j) {
  has_best_ = j.at("has_best").get<bool>();
  best_ = j.at("best").get<double>();
  best_epoch_ = j.at("best_epoch").get<int>();
}

EarlyStopping::EarlyStopping(std::string monitor, int patience, double min_delta, bool restore_best)
    : monitor_(std::move(monitor), min_delta), patience_(patience), restore_best_(restore_best) {
  if (patience < 1) throw Error("early stopping: patience must be >= 1");
}

void EarlyStopping::size_snapshot(Sequential& model) {
  if (!best_.empty()) return;
  for (auto& [name, t] : named_tensors(model)) best_.emplace_back(name, Tensor(t->shape()));
}

void EarlyStopping::on_epoch_end(Sequential& model, const EpochStats& stats, FitControl& control) {
  if (monitor_.update(stats)) {
    wait_ = 0;
    if (restore_best_) {
      size_snapshot(model);
      const auto now = named_tensors(model);
      for (size_t i = 0; i < now.size(); ++i) {
        std::copy(now[i].second->data(), now[i].second->data() + now[i].second->numel(),
                  best_[i].second.data());
      }
    }
  } else if (++wait_ >= patience_) {
    stopped_epoch_ = stats.epoch;
    control.stop = true;
  }
}

void EarlyStopping::on_train_end(Sequential& model) {
  if (!restore_best_ || best_.empty()) return;
  const auto now = named_tensors(model);
  for (size_t i = 0; i < now.size(); ++i) {
    std::copy(best_[i].second.data(), best_[i].second.data() + best_[i].second.numel(),
              now[i].second->data());
  }
}

nlohmann::json EarlyStopping::state() const {
  return {{"monitor", monitor_.state()},
          {"wait", wait_},
          {"stopped_epoch", stopped_epoch_},
          {"has_snapshot", !best_.empty()}};
}

void EarlyStopping::set_state(const nlohmann::json& j, Sequential& model) {
  monitor_.set_state(j.at("monitor"));
  wait_ = j.at("wait").get<int>();
  stopped_epoch_ = j.at("stopped_epoch").get<int>();
  best_.clear();
  if (j.at("has_snapshot").get<bool>()) size_snapshot(model);
}

std::vector<std::pair<std::string, Tensor*>> EarlyStopping::tensors() {
  std::vector<std::pair<std::string, Tensor*>> out;
  for (auto& [name, t] : best_) out.emplace_back(name, &t);
  return out;
}

ReduceLrOnPlateau::ReduceLrOnPlateau(std::string monitor, double factor, int patience,
                                     double min_delta, int cooldown, double min_factor)
    : monitor_(std::move(monitor), min_delta),
      factor_(factor),
      min_factor_(min_factor),
      patience_(patience),
      cooldown_(cooldown) {
  if (!(factor > 0 && factor < 1)) throw Error("reduce-on-plateau: factor must be in (0, 1)");
  if (patience < 1) throw Error("reduce-on-plateau: patience must be >= 1");
  if (cooldown < 0 || !(min_factor >= 0)) throw Error("reduce-on-plateau: bad cooldown/min");
}

void ReduceLrOnPlateau::on_epoch_end(Sequential&, const EpochStats& stats, FitControl&) {
  if (cooldown_left_ > 0) --cooldown_left_;
  if (monitor_.update(stats)) {
    wait_ = 0;
  } else if (cooldown_left_ == 0 && ++wait_ >= patience_) {
    scale_ = std::max(scale_ * factor_, min_factor_);
    cooldown_left_ = cooldown_;
    wait_ = 0;
  }
}

nlohmann::json ReduceLrOnPlateau::state() const {
  return {{"monitor", monitor_.state()},
          {"wait", wait_},
          {"cooldown_left", cooldown_left_},
          {"scale", scale_}};
}

void ReduceLrOnPlateau::set_state(const nlohmann::json& j, Sequential&) {
  monitor_.set_state(j.at("monitor"));
  wait_ = j.at("wait").get<int>();
  cooldown_left_ = j.at("cooldown_left").get<int>();
  scale_ = j.at("scale").get<double>();
}

}  // namespace inkstone
