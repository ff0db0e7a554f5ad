#pragma once
// Model specs: an architecture as JSON, so models can be defined without recompiling and saved
// with their weights.
//   {"input_shape": [1, 28, 28],
//    "layers": [{"type": "Conv2D", "filters": 32, "kernel_size": 3, "activation": "relu"},
//               {"type": "MaxPooling2D", "pool_size": 2}, {"type": "Flatten"},
//               {"type": "Dense", "units": 10, "activation": "softmax"}]}
// Each layer object holds "type", an optional "name", and the keys of that layer's config().
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "inkstone/nn/layer.hpp"
#include "inkstone/nn/sequential.hpp"

namespace inkstone {

// Creates an unbuilt layer from its type and config; throws Error naming the bad key or value.
LayerPtr make_layer(const std::string& type, const nlohmann::json& config);
// Layer types make_layer knows.
std::vector<std::string> layer_types();

// Spec <-> model. model_from_spec builds the model (weights initialized from seed).
nlohmann::json spec_of(const Sequential& model);
Sequential model_from_spec(const nlohmann::json& spec, uint64_t seed = 1);

// Named architectures: "mlp", "lenet5", "seed-cnn" (the tutorial's Keras CNN). The input shape
// and class count default to MNIST's.
std::vector<std::string> preset_names();
nlohmann::json preset_spec(const std::string& name, const Shape& input_shape = {1, 28, 28},
                           int num_classes = 10);

}  // namespace inkstone
