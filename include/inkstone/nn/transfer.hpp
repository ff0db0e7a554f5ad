#pragma once
// Fine-tuning a Sequential: choose layers by name or index, freeze and unfreeze them, scale
// their learning rates, and replace the classification head.
//
//   Sequential m = load_model("mnist.inks");
//   set_trainable(m, parse_layer_range(m, "up-to:flatten"), false);  // freeze the features
//   replace_head(m, 26);                                             // letters
//   set_lr_multiplier(m, parse_layer_range(m, "dense"), 0.1f);
//
// A frozen layer's parameters get no update and a frozen BatchNorm normalizes with its running
// statistics even in training (Layer::set_trainable), so frozen weights stay bit-identical.
#include <cstddef>
#include <string>

#include "inkstone/nn/sequential.hpp"

namespace inkstone {

struct LayerRange {
  size_t first = 0, last = 0;  // inclusive layer indices
};

// Index of the layer with this name; throws Error listing the model's layer names.
size_t layer_index(const Sequential& model, const std::string& name);

// A range of layers from text (a layer is named or given by its 0-based index):
//   "up-to:L"  layers 0 .. L          "from:L"  layers L .. last
//   "A..B"     layers A .. B          "L"       layer L alone
//   "all"      every layer
// Throws Error on an unknown layer, an empty range or a model without layers.
LayerRange parse_layer_range(const Sequential& model, const std::string& text);

// Freezes (false) or unfreezes (true) every layer of the range.
void set_trainable(Sequential& model, LayerRange range, bool trainable);
// Multiplies the learning rate of the range's parameters by `multiplier` (>= 0; 0 freezes the
// values without stopping back-propagation through them).
void set_lr_multiplier(Sequential& model, LayerRange range, float multiplier);

// Replaces the last layer, which must be a Dense layer, by a new Dense layer with num_classes
// units and the same configuration otherwise (activation, bias, initializer), initialized
// afresh; it gets a new Keras-style name ("dense_2") so weights loaded by name never land in
// it. The model must be built.
void replace_head(Sequential& model, int num_classes);

}  // namespace inkstone
