// `inkstone bench` without real data: its help, option validation, and a short run on a tiny
// synthetic dataset (fewer test images than the largest inference batch).
#include <gtest/gtest.h>

#include <cstdint>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "cli/cli_run.hpp"

namespace inkstone {
namespace {

namespace fs = std::filesystem;
using testing::count_lines;
using testing::run_cli;

void put_u32(std::ofstream& out, uint32_t v) {
  const unsigned char b[4] = {static_cast<unsigned char>(v >> 24),
                              static_cast<unsigned char>(v >> 16),
                              static_cast<unsigned char>(v >> 8), static_cast<unsigned char>(v)};
  out.write(reinterpret_cast<const char*>(b), 4);
}

// Raw IDX files of `n` 28x28 images and labels under root/mnist/, prefix "train" or "t10k".
void write_split(const fs::path& root, const std::string& prefix, uint32_t n) {
  const fs::path dir = root / "mnist";
  fs::create_directories(dir);
  {
    std::ofstream out(dir / (prefix + "-images-idx3-ubyte"), std::ios::binary);
    for (uint32_t v : {0x803u, n, 28u, 28u}) put_u32(out, v);
    std::vector<char> px(size_t{n} * 28 * 28);
    for (size_t i = 0; i < px.size(); ++i) px[i] = static_cast<char>((i * 7) % 251);
    out.write(px.data(), static_cast<std::streamsize>(px.size()));
  }
  std::ofstream out(dir / (prefix + "-labels-idx1-ubyte"), std::ios::binary);
  for (uint32_t v : {0x801u, n}) put_u32(out, v);
  for (uint32_t i = 0; i < n; ++i) out.put(static_cast<char>(i % 10));
}

fs::path tiny_data() {
  const fs::path root = fs::path(INKSTONE_TEST_TMP) / "bench_data_tiny";
  fs::remove_all(root);
  write_split(root, "train", 96);
  write_split(root, "t10k", 40);
  return root;
}

TEST(CliBench, Help) {
  const auto r = run_cli("bench --help");
  EXPECT_EQ(r.code, 0) << r.err;
  for (const char* s :
       {"--model", "--epochs", "--train-images", "--infer-seconds", "--json", "p99", "peak RSS"}) {
    EXPECT_NE(r.out.find(s), std::string::npos) << s << "\n" << r.out;
  }
  EXPECT_NE(run_cli("--help").out.find("bench"), std::string::npos);
}

TEST(CliBench, BadOptionsAreUsageErrors) {
  for (const char* args :
       {"--epochs 0", "--epochs -3", "--batch-size 0", "--train-images -1", "--infer-seconds 0",
        "--infer-seconds -1", "--epochs two", "--no-such-option"}) {
    const auto r = run_cli(std::string("bench --no-download ") + args);
    EXPECT_EQ(r.code, 2) << args << "\n" << r.err;
    EXPECT_FALSE(r.err.empty()) << args;
    const std::string option = std::string(args).substr(0, std::string(args).find(' '));
    EXPECT_NE(r.err.find(option), std::string::npos) << args << "\n" << r.err;
  }
  const auto threads = run_cli("--threads 0 bench --no-download");
  EXPECT_EQ(threads.code, 2) << threads.err;
}

TEST(CliBench, ErrorsOnDataAreOneLine) {
  const fs::path root = tiny_data();
  auto r = run_cli("bench --no-download --train-images 97 --data " + root.string());
  EXPECT_EQ(r.code, 1) << r.err;
  EXPECT_EQ(count_lines(r.err), 1) << r.err;
  EXPECT_NE(r.err.find("97"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("96"), std::string::npos) << r.err;
  r = run_cli("bench --no-download --model no-such-model --data " + root.string());
  EXPECT_EQ(r.code, 1) << r.err;
  EXPECT_NE(r.err.find("no-such-model"), std::string::npos) << r.err;
}

TEST(CliBench, TinyRunJson) {
  const fs::path root = tiny_data();
  const auto r = run_cli(
      "--threads 1 bench --model mlp --epochs 2 --batch-size 16 "
      "--infer-seconds 0.01 --no-download --json --data " +
      root.string());
  ASSERT_EQ(r.code, 0) << r.err;
  const auto j = nlohmann::json::parse(r.out);
  EXPECT_EQ(j["model"], "mlp");
  EXPECT_EQ(j["threads"].get<int>(), 1);
  EXPECT_FALSE(j["isa"].get<std::string>().empty());
  EXPECT_EQ(j["train_images"].get<int>(), 96);
  EXPECT_EQ(j["test_images"].get<int>(), 40);
  ASSERT_EQ(j["epoch_s"].size(), 2u);
  for (const char* b : {"1", "64", "1000"}) EXPECT_GT(j["infer_img_s"][b].get<double>(), 0) << b;
  EXPECT_GE(j["latency_us"]["calls"].get<int>(), 1000);
  EXPECT_GE(j["latency_us"]["p99"].get<double>(), j["latency_us"]["p50"].get<double>());
  EXPECT_GT(j["peak_rss_training_mb"].get<double>(), 0);
  EXPECT_GE(j["peak_rss_mb"].get<double>(), j["peak_rss_training_mb"].get<double>());
}

TEST(CliBench, TinyRunText) {
  const fs::path root = tiny_data();
  const auto r = run_cli(
      "bench --model mlp --train-images 32 --infer-seconds 0.01 "
      "--no-download --data " +
      root.string());
  ASSERT_EQ(r.code, 0) << r.err;
  for (const char* s : {"Epoch 1/1", "training images/s", "inference batch 1000", "p99", "peak RSS",
                        "test accuracy", "32 images"}) {
    EXPECT_NE(r.out.find(s), std::string::npos) << s << "\n" << r.out;
  }
}

}  // namespace
}  // namespace inkstone
