// `inkstone train-line` on tiny MNIST-format data, and a line model in `read` and `bench read`:
// training writes a model marked as a line model and reports each epoch; read and bench read
// read strings with it (text, digits with boxes inside the image, JSON), also as an ensemble;
// --boxes, --ensemble with a classifier, and bad training options are clear errors.
#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <string>

#include <nlohmann/json.hpp>

#include "cli/cli_run.hpp"
#include "cli/tiny_mnist.hpp"

namespace inkstone {
namespace {

namespace fs = std::filesystem;
using testing::run_cli;

struct Trained {
  std::string data;  // " --dataset mnist --data DIR --no-download"
  fs::path model, strings, classifier;
  testing::CliResult train, synth;
};

// Per process (ctest runs the tests of this file in parallel processes).
const Trained& trained() {
  static const Trained t = [] {
    Trained x;
    const std::string tag = "trainline_" + std::to_string(::getpid());
    const fs::path root = testing::make_data(tag, testing::IdxSpec{});
    x.data = " --dataset mnist --data " + root.string() + " --no-download";
    x.model = fs::path(INKSTONE_TEST_TMP) / (tag + ".inks");
    x.strings = fs::path(INKSTONE_TEST_TMP) / (tag + "_strings");
    fs::remove_all(x.strings);
    x.train = run_cli("train-line --out " + x.model.string() +
                      " --strings 200 --val-strings 20 --epochs 1 --batch-size 50" + x.data);
    x.classifier = fs::path(INKSTONE_TEST_TMP) / (tag + "_mlp.inks");
    run_cli("train --model mlp --epochs 1 --save " + x.classifier.string() + x.data);
    x.synth = run_cli("synth strings --count 3 --length 4 --layout touching --out " +
                      x.strings.string() + x.data);
    return x;
  }();
  return t;
}

TEST(TrainLineCli, TrainsAndSavesALineModel) {
  const Trained& t = trained();
  ASSERT_EQ(t.train.code, 0) << t.train.err;
  EXPECT_NE(t.train.out.find("Made 200 training and 20 validation strings of 3-6 digits"),
            std::string::npos)
      << t.train.out;
  EXPECT_NE(t.train.out.find("Epoch 1/1"), std::string::npos) << t.train.out;
  EXPECT_NE(t.train.out.find("(saved)"), std::string::npos) << t.train.out;
  ASSERT_TRUE(fs::exists(t.model));
  const auto s = run_cli("summary " + t.model.string());
  EXPECT_EQ(s.code, 0) << s.err;
}

TEST(TrainLineCli, ReadAndBenchReadUseTheLineModel) {
  const Trained& t = trained();
  ASSERT_EQ(t.train.code, 0) << t.train.err;
  ASSERT_EQ(t.synth.code, 0) << t.synth.err;
  const std::string image = (t.strings / "string-00000.png").string();
  auto r = run_cli("read " + t.model.string() + " " + image + " --json");
  ASSERT_EQ(r.code, 0) << r.err;
  const nlohmann::json j = nlohmann::json::parse(r.out);
  const std::string text = j.at("text");
  ASSERT_EQ(j.at("digits").size(), text.size());
  for (const auto& d : j.at("digits")) {
    EXPECT_GE(d.at("box").at("x").get<int>(), 0);
    EXPECT_GT(d.at("box").at("width").get<int>(), 0);
    EXPECT_NE(d.at("label").get<std::string>(), "blank");
  }
  for (char c : text) EXPECT_TRUE(c >= '0' && c <= '9') << text;
  r = run_cli("bench read " + t.model.string() + " " + t.strings.string() + " --json");
  ASSERT_EQ(r.code, 0) << r.err;
  const nlohmann::json b = nlohmann::json::parse(r.out);
  EXPECT_EQ(b.at("images"), 3);
  EXPECT_EQ(b.at("failures"), 0);
  // An ensemble of a line model with itself averages equal probabilities: the same readings.
  r = run_cli("bench read " + t.model.string() + " " + t.strings.string() + " --json --ensemble " +
              t.model.string());
  ASSERT_EQ(r.code, 0) << r.err;
  const nlohmann::json e = nlohmann::json::parse(r.out);
  EXPECT_EQ(e.at("strings_right"), b.at("strings_right"));
  EXPECT_EQ(e.at("digit_accuracy"), b.at("digit_accuracy"));
}

TEST(TrainLineCli, LineModelMisuseAndBadOptionsAreErrors) {
  const Trained& t = trained();
  ASSERT_EQ(t.train.code, 0) << t.train.err;
  const std::string image = (t.strings / "string-00000.png").string();
  auto r = run_cli("read --boxes " + t.model.string() + " " + image);
  EXPECT_EQ(r.code, 1);
  EXPECT_NE(r.err.find("line model"), std::string::npos) << r.err;
  r = run_cli("read " + t.model.string() + " " + image + " --ensemble " + t.classifier.string());
  EXPECT_EQ(r.code, 1);
  EXPECT_NE(r.err.find("--ensemble"), std::string::npos) << r.err;
  const std::string out = " --out " + (fs::path(INKSTONE_TEST_TMP) / "never.inks").string();
  r = run_cli("train-line --min-length 5 --max-length 3" + out + t.data);
  EXPECT_EQ(r.code, 1);
  EXPECT_NE(r.err.find("--min-length"), std::string::npos) << r.err;
  r = run_cli("train-line --width 130 --strings 100 --val-strings 10" + out + t.data);
  EXPECT_EQ(r.code, 1);
  EXPECT_NE(r.err.find("multiple of 4"), std::string::npos) << r.err;
  r = run_cli("train-line --strings 5" + out + t.data);  // below the range
  EXPECT_NE(r.code, 0);
  EXPECT_FALSE(fs::exists(fs::path(INKSTONE_TEST_TMP) / "never.inks"));
}

}  // namespace
}  // namespace inkstone
