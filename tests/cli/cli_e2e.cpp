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

}  // namespace
}  // namespace inkstone
