// IDX reader and writer: round trips and every kind of bad input.
#include "inkstone/data/idx.hpp"

#include <gtest/gtest.h>

#include <filesystem>

#include "data_test_util.hpp"

namespace inkstone {
namespace {

using test::error_of;
using test::read_file;
using test::TempDir;
using test::write_file;

// A raw IDX image file: header + payload bytes as given.
std::string raw_images(uint32_t magic, uint32_t n, uint32_t rows, uint32_t cols,
                       const std::string& payload) {
  return test::be32(magic) + test::be32(n) + test::be32(rows) + test::be32(cols) + payload;
}

TEST(Idx, RoundTripGzip) {
  TempDir dir;
  const test::Fixture f = test::make_fixture(37, 28, 28);
  write_idx_images(dir / "img.gz", f.pixels.data(), f.count, f.rows, f.cols);
  write_idx_labels(dir / "lab.gz", f.labels);
  const std::string bytes = read_file(dir / "img.gz");
  ASSERT_GE(bytes.size(), 2u);
  EXPECT_EQ(static_cast<unsigned char>(bytes[0]), 0x1f);  // gzip header
  EXPECT_EQ(static_cast<unsigned char>(bytes[1]), 0x8b);

  const IdxImages im = read_idx_images(dir / "img.gz");
  EXPECT_EQ(im.count, 37);
  EXPECT_EQ(im.rows, 28);
  EXPECT_EQ(im.cols, 28);
  EXPECT_EQ(im.pixels, f.pixels);
  EXPECT_EQ(read_idx_labels(dir / "lab.gz"), f.labels);

  const IdxHeader h = read_idx_header(dir / "img.gz");
  EXPECT_TRUE(h.gzip);
  EXPECT_EQ(h.magic, kIdxImagesMagic);
  EXPECT_EQ(h.dims, (std::vector<int64_t>{37, 28, 28}));
  EXPECT_EQ(h.payload_bytes, 37 * 28 * 28);
}

TEST(Idx, RoundTripRawWithOddShape) {
  TempDir dir;
  const test::Fixture f = test::make_fixture(5, 3, 7);
  write_idx_images(dir / "img", f.pixels.data(), f.count, f.rows, f.cols);
  write_idx_labels(dir / "lab", f.labels);
  EXPECT_EQ(detail::file_size(dir / "img"), 16 + 5 * 3 * 7);
  EXPECT_EQ(detail::file_size(dir / "lab"), 8 + 5);
  const std::string bytes = read_file(dir / "img");
  EXPECT_EQ(bytes.substr(0, 4), test::be32(0x00000803));
  const IdxImages im = read_idx_images(dir / "img");
  EXPECT_EQ(im.rows, 3);
  EXPECT_EQ(im.cols, 7);
  EXPECT_EQ(im.pixels, f.pixels);
  EXPECT_EQ(read_idx_labels(dir / "lab"), f.labels);
  EXPECT_FALSE(read_idx_header(dir / "lab").gzip);
}

TEST(Idx, WriterLeavesNoTemporaryFiles) {
  TempDir dir;
  const test::Fixture f = test::make_fixture(3);
  write_idx_images(dir / "a.gz", f.pixels.data(), 3, 28, 28);
  write_idx_images(dir / "a.gz", f.pixels.data(), 2, 28, 28);  // overwrite in place
  int files = 0;
  for (const auto& e : std::filesystem::directory_iterator(dir.path())) {
    ++files;
    EXPECT_EQ(e.path().filename(), "a.gz");
  }
  EXPECT_EQ(files, 1);
  EXPECT_EQ(read_idx_images(dir / "a.gz").count, 2);
}

TEST(Idx, WriterRejectsEmptyAndOversizedShapes) {
  TempDir dir;
  uint8_t px[4] = {};
  EXPECT_HAS(error_of([&] { write_idx_images(dir / "x", px, 0, 2, 2); }), "image count 0");
  EXPECT_HAS(error_of([&] { write_idx_images(dir / "x", px, 1, 5000, 1); }), "rows");
  EXPECT_HAS(error_of([&] { write_idx_labels(dir / "x", px, 0); }), "label count 0");
  EXPECT_FALSE(detail::is_file(dir / "x"));
}

TEST(Idx, TruncatedRawFile) {
  TempDir dir;
  const test::Fixture f = test::make_fixture(10, 28, 28);
  write_idx_images(dir / "full", f.pixels.data(), 10, 28, 28);
  write_file(dir / "t10k-images-idx3-ubyte", read_file(dir / "full").substr(0, 16 + 1234));
  const std::string msg = error_of([&] { read_idx_images(dir / "t10k-images-idx3-ubyte"); });
  EXPECT_HAS(msg, "t10k-images-idx3-ubyte: truncated");
  EXPECT_HAS(msg, "expected 7840 bytes of pixel data");
  EXPECT_HAS(msg, "got 1234");
}

TEST(Idx, TruncatedRawLabels) {
  TempDir dir;
  write_file(dir / "labels", test::be32(0x801) + test::be32(100) + std::string(60, '\1'));
  const std::string msg = error_of([&] { read_idx_labels(dir / "labels"); });
  EXPECT_HAS(msg, "truncated: expected 100 bytes of label data");
  EXPECT_HAS(msg, "got 60");
}

TEST(Idx, TruncatedGzipFile) {
  TempDir dir;
  const test::Fixture f = test::make_fixture(50, 28, 28);
  write_idx_images(dir / "full.gz", f.pixels.data(), 50, 28, 28);
  const std::string gz = read_file(dir / "full.gz");
  write_file(dir / "t10k-images-idx3-ubyte.gz", gz.substr(0, gz.size() / 2));
  const std::string msg = error_of([&] { read_idx_images(dir / "t10k-images-idx3-ubyte.gz"); });
  EXPECT_HAS(msg, "t10k-images-idx3-ubyte.gz: truncated");
  EXPECT_HAS(msg, "expected 39200 bytes of pixel data");
}

TEST(Idx, GzipMissingOnlyItsTrailerIsTruncated) {
  TempDir dir;
  const test::Fixture f = test::make_fixture(4, 28, 28);
  write_idx_labels(dir / "full.gz", f.labels);
  const std::string gz = read_file(dir / "full.gz");
  write_file(dir / "cut.gz", gz.substr(0, gz.size() - 8));  // drop CRC-32 and size
  EXPECT_HAS(error_of([&] { read_idx_labels(dir / "cut.gz"); }), "truncated");
}

TEST(Idx, CompleteGzipWithTooFewImages) {
  TempDir dir;
  // A well-formed gzip stream whose header announces 3 images but holds 2.
  write_file(dir / "short.gz",
             test::gzip_string(raw_images(0x803, 3, 28, 28, std::string(2 * 784, '\7'))));
  const std::string msg = error_of([&] { read_idx_images(dir / "short.gz"); });
  EXPECT_HAS(msg, "truncated: expected 2352 bytes of pixel data");
  EXPECT_HAS(msg, "got 1568");
}

TEST(Idx, TrailingBytesAreRejected) {
  TempDir dir;
  const std::string content = raw_images(0x803, 1, 2, 2, "abcd") + "extra";
  write_file(dir / "raw", content);
  EXPECT_HAS(error_of([&] { read_idx_images(dir / "raw"); }), "5 unexpected trailing");
  write_file(dir / "z.gz", test::gzip_string(content));
  EXPECT_HAS(error_of([&] { read_idx_images(dir / "z.gz"); }), "trailing data");
}

TEST(Idx, CorruptGzipData) {
  TempDir dir;
  const test::Fixture f = test::make_fixture(20, 28, 28);
  write_idx_images(dir / "ok.gz", f.pixels.data(), 20, 28, 28);
  std::string gz = read_file(dir / "ok.gz");
  gz[gz.size() - 6] ^= 0x55;  // inside the CRC-32 of the trailer
  write_file(dir / "crc.gz", gz);
  EXPECT_HAS(error_of([&] { read_idx_images(dir / "crc.gz"); }), "crc.gz: corrupt gzip");
}

TEST(Idx, WrongMagic) {
  TempDir dir;
  const test::Fixture f = test::make_fixture(3);
  write_idx_labels(dir / "labels.gz", f.labels);
  std::string msg = error_of([&] { read_idx_images(dir / "labels.gz"); });
  EXPECT_HAS(msg, "wrong magic 0x00000801");
  EXPECT_HAS(msg, "expected 0x00000803");
  EXPECT_HAS(msg, "a label file");

  write_idx_images(dir / "images", f.pixels.data(), 3, 28, 28);
  msg = error_of([&] { read_idx_labels(dir / "images"); });
  EXPECT_HAS(msg, "wrong magic 0x00000803, expected 0x00000801");

  write_file(dir / "png", "\x89PNG\r\n\x1a\n0000000000000000");
  EXPECT_HAS(error_of([&] { read_idx_images(dir / "png"); }), "not an IDX file");

  // 0x0D = float elements: a real IDX type this reader does not take.
  write_file(dir / "float", raw_images(0x00000D03, 1, 1, 1, "abcd"));
  EXPECT_HAS(error_of([&] { read_idx_images(dir / "float"); }), "element type 0x0D");
}

TEST(Idx, TooShortAndMissingFiles) {
  TempDir dir;
  write_file(dir / "empty", "");
  EXPECT_HAS(error_of([&] { read_idx_images(dir / "empty"); }), "too short");
  write_file(dir / "hdr", test::be32(0x803) + test::be32(1));
  EXPECT_HAS(error_of([&] { read_idx_images(dir / "hdr"); }),
             "header needs 16 bytes, the file has only 8");
  EXPECT_HAS(error_of([&] { read_idx_images(dir / "nope.gz"); }), "nope.gz: cannot open");
  EXPECT_HAS(error_of([&] { read_idx_images(dir.path()); }), "is a directory");
}

TEST(Idx, ZeroDimensions) {
  TempDir dir;
  write_file(dir / "rows0", raw_images(0x803, 5, 0, 28, ""));
  EXPECT_HAS(error_of([&] { read_idx_images(dir / "rows0"); }), "zero dimension: rows is 0");
  write_file(dir / "count0.gz", test::gzip_string(raw_images(0x803, 0, 28, 28, "")));
  EXPECT_HAS(error_of([&] { read_idx_images(dir / "count0.gz"); }),
             "zero dimension: image count is 0");
  write_file(dir / "labels0", test::be32(0x801) + test::be32(0));
  EXPECT_HAS(error_of([&] { read_idx_labels(dir / "labels0"); }), "label count is 0");
}

TEST(Idx, AbsurdDimensionsFailBeforeAllocating) {
  TempDir dir;
  // 2^31 images in a 20-byte file: refused by the item limit.
  write_file(dir / "huge", raw_images(0x803, 0x80000000u, 28, 28, "abcd"));
  EXPECT_HAS(error_of([&] { read_idx_images(dir / "huge"); }),
             "absurd dimension: image count is 2147483648");
  write_file(dir / "huge.gz", test::gzip_string(raw_images(0x803, 0x80000000u, 28, 28, "")));
  EXPECT_HAS(error_of([&] { read_idx_images(dir / "huge.gz"); }), "absurd dimension");
  write_file(dir / "wide", raw_images(0x803, 1, 28, 5000, ""));
  EXPECT_HAS(error_of([&] { read_idx_images(dir / "wide"); }),
             "columns is 5000, more than the limit 4096");
  write_file(dir / "labels", test::be32(0x801) + test::be32(0xFFFFFFFFu));
  EXPECT_HAS(error_of([&] { read_idx_labels(dir / "labels"); }), "absurd dimension");
  // Within each limit but 1.6e15 bytes in all.
  write_file(dir / "product", raw_images(0x803, 100000000, 4096, 4096, ""));
  EXPECT_HAS(error_of([&] { read_idx_images(dir / "product"); }), "payload would exceed");
  // Plausible dimensions (60 million MNIST-sized images = 47 GB) in a tiny gzip file: the header
  // is refused from the file size before any buffer is sized from it.
  write_file(dir / "lie.gz", test::gzip_string(raw_images(0x803, 10000000, 28, 28, "abc")));
  EXPECT_HAS(error_of([&] { read_idx_images(dir / "lie.gz"); }), "cannot hold");
  // The same header raw: the file size gives it away.
  write_file(dir / "lie", raw_images(0x803, 10000000, 28, 28, "abc"));
  EXPECT_HAS(error_of([&] { read_idx_images(dir / "lie"); }),
             "truncated: expected 7840000000 bytes of pixel data");
}

TEST(Idx, DatasetCountMismatchNamesBothFiles) {
  TempDir dir;
  const test::Fixture f = test::make_fixture(10);
  write_idx_images(dir / "train-images-idx3-ubyte.gz", f.pixels.data(), 10, 28, 28);
  write_idx_labels(dir / "train-labels-idx1-ubyte.gz", f.labels.data(), 9);
  const std::string msg = error_of([&] {
    load_idx_dataset(dir / "train-images-idx3-ubyte.gz", dir / "train-labels-idx1-ubyte.gz",
                     "x/train", {"a", "b", "c", "d", "e", "f", "g", "h", "i", "j"});
  });
  EXPECT_HAS(msg, "train-images-idx3-ubyte.gz holds 10 images");
  EXPECT_HAS(msg, "train-labels-idx1-ubyte.gz holds 9 labels");
}

TEST(Idx, DatasetLabelOutOfRange) {
  TempDir dir;
  test::Fixture f = test::make_fixture(6);
  f.labels[4] = 10;
  write_idx_images(dir / "img", f.pixels.data(), 6, 28, 28);
  write_idx_labels(dir / "lab", f.labels);
  const std::vector<std::string> ten = {"0", "1", "2", "3", "4", "5", "6", "7", "8", "9"};
  const std::string msg = error_of([&] { load_idx_dataset(dir / "img", dir / "lab", "d", ten); });
  EXPECT_HAS(msg, "lab: label 10 at index 4 is out of range");
  EXPECT_HAS(msg, "10 classes");
}

TEST(Idx, DatasetAssembly) {
  TempDir dir;
  const test::Fixture f = test::make_fixture(12, 28, 28, 3, 4);
  write_idx_images(dir / "img.gz", f.pixels.data(), 12, 28, 28);
  write_idx_labels(dir / "lab", f.labels);
  const Dataset d = load_idx_dataset(dir / "img.gz", dir / "lab", "t/train", {"a", "b", "c", "d"});
  EXPECT_EQ(d.name, "t/train");
  EXPECT_EQ(d.size(), 12);
  EXPECT_EQ(d.num_classes, 4);
  EXPECT_EQ(d.height, 28);
  EXPECT_EQ(d.image_bytes(), 784);
  EXPECT_EQ(d.images, f.pixels);
  EXPECT_EQ(d.labels[5], 1);
  EXPECT_EQ(d.class_names[3], "d");
  EXPECT_HAS(d.source, "img.gz");
}

}  // namespace
}  // namespace inkstone
