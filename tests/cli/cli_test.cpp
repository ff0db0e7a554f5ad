// The command line: help, usage errors, and one clear line plus a non-zero exit for bad input.
#include <gtest/gtest.h>

#include <cstdint>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "cli/cli_run.hpp"
#include "cli/tiny_mnist.hpp"

namespace inkstone {
namespace {

namespace fs = std::filesystem;
using testing::count_lines;
using testing::IdxSpec;
using testing::make_data;
using testing::run_cli;

std::string train_on(const fs::path& root) {
  return "train --dataset mnist --model mlp --epochs 1 --no-download --data " + root.string();
}

void expect_one_line_error(const testing::CliResult& r, const std::string& needle) {
  EXPECT_EQ(r.code, 1) << r.err;
  EXPECT_EQ(count_lines(r.err), 1) << r.err;
  EXPECT_NE(r.err.find(needle), std::string::npos) << "stderr: " << r.err;
}

TEST(Cli, HelpListsCommands) {
  const auto r = run_cli("--help");
  EXPECT_EQ(r.code, 0);
  for (const char* cmd :
       {"train", "finetune", "eval", "compare", "predict", "synth", "summary", "data", "plot"}) {
    EXPECT_NE(r.out.find(cmd), std::string::npos) << cmd;
  }
  for (const char* cmd : {"train", "finetune", "eval", "compare", "predict", "synth strings",
                          "summary", "data", "data info", "data download", "plot"}) {
    const auto h = run_cli(std::string(cmd) + " --help");
    EXPECT_EQ(h.code, 0) << cmd;
    EXPECT_NE(h.out.find("--"), std::string::npos) << cmd;
  }
}

TEST(Cli, UsageErrorsExitTwo) {
  auto r = run_cli("train --no-such-flag");
  EXPECT_EQ(r.code, 2);
  EXPECT_NE(r.err.find("no-such-flag"), std::string::npos) << r.err;
  r = run_cli("");
  EXPECT_EQ(r.code, 2);
  r = run_cli("train --epochs zero");
  EXPECT_EQ(r.code, 2);
  r = run_cli("frobnicate");
  EXPECT_EQ(r.code, 2);
}

TEST(Cli, ScheduleAndSplitUsageErrorsExitTwo) {
  auto r = run_cli("train --lr-schedule linear --no-download");
  EXPECT_EQ(r.code, 2);
  EXPECT_NE(r.err.find("unknown lr schedule 'linear'"), std::string::npos) << r.err;
  r = run_cli("train --lr-schedule cosine:warmup=-1 --no-download");
  EXPECT_EQ(r.code, 2);
  EXPECT_NE(r.err.find("warmup must be >= 0"), std::string::npos) << r.err;
  r = run_cli("train --validate split --no-download");
  EXPECT_EQ(r.code, 2);
  EXPECT_NE(r.err.find("--validation-split"), std::string::npos) << r.err;
  r = run_cli("train --validation-split 1.5 --no-download");
  EXPECT_EQ(r.code, 2);
  r = run_cli("train --recipe slow --no-download");
  EXPECT_EQ(r.code, 2);
  EXPECT_NE(r.err.find("slow"), std::string::npos) << r.err;
}

TEST(Cli, TrainingToolkitFlagsCheckTheirValues) {
  const fs::path root = make_data("toolkit", IdxSpec{});
  const std::string train = train_on(root);
  auto r = run_cli(train + " --augment blur=1");
  EXPECT_EQ(r.code, 2);
  EXPECT_NE(r.err.find("unknown transform 'blur'"), std::string::npos) << r.err;
  r = run_cli(train + " --stratified");
  EXPECT_EQ(r.code, 2);
  EXPECT_NE(r.err.find("--validation-split"), std::string::npos) << r.err;
  r = run_cli(train + " --resume /no/such/checkpoint.inks");
  EXPECT_EQ(r.code, 2);
  r = run_cli(train + " --monitor val_los");
  EXPECT_EQ(r.code, 2);
  expect_one_line_error(run_cli(train + " --class-weight 1,2"), "2 weights for 10 classes");
  expect_one_line_error(run_cli(train + " --class-fraction 0-12=0.5"), "classes are 0..9");
  expect_one_line_error(
      run_cli(train + " --lr-schedule plateau --monitor val_loss --validate none"),
      "cannot monitor val_loss");
  // A plain model file is not a checkpoint.
  const fs::path model = fs::path(INKSTONE_TEST_TMP) / "toolkit.inks";
  ASSERT_EQ(run_cli(train + " --save " + model.string()).code, 0);
  expect_one_line_error(run_cli(train + " --resume " + model.string()), "not a checkpoint");
  // Every toolkit option at once runs on tiny data.
  r = run_cli(train +
              " --validation-split 0.25 --stratified --augment shift=1,noise=0.05 "
              "--balanced-sampling --class-weight balanced --label-smoothing 0.1 "
              "--early-stopping 3 --lr-schedule plateau:patience=1 --per-class "
              "--class-fraction 0=0.5 --train-limit 40");
  ASSERT_EQ(r.code, 0) << r.err;
  EXPECT_NE(r.out.find("Training subset: 40 images"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("val recall: 0 "), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("Augmentation: shift=1,noise=0.05"), std::string::npos) << r.out;
}

TEST(Cli, DataShowAndPlotRejectBadInput) {
  const fs::path root = make_data("show", IdxSpec{});
  const fs::path png = fs::path(INKSTONE_TEST_TMP) / "show.png";
  auto r = run_cli("data show mnist --count 16 --out " + png.string() + " --data " + root.string());
  ASSERT_EQ(r.code, 0) << r.err;
  EXPECT_EQ(testing::read_text(png.string()).substr(1, 3), "PNG");
  expect_one_line_error(
      run_cli("data show mnist --start 64 --data " + root.string() + " --out " + png.string()),
      "past the end");
  r = run_cli("data show mnist --augment rotate=x --data " + root.string());
  EXPECT_EQ(r.code, 2);
  expect_one_line_error(run_cli("data show mnist --out /no/such/dir/x.png --data " + root.string()),
                        "x.png");
  expect_one_line_error(run_cli("plot " + png.string()), "not a JSON line");
}

TEST(Cli, RecipeSetsOptionsThatExplicitOnesOverride) {
  const fs::path root = make_data("recipe", IdxSpec{});
  // The fast recipe on tiny data, with its epochs overridden: the model and schedule are the
  // recipe's, the epoch count is ours.
  const auto r =
      run_cli("train --recipe fast --epochs 1 --validation-split 0.25 --no-download --data " +
              root.string());
  ASSERT_EQ(r.code, 0) << r.err;
  EXPECT_NE(r.out.find("Recipe: fast"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("Model: fast-cnn"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("schedule onecycle:pct=0.2,div=10,final_div=100"), std::string::npos)
      << r.out;
  EXPECT_NE(r.out.find("1 epoch,"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("val_accuracy"), std::string::npos) << r.out;  // the split, not "none"
  EXPECT_EQ(r.out.find("Epoch 2/"), std::string::npos) << r.out;
}

TEST(Cli, UnknownDatasetAndModel) {
  expect_one_line_error(run_cli("train --dataset no-such-set --no-download"), "no-such-set");
  const fs::path root = make_data("ok", IdxSpec{});
  expect_one_line_error(
      run_cli("train --model no-such-model --no-download --data " + root.string()),
      "no-such-model");
}

TEST(Cli, SummaryOfSeedCnn) {
  const auto r = run_cli("summary seed-cnn");
  EXPECT_EQ(r.code, 0) << r.err;
  EXPECT_NE(r.out.find("93,322"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("conv2d"), std::string::npos);
}

TEST(Cli, TruncatedIdx) {
  IdxSpec s;
  s.pixel_bytes = 1000;
  expect_one_line_error(run_cli(train_on(make_data("truncated", s))), "truncated");
}

TEST(Cli, WrongMagic) {
  IdxSpec s;
  s.image_magic = 0x804;
  expect_one_line_error(run_cli(train_on(make_data("magic", s))), "magic");
}

TEST(Cli, CountMismatch) {
  IdxSpec s;
  s.labels = 63;
  const auto r = run_cli(train_on(make_data("mismatch", s)));
  expect_one_line_error(r, "64");
  EXPECT_NE(r.err.find("63"), std::string::npos) << r.err;
}

TEST(Cli, ZeroAndAbsurdDimensions) {
  IdxSpec zero;
  zero.rows = 0;
  zero.pixel_bytes = 0;
  auto r = run_cli(train_on(make_data("zero", zero)));
  EXPECT_EQ(r.code, 1) << r.err;
  EXPECT_EQ(count_lines(r.err), 1) << r.err;
  IdxSpec huge;
  huge.images = 2000000000u;
  huge.labels = 64;
  huge.pixel_bytes = 64 * 784;
  r = run_cli(train_on(make_data("huge", huge)));
  EXPECT_EQ(r.code, 1) << r.err;
  EXPECT_EQ(count_lines(r.err), 1) << r.err;
}

TEST(Cli, CorruptModelFile) {
  const fs::path p = fs::path(INKSTONE_TEST_TMP) / "corrupt.inks";
  {
    std::ofstream out(p, std::ios::binary);
    out << "INKS this is not a model";
  }
  const auto r = run_cli("eval " + p.string() + " --no-download");
  EXPECT_EQ(r.code, 1) << r.err;
  EXPECT_EQ(count_lines(r.err), 1) << r.err;
  EXPECT_NE(r.err.find("corrupt.inks"), std::string::npos) << r.err;
  const auto missing = run_cli("eval /nonexistent/model.inks --no-download");
  EXPECT_EQ(missing.code, 1);
  EXPECT_NE(missing.err.find("model.inks"), std::string::npos) << missing.err;
}

TEST(Cli, TrainSaveEvalOnTinyData) {
  const fs::path root = make_data("tiny", IdxSpec{});
  const fs::path model = fs::path(INKSTONE_TEST_TMP) / "tiny.inks";
  fs::remove(model);
  const auto r = run_cli(train_on(root) + " --batch-size 16 --save " + model.string());
  ASSERT_EQ(r.code, 0) << r.err;
  EXPECT_NE(r.out.find("Epoch 1/1"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("Test accuracy: "), std::string::npos) << r.out;
  ASSERT_TRUE(fs::exists(model));
  const auto e = run_cli("eval " + model.string() + " --no-download --data " + root.string());
  EXPECT_EQ(e.code, 0) << e.err;
  EXPECT_NE(e.out.find("Accuracy: "), std::string::npos) << e.out;
  const auto s = run_cli("summary " + model.string());
  EXPECT_EQ(s.code, 0) << s.err;
  EXPECT_NE(s.out.find("dense"), std::string::npos) << s.out;
}

TEST(Cli, SameSeedAndThreadsGiveBitIdenticalModelFiles) {
  const fs::path root = make_data("determinism", IdxSpec{});
  const std::string base = std::string(INKSTONE_TEST_TMP) + "/det_";
  for (const char* name : {"a", "b", "c"}) fs::remove(base + name + ".inks");
  const std::string cmd =
      "--threads 2 train --dataset mnist --model seed-cnn --epochs 1 "
      "--batch-size 16 --no-download --validate none --data " +
      root.string();
  ASSERT_EQ(run_cli(cmd + " --seed 5 --save " + base + "a.inks").code, 0);
  ASSERT_EQ(run_cli(cmd + " --seed 5 --save " + base + "b.inks").code, 0);
  ASSERT_EQ(run_cli(cmd + " --seed 6 --save " + base + "c.inks").code, 0);
  const std::string a = testing::read_text(base + "a.inks");
  EXPECT_GT(a.size(), 93322u * 4);
  EXPECT_TRUE(a == testing::read_text(base + "b.inks"));
  EXPECT_FALSE(a == testing::read_text(base + "c.inks"));
}

}  // namespace
}  // namespace inkstone
