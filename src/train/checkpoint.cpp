#include "inkstone/train/checkpoint.hpp"

#include <array>
#include <cstdio>
#include <map>
#include <string>

#include "inkstone/io/model_file.hpp"
#include "inkstone/nn/dropout.hpp"
#include "inkstone/optim/optimizer.hpp"
#include "inkstone/tensor/error.hpp"

namespace inkstone {

namespace {

// The random generators that live in layers (dropout masks), by layer name.
std::map<std::string, Rng*> layer_rngs(Sequential& model) {
  std::map<std::string, Rng*> out;
  for (size_t i = 0; i < model.size(); ++i) {
    if (auto* d = dynamic_cast<Dropout*>(&model.layer(i))) out[d->name()] = &d->rng();
  }
  return out;
}

std::string callback_prefix(const Callback& c) {
  return "callback/" + c.name() + "/";
}

}  // namespace

void save_checkpoint(const std::string& path, Sequential& model, int epochs_done,
                     const std::vector<Callback*>& callbacks, const nlohmann::json& run) {
  if (!model.compiled()) throw Error(path + ": cannot checkpoint a model that is not compiled");
  Optimizer& opt = model.optimizer();
  std::vector<std::pair<std::string, const Tensor*>> extra;
  for (const auto& [name, t] : opt.state()) extra.emplace_back("optimizer/" + name, t);
  nlohmann::json cb = nlohmann::json::object();
  for (Callback* c : callbacks) {
    if (cb.contains(c->name())) throw Error("two callbacks named " + c->name());
    cb[c->name()] = c->state();
    for (const auto& [name, t] : c->tensors()) extra.emplace_back(callback_prefix(*c) + name, t);
  }
  nlohmann::json rng = nlohmann::json::object();
  for (const auto& [name, r] : layer_rngs(model)) {
    nlohmann::json words = nlohmann::json::array();
    for (uint64_t w : r->state()) words.push_back(std::to_string(w));  // JSON numbers are doubles
    rng[name] = words;
  }
  nlohmann::json config = nlohmann::json::object();
  for (const auto& [k, v] : opt.config()) config[k] = v;
  nlohmann::json meta;
  meta["checkpoint"] = {{"epochs_done", epochs_done},
                        {"optimizer",
                         {{"name", opt.name()},
                          {"config", config},
                          {"iterations", opt.iterations()},
                          {"slots", opt.state().size()}}},
                        {"rng", rng},
                        {"callbacks", cb},
                        {"run", run.is_null() ? nlohmann::json::object() : run}};
  save_model(model, path, meta, extra);
}

RestoredCheckpoint load_checkpoint(const std::string& path, Sequential& model,
                                   const std::vector<Callback*>& callbacks) {
  if (!model.compiled()) throw Error(path + ": restore into a compiled model");
  nlohmann::json meta;
  std::map<std::string, Tensor> extra;
  Sequential saved = load_model(path, &meta, &extra);
  auto fail = [&](const std::string& what) { return Error(path + ": " + what); };
  if (!meta.contains("checkpoint")) {
    throw fail("not a checkpoint (a model file without training state)");
  }
  try {
    const nlohmann::json& ck = meta.at("checkpoint");

    // Weights and buffers: the same names and shapes as the model being restored.
    const auto want = named_tensors(model);
    const auto have = named_tensors(saved);
    if (want.size() != have.size()) {
      throw fail("the checkpoint's model has " + std::to_string(have.size()) +
                 " tensors, this model " + std::to_string(want.size()) +
                 " (a different architecture?)");
    }
    for (size_t i = 0; i < want.size(); ++i) {
      if (want[i].first != have[i].first || want[i].second->shape() != have[i].second->shape()) {
        throw fail("tensor '" + have[i].first + "' " + have[i].second->shape().str() +
                   " does not match this model's '" + want[i].first + "' " +
                   want[i].second->shape().str());
      }
    }

    // Optimizer: same kind; its slots from the extra tensors.
    Optimizer& opt = model.optimizer();
    const nlohmann::json& o = ck.at("optimizer");
    if (o.at("name").get<std::string>() != opt.name()) {
      throw fail("the checkpoint was trained with " + o.at("name").get<std::string>() +
                 ", this run uses " + opt.name());
    }
    opt.reset();
    if (o.at("slots").get<size_t>() > 0) opt.build(model.params());
    const auto slots = opt.state();
    if (slots.size() != o.at("slots").get<size_t>()) {
      throw fail("optimizer state has " + o.at("slots").dump() + " tensors, expected " +
                 std::to_string(slots.size()));
    }
    for (const auto& [name, t] : slots) {
      auto it = extra.find("optimizer/" + name);
      if (it == extra.end() || it->second.shape() != t->shape()) {
        throw fail("optimizer state '" + name + "' is missing or has the wrong shape");
      }
    }

    // Callbacks: each restores its own state and tensors.
    const nlohmann::json& cbs = ck.at("callbacks");
    for (Callback* c : callbacks) {
      if (!cbs.contains(c->name())) {
        throw fail("the checkpoint has no state for " + c->name() +
                   " (was it written with the same options?)");
      }
    }

    // Everything checked: copy.
    for (size_t i = 0; i < want.size(); ++i) {
      std::copy(have[i].second->data(), have[i].second->data() + have[i].second->numel(),
                want[i].second->data());
    }
    for (const auto& [name, t] : slots) {
      const Tensor& src = extra.at("optimizer/" + name);
      std::copy(src.data(), src.data() + src.numel(), t->data());
    }
    opt.set_iterations(o.at("iterations").get<int64_t>());
    for (auto& [name, r] : layer_rngs(model)) {
      if (!ck.at("rng").contains(name)) throw fail("no random state for layer " + name);
      std::array<uint64_t, 4> words{};
      for (size_t k = 0; k < 4; ++k) {
        words[k] = std::stoull(ck.at("rng").at(name).at(k).get<std::string>());
      }
      r->set_state(words);
    }
    for (Callback* c : callbacks) {
      c->set_state(cbs.at(c->name()), model);
      for (auto& [name, t] : c->tensors()) {
        auto it = extra.find(callback_prefix(*c) + name);
        if (it == extra.end() || it->second.shape() != t->shape()) {
          throw fail("state tensor '" + callback_prefix(*c) + name + "' is missing or wrong");
        }
        std::copy(it->second.data(), it->second.data() + it->second.numel(), t->data());
      }
    }
    RestoredCheckpoint r;
    r.epochs_done = ck.at("epochs_done").get<int>();
    r.run = ck.at("run");
    return r;
  } catch (const nlohmann::json::exception& e) {
    throw fail(std::string("malformed checkpoint metadata: ") + e.what());
  } catch (const std::logic_error& e) {  // stoull
    throw fail(std::string("malformed checkpoint metadata: ") + e.what());
  }
}

Checkpointer::Checkpointer(std::string dir, std::vector<Callback*> others, std::string monitor,
                           int keep, std::function<nlohmann::json()> run)
    : dir_(std::move(dir)),
      others_(std::move(others)),
      monitor_(std::move(monitor)),
      keep_(keep),
      run_(std::move(run)) {
  if (keep < 0) throw Error("checkpoints to keep must be >= 0");
}

std::string Checkpointer::epoch_file(const std::string& dir, int epoch) {
  char name[32];
  std::snprintf(name, sizeof name, "epoch-%03d.inks", epoch);
  return dir + "/" + name;
}

void Checkpointer::on_epoch_end(Sequential& model, const EpochStats& stats, FitControl&) {
  // The monitor first, so that the saved state already counts this epoch.
  const bool best = monitor_.update(stats);
  std::vector<Callback*> all = others_;
  all.push_back(this);
  const nlohmann::json run = run_ ? run_() : nlohmann::json::object();
  const std::string file = epoch_file(dir_, stats.epoch);
  save_checkpoint(file, model, stats.epoch, all, run);
  save_checkpoint(dir_ + "/last.inks", model, stats.epoch, all, run);
  if (best) save_checkpoint(dir_ + "/best.inks", model, stats.epoch, all, run);
  if (keep_ > 0 && stats.epoch - keep_ >= 1) {
    std::remove(epoch_file(dir_, stats.epoch - keep_).c_str());
  }
}

nlohmann::json Checkpointer::state() const {
  return {{"monitor", monitor_.state()}};
}

void Checkpointer::set_state(const nlohmann::json& state, Sequential&) {
  monitor_.set_state(state.at("monitor"));
}

}  // namespace inkstone
