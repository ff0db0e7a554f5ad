// Report pieces: the charts encode to PNGs that decode to the expected sizes and colours, the
// JSON holds the metrics, the HTML page embeds its figures and escapes its text.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "inkstone/data/image.hpp"
#include "inkstone/eval/confusion_chart.hpp"
#include "inkstone/eval/metrics.hpp"
#include "inkstone/eval/reliability_chart.hpp"
#include "inkstone/eval/report.hpp"
#include "inkstone/eval/sample_grid.hpp"
#include "inkstone/tensor/error.hpp"

namespace inkstone {
namespace {

// 3 classes, 6 samples: 0->0, 0->0, 1->1, 1->2, 2->2, 2->2.
ClassificationMetrics small_metrics(std::vector<float>* probs_out = nullptr,
                                    std::vector<int32_t>* labels_out = nullptr) {
  std::vector<float> p = {0.9f, 0.05f, 0.05f, 0.8f, 0.1f, 0.1f, 0.1f, 0.7f, 0.2f,
                          0.1f, 0.3f,  0.6f,  0.0f, 0.1f, 0.9f, 0.2f, 0.2f, 0.6f};
  std::vector<int32_t> y = {0, 0, 1, 1, 2, 2};
  ClassificationMetrics m = classification_metrics(p.data(), y.data(), 6, 3, {1, 2}, 10);
  if (probs_out) *probs_out = p;
  if (labels_out) *labels_out = y;
  return m;
}

Image round_trip(const Image& img) {
  const std::vector<uint8_t> png = encode_png(img);
  return decode_png(png.data(), png.size());
}

bool has_pixel(const Image& img, bool (*pred)(const uint8_t*)) {
  for (int y = 0; y < img.height; ++y)
    for (int x = 0; x < img.width; ++x)
      if (pred(img.at(x, y))) return true;
  return false;
}

bool bluish(const uint8_t* p) {
  return p[2] > 120 && p[0] < 80;
}
bool orangish(const uint8_t* p) {
  return p[0] > 200 && p[1] < 180 && p[2] < 120;
}

TEST(ConfusionChart, DrawsBlueDiagonalAndOrangeErrors) {
  const ClassificationMetrics m = small_metrics();
  const Image img = round_trip(draw_confusion_chart(m, {"zero", "one", "two"}));
  EXPECT_EQ(img.channels, 3);
  EXPECT_GE(img.width, 3 * 44);
  EXPECT_GE(img.height, 3 * 44);
  EXPECT_TRUE(has_pixel(img, bluish));
  EXPECT_TRUE(has_pixel(img, orangish));
  // A perfect classifier has no orange cells.
  const std::vector<float> p = {1, 0, 0, 1};
  const std::vector<int32_t> y = {0, 1};
  const Image perfect = draw_confusion_chart(classification_metrics(p.data(), y.data(), 2, 2), {});
  EXPECT_FALSE(has_pixel(perfect, orangish));
  EXPECT_THROW(draw_confusion_chart(m, {"a", "b"}), Error);  // 2 names for 3 classes
}

TEST(ReliabilityChart, HasItsFixedSize) {
  const Image img = round_trip(draw_reliability_chart(small_metrics()));
  EXPECT_EQ(img.width, 640);
  EXPECT_EQ(img.height, 750);
}

TEST(SampleGrid, LaysOutCaptionedTiles) {
  std::vector<uint8_t> pixels(28 * 28, 255);
  std::vector<CaptionedSample> samples(7, {pixels.data(), "true 4", "pred 9 99.9%", {200, 40, 40}});
  const Image img = round_trip(draw_sample_grid(samples, 28, 28, 4, "Worst errors", 3));
  // 4 columns of max(84, caption 71) + 12 px gaps; 2 rows of 84 + 2 * (7 + 4) + gaps.
  EXPECT_EQ(img.width, 12 + 4 * (84 + 12));
  EXPECT_EQ(img.height, (12 + 14 + 12) + 2 * (84 + 22 + 12));
  EXPECT_THROW(draw_sample_grid({}, 28, 28, 4, "x"), Error);
}

TEST(RobustnessChart, OneLinePerKind) {
  RobustnessSweep s;
  s.clean_accuracy = 0.99;
  s.points = {{"rotate", "deg", 10, 0.98}, {"rotate", "deg", 20, 0.9}, {"noise", "std", 0.1, 0.97}};
  const Image img = round_trip(draw_robustness_chart(s, "Robustness"));
  EXPECT_EQ(img.width, 1000);
  EXPECT_EQ(img.height, 640);
  const nlohmann::json j = robustness_to_json(s);
  ASSERT_EQ(j["corruptions"].size(), 2u);
  EXPECT_EQ(j["corruptions"][0]["levels"].size(), 2u);
  EXPECT_DOUBLE_EQ(j["corruptions"][1]["levels"][0]["accuracy"].get<double>(), 0.97);
  EXPECT_THROW(draw_robustness_chart({}, "x"), Error);
}

TEST(MetricsJson, HoldsEveryMetric) {
  const nlohmann::json j = metrics_to_json(small_metrics(), {"zero", "one", "two"});
  EXPECT_EQ(j["count"], 6);
  EXPECT_NEAR(j["accuracy"].get<double>(), 5.0 / 6, 1e-12);
  EXPECT_NEAR(j["top_k"]["2"].get<double>(), 1.0, 1e-12);
  EXPECT_EQ(j["classes"][1], "one");
  EXPECT_EQ(j["per_class"][2]["support"], 2);
  EXPECT_EQ(j["per_class"][2]["predicted"], 3);
  int64_t total = 0;
  for (const auto& row : j["confusion"])
    for (const auto& v : row) total += v.get<int64_t>();
  EXPECT_EQ(total, 6);
  EXPECT_EQ(j["most_confused"][0]["true"], "one");
  EXPECT_EQ(j["most_confused"][0]["predicted"], "two");
  EXPECT_EQ(j["calibration"]["bins"].size(), 10u);
}

TEST(WorstErrors, MostConfidentFirst) {
  std::vector<float> p;
  std::vector<int32_t> y;
  small_metrics(&p, &y);
  y[0] = 2;  // sample 0 (confidence 0.9) becomes an error too
  const std::vector<int64_t> w = worst_errors(p.data(), y.data(), 6, 3, 10);
  EXPECT_EQ(w, (std::vector<int64_t>{0, 3}));
  EXPECT_EQ(worst_errors(p.data(), y.data(), 6, 3, 1).size(), 1u);
}

TEST(Html, Base64MatchesRfc4648) {
  auto b64 = [](const std::string& s) {
    return base64_encode(reinterpret_cast<const uint8_t*>(s.data()), s.size());
  };
  EXPECT_EQ(b64(""), "");
  EXPECT_EQ(b64("f"), "Zg==");
  EXPECT_EQ(b64("fo"), "Zm8=");
  EXPECT_EQ(b64("foo"), "Zm9v");
  EXPECT_EQ(b64("foobar"), "Zm9vYmFy");
}

TEST(Html, EmbedsFiguresAndEscapesText) {
  const ClassificationMetrics m = small_metrics();
  HtmlReport r;
  r.title = "Model <script>alert(1)</script>";
  r.facts = {{"accuracy", "0.8333"}};
  r.metrics = &m;
  r.class_names = {"zero", "one", "t&o"};
  r.figures.push_back({"Confusion", "counts", encode_png(draw_confusion_chart(m, {}))});
  const std::string html = render_html_report(r);
  EXPECT_EQ(html.rfind("<!DOCTYPE html>", 0), 0u);
  EXPECT_EQ(html.find("<script>alert"), std::string::npos);
  EXPECT_NE(html.find("&lt;script&gt;"), std::string::npos);
  EXPECT_NE(html.find("t&amp;o"), std::string::npos);
  EXPECT_NE(html.find("src=\"data:image/png;base64,iVBORw0KGgo"), std::string::npos);
  EXPECT_EQ(html.find("http"), std::string::npos);  // self-contained
  EXPECT_NE(html.find("</html>"), std::string::npos);
  EXPECT_NE(html.find("data-figures"), std::string::npos);  // the page's own load check
}

}  // namespace
}  // namespace inkstone
