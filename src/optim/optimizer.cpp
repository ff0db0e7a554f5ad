// The parts every optimizer shares: state slots, step validation, gradient clipping, the
// fixed-partition parallel loop, and the factory.
#include "inkstone/optim/optimizer.hpp"

#include <algorithm>
#include <cctype>
#include <cmath>
#include <sstream>

#include "inkstone/kernels/thread_pool.hpp"
#include "inkstone/optim/adam.hpp"
#include "inkstone/optim/adamw.hpp"
#include "inkstone/optim/rmsprop.hpp"
#include "inkstone/optim/sgd.hpp"
#include "inkstone/tensor/error.hpp"
#include "optim/optimizer_checks.hpp"
#include "optim/update_kernels.hpp"

namespace inkstone {

namespace {

// Below this many trainable elements in all, an update runs on the calling thread: waking the
// pool costs more than it saves (bench_optim: BM_AdamStep/threads).
constexpr int64_t kParallelMinElements = 1 << 17;
// Each thread gets at least this many elements.
constexpr int64_t kParallelGrain = 1 << 15;

std::string param_label(const std::vector<Param*>& params, size_t i) {
  std::string label = "parameter " + std::to_string(i);
  if (params[i] != nullptr && !params[i]->name.empty()) label += " '" + params[i]->name + "'";
  return label;
}

// Global squared norm of the trainable gradients, with the coupled L2 term when l2 > 0:
// per-parameter double sums added in parameter order.
double global_sum_squares(const std::vector<Param*>& params, float l2) {
  const auto& k = optim_detail::update_kernels();
  double total = 0;
  for (const Param* p : params) {
    if (p == nullptr || !p->trainable || p->grad.empty()) continue;
    const float l2p = p->decay ? l2 : 0.0f;
    total += k.sum_squares(p->grad.data(), p->value.data(), l2p, p->grad.numel());
  }
  return total;
}

}  // namespace

// ---- state -------------------------------------------------------------------------------

void Optimizer::set_iterations(int64_t t) {
  if (t < 0) throw Error(name() + ": iterations " + std::to_string(t) + " must be >= 0");
  t_ = t;
}

std::vector<std::pair<std::string, Tensor*>> Optimizer::state() {
  std::vector<std::pair<std::string, Tensor*>> out;
  const size_t n = built_shapes_.size();
  out.reserve(n * slot_names_.size());
  for (size_t i = 0; i < n; ++i) {
    for (size_t k = 0; k < slot_names_.size(); ++k) {
      out.emplace_back(slot_names_[k] + "/" + std::to_string(i), &slot(i, k));
    }
  }
  return out;
}

void Optimizer::build(const std::vector<Param*>& params) {
  for (size_t i = 0; i < params.size(); ++i) {
    if (params[i] == nullptr) throw Error(name() + ": parameter " + std::to_string(i) + " is null");
  }
  if (!built_shapes_.empty() || (!slots_.empty())) {
    if (params.size() != built_shapes_.size()) {
      throw Error(name() + ": got " + std::to_string(params.size()) +
                  " parameters but the optimizer state was built for " +
                  std::to_string(built_shapes_.size()) +
                  " (the parameter list must not change between steps; call reset() first)");
    }
    for (size_t i = 0; i < params.size(); ++i) {
      if (params[i]->value.shape() != built_shapes_[i]) {
        throw Error(name() + ": " + param_label(params, i) + " has shape " +
                    params[i]->value.shape().str() + " but the optimizer state was built for " +
                    built_shapes_[i].str() +
                    " (the parameter list must not change between steps; call reset() first)");
      }
    }
    return;
  }
  if (params.empty()) {
    offsets_.assign(1, 0);
    return;
  }
  built_shapes_.reserve(params.size());
  slots_.reserve(params.size() * slot_names_.size());
  for (const Param* p : params) {
    built_shapes_.push_back(p->value.shape());
    for (size_t k = 0; k < slot_names_.size(); ++k) slots_.emplace_back(p->value.shape());
  }
  offsets_.assign(params.size() + 1, 0);
}

void Optimizer::reset() {
  slots_.clear();
  built_shapes_.clear();
  offsets_.clear();
  t_ = 0;
}

OptimizerConfig Optimizer::config() const {
  return {{"learning_rate", lr_},
          {"l2", reg_.l2},
          {"weight_decay", reg_.weight_decay},
          {"clip_norm", reg_.clip_norm}};
}

// ---- step helpers ------------------------------------------------------------------------

float Optimizer::begin_step(const std::vector<Param*>& params) {
  optim_detail::check_non_negative(name(), "learning_rate", lr_);
  optim_detail::check_non_negative(name(), "l2", reg_.l2);
  optim_detail::check_non_negative(name(), "weight_decay", reg_.weight_decay);
  optim_detail::check_non_negative(name(), "clip_norm", reg_.clip_norm);
  build(params);
  for (size_t i = 0; i < params.size(); ++i) {
    const Param& p = *params[i];
    if (!p.trainable) continue;
    if (p.grad.shape() != p.value.shape() || (p.value.numel() > 0 && p.grad.empty())) {
      throw Error(name() + ": " + param_label(params, i) + " has gradient shape " +
                  p.grad.shape().str() + " but value shape " + p.value.shape().str());
    }
    if (!std::isfinite(p.lr_multiplier)) {
      throw Error(name() + ": " + param_label(params, i) + " has lr_multiplier " +
                  std::to_string(p.lr_multiplier));
    }
  }
  ++t_;
  if (reg_.clip_norm <= 0) return 1.0f;
  const double norm = std::sqrt(global_sum_squares(params, reg_.l2));
  if (!std::isfinite(norm) || norm <= reg_.clip_norm) return 1.0f;
  return static_cast<float>(reg_.clip_norm / norm);
}

void Optimizer::for_each_slice(const std::vector<Param*>& params, const SliceFn& fn) {
  // offsets_[i] = first element of parameter i in the concatenation of all trainable ones.
  int64_t total = 0;
  for (size_t i = 0; i < params.size(); ++i) {
    offsets_[i] = total;
    if (params[i]->trainable) total += params[i]->value.numel();
  }
  offsets_[params.size()] = total;

  auto& pool = kernels::ThreadPool::global();
  const int64_t max_threads = std::min<int64_t>(pool.num_threads(), total / kParallelGrain);
  if (total < kParallelMinElements || max_threads <= 1) {
    for (size_t i = 0; i < params.size(); ++i) {
      if (params[i]->trainable && params[i]->value.numel() > 0) {
        fn(i, 0, params[i]->value.numel());
      }
    }
    return;
  }
  // Thread t takes the elements [total * t / T, total * (t + 1) / T) of the concatenation,
  // cut at multiples of 16 elements, and updates the pieces of the parameters it overlaps.
  struct Context {
    const std::vector<Param*>* params;
    const std::vector<int64_t>* offsets;
    const SliceFn* fn;
    int64_t total;
  } ctx{&params, &offsets_, &fn, total};
  pool.run(static_cast<int>(max_threads), [&ctx](int tid, int nt) {
    auto cut = [&](int k) { return k == nt ? ctx.total : (ctx.total * k / nt) & ~int64_t{15}; };
    const int64_t begin = cut(tid), end = cut(tid + 1);
    const auto& ps = *ctx.params;
    const auto& off = *ctx.offsets;
    for (size_t i = 0; i < ps.size(); ++i) {
      if (!ps[i]->trainable) continue;
      const int64_t lo = std::max(begin, off[i]), hi = std::min(end, off[i + 1]);
      if (lo < hi) (*ctx.fn)(i, lo - off[i], hi - off[i]);
    }
  });
}

// ---- clipping ----------------------------------------------------------------------------

float global_grad_norm(const std::vector<Param*>& params) {
  return static_cast<float>(std::sqrt(global_sum_squares(params, 0.0f)));
}

float clip_grad_norm(const std::vector<Param*>& params, float max_norm) {
  // ||g|| = sqrt(sum of g^2 over all trainable gradients); g <- g * max_norm / ||g|| if above.
  const double norm = std::sqrt(global_sum_squares(params, 0.0f));
  if (max_norm > 0 && std::isfinite(norm) && norm > max_norm) {
    const float scale = static_cast<float>(max_norm / norm);
    const auto& k = optim_detail::update_kernels();
    for (Param* p : params) {
      if (p == nullptr || !p->trainable || p->grad.empty()) continue;
      k.scale(p->grad.data(), p->grad.numel(), scale);
    }
  }
  return static_cast<float>(norm);
}

// ---- factory -----------------------------------------------------------------------------

std::vector<std::string> optimizer_names() {
  return {"adam", "adamw", "sgd", "rmsprop"};
}

namespace {

std::string lowercase(std::string s) {
  for (char& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return s;
}

std::string joined(const std::vector<std::string>& names) {
  std::string out;
  for (const auto& n : names) out += (out.empty() ? "" : ", ") + n;
  return out;
}

[[noreturn]] void unknown_optimizer(const std::string& name) {
  throw Error("unknown optimizer '" + name + "'; valid names: " + joined(optimizer_names()));
}

// Reads settings from a config, rejecting unknown keys.
class ConfigReader {
 public:
  ConfigReader(std::string optimizer, const OptimizerConfig& config, std::vector<std::string> keys)
      : optimizer_(std::move(optimizer)), config_(config), keys_(std::move(keys)) {
    for (const auto& [key, value] : config_) {
      if (std::find(keys_.begin(), keys_.end(), key) == keys_.end()) {
        throw Error("optimizer " + optimizer_ + ": unknown setting '" + key +
                    "'; valid settings: " + joined(keys_));
      }
      if (!std::isfinite(value)) {
        throw Error("optimizer " + optimizer_ + ": setting '" + key + "' is not finite");
      }
    }
  }
  float number(const std::string& key, float fallback) const {
    auto it = config_.find(key);
    return it == config_.end() ? fallback : static_cast<float>(it->second);
  }
  bool flag(const std::string& key, bool fallback) const {
    auto it = config_.find(key);
    if (it == config_.end()) return fallback;
    if (it->second != 0.0 && it->second != 1.0) {
      std::ostringstream os;
      os << "optimizer " << optimizer_ << ": setting '" << key << "' must be 0 or 1, got "
         << it->second;
      throw Error(os.str());
    }
    return it->second == 1.0;
  }
  void apply_regularization(Optimizer& opt) const {
    RegularizationOptions& reg = opt.regularization();
    reg.l2 = number("l2", reg.l2);
    reg.weight_decay = number("weight_decay", reg.weight_decay);
    reg.clip_norm = number("clip_norm", reg.clip_norm);
    optim_detail::check_non_negative(optimizer_, "l2", reg.l2);
    optim_detail::check_non_negative(optimizer_, "weight_decay", reg.weight_decay);
    optim_detail::check_non_negative(optimizer_, "clip_norm", reg.clip_norm);
  }

 private:
  std::string optimizer_;
  const OptimizerConfig& config_;
  std::vector<std::string> keys_;
};

const std::vector<std::string> kCommonKeys = {"learning_rate", "l2", "weight_decay", "clip_norm"};

std::vector<std::string> with_common(std::vector<std::string> keys) {
  keys.insert(keys.begin(), kCommonKeys.begin(), kCommonKeys.end());
  return keys;
}

}  // namespace

std::unique_ptr<Optimizer> make_optimizer(const std::string& name, const OptimizerConfig& config) {
  const std::string n = lowercase(name);
  std::unique_ptr<Optimizer> opt;
  if (n == "adam" || n == "adamw") {
    ConfigReader r(n, config, with_common({"beta_1", "beta_2", "epsilon"}));
    AdamOptions o;
    o.learning_rate = r.number("learning_rate", o.learning_rate);
    o.beta_1 = r.number("beta_1", o.beta_1);
    o.beta_2 = r.number("beta_2", o.beta_2);
    o.epsilon = r.number("epsilon", o.epsilon);
    if (n == "adam") {
      opt = std::make_unique<Adam>(o);
    } else {
      opt = std::make_unique<AdamW>(o);
    }
    r.apply_regularization(*opt);
  } else if (n == "sgd") {
    ConfigReader r(n, config, with_common({"momentum", "nesterov"}));
    SgdOptions o;
    o.learning_rate = r.number("learning_rate", o.learning_rate);
    o.momentum = r.number("momentum", o.momentum);
    o.nesterov = r.flag("nesterov", o.nesterov);
    opt = std::make_unique<Sgd>(o);
    r.apply_regularization(*opt);
  } else if (n == "rmsprop") {
    ConfigReader r(n, config, with_common({"rho", "momentum", "epsilon", "centered"}));
    RmsPropOptions o;
    o.learning_rate = r.number("learning_rate", o.learning_rate);
    o.rho = r.number("rho", o.rho);
    o.momentum = r.number("momentum", o.momentum);
    o.epsilon = r.number("epsilon", o.epsilon);
    o.centered = r.flag("centered", o.centered);
    opt = std::make_unique<RmsProp>(o);
    r.apply_regularization(*opt);
  } else {
    unknown_optimizer(name);
  }
  return opt;
}

std::unique_ptr<Optimizer> make_optimizer(const std::string& name, float lr) {
  const std::string n = lowercase(name);
  const auto names = optimizer_names();
  if (std::find(names.begin(), names.end(), n) == names.end()) unknown_optimizer(name);
  OptimizerConfig config;
  if (lr > 0) config["learning_rate"] = lr;
  return make_optimizer(n, config);
}

}  // namespace inkstone
