// make_layer / layer_types: configs to layers and back, and the errors for bad configs.
#include <gtest/gtest.h>

#include <algorithm>
#include <string>

#include "inkstone/nn/conv2d.hpp"
#include "inkstone/nn/dense.hpp"
#include "inkstone/nn/spec.hpp"
#include "inkstone/tensor/error.hpp"

namespace inkstone {
namespace {

using json = nlohmann::json;

TEST(LayerFactory, KnowsEveryLayerType) {
  const auto types = layer_types();
  for (const char* t :
       {"Conv2D", "Dense", "MaxPooling2D", "AveragePooling2D", "Flatten", "ReLU", "LeakyReLU",
        "Sigmoid", "Tanh", "Softmax", "Dropout", "BatchNormalization"}) {
    EXPECT_NE(std::find(types.begin(), types.end(), t), types.end()) << t;
    json config = json::object();
    if (std::string(t) == "Conv2D") config = {{"filters", 2}, {"kernel_size", 3}};
    if (std::string(t) == "Dense") config = {{"units", 2}};
    if (std::string(t) == "Dropout") config = {{"rate", 0.5}};
    const LayerPtr layer = make_layer(t, config);
    ASSERT_NE(layer, nullptr);
    EXPECT_EQ(layer->type(), t);
  }
  EXPECT_EQ(types.size(), 12u);
}

// type + config -> layer -> config() gives the same config back, and again after a second trip.
TEST(LayerFactory, RoundTripsFullConfigs) {
  const std::pair<const char*, json> cases[] = {
      {"Conv2D",
       {{"filters", 16},
        {"kernel_size", {5, 3}},
        {"strides", {2, 1}},
        {"padding", "same"},
        {"activation", "relu"},
        {"use_bias", false},
        {"kernel_initializer", "he_normal"}}},
      {"Dense",
       {{"units", 10},
        {"activation", "softmax"},
        {"use_bias", true},
        {"kernel_initializer", "glorot_uniform"}}},
      {"Dense",
       {{"units", 3},
        {"activation", "leaky_relu"},
        {"use_bias", true},
        {"kernel_initializer", "he_uniform"}}},
      {"MaxPooling2D", {{"pool_size", {3, 3}}, {"strides", {2, 2}}, {"padding", "valid"}}},
      {"AveragePooling2D", {{"pool_size", {2, 1}}, {"strides", {1, 1}}, {"padding", "same"}}},
      {"Flatten", json::object()},
      {"ReLU", json::object()},
      {"Sigmoid", json::object()},
      {"Tanh", json::object()},
      {"Softmax", json::object()},
      {"LeakyReLU", {{"alpha", 0.1}}},
      {"Dropout", {{"rate", 0.25}}},
      {"BatchNormalization", {{"momentum", 0.9}, {"epsilon", 1e-5}}},
  };
  for (const auto& [type, config] : cases) {
    const LayerPtr layer = make_layer(type, config);
    EXPECT_EQ(layer->type(), type);
    EXPECT_EQ(layer->config(), config) << type << ": " << layer->config().dump();
    EXPECT_EQ(make_layer(type, layer->config())->config(), config) << type;
  }
}

TEST(LayerFactory, FillsInKerasDefaults) {
  EXPECT_EQ(make_layer("Dense", {{"units", 64}})->config(),
            json({{"units", 64},
                  {"activation", "linear"},
                  {"use_bias", true},
                  {"kernel_initializer", "glorot_uniform"}}));
  EXPECT_EQ(make_layer("Conv2D", {{"filters", 32}, {"kernel_size", 3}})->config(),
            json({{"filters", 32},
                  {"kernel_size", {3, 3}},
                  {"strides", {1, 1}},
                  {"padding", "valid"},
                  {"activation", "linear"},
                  {"use_bias", true},
                  {"kernel_initializer", "glorot_uniform"}}));
  // Pooling strides default to the pool size (also when null, as Keras writes it).
  EXPECT_EQ(make_layer("MaxPooling2D", {{"pool_size", 3}})->config(),
            json({{"pool_size", {3, 3}}, {"strides", {3, 3}}, {"padding", "valid"}}));
  EXPECT_EQ(make_layer("AveragePooling2D", {{"pool_size", {2, 3}}, {"strides", nullptr}})->config(),
            json({{"pool_size", {2, 3}}, {"strides", {2, 3}}, {"padding", "valid"}}));
  EXPECT_EQ(make_layer("MaxPooling2D", json::object())->config()["pool_size"], json({2, 2}));
  EXPECT_EQ(make_layer("LeakyReLU", json::object())->config(), json({{"alpha", 0.3}}));
  EXPECT_EQ(make_layer("BatchNormalization", nullptr)->config(),
            json({{"momentum", 0.99}, {"epsilon", 0.001}}));
  // "type" and "name" may come along from a spec; activation null means linear (Keras' None).
  const LayerPtr d = make_layer(
      "Dense", {{"type", "Dense"}, {"name", "head"}, {"units", 4}, {"activation", nullptr}});
  EXPECT_EQ(d->config()["activation"], "linear");
  // Keras-style initializer objects are understood.
  EXPECT_EQ(make_layer("Dense", {{"units", 2},
                                 {"kernel_initializer",
                                  {{"class_name", "HeNormal"}, {"config", {{"seed", nullptr}}}}}})
                ->config()["kernel_initializer"],
            "he_normal");
}

// The error message contains every fragment.
void expect_error(const std::string& type, const json& config,
                  std::initializer_list<std::string> fragments) {
  try {
    make_layer(type, config);
    ADD_FAILURE() << type << " " << config.dump() << ": no error";
  } catch (const Error& e) {
    for (const auto& f : fragments) {
      EXPECT_NE(std::string(e.what()).find(f), std::string::npos)
          << "'" << f << "' not in: " << e.what();
    }
  }
}

TEST(LayerFactory, NamesTheBadKeyAndValue) {
  expect_error("Conv3D", json::object(), {"Conv3D", "Conv2D", "Dense"});
  expect_error("Dense", {{"units", 4}, {"unitz", 5}}, {"Dense", "unitz", "5"});
  expect_error("Flatten", {{"data_format", "channels_last"}}, {"Flatten", "data_format"});
  expect_error("Dense", {{"units", "64"}}, {"Dense", "units", "\"64\""});
  expect_error("Dense", {{"units", 0}}, {"Dense", "units", "0"});
  expect_error("Dense", {{"units", 2.5}}, {"Dense", "units", "2.5"});
  expect_error("Dense", json::object(), {"Dense", "units"});
  expect_error("Dense", {{"units", 4}, {"use_bias", "yes"}}, {"Dense", "use_bias", "yes"});
  expect_error("Dense", {{"units", 4}, {"activation", "gelu"}}, {"Dense", "activation", "gelu"});
  expect_error("Dense", {{"units", 4}, {"kernel_initializer", "orthogonal"}},
               {"Dense", "kernel_initializer", "orthogonal"});
  expect_error("Conv2D", {{"filters", 8}}, {"Conv2D", "kernel_size"});
  expect_error("Conv2D", {{"filters", -8}, {"kernel_size", 3}}, {"Conv2D", "filters", "-8"});
  expect_error("Conv2D", {{"filters", 8}, {"kernel_size", {3, 0}}},
               {"Conv2D", "kernel_size", "[3,0]"});
  expect_error("Conv2D", {{"filters", 8}, {"kernel_size", {3, 3, 3}}},
               {"Conv2D", "kernel_size", "[3,3,3]"});
  expect_error("Conv2D", {{"filters", 8}, {"kernel_size", 3}, {"strides", 0}},
               {"Conv2D", "strides", "0"});
  expect_error("Conv2D", {{"filters", 8}, {"kernel_size", 3}, {"padding", "full"}},
               {"Conv2D", "padding", "full"});
  expect_error("Conv2D", {{"filters", 8}, {"kernel_size", 3}, {"activation", "softmax"}},
               {"Conv2D", "activation", "softmax"});
  expect_error("MaxPooling2D", {{"pool_size", {2, -2}}}, {"MaxPooling2D", "pool_size", "-2"});
  expect_error("AveragePooling2D", {{"padding", 1}}, {"AveragePooling2D", "padding", "1"});
  expect_error("Dropout", {{"rate", 1.0}}, {"Dropout", "rate", "1.0"});
  expect_error("Dropout", {{"rate", "half"}}, {"Dropout", "rate", "half"});
  expect_error("Dropout", json::object(), {"Dropout", "rate"});
  expect_error("LeakyReLU", {{"alpha", -1}}, {"LeakyReLU", "alpha", "-1"});
  expect_error("BatchNormalization", {{"momentum", 2}}, {"BatchNormalization", "momentum", "2"});
  expect_error("BatchNormalization", {{"epsilon", 0}}, {"BatchNormalization", "epsilon", "0"});
  expect_error("BatchNormalization", {{"axis", -1}}, {"BatchNormalization", "axis"});
  expect_error("Dense", json::array({1, 2}), {"Dense", "[1,2]"});
}

TEST(LayerFactory, BuiltLayersWork) {
  const LayerPtr conv = make_layer("Conv2D", {{"filters", 4},
                                              {"kernel_size", 3},
                                              {"padding", "same"},
                                              {"strides", 2},
                                              {"activation", "relu"}});
  Rng rng(1);
  EXPECT_EQ(conv->build({1, 28, 28}, rng), Shape({4, 14, 14}));
  auto* c = dynamic_cast<Conv2D*>(conv.get());
  ASSERT_NE(c, nullptr);
  EXPECT_EQ(c->activation(), Activation::kRelu);
  EXPECT_EQ(c->strides(), (std::array<int, 2>{2, 2}));
}

}  // namespace
}  // namespace inkstone
