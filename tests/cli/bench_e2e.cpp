// `inkstone bench` on real MNIST (INKSTONE_DATA): a short run whose every figure is a positive
// number. Benchmarks never assert times, only that the measurements exist and are consistent.
#include <gtest/gtest.h>

#include <cstdlib>
#include <string>

#include <nlohmann/json.hpp>

#include "cli/cli_run.hpp"

namespace inkstone {
namespace {

std::string data_dir() {
  const char* d = std::getenv("INKSTONE_DATA");
  return d ? d : "";
}

// Every number in `j` (recursively) is positive; `path` names it in failures.
void expect_positive_numbers(const nlohmann::json& j, const std::string& path, int& count) {
  if (j.is_number()) {
    ++count;
    EXPECT_GT(j.get<double>(), 0) << path;
  } else if (j.is_object()) {
    for (auto it = j.begin(); it != j.end(); ++it) {
      expect_positive_numbers(it.value(), path + "." + it.key(), count);
    }
  } else if (j.is_array()) {
    EXPECT_FALSE(j.empty()) << path;
    for (size_t i = 0; i < j.size(); ++i) {
      expect_positive_numbers(j[i], path + "[" + std::to_string(i) + "]", count);
    }
  }
}

TEST(CliBenchE2e, ShortRunOnMnist) {
  ASSERT_FALSE(data_dir().empty()) << "INKSTONE_DATA must point at the datasets (see README)";
  const auto r = testing::run_cli(
      "bench --model seed-cnn --dataset mnist --train-images 640 --infer-seconds 0.05 "
      "--no-download --json");
  ASSERT_EQ(r.code, 0) << r.err;
  const auto j = nlohmann::json::parse(r.out);
  int numbers = 0;
  expect_positive_numbers(j, "bench", numbers);
  for (const char* key : {"threads", "epochs", "epoch_s_median", "train_img_s", "data_load_s",
                          "peak_rss_mb", "test_accuracy", "parameters"}) {
    ASSERT_TRUE(j.contains(key)) << key << "\n" << r.out;
    EXPECT_TRUE(j[key].is_number()) << key;
  }
  EXPECT_EQ(j["model"], "seed-cnn");
  EXPECT_EQ(j["parameters"].get<int>(), 93322);
  EXPECT_FALSE(j["isa"].get<std::string>().empty());
  EXPECT_EQ(j["train_images"].get<int>(), 640);
  EXPECT_EQ(j["test_images"].get<int>(), 10000);
  ASSERT_EQ(j["epoch_s"].size(), 1u);
  for (const char* b : {"1", "64", "1000"}) {
    ASSERT_TRUE(j["infer_img_s"].contains(b)) << b;
    EXPECT_TRUE(j["infer_img_s"][b].is_number()) << b;
  }
  EXPECT_GE(j["latency_us"]["p99"].get<double>(), j["latency_us"]["p50"].get<double>());
  EXPECT_GE(j["latency_us"]["calls"].get<int>(), 1000);
  EXPECT_GE(numbers, 18);
  // Ten Adam steps on 640 images already beat chance (0.1); seed 1 with 2 threads gives 0.36.
  EXPECT_GT(j["test_accuracy"].get<double>(), 0.2) << r.out;
}

TEST(CliBenchE2e, BadOptionsFailWithAMessage) {
  for (const char* args : {"--epochs 0", "--infer-seconds 0", "--train-images 60001"}) {
    const auto r = testing::run_cli(std::string("bench --no-download ") + args + " --json");
    EXPECT_NE(r.code, 0) << args;
    EXPECT_FALSE(r.err.empty()) << args;
    EXPECT_TRUE(r.out.empty()) << args << "\n" << r.out;
  }
}

}  // namespace
}  // namespace inkstone
