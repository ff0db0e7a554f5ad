// Model specs (architecture as JSON) and the named presets.
#include "inkstone/nn/spec.hpp"

#include <set>
#include <string>

#include "inkstone/tensor/error.hpp"

namespace inkstone {

namespace {

using nlohmann::json;

// Keys of a layer object that belong to the spec, not to the layer's config().
bool is_spec_key(const std::string& key) {
  return key == "type" || key == "name" || key == "trainable";
}

Shape parse_input_shape(const json& v) {
  const std::string what = "model spec: \"input_shape\"";
  if (!v.is_array() || v.empty() || v.size() > 3) {
    throw Error(what + " must be an array of 1 to 3 positive sizes like [1, 28, 28], got " +
                v.dump());
  }
  std::vector<int64_t> dims;
  for (const json& d : v) {
    if (!d.is_number_integer() || d.get<int64_t>() < 1 || d.get<int64_t>() > (int64_t{1} << 24)) {
      throw Error(what + " must hold positive integer sizes, got " + v.dump());
    }
    dims.push_back(d.get<int64_t>());
  }
  return Shape(dims);
}

json layer(const std::string& type, json config = json::object()) {
  config["type"] = type;
  return config;
}

json conv2d(int filters, int kernel, const std::string& activation,
            const std::string& padding = "valid") {
  return layer("Conv2D", {{"filters", filters},
                          {"kernel_size", kernel},
                          {"padding", padding},
                          {"activation", activation}});
}

json dense(int64_t units, const std::string& activation) {
  return layer("Dense", {{"units", units}, {"activation", activation}});
}

}  // namespace

json spec_of(const Sequential& model) {
  json spec = json::object();
  if (model.built()) spec["input_shape"] = model.input_shape().dims();
  json layers = json::array();
  for (size_t i = 0; i < model.size(); ++i) {
    const Layer& l = model.layer(i);
    json entry = json::object();
    const json config = l.config();
    if (config.is_object()) {
      for (auto it = config.begin(); it != config.end(); ++it) {
        if (!is_spec_key(it.key())) entry[it.key()] = it.value();
      }
    }
    entry["type"] = l.type();
    entry["name"] = l.name();
    if (!l.trainable()) entry["trainable"] = false;
    layers.push_back(std::move(entry));
  }
  spec["layers"] = std::move(layers);
  return spec;
}

Sequential model_from_spec(const json& spec, uint64_t seed) {
  if (!spec.is_object()) {
    throw Error("model spec: expected a JSON object with \"input_shape\" and \"layers\", got " +
                std::string(spec.type_name()));
  }
  if (!spec.contains("input_shape")) {
    throw Error("model spec: missing key \"input_shape\" (e.g. [1, 28, 28])");
  }
  const Shape input_shape = parse_input_shape(spec.at("input_shape"));
  if (!spec.contains("layers")) throw Error("model spec: missing key \"layers\"");
  const json& layers = spec.at("layers");
  if (!layers.is_array()) {
    throw Error("model spec: \"layers\" must be an array, got " + std::string(layers.type_name()));
  }
  if (layers.empty()) throw Error("model spec: \"layers\" is empty");

  Sequential model;
  std::set<std::string> names;
  for (size_t i = 0; i < layers.size(); ++i) {
    const json& entry = layers[i];
    const std::string where = "model spec: layers[" + std::to_string(i) + "]";
    if (!entry.is_object()) {
      throw Error(where + " must be an object, got " + std::string(entry.type_name()));
    }
    if (!entry.contains("type")) throw Error(where + ": missing key \"type\"");
    if (!entry.at("type").is_string()) {
      throw Error(where + ": \"type\" must be a string, got " + entry.at("type").dump());
    }
    const std::string type = entry.at("type").get<std::string>();
    std::string name;
    if (entry.contains("name")) {
      const json& n = entry.at("name");
      if (!n.is_string() || n.get<std::string>().empty()) {
        throw Error(where + " (" + type + "): \"name\" must be a non-empty string, got " +
                    n.dump());
      }
      name = n.get<std::string>();
      if (!names.insert(name).second) {
        throw Error(where + " (" + type + "): the name '" + name + "' is used by an earlier layer");
      }
    }
    bool trainable = true;
    if (entry.contains("trainable")) {
      if (!entry.at("trainable").is_boolean()) {
        throw Error(where + " (" + type + "): \"trainable\" must be true or false, got " +
                    entry.at("trainable").dump());
      }
      trainable = entry.at("trainable").get<bool>();
    }
    json config = json::object();
    for (auto it = entry.begin(); it != entry.end(); ++it) {
      if (!is_spec_key(it.key())) config[it.key()] = it.value();
    }
    LayerPtr l;
    try {
      l = make_layer(type, config);
    } catch (const Error& e) {
      throw Error(where + " (" + type + "): " + e.what());
    }
    if (!l) throw Error(where + ": unknown layer type '" + type + "'");
    if (!name.empty()) l->set_name(name);
    if (!trainable) l->set_trainable(false);
    try {
      model.add(std::move(l));
    } catch (const Error& e) {
      throw Error(where + " (" + type + "): " + e.what());
    }
  }
  try {
    model.build(input_shape, seed);
  } catch (const Error& e) {
    throw Error(std::string("model spec: ") + e.what());
  }
  return model;
}

json line_cnn_spec(int height, int width, int classes) {
  if (height != 32 || width < 32 || width % 4 != 0 || classes < 2)
    throw Error(
        "line-cnn: needs inputs 32 pixels high and a multiple of 4 (>= 32) wide, and >= 2 "
        "classes; got " +
        std::to_string(height) + "x" + std::to_string(width) + ", " + std::to_string(classes) +
        " classes");
  // Three 3x3 blocks (convolution, max pooling, batch normalization, ReLU) take the 32 x W strip
  // to 96 maps of 4 x W/4 (the last pooling halves the height only, so columns stay 4 pixels
  // apart); a 4x3 convolution reads each column whole (height 4 -> 1) and a 1x3 one widens the
  // context to about 1.7 digits; a 1x1 convolution gives each of the W/4 - 4 frames its class
  // scores. About 40 M multiply-accumulates for a 32 x 128 strip.
  json layers = json::array();
  const auto block = [&](int filters, json kernel, const char* padding, json pool) {
    layers.push_back(layer("Conv2D", {{"filters", filters},
                                      {"kernel_size", kernel},
                                      {"padding", padding},
                                      {"activation", "linear"},
                                      {"use_bias", false}}));
    if (!pool.is_null()) layers.push_back(layer("MaxPooling2D", {{"pool_size", pool}}));
    // Momentum 0.9 (not Keras's 0.99): the running statistics forget their initial values
    // within a few hundred steps, so that short trainings also infer well.
    layers.push_back(layer("BatchNormalization", {{"momentum", 0.9}}));
    layers.push_back(layer("ReLU"));
  };
  block(32, 3, "same", 2);
  block(64, 3, "same", 2);
  block(96, 3, "same", json::array({2, 1}));
  block(128, json::array({4, 3}), "valid", nullptr);
  block(128, json::array({1, 3}), "valid", nullptr);
  layers.push_back(layer("Dropout", {{"rate", 0.25}}));
  layers.push_back(
      layer("Conv2D", {{"filters", classes}, {"kernel_size", 1}, {"activation", "linear"}}));
  return json{{"input_shape", {1, height, width}}, {"layers", layers}};
}

std::vector<std::string> preset_names() {
  return {"mlp", "lenet5", "seed-cnn", "fast-cnn", "strong"};
}

json preset_spec(const std::string& name, const Shape& input_shape, int num_classes) {
  if (input_shape.rank() < 1 || input_shape.rank() > 3) {
    throw Error("preset '" + name + "': the input shape " + input_shape.str() +
                " must have 1 to 3 dimensions");
  }
  if (num_classes < 1) {
    throw Error("preset '" + name + "': the class count must be >= 1, got " +
                std::to_string(num_classes));
  }
  json layers = json::array();
  if (name == "mlp") {
    // The classic Keras MNIST MLP: 784 -> 128 (ReLU) -> classes (softmax); 101,770 parameters
    // for 1x28x28 inputs and 10 classes.
    layers = json::array({layer("Flatten"), dense(128, "relu"), dense(num_classes, "softmax")});
  } else if (name == "lenet5") {
    // LeCun et al. (1998), adapted as modern re-implementations do: 28x28 inputs padded "same"
    // in the first convolution (the original took 32x32 images), average pooling for the
    // subsampling layers, ReLU for the scaled tanh, a softmax output for the RBF units.
    // C1 6@28x28, S2 6@14x14, C3 16@10x10, S4 16@5x5, F5 120, F6 84, output; 61,706 parameters.
    layers = json::array(
        {conv2d(6, 5, "relu", "same"), layer("AveragePooling2D", {{"pool_size", 2}}),
         conv2d(16, 5, "relu", "valid"), layer("AveragePooling2D", {{"pool_size", 2}}),
         layer("Flatten"), dense(120, "relu"), dense(84, "relu"), dense(num_classes, "softmax")});
  } else if (name == "seed-cnn") {
    // The tutorial's Keras CNN, layer for layer. Keras flattens NHWC and we flatten NCHW: the
    // order of the 576 features differs, the parameter count (93,322) does not.
    layers = json::array({conv2d(32, 3, "relu"), layer("MaxPooling2D", {{"pool_size", 2}}),
                          conv2d(64, 3, "relu"), layer("MaxPooling2D", {{"pool_size", 2}}),
                          conv2d(64, 3, "relu"), layer("Flatten"), dense(64, "relu"),
                          dense(num_classes, "softmax")});
  } else if (name == "fast-cnn") {
    // The model of `inkstone train --recipe fast` (99% on MNIST in under 10 s on 2 cores),
    // chosen on a validation split (docs/performance.md): two 5x5 convolutions, each max-pooled
    // and then batch-normalized before its ReLU (normalizing the pooled map costs a quarter of
    // normalizing the convolution's output; the convolution and its pooling run fused), and a
    // linear classifier. About 1.05 M multiply-accumulates per 28x28 image (the seed CNN: 2.8 M);
    // 18,522 parameters (18,426 trainable) for 1x28x28 inputs and 10 classes.
    const auto conv_bn_block = [](int filters) {
      return std::vector<json>{layer("Conv2D", {{"filters", filters},
                                                {"kernel_size", 5},
                                                {"activation", "linear"},
                                                {"use_bias", false}}),
                               layer("MaxPooling2D", {{"pool_size", 2}}),
                               layer("BatchNormalization"), layer("ReLU")};
    };
    for (int filters : {16, 32})
      for (json& l : conv_bn_block(filters)) layers.push_back(std::move(l));
    layers.push_back(layer("Flatten"));
    layers.push_back(dense(num_classes, "softmax"));
  } else if (name == "strong") {
    // The accuracy model (`inkstone train --recipe strong`), after C. Deotte's Kaggle study of
    // MNIST CNNs (2018): two blocks of 3x3, 3x3 and strided 5x5 ("same") convolutions, 32 then
    // 64 filters, each convolution batch-normalized before its ReLU, dropout 0.4 after each
    // block and after a 128-unit dense layer. Learned downsampling replaces max pooling.
    // 326,826 parameters (325,994 trainable), about 15 M multiply-accumulates per 28x28 image.
    const auto conv_bn = [&](int filters, int kernel, int stride, const char* padding) {
      layers.push_back(layer("Conv2D", {{"filters", filters},
                                        {"kernel_size", kernel},
                                        {"strides", {stride, stride}},
                                        {"padding", padding},
                                        {"activation", "linear"},
                                        {"use_bias", false}}));
      layers.push_back(layer("BatchNormalization"));
      layers.push_back(layer("ReLU"));
    };
    for (int filters : {32, 64}) {
      conv_bn(filters, 3, 1, "valid");
      conv_bn(filters, 3, 1, "valid");
      conv_bn(filters, 5, 2, "same");
      layers.push_back(layer("Dropout", {{"rate", 0.4}}));
    }
    layers.push_back(layer("Flatten"));
    layers.push_back(
        layer("Dense", {{"units", 128}, {"activation", "linear"}, {"use_bias", false}}));
    layers.push_back(layer("BatchNormalization"));
    layers.push_back(layer("ReLU"));
    layers.push_back(layer("Dropout", {{"rate", 0.4}}));
    layers.push_back(dense(num_classes, "softmax"));
  } else {
    std::string known;
    for (const std::string& n : preset_names()) known += (known.empty() ? "" : ", ") + n;
    throw Error("unknown model preset '" + name + "' (known: " + known + ")");
  }
  return json{{"input_shape", input_shape.dims()}, {"layers", layers}};
}

}  // namespace inkstone
