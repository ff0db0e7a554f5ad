// Model specs: presets, round trips, and clear errors for bad specs.
#include "inkstone/nn/spec.hpp"

#include <gtest/gtest.h>

#include <fstream>
#include <functional>
#include <string>
#include <utility>

#include "inkstone/tensor/error.hpp"

namespace inkstone {
namespace {

using nlohmann::json;

std::string error_of(const std::function<void()>& fn) {
  try {
    fn();
  } catch (const Error& e) {
    return e.what();
  }
  return "";
}

// Expects fn to throw an Error whose message contains every part.
void expect_error(const std::function<void()>& fn, std::initializer_list<const char*> parts) {
  const std::string msg = error_of(fn);
  ASSERT_FALSE(msg.empty()) << "no Error thrown";
  for (const char* part : parts) EXPECT_NE(msg.find(part), std::string::npos) << msg;
}

TEST(Spec, PresetsBuildWithTheirParameterCounts) {
  EXPECT_EQ(preset_names(),
            (std::vector<std::string>{"mlp", "lenet5", "seed-cnn", "fast-cnn", "strong"}));
  const std::pair<const char*, int64_t> expected[] = {{"mlp", 101770},
                                                      {"lenet5", 61706},
                                                      {"seed-cnn", 93322},
                                                      {"fast-cnn", 18522},
                                                      {"strong", 326826}};
  for (const auto& [name, count] : expected) {
    Sequential m = model_from_spec(preset_spec(name));
    EXPECT_EQ(m.count_params(), count) << name;
    EXPECT_EQ(m.input_shape(), (Shape{1, 28, 28})) << name;
    EXPECT_EQ(m.output_shape(), (Shape{10})) << name;
    EXPECT_EQ(m.layer(m.size() - 1).config().at("activation"), "softmax") << name;
  }
}

TEST(Spec, SeedCnnIsTheTutorialNetwork) {
  const json spec = preset_spec("seed-cnn");
  const json& l = spec.at("layers");
  ASSERT_EQ(l.size(), 8u);
  const char* types[] = {"Conv2D", "MaxPooling2D", "Conv2D", "MaxPooling2D",
                         "Conv2D", "Flatten",      "Dense",  "Dense"};
  for (size_t i = 0; i < 8; ++i) EXPECT_EQ(l[i].at("type"), types[i]) << i;
  EXPECT_EQ(l[0].at("filters"), 32);
  EXPECT_EQ(l[2].at("filters"), 64);
  EXPECT_EQ(l[4].at("filters"), 64);
  EXPECT_EQ(l[6].at("units"), 64);
  EXPECT_EQ(l[6].at("activation"), "relu");
  EXPECT_EQ(l[7].at("units"), 10);
}

TEST(Spec, PresetsFollowInputShapeAndClassCount) {
  Sequential m = model_from_spec(preset_spec("seed-cnn", Shape{3, 32, 32}, 47));
  EXPECT_EQ(m.output_shape(), (Shape{47}));
  EXPECT_EQ(model_from_spec(preset_spec("mlp", Shape{20}, 2)).output_shape(), (Shape{2}));
  expect_error([] { preset_spec("resnet"); }, {"'resnet'", "mlp", "lenet5", "seed-cnn"});
  EXPECT_THROW(preset_spec("mlp", Shape{1, 28, 28}, 0), Error);
  // Too small for three 3x3 convolutions and two poolings: the error names the layer.
  expect_error(
      [] {
        model_from_spec(preset_spec("seed-cnn", Shape{1, 8, 8}));
      },
      {"model spec: layer 3", "'max_pooling2d_1'", "(64, 1, 1)"});
}

TEST(Spec, RoundTripKeepsEverything) {
  Sequential a = model_from_spec(preset_spec("lenet5"), 4);
  a.layer("conv2d").set_trainable(false);
  const json spec = spec_of(a);
  EXPECT_EQ(spec.at("input_shape"), json::array({1, 28, 28}));
  EXPECT_EQ(spec.at("layers")[0].at("name"), "conv2d");
  EXPECT_EQ(spec.at("layers")[0].at("trainable"), false);
  EXPECT_FALSE(spec.at("layers")[1].contains("trainable"));
  Sequential b = model_from_spec(spec, 4);
  EXPECT_EQ(spec_of(b), spec);
  EXPECT_FALSE(b.layer("conv2d").trainable());
  EXPECT_EQ(b.count_params(true), a.count_params(true));
  ASSERT_EQ(b.size(), a.size());
  for (size_t i = 0; i < a.size(); ++i) EXPECT_EQ(a.layer(i).name(), b.layer(i).name());
  // Spec round trip through text too.
  EXPECT_EQ(spec_of(model_from_spec(json::parse(spec.dump()))), spec);
}

TEST(Spec, CustomNamesAndBatchNormSurvive) {
  const json spec = {{"input_shape", {1, 8, 8}},
                     {"layers",
                      {{{"type", "Conv2D"}, {"name", "stem"}, {"filters", 4}, {"kernel_size", 3}},
                       {{"type", "BatchNormalization"}, {"momentum", 0.9}},
                       {{"type", "Flatten"}},
                       {{"type", "Dense"}, {"units", 3}, {"activation", "softmax"}}}}};
  Sequential m = model_from_spec(spec);
  EXPECT_EQ(m.layer(0).name(), "stem");
  EXPECT_EQ(m.layer(1).name(), "batch_normalization");
  EXPECT_EQ(spec_of(model_from_spec(spec_of(m))), spec_of(m));
}

TEST(Spec, BadSpecsGiveClearErrors) {
  const json ok_layer = {{"type", "Flatten"}};
  expect_error([] { model_from_spec(json::array()); }, {"JSON object"});
  expect_error([&] { model_from_spec({{"layers", {ok_layer}}}); }, {"\"input_shape\""});
  expect_error([] { model_from_spec({{"input_shape", {4}}}); }, {"\"layers\""});
  expect_error(
      [] {
        model_from_spec({{"input_shape", {4}}, {"layers", 3}});
      },
      {"\"layers\" must be an array"});
  expect_error(
      [] {
        model_from_spec({{"input_shape", {4}}, {"layers", json::array()}});
      },
      {"empty"});
  for (const json& shape :
       {json::array(), json{1, 2, 3, 4}, json{1, 0}, json{-3}, json{1.5}, json("28x28")}) {
    expect_error(
        [&] {
          model_from_spec({{"input_shape", shape}, {"layers", {ok_layer}}});
        },
        {"\"input_shape\""});
  }
  const auto with_layers = [](json layers) {
    return json{{"input_shape", {1, 4, 4}}, {"layers", std::move(layers)}};
  };
  expect_error(
      [&] {
        model_from_spec(with_layers({ok_layer, {{"units", 3}}}));
      },
      {"layers[1]", "\"type\""});
  expect_error(
      [&] {
        model_from_spec(with_layers({ok_layer, {{"type", 7}}}));
      },
      {"layers[1]", "\"type\""});
  expect_error([&] { model_from_spec(with_layers({ok_layer, 5})); }, {"layers[1]", "object"});
  expect_error(
      [&] {
        model_from_spec(with_layers({{{"type", "Capsule"}}}));
      },
      {"layers[0]", "'Capsule'"});
  expect_error(
      [&] {
        model_from_spec(with_layers({ok_layer, {{"type", "Dense"}, {"units", -1}}}));
      },
      {"layers[1]", "units"});
  expect_error(
      [&] {
        model_from_spec(with_layers({ok_layer, {{"type", "Dense"}, {"unit", 4}}}));
      },
      {"layers[1]", "unit"});
  expect_error(
      [&] {
        model_from_spec(with_layers({{{"type", "Flatten"}, {"name", "x"}},
                                     {{"type", "Dense"}, {"units", 2}, {"name", "x"}}}));
      },
      {"layers[1]", "'x'"});
  expect_error(
      [&] {
        model_from_spec(with_layers({{{"type", "Flatten"}, {"trainable", "no"}}}));
      },
      {"layers[0]", "trainable"});
  expect_error(
      [&] {
        model_from_spec(with_layers({{{"type", "Flatten"}, {"name", ""}}}));
      },
      {"layers[0]", "name"});
  // A Dense on an image without Flatten fails at build time, naming the layer.
  expect_error(
      [&] {
        model_from_spec(with_layers({{{"type", "Dense"}, {"units", 2}}}));
      },
      {"model spec: layer 0", "'dense'", "(1, 4, 4)"});
}

}  // namespace
}  // namespace inkstone

namespace inkstone {
namespace {

// The architectures of docs/training.md's Fashion-MNIST runs, kept as spec files.
TEST(SpecFiles, ExampleSpecsBuildWithTheirDocumentedSizes) {
  for (const auto& [file, params] :
       {std::pair<const char*, int64_t>{"strong-d25.json", 326826}, {"vgg6.json", 586282}}) {
    std::ifstream in(std::string(INKSTONE_SOURCE_DIR) + "/examples/specs/" + file);
    ASSERT_TRUE(in) << file;
    nlohmann::json spec = nlohmann::json::parse(in);
    spec["input_shape"] = {1, 28, 28};
    Sequential m = model_from_spec(spec, 1);
    EXPECT_EQ(m.count_params(), params) << file;
    EXPECT_EQ(m.output_shape(), Shape{10}) << file;
  }
}

}  // namespace
}  // namespace inkstone
