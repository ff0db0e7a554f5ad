#pragma once
// Model specs: an architecture as JSON, so models can be defined without recompiling and saved
// with their weights.
//   {"input_shape": [1, 28, 28],
//    "layers": [{"type": "Conv2D", "filters": 32, "kernel_size": 3, "activation": "relu"},
//               {"type": "MaxPooling2D", "pool_size": 2}, {"type": "Flatten"},
//               {"type": "Dense", "units": 10, "activation": "softmax"}]}
// Each layer object holds "type", an optional "name" (unnamed layers get Keras-style names), an
// optional "trainable": false for a frozen layer, and the keys of that layer's config().
// "input_shape" (no batch dimension, NCHW: channels first) has 1 to 3 positive sizes.
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

// Spec <-> model. model_from_spec builds the model (weights initialized from seed) and throws
// Error naming the layer index and key that is wrong ("model spec: layers[3]: missing key
// \"type\""). spec_of(model_from_spec(s)) lists every config key explicitly.
nlohmann::json spec_of(const Sequential& model);
Sequential model_from_spec(const nlohmann::json& spec, uint64_t seed = 1);

// Named architectures; the input shape and class count default to MNIST's:
//   mlp:      Flatten -> Dense(128, relu) -> Dense(classes, softmax)    (101,770 params on MNIST)
//   lenet5:   Conv2D(6, 5x5, same, relu) -> AveragePooling2D(2) -> Conv2D(16, 5x5, relu) ->
//             AveragePooling2D(2) -> Flatten -> Dense(120, relu) -> Dense(84, relu) ->
//             Dense(classes, softmax)                                      (61,706 params)
//   seed-cnn: the tutorial's Keras CNN: Conv2D(32, 3x3, relu) -> MaxPooling2D(2) ->
//             Conv2D(64, 3x3, relu) -> MaxPooling2D(2) -> Conv2D(64, 3x3, relu) -> Flatten ->
//             Dense(64, relu) -> Dense(classes, softmax)                   (93,322 params)
// (Keras flattens NHWC, we flatten NCHW: the feature order differs, the parameter count not.)
std::vector<std::string> preset_names();
// The line recognizer (vision/line_reader.hpp): a fully convolutional model of 1 x height x width
// strips whose output is per-frame class scores [classes, 1, width / 4 - 4], trained with CTC
// (nn/ctc.hpp); classes counts the blank. Height must be 32.
nlohmann::json line_cnn_spec(int height, int width, int classes);
nlohmann::json preset_spec(const std::string& name, const Shape& input_shape = {1, 28, 28},
                           int num_classes = 10);

}  // namespace inkstone
