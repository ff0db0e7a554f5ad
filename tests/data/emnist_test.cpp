// EMNIST on small files generated in the official formats: gzip IDX files whose images are
// stored transposed, emnist-<split>-mapping.txt label mappings, and NIST's gzip.zip served by a
// local HTTP server on 127.0.0.1. No real EMNIST file is needed.
#include "inkstone/data/emnist.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <filesystem>

#include "data/archive_download.hpp"
#include "data/catalog.hpp"
#include "data_test_util.hpp"
#include "inkstone/data/idx.hpp"
#include "inkstone/data/label_mapping.hpp"
#include "inkstone/data/registry.hpp"
#include "zip_builder.hpp"

namespace inkstone {
namespace {

using test::error_of;
using test::ScopedEnv;
using test::TempDir;

// ---- The official mapping files, written out here independently of the catalog's copy ----

std::string lines(int first_label, const std::vector<int>& codes) {
  std::string s;
  for (size_t i = 0; i < codes.size(); ++i) {
    s += std::to_string(first_label + static_cast<int>(i)) + " " + std::to_string(codes[i]) + "\n";
  }
  return s;
}

std::vector<int> range(int from, int to) {
  std::vector<int> v;
  for (int c = from; c <= to; ++c) v.push_back(c);
  return v;
}

std::vector<int> concat(std::vector<int> a, const std::vector<int>& b) {
  a.insert(a.end(), b.begin(), b.end());
  return a;
}

// digits, mnist: "0 48" .. "9 57".
std::string digits_mapping() {
  return lines(0, range(48, 57));
}
// byclass: digits, then A-Z (labels 10-35), then a-z (36-61).
std::string byclass_mapping() {
  return lines(0, concat(concat(range(48, 57), range(65, 90)), range(97, 122)));
}
// bymerge, balanced: digits, A-Z, then the 11 lower-case letters not merged with their capital.
std::string merged_mapping() {
  return lines(0, concat(concat(range(48, 57), range(65, 90)),
                         {97, 98, 100, 101, 102, 103, 104, 110, 113, 114, 116}));
}
// letters: "1 65 97" .. "26 90 122" (label, upper-case code, lower-case code).
std::string letters_mapping() {
  std::string s;
  for (int k = 1; k <= 26; ++k) {
    s += std::to_string(k) + " " + std::to_string(64 + k) + " " + std::to_string(96 + k) + "\n";
  }
  return s;
}

std::string mapping_for(const std::string& split) {
  if (split == "byclass") return byclass_mapping();
  if (split == "bymerge" || split == "balanced") return merged_mapping();
  if (split == "letters") return letters_mapping();
  return digits_mapping();
}

// ---- Images: an upright glyph and its transposed storage ----

constexpr int kSide = 28;

// A '7': a bar along row 4 and a stroke down to the left, asymmetric under transposition, plus a
// marker pixel in the bottom row that makes image i unique.
std::vector<uint8_t> upright_glyph(int i) {
  std::vector<uint8_t> p(kSide * kSide, 0);
  for (int c = 5; c <= 21; ++c) p[4 * kSide + c] = 255;
  for (int r = 5; r <= 24; ++r) p[r * kSide + 21 - (r - 5) / 3] = 200;
  p[27 * kSide + i % kSide] = static_cast<uint8_t>(1 + i % 250);
  return p;
}

// EMNIST's storage: the bytes of row r are column r of the upright image.
std::vector<uint8_t> stored_transposed(const std::vector<uint8_t>& up) {
  std::vector<uint8_t> s(up.size());
  for (int r = 0; r < kSide; ++r) {
    for (int c = 0; c < kSide; ++c) s[c * kSide + r] = up[r * kSide + c];
  }
  return s;
}

std::string file_of(const std::string& split, const std::string& part) {
  return "emnist-" + split + "-" + part;
}

// Writes one split's four gzip IDX files (labels as stored in the files) and, unless `mapping`
// is empty, its mapping file, into dir.
void write_split(const std::string& dir, const std::string& split,
                 const std::vector<uint8_t>& train_labels, const std::vector<uint8_t>& test_labels,
                 const std::string& mapping) {
  std::filesystem::create_directories(dir);
  auto images = [](size_t n, int offset) {
    std::vector<uint8_t> px;
    for (size_t i = 0; i < n; ++i) {
      const auto s = stored_transposed(upright_glyph(offset + static_cast<int>(i)));
      px.insert(px.end(), s.begin(), s.end());
    }
    return px;
  };
  const auto tr = images(train_labels.size(), 0), te = images(test_labels.size(), 100);
  write_idx_images(dir + "/" + file_of(split, "train-images-idx3-ubyte.gz"), tr.data(),
                   static_cast<int64_t>(train_labels.size()), kSide, kSide);
  write_idx_labels(dir + "/" + file_of(split, "train-labels-idx1-ubyte.gz"), train_labels);
  write_idx_images(dir + "/" + file_of(split, "test-images-idx3-ubyte.gz"), te.data(),
                   static_cast<int64_t>(test_labels.size()), kSide, kSide);
  write_idx_labels(dir + "/" + file_of(split, "test-labels-idx1-ubyte.gz"), test_labels);
  if (!mapping.empty()) test::write_file(dir + "/" + file_of(split, "mapping.txt"), mapping);
}

// Labels first..first+classes-1, then again from the start, `n` of them.
std::vector<uint8_t> cycling_labels(size_t n, int first, int classes) {
  std::vector<uint8_t> l;
  for (size_t i = 0; i < n; ++i) l.push_back(static_cast<uint8_t>(first + i % classes));
  return l;
}

// Every test looks only where it says: no INKSTONE_DATA, no real cache, no system directories.
class Emnist : public ::testing::Test {
 protected:
  DataOptions options() const {
    DataOptions opt;
    opt.data_dir = t_ / "data";
    opt.cache_dir = t_ / "cache";
    opt.system_dirs = std::vector<std::string>{};
    return opt;
  }
  std::string data(const std::string& rel = "") const { return t_ / ("data/" + rel); }

  TempDir t_;

 private:
  ScopedEnv data_{"INKSTONE_DATA", nullptr};
  ScopedEnv xdg_{"XDG_CACHE_HOME", nullptr};
};

// ---- Label mappings ----

TEST(EmnistMapping, OfficialFormats) {
  LabelMapping m = parse_label_mapping(byclass_mapping(), "byclass.txt");
  EXPECT_EQ(m.first_label, 0);
  ASSERT_EQ(m.num_classes(), 62);
  EXPECT_EQ(m.class_names[0], "0");
  EXPECT_EQ(m.class_names[10], "A");
  EXPECT_EQ(m.class_names[61], "z");

  m = parse_label_mapping(letters_mapping(), "letters.txt");
  EXPECT_EQ(m.first_label, 1);
  ASSERT_EQ(m.num_classes(), 26);
  EXPECT_EQ(m.class_names[0], "Aa");
  EXPECT_EQ(m.class_names[25], "Zz");

  // CRLF line ends, blank lines, tabs and no final newline are all accepted.
  m = parse_label_mapping("0 48\r\n\r\n1\t49\r\n2  50", "crlf.txt");
  EXPECT_EQ(m.class_names, (std::vector<std::string>{"0", "1", "2"}));
  EXPECT_EQ(m.source, "crlf.txt");
}

TEST(EmnistMapping, ErrorsNameTheFileAndLine) {
  auto err = [](const std::string& text) {
    const std::string msg = error_of([&] { parse_label_mapping(text, "m.txt"); });
    EXPECT_EQ(msg.find('\n'), std::string::npos) << msg;
    return msg;
  };
  EXPECT_HAS(err(""), "m.txt: no label mappings (empty file)");
  EXPECT_HAS(err("0 48\nx 49\n"), "m.txt:2: expected '<label> <character code> ...', got 'x'");
  EXPECT_HAS(err("0 48\n1\n"), "m.txt:2: label 1 has no character code");
  EXPECT_HAS(err("0 48\n2 50\n"), "m.txt:2: label 2 follows label 0; labels must be consecutive");
  EXPECT_HAS(err("2 48\n"), "m.txt:1: the first label is 2; expected 0 or 1");
  EXPECT_HAS(err("0 48\n1 48\n"), "m.txt:2: class name '0' already given to a label on line 1");
  EXPECT_HAS(err("0 32\n"), "m.txt:1: character code '32' of label 0 is not a printable ASCII");
  EXPECT_HAS(err("0 4x\n"), "character code '4x'");
  EXPECT_HAS(err(std::string("0 48\n\x1f\x8b\x08\0\0", 10)), "m.txt:2: binary data");
}

TEST(EmnistMapping, ReadFromFile) {
  TempDir t;
  test::write_file(t / "emnist-letters-mapping.txt", letters_mapping());
  const LabelMapping m = read_label_mapping(t / "emnist-letters-mapping.txt");
  EXPECT_EQ(m.num_classes(), 26);
  EXPECT_EQ(m.source, t / "emnist-letters-mapping.txt");
  EXPECT_HAS(error_of([&] { read_label_mapping(t / "none.txt"); }),
             t / "none.txt: cannot open: no such file");
  test::write_file(t / "huge.txt", std::string(100'000, '1'));
  EXPECT_HAS(error_of([&] { read_label_mapping(t / "huge.txt"); }), t / "huge.txt: larger than");
  // A mapping file cut in the middle of a line.
  const std::string text = letters_mapping();
  test::write_file(t / "cut.txt", text.substr(0, text.find("3 67") + 2));
  EXPECT_HAS(error_of([&] { read_label_mapping(t / "cut.txt"); }),
             t / "cut.txt:3: label 3 has no character code");
}

// ---- Transposition ----

TEST(EmnistTranspose, NonSquareImages) {
  Dataset d;
  d.height = 2;  // stored 2 x 3: rows {1 2 3}, {4 5 6}
  d.width = 3;
  d.images = {1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12};
  d.labels = {0, 0};
  transpose_images(d);
  EXPECT_EQ(d.height, 3);
  EXPECT_EQ(d.width, 2);
  EXPECT_EQ(d.images, (std::vector<uint8_t>{1, 4, 2, 5, 3, 6, 7, 10, 8, 11, 9, 12}));
}

TEST_F(Emnist, ImagesStoredTransposedLoadUpright) {
  write_split(data("emnist"), "digits", cycling_labels(12, 0, 10), cycling_labels(5, 0, 10),
              digits_mapping());
  // The file holds the transposed glyph ...
  const IdxImages raw =
      read_idx_images(data("emnist/" + file_of("digits", "train-images-idx3-ubyte.gz")));
  const std::vector<uint8_t> first_raw(raw.pixels.begin(), raw.pixels.begin() + 784);
  EXPECT_EQ(first_raw, stored_transposed(upright_glyph(0)));
  EXPECT_NE(first_raw, upright_glyph(0));

  // ... and the dataset holds it upright: the bar of the '7' is along row 4, not column 4.
  const DatasetSplits s = load_dataset("emnist-digits", options());
  ASSERT_EQ(s.train.size(), 12);
  EXPECT_EQ(s.train.height, 28);
  EXPECT_EQ(s.train.width, 28);
  for (int i = 0; i < 12; ++i) {
    const std::vector<uint8_t> img(s.train.image(i), s.train.image(i) + 784);
    EXPECT_EQ(img, upright_glyph(i)) << "train image " << i;
  }
  for (int i = 0; i < 5; ++i) {
    const std::vector<uint8_t> img(s.test.image(i), s.test.image(i) + 784);
    EXPECT_EQ(img, upright_glyph(100 + i)) << "test image " << i;
  }
  EXPECT_EQ(s.train.image(0)[4 * 28 + 10], 255);  // row 4, column 10: on the bar
  EXPECT_EQ(s.train.image(0)[10 * 28 + 4], 0);    // row 10, column 4: blank
  EXPECT_HAS(s.note, "images transposed to MNIST's orientation");
}

// ---- Labels and class names ----

TEST_F(Emnist, LettersLabelsOneToTwentySixAreClassesZeroToTwentyFive) {
  // Labels as EMNIST letters stores them: 1 ('A'/'a') .. 26 ('Z'/'z').
  write_split(data("emnist"), "letters", cycling_labels(52, 1, 26), {26, 1, 2}, letters_mapping());
  const DatasetSplits s = load_dataset("emnist-letters", options());
  EXPECT_EQ(s.train.num_classes, 26);
  ASSERT_EQ(s.train.class_names.size(), 26u);
  EXPECT_EQ(s.train.class_names[0], "Aa");
  EXPECT_EQ(s.train.class_names[7], "Hh");
  EXPECT_EQ(s.train.class_names[25], "Zz");
  EXPECT_EQ(s.train.labels[0], 0);    // label 1
  EXPECT_EQ(s.train.labels[25], 25);  // label 26
  EXPECT_EQ(s.train.labels[26], 0);
  EXPECT_EQ(s.test.labels, (std::vector<int32_t>{25, 0, 1}));
  EXPECT_EQ(s.test.class_names, s.train.class_names);
  EXPECT_HAS(s.note, "emnist-letters: 52 train + 3 test images (28x28, 26 classes)");
  EXPECT_HAS(s.note, "class names from " + data("emnist/emnist-letters-mapping.txt") +
                         " (class = label - 1)");
  EXPECT_HAS(s.note, "NOT the standard 124800/20800 split");
}

TEST_F(Emnist, LabelsOutsideTheMappingAreErrors) {
  // A label 0 in a letters file (labels are 1..26): the error names both files and the value.
  write_split(data("emnist"), "letters", {1, 2, 0, 4}, {1}, letters_mapping());
  const std::string msg = error_of([&] { load_dataset("emnist-letters", options()); });
  EXPECT_EQ(msg.find('\n'), std::string::npos) << msg;
  EXPECT_HAS(msg, data("emnist/emnist-letters-train-labels-idx1-ubyte.gz") +
                      ": label 0 at index 2 is not in the label mapping " +
                      data("emnist/emnist-letters-mapping.txt") + " (labels 1..26)");
}

TEST_F(Emnist, BalancedMergesFifteenLowerCaseLetters) {
  write_split(data("emnist"), "balanced", cycling_labels(94, 0, 47), cycling_labels(47, 0, 47),
              merged_mapping());
  const DatasetSplits s = load_dataset("emnist-balanced", options());
  const auto& names = s.train.class_names;
  ASSERT_EQ(names.size(), 47u);
  EXPECT_EQ(names[9], "9");
  EXPECT_EQ(names[12], "C");  // holds both 'C' and 'c'
  EXPECT_EQ(names[36], "a");
  EXPECT_EQ(names[37], "b");
  EXPECT_EQ(names[38], "d");  // 'c' is merged into 'C', so 'd' follows 'b'
  EXPECT_EQ(names[46], "t");
  for (const char* merged :
       {"c", "i", "j", "k", "l", "m", "o", "p", "s", "u", "v", "w", "x", "y", "z"}) {
    EXPECT_EQ(std::find(names.begin(), names.end(), merged), names.end()) << merged;
  }
  EXPECT_EQ(s.train.labels[46], 46);
  EXPECT_EQ(names[static_cast<size_t>(s.train.labels[38])], "d");
}

TEST_F(Emnist, AllSixSplitsAndTheirClassCounts) {
  const std::vector<std::pair<std::string, int>> splits = {{"byclass", 62},  {"bymerge", 47},
                                                           {"balanced", 47}, {"letters", 26},
                                                           {"digits", 10},   {"mnist", 10}};
  for (const auto& [split, classes] : splits) {
    const int first = split == "letters" ? 1 : 0;
    write_split(data("emnist"), split, cycling_labels(static_cast<size_t>(classes), first, classes),
                cycling_labels(3, first, classes), mapping_for(split));
    const DatasetSplits s = load_dataset("emnist-" + split, options());
    EXPECT_EQ(s.train.num_classes, classes) << split;
    EXPECT_EQ(s.train.class_names.size(), static_cast<size_t>(classes)) << split;
    EXPECT_EQ(s.train.labels.back(), classes - 1) << split;
    EXPECT_EQ(s.train.name, "emnist-" + split + "/train");
    // The catalog's built-in mapping is the official one.
    EXPECT_EQ(dataset_info("emnist-" + split, options(), false).class_names, s.train.class_names)
        << split;
  }
  const auto names = known_datasets();
  for (const auto& [split, classes] : splits) {
    EXPECT_NE(std::find(names.begin(), names.end(), "emnist-" + split), names.end()) << split;
  }
  EXPECT_EQ(detail::require_dataset_spec("emnist-byclass").train_count, 697932);
  EXPECT_EQ(detail::require_dataset_spec("emnist-bymerge").test_count, 116323);
  EXPECT_EQ(detail::require_dataset_spec("emnist-balanced").train_count, 112800);
  EXPECT_EQ(detail::require_dataset_spec("emnist-letters").test_count, 20800);
  EXPECT_EQ(detail::require_dataset_spec("emnist-digits").train_count, 240000);
  EXPECT_EQ(detail::require_dataset_spec("emnist-mnist").test_count, 10000);
}

TEST_F(Emnist, WithoutAMappingFileTheOfficialMappingIsUsed) {
  // torchvision's EMNIST/raw/ keeps the IDX files (uncompressed) but not the mapping files.
  write_split(data("EMNIST/raw"), "letters", cycling_labels(26, 1, 26), {3}, "");
  const DatasetSplits s = load_dataset("emnist-letters", options());
  EXPECT_EQ(s.train.class_names[2], "Cc");
  EXPECT_EQ(s.test.labels[0], 2);
  EXPECT_HAS(s.note, "class names from the built-in official emnist-letters-mapping.txt");
  EXPECT_HAS(s.note, data("EMNIST/raw"));
}

TEST_F(Emnist, BadFilesGiveOneLineErrorsNamingTheFile) {
  auto load_error = [&](const std::string& name) {
    const std::string msg = error_of([&] { load_dataset(name, options()); });
    EXPECT_EQ(msg.find('\n'), std::string::npos) << msg;
    return msg;
  };
  // A mapping truncated at a line boundary: too few classes for the split.
  const std::string merged = merged_mapping();
  size_t cut = 0;
  for (int i = 0; i < 40; ++i) cut = merged.find('\n', cut) + 1;
  write_split(data("emnist"), "balanced", {0, 1}, {2}, merged.substr(0, cut));
  EXPECT_HAS(load_error("emnist-balanced"),
             data("emnist/emnist-balanced-mapping.txt") +
                 ": 40 classes, but emnist-balanced has 47 (truncated, or the mapping file of "
                 "another split?)");
  // The mapping file of another split.
  test::write_file(data("emnist/emnist-balanced-mapping.txt"), letters_mapping());
  EXPECT_HAS(load_error("emnist-balanced"), "26 classes, but emnist-balanced has 47");
  // A corrupt line.
  test::write_file(data("emnist/emnist-balanced-mapping.txt"), "0 48\n1 49\n2 fifty\n");
  EXPECT_HAS(load_error("emnist-balanced"),
             data("emnist/emnist-balanced-mapping.txt") + ":3: character code 'fifty'");

  // A truncated gzip IDX file.
  write_split(data("emnist"), "digits", cycling_labels(30, 0, 10), {1}, digits_mapping());
  const std::string images = data("emnist/" + file_of("digits", "train-images-idx3-ubyte.gz"));
  const std::string bytes = test::read_file(images);
  test::write_file(images, bytes.substr(0, bytes.size() / 2));
  EXPECT_HAS(load_error("emnist-digits"), images + ": truncated");
}

TEST_F(Emnist, LayoutsAndDatasetInfo) {
  // The official archive unpacked in a root gives gzip/.
  write_split(data("gzip"), "mnist", cycling_labels(10, 0, 10), {7}, digits_mapping());
  DatasetInfo info = dataset_info("emnist-mnist", options());
  EXPECT_EQ(info.found_dir, data("gzip"));
  ASSERT_EQ(info.files.size(), 5u);
  EXPECT_EQ(info.files[0].name, "emnist-mnist-train-images-idx3-ubyte.gz");
  EXPECT_EQ(info.files[4].role, "label mapping");
  EXPECT_EQ(info.files[4].name, "emnist-mnist-mapping.txt");
  EXPECT_EQ(info.files[4].status, "found (the official mapping)");
  EXPECT_EQ(info.archive, "gzip.zip");
  EXPECT_EQ(info.archive_size, 561753746);
  EXPECT_EQ(info.archive_sha256,
            "fb9bb67e33772a9cc0b895e4ecf36d2cf35be8b709693c3564cea2a019fcda8e");
  const std::string text = format_dataset_info(info);
  EXPECT_HAS(text, "archive: gzip.zip (561753746 bytes, sha256 fb9bb67e");
  EXPECT_HAS(text, "https://biometrics.nist.gov/cs_links/EMNIST/");
  EXPECT_HAS(text, "0=0, 1=1");

  info = dataset_info("emnist-byclass", options());
  EXPECT_TRUE(info.found_dir.empty());
  EXPECT_EQ(info.files[4].status, "not found (the official mapping built into inkstone is used)");
  EXPECT_EQ(info.class_names.size(), 62u);
  const std::string msg = error_of([&] { load_dataset("emnist-byclass", options()); });
  EXPECT_HAS(msg, "dataset emnist-byclass not found");
  EXPECT_HAS(msg, "inkstone data download emnist-byclass");
  EXPECT_HAS(msg, t_ / "cache/emnist (it fetches gzip.zip, 536 MiB, once for all emnist");
}

// ---- Download: NIST's gzip.zip from a local server ----

std::string zip_of_splits(const std::vector<std::string>& splits, bool corrupt_letters = false) {
  TempDir tmp;
  test::ZipBuilder zb;
  for (const std::string& split : splits) {
    const int first = split == "letters" ? 1 : 0;
    const int classes = split == "letters" ? 26 : 10;
    write_split(tmp.path(), split, cycling_labels(20, first, classes),
                cycling_labels(4, first, classes), mapping_for(split));
    for (const char* part : {"train-images-idx3-ubyte.gz", "train-labels-idx1-ubyte.gz",
                             "test-images-idx3-ubyte.gz", "test-labels-idx1-ubyte.gz"}) {
      // NIST's archive stores the .gz files; deflating them again would gain nothing.
      zb.add("gzip/" + file_of(split, part), test::read_file(tmp / file_of(split, part)), 0);
    }
    zb.add("gzip/" + file_of(split, "mapping.txt"), mapping_for(split), 8);
  }
  if (corrupt_letters) zb.entries()[0].crc32 ^= 0x80;
  return zb.bytes();
}

Checksum checksum_of(const std::string& bytes) {
  return Checksum{"SHA256", detail::digest_hex(bytes.data(), bytes.size()),
                  static_cast<int64_t>(bytes.size())};
}

struct ArchiveServer {
  explicit ArchiveServer(std::string zip_bytes)
      : zip(std::move(zip_bytes)), server([this](httplib::Server& s) {
          s.Get("/gzip.zip", [this](const httplib::Request&, httplib::Response& res) {
            ++hits;
            res.set_content(zip, "application/zip");
          });
        }) {}
  std::string zip;
  std::atomic<int> hits{0};
  test::TestServer server;
};

DownloadOptions quiet() {
  DownloadOptions opt;
  opt.connect_timeout_ms = 2000;
  opt.read_timeout_ms = 2000;
  opt.warn = [](const std::string&) {};
  return opt;
}

TEST_F(Emnist, DownloadExtractsTheSplitFromTheArchiveAndKeepsIt) {
  ArchiveServer srv(zip_of_splits({"letters", "digits"}));
  const std::string dir = t_ / "cache/emnist";
  const Checksum cs = checksum_of(srv.zip);
  const std::vector<std::string> bases = {srv.server.url("/")};
  detail::fetch_from_archive(detail::require_dataset_spec("emnist-letters"), dir, bases, cs,
                             quiet());
  EXPECT_EQ(srv.hits.load(), 1);
  for (const char* f :
       {"emnist-letters-train-images-idx3-ubyte.gz", "emnist-letters-train-labels-idx1-ubyte.gz",
        "emnist-letters-test-images-idx3-ubyte.gz", "emnist-letters-test-labels-idx1-ubyte.gz",
        "emnist-letters-mapping.txt", "gzip.zip"}) {
    EXPECT_TRUE(detail::is_file(dir + "/" + f)) << f;
    EXPECT_FALSE(detail::is_file(dir + "/" + f + ".part")) << f;
  }
  EXPECT_FALSE(detail::is_file(dir + "/emnist-digits-mapping.txt"));  // only what was asked for
  EXPECT_EQ(test::read_file(dir + "/emnist-letters-mapping.txt"), letters_mapping());

  DataOptions opt = options();
  opt.data_dir.clear();
  const DatasetSplits s = load_dataset("emnist-letters", opt);
  EXPECT_EQ(s.train.size(), 20);
  EXPECT_EQ(s.train.class_names[1], "Bb");
  EXPECT_EQ(std::vector<uint8_t>(s.train.image(3), s.train.image(3) + 784), upright_glyph(3));
  EXPECT_HAS(s.note, dir + " (user cache)");

  // Another split comes out of the kept archive without a second download; a complete split
  // is left alone.
  detail::fetch_from_archive(detail::require_dataset_spec("emnist-digits"), dir, bases, cs,
                             quiet());
  detail::fetch_from_archive(detail::require_dataset_spec("emnist-letters"), dir, bases, cs,
                             quiet());
  EXPECT_EQ(srv.hits.load(), 1);
  EXPECT_EQ(load_dataset("emnist-digits", opt).train.num_classes, 10);
}

TEST_F(Emnist, DownloadChecksThePinnedSha256OfNistsArchive) {
  // The generated archive is not NIST's: download_dataset refuses it by the pinned size/SHA-256
  // and leaves nothing under a real name.
  ArchiveServer srv(zip_of_splits({"letters"}));
  DownloadOptions opt = quiet();
  opt.mirrors = {srv.server.url("/")};
  const std::string msg = error_of([&] { download_dataset("emnist-letters", t_ / "cache", opt); });
  EXPECT_HAS(msg, "download of emnist-letters failed");
  EXPECT_HAS(msg, srv.server.url("/gzip.zip"));
  EXPECT_HAS(msg, "561753746");
  EXPECT_FALSE(detail::is_file(t_ / "cache/emnist/gzip.zip"));
  EXPECT_FALSE(detail::is_file(t_ / "cache/emnist/emnist-letters-mapping.txt"));
}

TEST_F(Emnist, ArchiveWithoutTheSplitOrWithACorruptEntry) {
  const std::string dir = t_ / "cache/emnist";
  {
    ArchiveServer srv(zip_of_splits({"letters"}));
    const std::string msg = error_of([&] {
      detail::fetch_from_archive(detail::require_dataset_spec("emnist-digits"), dir,
                                 {srv.server.url("/")}, checksum_of(srv.zip), quiet());
    });
    EXPECT_HAS(msg,
               dir + "/gzip.zip: has no entry 'gzip/emnist-digits-train-images-idx3-ubyte.gz'");
  }
  std::filesystem::remove_all(dir);
  ArchiveServer srv(zip_of_splits({"letters"}, /*corrupt_letters=*/true));
  const std::string msg = error_of([&] {
    detail::fetch_from_archive(detail::require_dataset_spec("emnist-letters"), dir,
                               {srv.server.url("/")}, checksum_of(srv.zip), quiet());
  });
  EXPECT_EQ(msg.find('\n'), std::string::npos) << msg;
  EXPECT_HAS(msg, "entry 'gzip/emnist-letters-train-images-idx3-ubyte.gz': CRC-32 mismatch");
  EXPECT_FALSE(detail::is_file(dir + "/emnist-letters-train-images-idx3-ubyte.gz"));
  EXPECT_FALSE(detail::is_file(dir + "/emnist-letters-train-images-idx3-ubyte.gz.part"));
}

}  // namespace
}  // namespace inkstone
