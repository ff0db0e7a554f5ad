#pragma once
// Tiny MNIST-format datasets for command-line tests: raw IDX files with a chosen header, size
// and amount of pixel data (to test truncated and malformed files too).
#include <cstdint>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

namespace inkstone::testing {

namespace fs = std::filesystem;

inline void put_u32(std::ofstream& out, uint32_t v) {
  const unsigned char b[4] = {static_cast<unsigned char>(v >> 24),
                              static_cast<unsigned char>(v >> 16),
                              static_cast<unsigned char>(v >> 8), static_cast<unsigned char>(v)};
  out.write(reinterpret_cast<const char*>(b), 4);
}

// Writes raw (uncompressed) IDX files of `n` images and labels under dir/mnist/.
struct IdxSpec {
  uint32_t image_magic = 0x803, label_magic = 0x801;
  uint32_t images = 64, labels = 64, rows = 28, cols = 28;
  int64_t pixel_bytes = -1;  // bytes of pixel data actually written (-1: all)
};

inline void write_split(const fs::path& dir, const std::string& prefix, const IdxSpec& s) {
  fs::create_directories(dir);
  {
    std::ofstream out(dir / (prefix + "-images-idx3-ubyte"), std::ios::binary);
    put_u32(out, s.image_magic);
    put_u32(out, s.images);
    put_u32(out, s.rows);
    put_u32(out, s.cols);
    int64_t bytes = s.pixel_bytes >= 0 ? s.pixel_bytes : int64_t{s.images} * s.rows * s.cols;
    std::vector<char> px(static_cast<size_t>(bytes));
    for (size_t i = 0; i < px.size(); ++i) px[i] = static_cast<char>((i * 7) % 251);
    out.write(px.data(), static_cast<std::streamsize>(px.size()));
  }
  std::ofstream out(dir / (prefix + "-labels-idx1-ubyte"), std::ios::binary);
  put_u32(out, s.label_magic);
  put_u32(out, s.labels);
  for (uint32_t i = 0; i < s.labels; ++i) out.put(static_cast<char>(i % 10));
}

inline fs::path make_data(const std::string& name, const IdxSpec& train, const IdxSpec& test = {}) {
  const fs::path root = fs::path(INKSTONE_TEST_TMP) / ("cli_data_" + name);
  fs::remove_all(root);
  write_split(root / "mnist", "train", train);
  write_split(root / "mnist", "t10k", test);
  return root;
}

}  // namespace inkstone::testing
