#include "inkstone/io/weight_loading.hpp"

#include <algorithm>
#include <map>
#include <utility>

#include "inkstone/io/model_file.hpp"
#include "inkstone/tensor/error.hpp"

namespace inkstone {

WeightLoadReport load_weights_by_name(Sequential& model, const std::string& path,
                                      bool skip_mismatch) {
  if (!model.built()) throw Error("load_weights_by_name: the model is not built");
  Sequential source = load_model(path);
  std::map<std::string, Tensor*> from;
  for (auto& [name, t] : named_tensors(source)) from[name] = t;
  WeightLoadReport r;
  std::vector<std::pair<Tensor*, const Tensor*>> copies;
  for (auto& [name, t] : named_tensors(model)) {
    const auto it = from.find(name);
    if (it == from.end()) {
      r.initialized.push_back(name);
      continue;
    }
    if (it->second->shape() != t->shape()) {
      const std::string what = name + ": shape " + it->second->shape().str() + " in " + path +
                               ", " + t->shape().str() + " in the model";
      if (!skip_mismatch)
        throw Error("cannot load weights by name: " + what +
                    " (skip mismatched tensors to load the rest)");
      r.skipped.push_back(what);
    } else {
      copies.push_back({t, it->second});
      r.loaded.push_back(name);
    }
    from.erase(it);
  }
  for (const auto& [name, t] : from) r.unused.push_back(name);
  for (auto& [to, src] : copies) std::copy(src->data(), src->data() + src->numel(), to->data());
  return r;
}

std::string WeightLoadReport::str() const {
  std::string s = "loaded " + std::to_string(loaded.size()) + " tensors, skipped " +
                  std::to_string(skipped.size()) + ", newly initialized " +
                  std::to_string(initialized.size()) + ", unused in the file " +
                  std::to_string(unused.size());
  for (const std::string& x : skipped) s += "\n  skipped " + x;
  for (const std::string& x : initialized) s += "\n  initialized " + x;
  return s;
}

}  // namespace inkstone
