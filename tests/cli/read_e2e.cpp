// `inkstone read`, `bench read` and `synth strings` end to end with a model trained on MNIST:
// digit strings with gaps and boxed forms composed from MNIST test digits are read back.
#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>
#include <string>

#include <nlohmann/json.hpp>

#include "cli/cli_run.hpp"
#include "inkstone/data/image.hpp"

namespace inkstone {
namespace {

namespace fs = std::filesystem;

TEST(ReadE2e, DigitStringsAndBoxedFormsAreReadBack) {
  ASSERT_NE(std::getenv("INKSTONE_DATA"), nullptr) << "INKSTONE_DATA must point at the datasets";
  const fs::path dir = fs::path(INKSTONE_TEST_TMP) / "read_e2e";
  fs::remove_all(dir);
  fs::create_directories(dir);
  const std::string model = (dir / "fast.inks").string();
  auto r = testing::run_cli("train --recipe fast --no-download --save " + model);
  ASSERT_EQ(r.code, 0) << r.err;

  const std::string gaps = (dir / "gaps").string(), boxes = (dir / "boxes").string();
  r = testing::run_cli(
      "synth strings --count 100 --length 5 --layout gaps --seed 5 --no-download --out " + gaps);
  ASSERT_EQ(r.code, 0) << r.err;
  r = testing::run_cli(
      "synth strings --count 100 --length 5 --layout boxes --empty 0.1 --seed 5 --no-download "
      "--out " +
      boxes);
  ASSERT_EQ(r.code, 0) << r.err;

  r = testing::run_cli("bench read " + model + " " + gaps + " --json");
  ASSERT_EQ(r.code, 0) << r.err;
  nlohmann::json j = nlohmann::json::parse(r.out);
  EXPECT_EQ(j["images"], 100);
  // The fast recipe's model (about 99.2% on MNIST) read 85% of such strings whole when this
  // test was written; a broken segmenter reads almost none.
  EXPECT_GE(j["string_accuracy"].get<double>(), 0.75) << r.out;
  EXPECT_GE(j["digit_accuracy"].get<double>(), 0.95) << r.out;

  r = testing::run_cli("bench read " + model + " " + boxes + " --boxes --json");
  ASSERT_EQ(r.code, 0) << r.err;
  j = nlohmann::json::parse(r.out);
  EXPECT_GE(j["cell_accuracy"].get<double>(), 0.97) << r.out;  // empty cells included

  // One image read with --json and --annotate.
  const std::string image = (fs::path(gaps) / "string-00000.png").string();
  const std::string annotated = (dir / "annotated.png").string();
  r = testing::run_cli("read " + model + " " + image + " --json --annotate " + annotated);
  ASSERT_EQ(r.code, 0) << r.err;
  j = nlohmann::json::parse(r.out);
  EXPECT_EQ(j["file"], image);
  ASSERT_TRUE(j["digits"].is_array());
  EXPECT_EQ(j["text"].get<std::string>().size(), j["digits"].size());
  for (const auto& d : j["digits"]) {
    EXPECT_GT(d["box"]["width"].get<int>(), 0);
    EXPECT_EQ(d["top"].size(), 3u);
  }
  const Image a = read_png(annotated);
  EXPECT_EQ(a.channels, 3);

  // An ensemble of the model with itself reads exactly as the model (the mean of equal
  // probabilities); a missing ensemble member is an error.
  r = testing::run_cli("read " + model + " " + image + " --json --ensemble " + model);
  ASSERT_EQ(r.code, 0) << r.err;
  EXPECT_EQ(nlohmann::json::parse(r.out)["text"], j["text"]);
  r = testing::run_cli("read " + model + " " + image + " --ensemble " + (dir / "no.inks").string());
  EXPECT_NE(r.code, 0);
  EXPECT_NE(r.err.find("no.inks"), std::string::npos) << r.err;

  // A blank page is an error naming the file, not a crash or an empty answer.
  const std::string blank = (dir / "blank.png").string();
  write_png(blank, Image(300, 100, 1, 240));
  r = testing::run_cli("read " + model + " " + blank);
  EXPECT_EQ(r.code, 1);
  EXPECT_NE(r.err.find("blank.png"), std::string::npos) << r.err;
  r = testing::run_cli("read --boxes " + model + " " + image);
  EXPECT_EQ(r.code, 1);
  EXPECT_NE(r.err.find("no printed boxes"), std::string::npos) << r.err;
}

}  // namespace
}  // namespace inkstone
