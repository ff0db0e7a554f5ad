// The command line on real MNIST (INKSTONE_DATA): train one epoch, save, evaluate the file.
#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>
#include <string>

#include <nlohmann/json.hpp>

#include "cli/cli_run.hpp"

namespace inkstone {
namespace {

namespace fs = std::filesystem;

std::string data_dir() {
  const char* d = std::getenv("INKSTONE_DATA");
  return d ? d : "";
}

TEST(CliE2e, TrainOneEpochSaveAndEvaluate) {
  ASSERT_FALSE(data_dir().empty()) << "INKSTONE_DATA must point at the datasets (see README)";
  const fs::path model = fs::path(INKSTONE_TEST_TMP) / "e2e_seed_cnn.inks";
  fs::remove(model);
  const auto t = testing::run_cli(
      "train --dataset mnist --model seed-cnn --epochs 1 --batch-size 64 --seed 1 --no-download "
      "--json --save " +
      model.string());
  ASSERT_EQ(t.code, 0) << t.err;
  const auto j = nlohmann::json::parse(t.out);
  EXPECT_EQ(j["epochs"].size(), 1u);
  const double acc = j["test_accuracy"].get<double>();
  EXPECT_GE(acc, 0.97) << t.out;  // one epoch of the tutorial's CNN (Keras: ~0.98)
  const auto e = testing::run_cli("eval " + model.string() + " --dataset mnist --json");
  ASSERT_EQ(e.code, 0) << e.err;
  const auto je = nlohmann::json::parse(e.out);
  EXPECT_EQ(je["count"].get<int>(), 10000);
  EXPECT_NEAR(je["accuracy"].get<double>(), acc, 1e-12);
}

// The fast recipe's accuracy claim (>= 99.0% on the real test set); its time is measured by
// `inkstone train --recipe fast` itself (docs/performance.md), not here.
TEST(CliE2e, FastRecipeReaches99Percent) {
  ASSERT_FALSE(data_dir().empty()) << "INKSTONE_DATA must point at the datasets (see README)";
  const auto t = testing::run_cli("train --recipe fast --dataset mnist --no-download --json");
  ASSERT_EQ(t.code, 0) << t.err;
  const auto j = nlohmann::json::parse(t.out);
  EXPECT_EQ(j["recipe"], "fast");
  EXPECT_EQ(j["model"], "fast-cnn");
  EXPECT_EQ(j["lr_schedule"], "onecycle:pct=0.2,div=10,final_div=100");
  ASSERT_EQ(j["epochs"].size(), 2u);
  EXPECT_FALSE(j["epochs"][0].contains("val_accuracy"));  // the recipe never looks at the test set
  EXPECT_GE(j["test_accuracy"].get<double>(), 0.990) << t.out;
}

// --validation-split holds out the training set's tail and validates on it.
TEST(CliE2e, ValidationSplitValidatesOnHeldOutTrainingImages) {
  ASSERT_FALSE(data_dir().empty()) << "INKSTONE_DATA must point at the datasets (see README)";
  const auto t = testing::run_cli(
      "train --dataset mnist --model mlp --epochs 1 --batch-size 256 --validation-split 0.2 "
      "--lr-schedule cosine:warmup=0.5 --no-download");
  ASSERT_EQ(t.code, 0) << t.err;
  EXPECT_NE(t.out.find("Training on 48,000 images, validating on 12,000 held-out training images"),
            std::string::npos)
      << t.out;
  EXPECT_NE(t.out.find("val_accuracy"), std::string::npos) << t.out;
  EXPECT_NE(t.out.find("schedule cosine:warmup=0.5,final=0"), std::string::npos) << t.out;
}

// `inkstone data show` draws exactly what training sees: the same seed gives the same PNG.
TEST(CliE2e, DataShowWritesADeterministicAugmentedGrid) {
  ASSERT_FALSE(data_dir().empty()) << "INKSTONE_DATA must point at the datasets (see README)";
  const std::string base = std::string(INKSTONE_TEST_TMP) + "/augmented_";
  const std::string args =
      "data show mnist --augment shift=2,rotate=10,scale=0.1,elastic=34:4 --count 64 --cols 8 "
      "--scale 2 --out ";
  const auto a = testing::run_cli(args + base + "a.png");
  ASSERT_EQ(a.code, 0) << a.err;
  ASSERT_EQ(testing::run_cli(args + base + "b.png").code, 0);
  ASSERT_EQ(testing::run_cli(args + base + "c.png --seed 2").code, 0);
  const std::string png = testing::read_text(base + "a.png");
  ASSERT_GT(png.size(), 1000u);
  EXPECT_EQ(png.substr(1, 3), "PNG");
  // IHDR: width and height, big-endian, at bytes 16..23: 2 + 8 * (56 + 2) = 466 square.
  auto be32 = [&](size_t at) {
    return (static_cast<uint32_t>(static_cast<uint8_t>(png[at])) << 24) |
           (static_cast<uint32_t>(static_cast<uint8_t>(png[at + 1])) << 16) |
           (static_cast<uint32_t>(static_cast<uint8_t>(png[at + 2])) << 8) |
           static_cast<uint32_t>(static_cast<uint8_t>(png[at + 3]));
  };
  EXPECT_EQ(be32(16), 466u);
  EXPECT_EQ(be32(20), 466u);
  EXPECT_TRUE(png == testing::read_text(base + "b.png"));
  EXPECT_FALSE(png == testing::read_text(base + "c.png"));
}

// A logged run plots to a PNG with both curves.
TEST(CliE2e, LogAndPlotATrainingRun) {
  ASSERT_FALSE(data_dir().empty()) << "INKSTONE_DATA must point at the datasets (see README)";
  const std::string log = std::string(INKSTONE_TEST_TMP) + "/e2e_run.jsonl";
  const std::string png = std::string(INKSTONE_TEST_TMP) + "/e2e_curves.png";
  const auto t = testing::run_cli(
      "train --model mlp --epochs 2 --validation-split 0.1 --no-download --log " + log);
  ASSERT_EQ(t.code, 0) << t.err;
  const std::string text = testing::read_text(log);
  EXPECT_EQ(testing::count_lines(text), 3) << text;  // config + 2 epochs
  EXPECT_NE(text.find("\"val_recall\""), std::string::npos);
  const auto p = testing::run_cli("plot " + log + " --out " + png + " --title mlp");
  ASSERT_EQ(p.code, 0) << p.err;
  EXPECT_EQ(testing::read_text(png).substr(1, 3), "PNG");
  const auto bad = testing::run_cli("plot " + png);  // not a log
  EXPECT_EQ(bad.code, 1);
}

}  // namespace
}  // namespace inkstone
