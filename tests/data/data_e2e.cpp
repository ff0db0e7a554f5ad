// End-to-end data tests on the real MNIST files. INKSTONE_DATA must name a directory holding
// mnist/ (CI sets it); without it these tests fail rather than skip.
#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>
#include <numeric>

#include "data_test_util.hpp"
#include "inkstone/data/download.hpp"
#include "inkstone/data/registry.hpp"

namespace inkstone {
namespace {

using test::error_of;
using test::TempDir;

// The real-data options: INKSTONE_DATA only (no cache, no system directories).
bool real_data_options(DataOptions& opt, const TempDir& tmp) {
  const char* env = std::getenv("INKSTONE_DATA");
  if (!env || !*env) {
    ADD_FAILURE() << "INKSTONE_DATA is not set: set it to a directory holding mnist/ with the four "
                     "official MNIST .gz files (e.g. INKSTONE_DATA=/work/shared/data)";
    return false;
  }
  opt.cache_dir = tmp / "empty-cache";
  opt.system_dirs = std::vector<std::string>{};
  return true;
}

TEST(DataE2E, LoadsTheRealMnist) {
  TempDir tmp;
  DataOptions opt;
  if (!real_data_options(opt, tmp)) return;
  const DatasetSplits s = load_dataset("mnist", opt);
  ASSERT_EQ(s.train.size(), 60000);
  ASSERT_EQ(s.test.size(), 10000);
  EXPECT_EQ(s.train.height, 28);
  EXPECT_EQ(s.train.width, 28);
  EXPECT_EQ(s.train.images.size(), 60000u * 784u);
  const std::vector<int32_t> first(s.train.labels.begin(), s.train.labels.begin() + 10);
  EXPECT_EQ(first, (std::vector<int32_t>{5, 0, 4, 1, 9, 2, 1, 3, 1, 4}));
  const int64_t sum = std::accumulate(s.train.image(0), s.train.image(0) + 784, int64_t{0});
  EXPECT_EQ(sum, 27525);
  EXPECT_EQ(s.test.labels[0], 7);  // the first test digit is a 7
  EXPECT_HAS(s.note, "mnist: 60000 train + 10000 test images (28x28, 10 classes)");
  EXPECT_HAS(s.note, "(INKSTONE_DATA)");
  // Every class is present in both splits.
  std::vector<int> train_counts(10, 0);
  for (int32_t l : s.train.labels) ++train_counts[static_cast<size_t>(l)];
  for (int c : train_counts) EXPECT_GT(c, 5000);
}

TEST(DataE2E, InfoVerifiesTheOfficialFiles) {
  TempDir tmp;
  DataOptions opt;
  if (!real_data_options(opt, tmp)) return;
  const DatasetInfo info = dataset_info("mnist", opt, /*verify=*/true);
  ASSERT_FALSE(info.found_dir.empty());
  EXPECT_EQ(info.found_via, "INKSTONE_DATA");
  for (const auto& f : info.files) {
    EXPECT_EQ(f.status, "official file (SHA-256 verified)") << f.path;
    EXPECT_EQ(f.sha256, f.official_sha256);
  }
}

TEST(DataE2E, FilesOfAnotherDatasetAreNotTakenForFashionMnist) {
  TempDir tmp;
  DataOptions opt;
  if (!real_data_options(opt, tmp)) return;
  const std::string mnist_dir = dataset_info("mnist", opt, false).found_dir;
  ASSERT_FALSE(mnist_dir.empty());
  // The MNIST files sit directly in --data: asking for Fashion-MNIST must not load them.
  opt.data_dir = mnist_dir;
  test::ScopedEnv env("INKSTONE_DATA", nullptr);
  const std::string msg = error_of([&] { load_dataset("fashion-mnist", opt); });
  EXPECT_HAS(msg, mnist_dir + " (--data): the top level holds mnist, not fashion-mnist");
  EXPECT_EQ(load_dataset("mnist", opt).train.size(), 60000);
}

TEST(DataE2E, DownloadsMnistWithItsOfficialChecksumsFromALocalMirror) {
  TempDir tmp;
  DataOptions opt;
  if (!real_data_options(opt, tmp)) return;
  const std::string mnist_dir = dataset_info("mnist", opt, false).found_dir;
  ASSERT_FALSE(mnist_dir.empty());
  // One server, two mirrors: /exdb/mnist/ serves the real files, /corrupt/ serves them with one
  // byte flipped (same size, so only the SHA-256 can tell).
  test::TestServer mirror([&](httplib::Server& s) {
    s.Get(R"(/(exdb/mnist|corrupt)/([a-z0-9-]+\.gz))",
          [&](const httplib::Request& req, httplib::Response& res) {
            const std::string path = mnist_dir + "/" + std::string(req.matches[2]);
            if (!detail::is_file(path)) {
              res.status = 404;
              return;
            }
            std::string body = test::read_file(path);
            if (req.matches[1] == "corrupt") body[body.size() / 2] ^= 0x20;
            res.set_content(body, "application/gzip");
          });
  });
  DownloadOptions dl;
  std::vector<std::string> warnings;
  dl.warn = [&](const std::string& line) { warnings.push_back(line); };
  dl.mirrors = {"http://127.0.0.1:" + std::to_string(test::refused_port()) + "/",
                mirror.url("/corrupt/"), mirror.url("/exdb/mnist/")};
  const std::string dir = download_dataset("mnist", tmp / "cache", dl);
  EXPECT_EQ(dir, tmp / "cache/mnist");
  // The refused mirror and the corrupt one are each reported; later files go to the working one.
  ASSERT_GE(warnings.size(), 2u);
  EXPECT_HAS(warnings[0], "failed");
  EXPECT_HAS(warnings[1], "checksum mismatch");
  for (const auto& entry : std::filesystem::directory_iterator(dir)) {
    EXPECT_EQ(entry.path().string().find(".part"), std::string::npos) << entry.path();
  }
  for (const char* f : {"train-images-idx3-ubyte.gz", "train-labels-idx1-ubyte.gz",
                        "t10k-images-idx3-ubyte.gz", "t10k-labels-idx1-ubyte.gz"}) {
    EXPECT_EQ(detail::digest_file_hex(dir + "/" + f), detail::digest_file_hex(mnist_dir + "/" + f));
  }
  test::ScopedEnv env("INKSTONE_DATA", nullptr);
  DataOptions cached;
  cached.cache_dir = tmp / "cache";
  cached.system_dirs = std::vector<std::string>{};
  const DatasetSplits s = load_dataset("mnist", cached);
  EXPECT_EQ(s.train.size(), 60000);
  EXPECT_HAS(s.note, "(user cache)");
}

}  // namespace
}  // namespace inkstone
