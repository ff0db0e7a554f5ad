// `inkstone eval` and `inkstone compare` on a tiny generated dataset: the JSON holds consistent
// metrics, --report writes every file (PNGs that decode to their sizes, a self-contained HTML
// page), compare runs McNemar's test, and bad input gets one clear error line.
#include <gtest/gtest.h>
#include <unistd.h>

#include <cstdint>
#include <filesystem>
#include <string>

#include <nlohmann/json.hpp>

#include "cli/cli_run.hpp"
#include "cli/tiny_mnist.hpp"
#include "inkstone/data/image.hpp"

namespace inkstone {
namespace {

namespace fs = std::filesystem;
using testing::run_cli;

struct Fixture {
  fs::path data, model, model2;
};

const Fixture& fixture() {
  static const Fixture f = [] {
    // Per process: ctest runs the tests of this file in parallel processes.
    const std::string tag = "eval_" + std::to_string(::getpid());
    Fixture x;
    x.data = testing::make_data(tag, testing::IdxSpec{});
    x.model = fs::path(INKSTONE_TEST_TMP) / (tag + "_a.inks");
    x.model2 = fs::path(INKSTONE_TEST_TMP) / (tag + "_b.inks");
    const std::string train =
        "train --dataset mnist --model mlp --no-download --data " + x.data.string();
    EXPECT_EQ(run_cli(train + " --epochs 1 --save " + x.model.string()).code, 0);
    EXPECT_EQ(run_cli(train + " --epochs 2 --seed 7 --save " + x.model2.string()).code, 0);
    return x;
  }();
  return f;
}

std::string eval_cmd(const std::string& extra) {
  return "eval " + fixture().model.string() + " --no-download --data " + fixture().data.string() +
         " " + extra;
}

TEST(EvalCli, JsonMetricsAreConsistent) {
  const auto r = run_cli(eval_cmd("--json --top-k 1,2"));
  ASSERT_EQ(r.code, 0) << r.err;
  const nlohmann::json j = nlohmann::json::parse(r.out);
  EXPECT_EQ(j["count"], 64);
  int64_t total = 0, diagonal = 0, support = 0;
  for (size_t t = 0; t < j["confusion"].size(); ++t) {
    for (size_t p = 0; p < j["confusion"][t].size(); ++p) {
      total += j["confusion"][t][p].get<int64_t>();
      if (t == p) diagonal += j["confusion"][t][p].get<int64_t>();
    }
  }
  for (const auto& c : j["per_class"]) support += c["support"].get<int64_t>();
  EXPECT_EQ(total, 64);
  EXPECT_EQ(support, 64);
  EXPECT_NEAR(j["accuracy"].get<double>(), diagonal / 64.0, 1e-12);
  EXPECT_NEAR(j["top_k"]["1"].get<double>(), j["accuracy"].get<double>(), 1e-12);
  EXPECT_GE(j["top_k"]["2"].get<double>(), j["accuracy"].get<double>());
  EXPECT_EQ(j["calibration"]["bins"].size(), 15u);
  EXPECT_FALSE(j.contains("robustness"));
}

TEST(EvalCli, TextSummaryShowsTheConfusionMatrix) {
  const auto r = run_cli(eval_cmd("--robustness --corruption rotate,invert"));
  ASSERT_EQ(r.code, 0) << r.err;
  EXPECT_NE(r.out.find("Confusion matrix"), std::string::npos);
  EXPECT_NE(r.out.find("macro avg"), std::string::npos);
  EXPECT_NE(r.out.find("ECE"), std::string::npos);
  EXPECT_NE(r.out.find("rotate"), std::string::npos);
  EXPECT_NE(r.out.find("invert"), std::string::npos);
  EXPECT_EQ(r.out.find("occlude"), std::string::npos);
}

TEST(EvalCli, ReportDirectoryHoldsEveryFile) {
  const fs::path dir = fs::path(INKSTONE_TEST_TMP) / ("eval_report_" + std::to_string(::getpid()));
  fs::remove_all(dir);
  const auto r = run_cli(eval_cmd("--report " + dir.string()));
  ASSERT_EQ(r.code, 0) << r.err;
  const nlohmann::json j =
      nlohmann::json::parse(testing::read_text((dir / "report.json").string()));
  EXPECT_EQ(j["count"], 64);
  EXPECT_EQ(j["robustness"]["corruptions"].size(), 10u);
  struct Png {
    const char* name;
    int width, height;  // 0: only checked to be positive
  };
  for (const Png& p : {Png{"confusion.png", 0, 0}, Png{"misclassified.png", 0, 0},
                       Png{"reliability.png", 640, 750}, Png{"robustness.png", 1000, 640}}) {
    const Image img = read_png((dir / p.name).string());
    EXPECT_EQ(img.channels, 3) << p.name;
    if (p.width > 0) {
      EXPECT_EQ(img.width, p.width) << p.name;
      EXPECT_EQ(img.height, p.height) << p.name;
    } else {
      EXPECT_GT(img.width, 100) << p.name;
    }
  }
  const std::string html = testing::read_text((dir / "report.html").string());
  size_t images = 0;
  for (size_t at = html.find("data:image/png;base64,"); at != std::string::npos;
       at = html.find("data:image/png;base64,", at + 1))
    ++images;
  EXPECT_EQ(images, 4u);
  EXPECT_NE(html.find("id=\"robustness\""), std::string::npos);
  for (const auto& e : fs::directory_iterator(dir))
    EXPECT_EQ(e.path().string().find(".tmp"), std::string::npos) << e.path();
}

TEST(EvalCli, CompareRunsMcNemar) {
  const Fixture& f = fixture();
  const std::string data = " --no-download --data " + f.data.string();
  auto r = run_cli("compare " + f.model.string() + " " + f.model.string() + data + " --json");
  ASSERT_EQ(r.code, 0) << r.err;
  nlohmann::json j = nlohmann::json::parse(r.out);
  EXPECT_EQ(j["disagreements"].size(), 0u);
  EXPECT_DOUBLE_EQ(j["mcnemar"]["p_value"].get<double>(), 1.0);
  r = run_cli("compare " + f.model.string() + " " + f.model2.string() + data + " --json");
  ASSERT_EQ(r.code, 0) << r.err;
  j = nlohmann::json::parse(r.out);
  const int64_t only_a = j["mcnemar"]["only_a_right"], only_b = j["mcnemar"]["only_b_right"];
  const double acc_a = j["a"]["accuracy"], acc_b = j["b"]["accuracy"];
  EXPECT_NEAR(acc_a - acc_b, static_cast<double>(only_a - only_b) / 64, 1e-12);
  EXPECT_GE(static_cast<int64_t>(j["disagreements"].size()), only_a + only_b);
  r = run_cli("compare " + f.model.string() + " " + f.model.string() + data +
              " --grid /tmp/never.png");
  EXPECT_EQ(r.code, 1);
  EXPECT_NE(r.err.find("agree on every image"), std::string::npos) << r.err;
}

TEST(EvalCli, BadInputGetsOneLine) {
  auto r = run_cli("eval /no/such/model.inks --no-download");
  EXPECT_EQ(r.code, 1);
  EXPECT_EQ(testing::count_lines(r.err), 1) << r.err;
  r = run_cli(eval_cmd("--robustness --corruption sepia"));
  EXPECT_EQ(r.code, 1);
  EXPECT_NE(r.err.find("unknown corruption 'sepia'"), std::string::npos) << r.err;
  r = run_cli(eval_cmd("--report /proc/no/such/dir"));
  EXPECT_EQ(r.code, 1);
  EXPECT_EQ(testing::count_lines(r.err), 1) << r.err;
  r = run_cli(eval_cmd("--top-k 0"));
  EXPECT_EQ(r.code, 2);
}

}  // namespace
}  // namespace inkstone
