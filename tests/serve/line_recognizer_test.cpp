// LineRecognizer: a saved line model loads with its strip size, frames, classes and blank; its
// scores are per-frame probabilities; a classifier is not a line model; an ensemble averages
// its members and refuses members that read other strips.
#include "inkstone/serve/line_recognizer.hpp"

#include <gtest/gtest.h>

#include <cmath>
#include <filesystem>
#include <string>

#include "inkstone/io/model_file.hpp"
#include "inkstone/nn/spec.hpp"
#include "inkstone/serve/recognizer.hpp"
#include "inkstone/tensor/error.hpp"

namespace inkstone {
namespace {

namespace fs = std::filesystem;

std::string save_line_model(int width, uint64_t seed, const std::string& name) {
  fs::create_directories(INKSTONE_TEST_TMP);
  const std::string path = (fs::path(INKSTONE_TEST_TMP) / name).string();
  Sequential model = model_from_spec(line_cnn_spec(32, width, 11), seed);
  LineReaderOptions o;
  o.blank = 10;
  for (int d = 0; d < 10; ++d) o.class_names.push_back(std::to_string(d));
  o.class_names.push_back("blank");
  save_model(model, path, line_model_metadata(o));
  return path;
}

Image some_strip(int width) {
  Image s(width, 32, 1, 0);
  for (int y = 6; y < 26; ++y)
    for (int x = 10; x < width - 10; x += 3) *s.at(x, y) = 255;
  return s;
}

TEST(LineRecognizer, LoadsOptionsAndScoresProbabilities) {
  auto r = LineRecognizer::load(save_line_model(64, 1, "line_a.inks"));
  const LineReaderOptions& o = r->options();
  EXPECT_EQ(o.input.height, 32);
  EXPECT_EQ(o.input.width, 64);
  EXPECT_EQ(o.frames, 12);
  EXPECT_EQ(o.classes, 11);
  EXPECT_EQ(o.blank, 10);
  EXPECT_EQ(o.class_names.at(3), "3");
  const std::vector<float> p = r->score(some_strip(64));
  ASSERT_EQ(p.size(), 12u * 11u);
  for (int f = 0; f < 12; ++f) {
    double sum = 0;
    for (int c = 0; c < 11; ++c) sum += p[static_cast<size_t>(f * 11 + c)];
    EXPECT_NEAR(sum, 1.0, 1e-5);
  }
  EXPECT_THROW(r->score(some_strip(128)), Error);  // not the model's strip
}

TEST(LineRecognizer, AClassifierIsNotALineModel) {
  const std::string path = (fs::path(INKSTONE_TEST_TMP) / "not_line.inks").string();
  Sequential mlp = model_from_spec(preset_spec("mlp"), 1);
  save_model(mlp, path);
  EXPECT_EQ(LineRecognizer::load_if_line(path), nullptr);
  EXPECT_THROW(LineRecognizer::load(path), Error);
}

// A line model given where a single-digit classifier is needed says where it does belong.
TEST(LineRecognizer, TheClassifierRecognizerPointsALineModelToRead) {
  const std::string path = save_line_model(64, 1, "line_for_serve.inks");
  try {
    Recognizer::load(path);
    FAIL() << "a line model loaded as a classifier";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("inkstone read"), std::string::npos) << e.what();
  }
}

TEST(LineRecognizer, EnsembleAveragesAndChecksItsMembers) {
  auto a = LineRecognizer::load(save_line_model(64, 1, "line_a.inks"));
  auto b = LineRecognizer::load(save_line_model(64, 2, "line_b.inks"));
  auto wide = LineRecognizer::load(save_line_model(128, 1, "line_wide.inks"));
  const Image strip = some_strip(64);
  const std::vector<float> pa = a->score(strip), pb = b->score(strip);
  const std::vector<float> mean = averaged_line_scorer({a.get(), b.get()})(strip);
  ASSERT_EQ(mean.size(), pa.size());
  for (size_t k = 0; k < mean.size(); ++k) EXPECT_NEAR(mean[k], (pa[k] + pb[k]) / 2, 1e-6);
  EXPECT_THROW(averaged_line_scorer({a.get(), wide.get()}), Error);
  EXPECT_THROW(averaged_line_scorer({}), Error);
}

}  // namespace
}  // namespace inkstone
