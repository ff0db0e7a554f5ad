#pragma once
// IDX files: the format of MNIST and its family (http://yann.lecun.com/exdb/mnist/).
//
//   magic   4 bytes, big-endian: 0x00 0x00 <type> <number of dimensions>; type 0x08 = unsigned byte
//   dims    one 4-byte big-endian count per dimension
//   payload prod(dims) bytes, row-major
//
// Images are 0x00000803 (count, rows, cols); labels are 0x00000801 (count). Files may be gzip
// (recognised by their 1f 8b header, whatever their name) or raw.
//
// Readers check the magic, the number of dimensions, zero or absurd dimensions and the exact
// payload length before they allocate: a raw file must be exactly header + payload bytes long; a
// gzip file is decompressed as a stream into a buffer that grows only as data actually arrives, and
// must end exactly after the payload. Every problem is an Error that names the file and says what
// is wrong ("t10k-images-idx3-ubyte.gz: truncated: expected 7840000 bytes of pixel data after the
// 16-byte header, got 1234").
#include <cstdint>
#include <string>
#include <vector>

#include "inkstone/data/dataset.hpp"

namespace inkstone {

inline constexpr uint32_t kIdxImagesMagic = 0x00000803;  // ubyte, 3 dimensions
inline constexpr uint32_t kIdxLabelsMagic = 0x00000801;  // ubyte, 1 dimension
// Limits past which a header is taken to be corrupt rather than allocated.
inline constexpr int64_t kIdxMaxItems = 100'000'000;
inline constexpr int64_t kIdxMaxSide = 4096;
inline constexpr int64_t kIdxMaxPayloadBytes = int64_t{8} << 30;  // 8 GiB

// What an IDX header says, plus how the file is stored.
struct IdxHeader {
  uint32_t magic = 0;
  std::vector<int64_t> dims;
  bool gzip = false;
  int64_t file_bytes = 0;     // size of the file on disk
  int64_t header_bytes = 0;   // 4 + 4 * dims
  int64_t payload_bytes = 0;  // product of dims
};

// A decoded image file: count images of rows x cols bytes, row-major.
struct IdxImages {
  int64_t count = 0;
  int rows = 0;
  int cols = 0;
  std::vector<uint8_t> pixels;  // count * rows * cols
};

// Reads and validates only the header of an IDX ubyte file (any number of dimensions 1..3); for a
// raw file it also checks that the file size equals header + payload.
IdxHeader read_idx_header(const std::string& path);

// Reads an image file (magic 0x00000803).
IdxImages read_idx_images(const std::string& path);
// Reads a label file (magic 0x00000801). Values are not range-checked here (see load_idx_dataset).
std::vector<uint8_t> read_idx_labels(const std::string& path);

// Write IDX files atomically (temp file + rename). A path ending in ".gz" is written gzip
// compressed, any other path raw. Counts and sides must be in the limits above and non-zero.
void write_idx_images(const std::string& path, const uint8_t* pixels, int64_t count, int rows,
                      int cols);
void write_idx_images(const std::string& path, const IdxImages& images);
void write_idx_labels(const std::string& path, const uint8_t* labels, int64_t count);
void write_idx_labels(const std::string& path, const std::vector<uint8_t>& labels);

// Reads an image file and its label file into a Dataset named `name` with one class per entry of
// `class_names`. Errors: image and label counts differ (naming both files and counts), or a label
// is >= class_names.size() (naming the file, the index and the value).
Dataset load_idx_dataset(const std::string& images_path, const std::string& labels_path,
                         const std::string& name, const std::vector<std::string>& class_names);

}  // namespace inkstone
