// `inkstone predict` on photographed-style images made from real MNIST test digits: large, off
// centre, dark ink on unevenly lit paper, with noise, as PNG and JPEG. The MNIST-style
// normalization must bring them back to what the model knows.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "cli/cli_run.hpp"
#include "data/jpeg_encode.hpp"
#include "inkstone/data/image.hpp"
#include "inkstone/data/registry.hpp"
#include "inkstone/tensor/rng.hpp"

namespace inkstone {
namespace {

namespace fs = std::filesystem;

void write_jpeg(const std::string& path, const Image& img) {
  const std::vector<uint8_t> bytes = test_support::encode_jpeg(img, 85);
  FILE* f = std::fopen(path.c_str(), "wb");
  ASSERT_NE(f, nullptr);
  ASSERT_EQ(std::fwrite(bytes.data(), 1, bytes.size(), f), bytes.size());
  std::fclose(f);
}

// A W x H "photo" of an MNIST digit: the digit enlarged `scale` times (bilinear), dark blue-grey
// ink on paper lit from one side (brightness 150..240), with pixel noise, at (left, top).
Image photo_of(const uint8_t* digit, int scale, int width, int height, int left, int top,
               Rng& rng) {
  Image img(width, height, 3);
  for (int y = 0; y < height; ++y) {
    for (int x = 0; x < width; ++x) {
      const double paper = 150 + 90.0 * x / (width - 1) + 8 * rng.normal();
      double ink = 0;
      const double u = (x - left + 0.5) / scale - 0.5, v = (y - top + 0.5) / scale - 0.5;
      if (u > -1 && v > -1 && u < 28 && v < 28) {
        const int x0 = static_cast<int>(std::floor(u)), y0 = static_cast<int>(std::floor(v));
        const double fx = u - x0, fy = v - y0;
        auto at = [&](int xx, int yy) {
          return (xx < 0 || yy < 0 || xx > 27 || yy > 27) ? 0.0 : digit[yy * 28 + xx] / 255.0;
        };
        ink = (1 - fy) * ((1 - fx) * at(x0, y0) + fx * at(x0 + 1, y0)) +
              fy * ((1 - fx) * at(x0, y0 + 1) + fx * at(x0 + 1, y0 + 1));
      }
      uint8_t* p = img.at(x, y);
      const double rgb[3] = {30, 35, 60};  // the pen's colour
      for (int c = 0; c < 3; ++c)
        p[c] = static_cast<uint8_t>(std::clamp(paper + ink * (rgb[c] - paper), 0.0, 255.0));
    }
  }
  return img;
}

TEST(PredictE2e, PhotographedStyleDigitsAreReadCorrectly) {
  const char* data = std::getenv("INKSTONE_DATA");
  ASSERT_NE(data, nullptr) << "INKSTONE_DATA must point at the datasets (see README)";
  const fs::path dir = fs::path(INKSTONE_TEST_TMP) / "predict_e2e";
  fs::remove_all(dir);
  fs::create_directories(dir);
  const std::string model = (dir / "fast.inks").string();
  const auto t = testing::run_cli("train --recipe fast --no-download --save " + model);
  ASSERT_EQ(t.code, 0) << t.err;

  DataOptions opt;
  opt.allow_download = false;
  const DatasetSplits mnist = load_dataset("mnist", opt);
  Rng rng(11);
  std::string args;
  std::vector<int> labels;
  const int n = 30;
  for (int i = 0; i < n; ++i) {
    const int64_t k = 37 * i + 5;  // test digits spread over the set
    const int scale = 8 + i % 7;   // 224 .. 392 px tall digits
    const int left = 20 + static_cast<int>(rng.below(300)),
              top = 10 + static_cast<int>(rng.below(100));
    const Image img = photo_of(mnist.test.image(k), scale, 720, 520, left, top, rng);
    const std::string path =
        (dir / ("digit" + std::to_string(i) + (i % 2 ? ".jpg" : ".png"))).string();
    if (i % 2) {
      write_jpeg(path, img);
    } else {
      write_png(path, img);
    }
    args += " " + path;
    labels.push_back(mnist.test.labels[static_cast<size_t>(k)]);
  }
  const auto r = testing::run_cli("predict " + model + args + " --json --show-input " +
                                  (dir / "seen.png").string());
  ASSERT_EQ(r.code, 0) << r.err;
  const nlohmann::json j = nlohmann::json::parse(r.out);
  ASSERT_EQ(j.size(), static_cast<size_t>(n));
  int right = 0;
  for (int i = 0; i < n; ++i)
    right += j[static_cast<size_t>(i)]["class"] == std::to_string(labels[static_cast<size_t>(i)]);
  EXPECT_GE(right, 28) << r.out;  // the model is ~99% on MNIST itself
  EXPECT_TRUE(fs::exists(dir / "seen.png"));
}

}  // namespace
}  // namespace inkstone
