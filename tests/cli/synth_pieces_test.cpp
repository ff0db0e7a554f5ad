// `inkstone synth pieces` and the idx:DIR dataset form on tiny MNIST-format data: the command
// writes train/t10k IDX files and classes.txt whose counts match its summary line, the directory
// loads as an 11-class dataset ("0".."9", "none") for data info, data show, train and eval, the
// same seed gives the same bytes, --reject-ratio 0 keeps only digit pieces, --bent-cuts cuts
// more pieces, and bad input gets a clear error.
#include <gtest/gtest.h>
#include <unistd.h>

#include <cstdint>
#include <filesystem>
#include <fstream>
#include <iomanip>
#include <iterator>
#include <regex>
#include <sstream>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "cli/cli_run.hpp"
#include "cli/tiny_mnist.hpp"

namespace inkstone {
namespace {

namespace fs = std::filesystem;
using testing::run_cli;

constexpr int kNone = 10;  // the "none" label
const char* const kFiles[] = {"train-images-idx3-ubyte", "train-labels-idx1-ubyte",
                              "t10k-images-idx3-ubyte", "t10k-labels-idx1-ubyte", "classes.txt"};

fs::path tmp(const std::string& name) {
  return fs::path(INKSTONE_TEST_TMP) / name;
}

std::string read_bytes(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
}

uint32_t be32(const std::string& s, size_t at) {
  uint32_t v = 0;
  for (size_t i = 0; i < 4; ++i) v = v << 8 | static_cast<unsigned char>(s[at + i]);
  return v;
}

// An IDX1 label file: magic 0x801, count, one byte per label.
std::vector<int> read_labels(const fs::path& path) {
  const std::string s = read_bytes(path);
  EXPECT_GE(s.size(), 8u) << path;
  if (s.size() < 8) return {};
  EXPECT_EQ(be32(s, 0), 0x801u) << path;
  EXPECT_EQ(be32(s, 4), s.size() - 8) << path;
  std::vector<int> labels;
  for (size_t i = 8; i < s.size(); ++i) labels.push_back(static_cast<unsigned char>(s[i]));
  return labels;
}

// An IDX3 image file of 28x28 images: magic 0x803, count, rows, cols, pixels. Returns one string
// of 784 bytes per image.
std::vector<std::string> read_images(const fs::path& path) {
  const std::string s = read_bytes(path);
  EXPECT_GE(s.size(), 16u) << path;
  if (s.size() < 16) return {};
  EXPECT_EQ(be32(s, 0), 0x803u) << path;
  EXPECT_EQ(be32(s, 8), 28u) << path;
  EXPECT_EQ(be32(s, 12), 28u) << path;
  const uint32_t n = be32(s, 4);
  EXPECT_EQ(s.size(), 16 + size_t{n} * 784) << path;
  std::vector<std::string> images;
  for (size_t at = 16; at + 784 <= s.size(); at += 784) images.push_back(s.substr(at, 784));
  return images;
}

int count_of(const std::vector<int>& labels, int label) {
  int n = 0;
  for (int l : labels) n += l == label;
  return n;
}

// The command's summary line, parsed.
struct Summary {
  bool ok = false;
  std::string dir;
  int train = -1, train_none = -1, strings = -1, test = -1, test_none = -1, test_strings = -1;
};

int number(const std::string& s) {
  std::string digits;
  for (char c : s)
    if (c != ',') digits += c;
  return std::stoi(digits);
}

Summary parse_summary(const std::string& out) {
  static const std::regex re(
      R"(Wrote idx:(\S+) — train: ([0-9,]+) pieces \(([0-9,]+) none\) from ([0-9]+) strings of )"
      R"(mnist training digits; test: ([0-9,]+) pieces \(([0-9,]+) none\) from ([0-9]+) strings )"
      R"(of its test digits\n)");
  std::smatch m;
  Summary s;
  if (!std::regex_search(out, m, re)) return s;
  s.ok = true;
  s.dir = m[1];
  s.train = number(m[2]);
  s.train_none = number(m[3]);
  s.strings = number(m[4]);
  s.test = number(m[5]);
  s.test_none = number(m[6]);
  s.test_strings = number(m[7]);
  return s;
}

struct Data {
  std::string tag;
  std::string data;  // " --dataset mnist --data DIR --no-download"
};

// Per process: ctest runs the tests of this file in parallel processes.
const Data& data() {
  static const Data d = [] {
    Data x;
    x.tag = "synthp_" + std::to_string(::getpid());
    const fs::path root = testing::make_data(x.tag, testing::IdxSpec{});
    x.data = " --dataset mnist --data " + root.string() + " --no-download";
    return x;
  }();
  return d;
}

struct Fixture {
  std::string tag, data;  // as data()
  fs::path out;           // pieces from --strings 40 --test-strings 10 (seed 1, reject ratio 1)
  testing::CliResult run;
};

const Fixture& fixture() {
  static const Fixture f = [] {
    Fixture x;
    x.tag = data().tag;
    x.data = data().data;
    x.out = tmp(x.tag + "_pieces");
    fs::remove_all(x.out);
    x.run = run_cli("synth pieces --strings 40 --test-strings 10 --out " + x.out.string() + x.data);
    return x;
  }();
  return f;
}

void expect_one_line_error(const testing::CliResult& r, const std::string& needle) {
  EXPECT_EQ(r.code, 1) << r.err;
  EXPECT_EQ(testing::count_lines(r.err), 1) << r.err;
  EXPECT_NE(r.err.find(needle), std::string::npos) << r.err;
}

TEST(SynthPiecesCli, WritesIdxFilesThatMatchTheSummary) {
  const Fixture& f = fixture();
  ASSERT_EQ(f.run.code, 0) << f.run.err;
  for (const char* name : kFiles) EXPECT_TRUE(fs::is_regular_file(f.out / name)) << name;
  EXPECT_EQ(read_bytes(f.out / "classes.txt"), "0\n1\n2\n3\n4\n5\n6\n7\n8\n9\nnone\n");

  // The digits' source is named first (it may be mnist-10k standing in for MNIST).
  EXPECT_EQ(f.run.out.rfind("Dataset: ", 0), 0u) << f.run.out;
  const Summary s = parse_summary(f.run.out);
  ASSERT_TRUE(s.ok) << f.run.out;
  EXPECT_EQ(s.dir, f.out.string());
  EXPECT_EQ(s.strings, 40);
  EXPECT_EQ(s.test_strings, 10);
  EXPECT_GT(s.train, 0);
  EXPECT_GT(s.test, 0);

  const std::vector<int> train = read_labels(f.out / "train-labels-idx1-ubyte");
  const std::vector<int> test = read_labels(f.out / "t10k-labels-idx1-ubyte");
  EXPECT_EQ(static_cast<int>(train.size()), s.train);
  EXPECT_EQ(static_cast<int>(test.size()), s.test);
  EXPECT_EQ(static_cast<int>(read_images(f.out / "train-images-idx3-ubyte").size()), s.train);
  EXPECT_EQ(static_cast<int>(read_images(f.out / "t10k-images-idx3-ubyte").size()), s.test);
  EXPECT_EQ(count_of(train, kNone), s.train_none);
  EXPECT_EQ(count_of(test, kNone), s.test_none);
  for (int l : train) EXPECT_TRUE(l >= 0 && l <= kNone) << l;
  for (int l : test) EXPECT_TRUE(l >= 0 && l <= kNone) << l;

  // Both kinds of piece are there, and at most one "none" per digit piece (the default ratio).
  const int train_digits = s.train - s.train_none, test_digits = s.test - s.test_none;
  EXPECT_GT(train_digits, 0);
  EXPECT_GT(s.train_none, 0);
  EXPECT_LE(s.train_none, train_digits);
  EXPECT_LE(s.test_none, test_digits);
  // The pieces hold ink.
  int inked = 0;
  for (const std::string& image : read_images(f.out / "train-images-idx3-ubyte"))
    inked += image.find_first_not_of('\0') != std::string::npos;
  EXPECT_GT(inked, 0);
}

TEST(SynthPiecesCli, IdxDirectoryLoadsAsElevenClasses) {
  const Fixture& f = fixture();
  ASSERT_EQ(f.run.code, 0) << f.run.err;
  const Summary s = parse_summary(f.run.out);
  ASSERT_TRUE(s.ok) << f.run.out;
  const std::string idx = "idx:" + f.out.string();

  // `data info` describes it: eleven classes, the split sizes the summary gave.
  auto info = run_cli("data info " + idx);
  ASSERT_EQ(info.code, 0) << info.err;
  EXPECT_NE(info.out.find("classes: 11"), std::string::npos) << info.out;
  EXPECT_NE(info.out.find("none"), std::string::npos) << info.out;
  std::ostringstream total;
  total << std::setw(10) << s.train << " " << std::setw(10) << s.test;
  EXPECT_NE(info.out.find("total          " + total.str()), std::string::npos) << info.out;
  EXPECT_NE(run_cli("data info idx:" + tmp(f.tag + "_missing").string()).code, 0);

  const fs::path png = tmp(f.tag + "_show.png");
  auto r = run_cli("data show " + idx + " --count 16 --out " + png.string());
  ASSERT_EQ(r.code, 0) << r.err;
  EXPECT_NE(r.out.find(idx + "/train"), std::string::npos) << r.out;
  EXPECT_EQ(read_bytes(png).substr(1, 3), "PNG");

  const fs::path model = tmp(f.tag + "_pieces.inks");
  r = run_cli("train --dataset " + idx + " --model mlp --epochs 1 --json --save " + model.string());
  ASSERT_EQ(r.code, 0) << r.err;
  const nlohmann::json t = nlohmann::json::parse(r.out);
  EXPECT_EQ(t["dataset"], idx);
  EXPECT_EQ(t["test_recall"].size(), 11u) << r.out;

  r = run_cli("eval " + model.string() + " --dataset " + idx + " --json");
  ASSERT_EQ(r.code, 0) << r.err;
  const nlohmann::json e = nlohmann::json::parse(r.out);
  EXPECT_EQ(e["classes"].get<std::vector<std::string>>(),
            (std::vector<std::string>{"0", "1", "2", "3", "4", "5", "6", "7", "8", "9", "none"}));
  EXPECT_EQ(e["count"], s.test);
  ASSERT_EQ(e["per_class"].size(), 11u);
  EXPECT_EQ(e["per_class"][10]["class"], "none");
  EXPECT_EQ(e["per_class"][10]["support"], s.test_none);

  // Without classes.txt the classes are named by number, up to the largest training label.
  const fs::path bare = tmp(f.tag + "_bare");
  fs::remove_all(bare);
  fs::create_directories(bare);
  for (const char* name : kFiles)
    if (std::string(name) != "classes.txt") fs::copy_file(f.out / name, bare / name);
  r = run_cli("eval " + model.string() + " --dataset idx:" + bare.string() + " --json");
  ASSERT_EQ(r.code, 0) << r.err;
  const std::vector<std::string> numbered = nlohmann::json::parse(r.out)["classes"];
  ASSERT_EQ(numbered.size(), 11u);
  EXPECT_EQ(numbered[10], "10");
}

TEST(SynthPiecesCli, SameSeedGivesTheSameBytesAnotherSeedDiffers) {
  const Data& f = data();
  const auto synth = [&f](const std::string& name, int seed) {
    const fs::path dir = tmp(f.tag + "_" + name);
    fs::remove_all(dir);
    const auto r = run_cli("synth pieces --strings 12 --seed " + std::to_string(seed) + " --out " +
                           dir.string() + f.data);
    EXPECT_EQ(r.code, 0) << r.err;
    // --test-strings defaults to a sixth of --strings.
    EXPECT_EQ(parse_summary(r.out).test_strings, 2) << r.out;
    return dir;
  };
  const fs::path a = synth("seed7a", 7), b = synth("seed7b", 7), c = synth("seed8", 8);
  for (const char* name : kFiles) {
    ASSERT_TRUE(fs::is_regular_file(a / name)) << name;
    EXPECT_EQ(read_bytes(a / name), read_bytes(b / name)) << name;
  }
  EXPECT_NE(read_bytes(a / "train-images-idx3-ubyte"), read_bytes(c / "train-images-idx3-ubyte"));
  EXPECT_NE(read_bytes(a / "t10k-images-idx3-ubyte"), read_bytes(c / "t10k-images-idx3-ubyte"));
}

TEST(SynthPiecesCli, RejectRatioZeroKeepsOnlyTheDigitPieces) {
  const Fixture& f = fixture();
  ASSERT_EQ(f.run.code, 0) << f.run.err;
  const fs::path dir = tmp(f.tag + "_noreject");
  fs::remove_all(dir);
  const auto r = run_cli("synth pieces --strings 40 --test-strings 10 --reject-ratio 0 --out " +
                         dir.string() + f.data);
  ASSERT_EQ(r.code, 0) << r.err;
  const Summary s = parse_summary(r.out);
  ASSERT_TRUE(s.ok) << r.out;
  EXPECT_EQ(s.train_none, 0);
  EXPECT_EQ(s.test_none, 0);
  const std::vector<int> train = read_labels(dir / "train-labels-idx1-ubyte");
  const std::vector<int> test = read_labels(dir / "t10k-labels-idx1-ubyte");
  EXPECT_GT(train.size(), 0u);
  EXPECT_EQ(count_of(train, kNone), 0);
  EXPECT_EQ(count_of(test, kNone), 0);
  EXPECT_EQ(read_bytes(dir / "classes.txt"), read_bytes(f.out / "classes.txt"));

  // The same strings are cut (same seed): the training digit pieces are the default run's, in
  // order, without its "none" pieces.
  const std::vector<int> all = read_labels(f.out / "train-labels-idx1-ubyte");
  const std::vector<std::string> all_images = read_images(f.out / "train-images-idx3-ubyte");
  ASSERT_EQ(all.size(), all_images.size());
  std::vector<int> digits;
  std::vector<std::string> digit_images;
  for (size_t i = 0; i < all.size(); ++i) {
    if (all[i] == kNone) continue;
    digits.push_back(all[i]);
    digit_images.push_back(all_images[i]);
  }
  EXPECT_EQ(train, digits);
  EXPECT_TRUE(read_images(dir / "train-images-idx3-ubyte") == digit_images);
}

TEST(SynthPiecesCli, BentCutsCutMorePiecesFromTheSameStrings) {
  const Fixture& f = fixture();
  ASSERT_EQ(f.run.code, 0) << f.run.err;
  const Summary plain = parse_summary(f.run.out);
  ASSERT_TRUE(plain.ok) << f.run.out;
  const fs::path dir = tmp(f.tag + "_bent");
  fs::remove_all(dir);
  const auto r = run_cli("synth pieces --strings 40 --test-strings 10 --bent-cuts 6 --out " +
                         dir.string() + f.data);
  ASSERT_EQ(r.code, 0) << r.err;
  const Summary bent = parse_summary(r.out);
  ASSERT_TRUE(bent.ok) << r.out;
  // Bent cuts are tried besides the straight ones: more candidate pieces, the labels still
  // digits or "none", and the files match the summary.
  EXPECT_GT(bent.train - bent.train_none, plain.train - plain.train_none);
  const std::vector<int> train = read_labels(dir / "train-labels-idx1-ubyte");
  EXPECT_EQ(static_cast<int>(train.size()), bent.train);
  EXPECT_EQ(count_of(train, kNone), bent.train_none);
  for (int l : train) EXPECT_TRUE(l >= 0 && l <= kNone) << l;
}

TEST(SynthPiecesCli, BadOptionsAndMissingFilesAreErrors) {
  const Fixture& f = fixture();
  // Usage errors (CLI11): exit 2, the first line names the option, nothing written.
  auto r = run_cli("synth pieces --strings 4" + f.data);
  EXPECT_EQ(r.code, 2) << r.err;
  EXPECT_EQ(r.err.substr(0, r.err.find('\n')).find("--out"), 0u) << r.err;
  EXPECT_EQ(r.out, "");
  const fs::path never = tmp(f.tag + "_never");
  fs::remove_all(never);
  for (const std::string bad :
       {"--touching 2", "--reject-ratio -1", "--strings 0", "--length 1", "--bent-cuts 33"}) {
    r = run_cli("synth pieces " + bad + " --out " + never.string() + f.data);
    EXPECT_EQ(r.code, 2) << bad << ": " << r.err;
    EXPECT_NE(r.err.substr(0, r.err.find('\n')).find(bad.substr(0, bad.find(' '))),
              std::string::npos)
        << bad << ": " << r.err;
    EXPECT_FALSE(fs::exists(never)) << bad;
  }

  // idx: directories that do not hold the files: one line naming what is missing.
  expect_one_line_error(run_cli("train --dataset idx:/nonexistent/" + f.tag + " --model mlp"),
                        "idx:/nonexistent/" + f.tag + ": not a directory");
  const fs::path empty = tmp(f.tag + "_empty");
  fs::remove_all(empty);
  fs::create_directories(empty);
  expect_one_line_error(run_cli("train --dataset idx:" + empty.string() + " --model mlp"),
                        "missing train-labels-idx1-ubyte");
  // Every file but the test images.
  ASSERT_EQ(f.run.code, 0) << f.run.err;
  for (const char* name : {"classes.txt", "train-images-idx3-ubyte", "train-labels-idx1-ubyte",
                           "t10k-labels-idx1-ubyte"})
    fs::copy_file(f.out / name, empty / name);
  expect_one_line_error(
      run_cli("data show idx:" + empty.string() + " --out " + tmp(f.tag + "_missing.png").string()),
      "idx:" + empty.string() + ": missing t10k-images-idx3-ubyte");
}

}  // namespace
}  // namespace inkstone
