#include "inkstone/nn/transfer.hpp"

#include <cctype>
#include <cmath>

#include "inkstone/nn/spec.hpp"
#include "inkstone/tensor/error.hpp"

namespace inkstone {

namespace {

std::string layer_names(const Sequential& m) {
  std::string s;
  for (size_t i = 0; i < m.size(); ++i) s += (i ? ", " : "") + m.layer(i).name();
  return s;
}

bool all_digits(const std::string& s) {
  if (s.empty()) return false;
  for (char c : s)
    if (!std::isdigit(static_cast<unsigned char>(c))) return false;
  return true;
}

// A layer by name or 0-based index.
size_t resolve(const Sequential& m, const std::string& s) {
  if (all_digits(s)) {
    const size_t i = s.size() > 6 ? m.size() : std::stoul(s);
    if (i >= m.size())
      throw Error("layer index " + s + " is out of range (the model has " +
                  std::to_string(m.size()) + " layers)");
    return i;
  }
  return layer_index(m, s);
}

void check_range(const Sequential& m, LayerRange r) {
  if (r.first > r.last || r.last >= m.size())
    throw Error("layer range " + std::to_string(r.first) + ".." + std::to_string(r.last) +
                " is empty or outside the model's " + std::to_string(m.size()) + " layers");
}

}  // namespace

size_t layer_index(const Sequential& m, const std::string& name) {
  for (size_t i = 0; i < m.size(); ++i)
    if (m.layer(i).name() == name) return i;
  throw Error("the model has no layer named '" + name + "' (layers: " + layer_names(m) + ")");
}

LayerRange parse_layer_range(const Sequential& m, const std::string& text) {
  if (m.size() == 0) throw Error("the model has no layers");
  const size_t last = m.size() - 1;
  LayerRange r;
  if (text == "all") {
    r = {0, last};
  } else if (text.rfind("up-to:", 0) == 0) {
    r = {0, resolve(m, text.substr(6))};
  } else if (text.rfind("from:", 0) == 0) {
    r = {resolve(m, text.substr(5)), last};
  } else if (const size_t dots = text.find(".."); dots != std::string::npos) {
    r = {resolve(m, text.substr(0, dots)), resolve(m, text.substr(dots + 2))};
  } else {
    const size_t i = resolve(m, text);
    r = {i, i};
  }
  check_range(m, r);
  return r;
}

void set_trainable(Sequential& m, LayerRange r, bool trainable) {
  check_range(m, r);
  for (size_t i = r.first; i <= r.last; ++i) m.layer(i).set_trainable(trainable);
}

void set_lr_multiplier(Sequential& m, LayerRange r, float multiplier) {
  check_range(m, r);
  if (!(multiplier >= 0) || !std::isfinite(multiplier))
    throw Error("a learning-rate multiplier must be a finite number >= 0");
  for (size_t i = r.first; i <= r.last; ++i)
    for (Param* p : m.layer(i).params()) p->lr_multiplier = multiplier;
}

void replace_head(Sequential& m, int num_classes) {
  if (!m.built()) throw Error("replace_head: the model is not built");
  if (num_classes < 1) throw Error("replace_head: the new head needs at least one class");
  if (m.size() == 0 || m.layer(m.size() - 1).type() != "Dense")
    throw Error("replace_head: the model's last layer is not a Dense layer" +
                (m.size() ? " (it is " + m.layer(m.size() - 1).type() + ")" : std::string()));
  const std::string old_name = m.layer(m.size() - 1).name();
  nlohmann::json config = m.layer(m.size() - 1).config();
  config.erase("name");
  config.erase("trainable");
  config["units"] = num_classes;
  m.pop();
  LayerPtr head = make_layer("Dense", config);
  // A Keras-style name that neither the model nor the old head uses.
  for (int k = 1;; ++k) {
    const std::string name = "dense_" + std::to_string(k);
    bool taken = name == old_name;
    for (size_t i = 0; i < m.size() && !taken; ++i) taken = m.layer(i).name() == name;
    if (!taken) {
      head->set_name(name);
      break;
    }
  }
  m.add(std::move(head));
}

}  // namespace inkstone
