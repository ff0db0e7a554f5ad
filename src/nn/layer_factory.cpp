// make_layer / layer_types (declared in nn/spec.hpp): a layer from its Keras-like type and config.
#include <array>
#include <cmath>
#include <functional>
#include <initializer_list>
#include <optional>

#include "inkstone/nn/activation_layers.hpp"
#include "inkstone/nn/batch_norm.hpp"
#include "inkstone/nn/conv2d.hpp"
#include "inkstone/nn/dense.hpp"
#include "inkstone/nn/dropout.hpp"
#include "inkstone/nn/flatten.hpp"
#include "inkstone/nn/pooling.hpp"
#include "inkstone/nn/spec.hpp"
#include "inkstone/tensor/error.hpp"

namespace inkstone {

namespace {

using json = nlohmann::json;

constexpr int64_t kMaxSize = int64_t{1} << 24;  // bound on sizes, so they fit every int index

std::string join(const std::vector<std::string>& items) {
  std::string out;
  for (const auto& s : items) out += (out.empty() ? "" : ", ") + s;
  return out;
}

// Reads one layer's config, checking every key and value; errors name the type, key and value.
class ConfigReader {
 public:
  ConfigReader(std::string type, const json& config, std::initializer_list<const char*> keys)
      : type_(std::move(type)), config_(config) {
    if (config_.is_null()) return;
    if (!config_.is_object()) {
      throw Error(type_ + ": config must be a JSON object, got " + config_.dump());
    }
    for (const auto& item : config_.items()) {
      const std::string& key = item.key();
      if (key == "type" || key == "name") continue;
      bool known = false;
      for (const char* k : keys) known = known || key == k;
      if (!known) {
        std::vector<std::string> names(keys.begin(), keys.end());
        throw Error(
            type_ + ": unknown key '" + key + "' = " + item.value().dump() +
            (names.empty() ? " (this layer takes no keys)" : " (known: " + join(names) + ")"));
      }
    }
  }

  int positive_int(const char* key, int fallback) const {
    const json* v = find(key);
    if (v == nullptr) return fallback;
    return to_positive_int(key, *v, "a positive integer");
  }

  // An int n (meaning [n, n]) or a pair [h, w] of positive ints; null or missing -> fallback.
  std::optional<std::array<int, 2>> pair(const char* key,
                                         std::optional<std::array<int, 2>> fallback) const {
    const json* v = find(key);
    if (v == nullptr || v->is_null()) return fallback;
    const char* expect = "a positive integer or a pair [h, w] of positive integers";
    if (v->is_array()) {
      if (v->size() != 2) fail(key, expect, *v);
      return std::array<int, 2>{to_positive_int(key, (*v)[0], expect, v),
                                to_positive_int(key, (*v)[1], expect, v)};
    }
    const int n = to_positive_int(key, *v, expect);
    return std::array<int, 2>{n, n};
  }

  bool boolean(const char* key, bool fallback) const {
    const json* v = find(key);
    if (v == nullptr) return fallback;
    if (!v->is_boolean()) fail(key, "true or false", *v);
    return v->get<bool>();
  }

  // A number accepted by ok(x), described by `expect`.
  float number(const char* key, float fallback, const char* expect,
               const std::function<bool(double)>& ok) const {
    const json* v = find(key);
    if (v == nullptr) return fallback;
    if (!v->is_number() || !std::isfinite(v->get<double>()) || !ok(v->get<double>())) {
      fail(key, expect, *v);
    }
    return static_cast<float>(v->get<double>());
  }

  Activation activation(const char* key, Activation fallback,
                        std::initializer_list<Activation> excluded = {}) const {
    const json* v = find(key);
    if (v == nullptr || v->is_null()) return fallback;  // null: Keras' activation=None
    std::vector<std::string> names;
    for (const auto& name : activation_names()) {
      bool skip = false;
      for (Activation a : excluded) skip = skip || activation_name(a) == name;
      if (!skip) names.push_back(name);
    }
    const std::string expect = "one of " + join(names);
    if (!v->is_string()) fail(key, expect, *v);
    for (const auto& name : names) {
      if (v->get<std::string>() == name) return parse_activation(name);
    }
    fail(key, expect, *v);
  }

  Padding padding(const char* key, Padding fallback) const {
    const json* v = find(key);
    if (v == nullptr) return fallback;
    const std::string s = v->is_string() ? v->get<std::string>() : "";
    if (s == "valid") return Padding::kValid;
    if (s == "same") return Padding::kSame;
    fail(key, "\"valid\" or \"same\"", *v);
  }

  // A name ("he_normal") or a Keras object {"class_name": "HeNormal", ...}.
  Initializer initializer(const char* key, Initializer fallback) const {
    const json* v = find(key);
    if (v == nullptr) return fallback;
    const std::string expect = "one of " + join(initializer_names());
    std::string name;
    if (v->is_string()) {
      name = v->get<std::string>();
    } else if (v->is_object() && v->contains("class_name") && v->at("class_name").is_string()) {
      // "GlorotUniform" -> "glorot_uniform"
      for (char ch : v->at("class_name").get<std::string>()) {
        if (ch >= 'A' && ch <= 'Z') {
          if (!name.empty()) name += '_';
          name += static_cast<char>(ch - 'A' + 'a');
        } else {
          name += ch;
        }
      }
    }
    for (const auto& known : initializer_names()) {
      if (name == known) return parse_initializer(name);
    }
    fail(key, expect, *v);
  }

 private:
  const json* find(const char* key) const {
    if (!config_.is_object()) return nullptr;
    auto it = config_.find(key);
    return it == config_.end() ? nullptr : &*it;
  }

  int to_positive_int(const char* key, const json& v, const char* expect,
                      const json* whole = nullptr) const {
    if (!v.is_number_integer()) fail(key, expect, whole ? *whole : v);
    const bool neg = v.is_number_unsigned() ? false : v.get<int64_t>() < 1;
    if (neg || (v.is_number_unsigned() ? v.get<uint64_t>() > static_cast<uint64_t>(kMaxSize)
                                       : v.get<int64_t>() > kMaxSize)) {
      fail(key, std::string(expect) + " (at most " + std::to_string(kMaxSize) + ")",
           whole ? *whole : v);
    }
    return static_cast<int>(v.get<int64_t>());
  }

  [[noreturn]] void fail(const char* key, const std::string& expect, const json& v) const {
    throw Error(type_ + ": '" + key + "' must be " + expect + ", got " + v.dump());
  }

  std::string type_;
  const json& config_;
};

using Factory = LayerPtr (*)(const json& config);

LayerPtr make_dense(const json& config) {
  ConfigReader r("Dense", config, {"units", "activation", "use_bias", "kernel_initializer"});
  if (!config.is_object() || !config.contains("units")) {
    throw Error("Dense: missing key 'units' (a positive integer)");
  }
  return std::make_unique<Dense>(r.positive_int("units", 1),
                                 r.activation("activation", Activation::kLinear),
                                 r.boolean("use_bias", true),
                                 r.initializer("kernel_initializer", Initializer::kGlorotUniform));
}

LayerPtr make_conv2d(const json& config) {
  ConfigReader r("Conv2D", config,
                 {"filters", "kernel_size", "strides", "padding", "activation", "use_bias",
                  "kernel_initializer"});
  for (const char* key : {"filters", "kernel_size"}) {
    if (!config.is_object() || !config.contains(key)) {
      throw Error(std::string("Conv2D: missing key '") + key + "'");
    }
  }
  return std::make_unique<Conv2D>(
      r.positive_int("filters", 1), *r.pair("kernel_size", std::array<int, 2>{1, 1}),
      *r.pair("strides", std::array<int, 2>{1, 1}), r.padding("padding", Padding::kValid),
      r.activation("activation", Activation::kLinear, {Activation::kSoftmax}),
      r.boolean("use_bias", true),
      r.initializer("kernel_initializer", Initializer::kGlorotUniform));
}

template <typename Pool>
LayerPtr make_pool(const char* type, const json& config) {
  ConfigReader r(type, config, {"pool_size", "strides", "padding"});
  const std::array<int, 2> pool = *r.pair("pool_size", std::array<int, 2>{2, 2});
  // Keras: strides default (or null) = pool_size.
  const std::array<int, 2> strides = r.pair("strides", std::nullopt).value_or(pool);
  return std::make_unique<Pool>(pool, strides, r.padding("padding", Padding::kValid));
}

template <typename L>
LayerPtr make_plain(const char* type, const json& config) {
  ConfigReader r(type, config, {});
  return std::make_unique<L>();
}

struct Entry {
  const char* type;
  Factory make;
};

const Entry kFactories[] = {
    {"Conv2D", make_conv2d},
    {"Dense", make_dense},
    {"MaxPooling2D", [](const json& c) { return make_pool<MaxPooling2D>("MaxPooling2D", c); }},
    {"AveragePooling2D",
     [](const json& c) { return make_pool<AveragePooling2D>("AveragePooling2D", c); }},
    {"Flatten", [](const json& c) { return make_plain<Flatten>("Flatten", c); }},
    {"ReLU", [](const json& c) { return make_plain<ReLU>("ReLU", c); }},
    {"LeakyReLU",
     [](const json& c) -> LayerPtr {
       ConfigReader r("LeakyReLU", c, {"alpha"});
       return std::make_unique<LeakyReLU>(r.number(
           "alpha", LeakyReLU::kDefaultAlpha, "a number >= 0", [](double a) { return a >= 0; }));
     }},
    {"Sigmoid", [](const json& c) { return make_plain<Sigmoid>("Sigmoid", c); }},
    {"Tanh", [](const json& c) { return make_plain<Tanh>("Tanh", c); }},
    {"Softmax", [](const json& c) { return make_plain<Softmax>("Softmax", c); }},
    {"Dropout",
     [](const json& c) -> LayerPtr {
       ConfigReader r("Dropout", c, {"rate"});
       if (!c.is_object() || !c.contains("rate")) {
         throw Error("Dropout: missing key 'rate' (a number in [0, 1))");
       }
       return std::make_unique<Dropout>(
           r.number("rate", 0, "a number in [0, 1)", [](double v) { return v >= 0 && v < 1; }));
     }},
    {"BatchNormalization",
     [](const json& c) -> LayerPtr {
       ConfigReader r("BatchNormalization", c, {"momentum", "epsilon"});
       return std::make_unique<BatchNormalization>(
           r.number("momentum", 0.99f, "a number in [0, 1]",
                    [](double v) { return v >= 0 && v <= 1; }),
           r.number("epsilon", 1e-3f, "a positive number", [](double v) { return v > 0; }));
     }},
};

}  // namespace

LayerPtr make_layer(const std::string& type, const nlohmann::json& config) {
  for (const Entry& e : kFactories) {
    if (type == e.type) return e.make(config);
  }
  throw Error("unknown layer type '" + type + "' (known: " + join(layer_types()) + ")");
}

std::vector<std::string> layer_types() {
  std::vector<std::string> out;
  for (const Entry& e : kFactories) out.emplace_back(e.type);
  return out;
}

}  // namespace inkstone
