#pragma once
// Partial loading: copy the weights of a saved model into another model by tensor name
// ("<layer name>/<param or buffer>"), as Keras's load_weights(by_name=True) does — the way to
// reuse a pretrained network's features in a model with a different head or extra layers.
#include <string>
#include <vector>

#include "inkstone/nn/sequential.hpp"

namespace inkstone {

struct WeightLoadReport {
  std::vector<std::string> loaded;       // tensors copied from the file
  std::vector<std::string> skipped;      // "name: shape (a) in the file, (b) in the model"
  std::vector<std::string> initialized;  // model tensors the file does not have (kept as built)
  std::vector<std::string> unused;       // file tensors the model does not have
  // A few lines for people: counts, then the skipped and initialized tensors by name.
  std::string str() const;
};

// Copies every tensor of `path` whose name the built model also has. A tensor whose shape
// differs is an Error naming it and both shapes, unless skip_mismatch (then it is skipped and
// reported). Nothing is copied when an error is thrown.
WeightLoadReport load_weights_by_name(Sequential& model, const std::string& path,
                                      bool skip_mismatch = false);

}  // namespace inkstone
