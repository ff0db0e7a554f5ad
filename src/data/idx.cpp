#include "inkstone/data/idx.hpp"

#include <zlib.h>

#include <algorithm>
#include <cerrno>
#include <climits>
#include <cstdio>
#include <cstring>
#include <sstream>

#include "data/file_util.hpp"
#include "inkstone/tensor/error.hpp"

namespace inkstone {

namespace {

// deflate expands at most ~1032:1 (a match copies <= 258 bytes and costs >= 2 bits: 258 * 8 / 2),
// so a gzip file of n bytes decompresses to at most ~1032 * n bytes. A header claiming more
// cannot be backed by the file and is rejected before anything is allocated.
constexpr int64_t kMaxDeflateRatio = 1032;

std::string hex32(uint32_t v) {
  char buf[16];
  std::snprintf(buf, sizeof buf, "0x%08X", v);
  return buf;
}

// Reads a file sequentially, decompressing gzip on the fly; raw files are read directly.
class IdxStream {
 public:
  explicit IdxStream(const std::string& path) : path_(path) {
    file_bytes_ = detail::file_size(path);
    if (file_bytes_ < 0) {
      throw Error(path + ": " +
                  (detail::is_dir(path) ? "is a directory" : "cannot open: no such file"));
    }
    FILE* f = std::fopen(path.c_str(), "rb");
    if (!f) throw Error(path + ": cannot open: " + std::strerror(errno));
    unsigned char magic[2] = {0, 0};
    const size_t got = std::fread(magic, 1, 2, f);
    gzip_ = got == 2 && magic[0] == 0x1f && magic[1] == 0x8b;
    if (gzip_) {
      std::fclose(f);
      gz_ = gzopen(path.c_str(), "rb");
      if (!gz_) throw Error(path + ": cannot open: " + std::strerror(errno));
      gzbuffer(gz_, 1 << 18);
    } else {
      std::rewind(f);
      raw_ = f;
    }
  }
  ~IdxStream() {
    if (gz_) gzclose(gz_);
    if (raw_) std::fclose(raw_);
  }
  IdxStream(const IdxStream&) = delete;
  IdxStream& operator=(const IdxStream&) = delete;

  bool gzip() const { return gzip_; }
  int64_t file_bytes() const { return file_bytes_; }

  // Reads up to n bytes; returns how many were read (fewer only at the end of the data, in which
  // case ended_early() tells whether a gzip stream stopped before its end marker). Corrupt gzip
  // data or an I/O error throw.
  int64_t read(uint8_t* dst, int64_t n) {
    int64_t done = 0;
    while (done < n) {
      const int64_t want = std::min<int64_t>(n - done, int64_t{1} << 30);
      if (raw_) {
        const size_t r = std::fread(dst + done, 1, static_cast<size_t>(want), raw_);
        done += static_cast<int64_t>(r);
        if (r < static_cast<size_t>(want)) {
          if (std::ferror(raw_)) throw Error(path_ + ": read error: " + std::strerror(errno));
          break;
        }
      } else {
        const int r = gzread(gz_, dst + done, static_cast<unsigned>(want));
        if (r < 0) {
          int errnum = 0;
          const std::string msg = gzerror(gz_, &errnum);
          if (errnum == Z_BUF_ERROR) {  // zlib: "unexpected end of file"
            ended_early_ = true;
            break;
          }
          throw Error(path_ + ": corrupt gzip data: " + msg);
        }
        done += r;
        if (r == 0) {
          int errnum = 0;
          gzerror(gz_, &errnum);
          if (errnum == Z_BUF_ERROR) ended_early_ = true;
          break;
        }
      }
    }
    return done;
  }
  bool ended_early() const { return ended_early_; }

 private:
  std::string path_;
  int64_t file_bytes_ = 0;
  bool gzip_ = false;
  bool ended_early_ = false;
  gzFile gz_ = nullptr;
  FILE* raw_ = nullptr;
};

uint32_t be32(const uint8_t* p) {
  return (uint32_t{p[0]} << 24) | (uint32_t{p[1]} << 16) | (uint32_t{p[2]} << 8) | uint32_t{p[3]};
}

void put_be32(uint8_t* p, uint32_t v) {
  p[0] = static_cast<uint8_t>(v >> 24);
  p[1] = static_cast<uint8_t>(v >> 16);
  p[2] = static_cast<uint8_t>(v >> 8);
  p[3] = static_cast<uint8_t>(v);
}

const char* kind_of(int ndims) {
  return ndims == 3 ? "an image file" : ndims == 1 ? "a label file" : "not an MNIST-style file";
}

// Reads and validates the header. expected_dims 0 accepts 1..3 dimensions (read_idx_header).
IdxHeader read_header(IdxStream& s, const std::string& path, int expected_dims) {
  IdxHeader h;
  h.gzip = s.gzip();
  h.file_bytes = s.file_bytes();
  uint8_t m[4];
  const int64_t got = s.read(m, 4);
  if (got < 4) {
    throw Error(path + ": truncated: " + std::to_string(got) +
                " bytes, too short to hold an IDX header" +
                (s.gzip() ? " (after gzip decompression)" : ""));
  }
  h.magic = be32(m);
  const std::string expected_magic =
      expected_dims == 3   ? hex32(kIdxImagesMagic) + " (IDX unsigned-byte images, 3 dimensions)"
      : expected_dims == 1 ? hex32(kIdxLabelsMagic) + " (IDX unsigned-byte labels, 1 dimension)"
                           : "0x000008NN (IDX unsigned bytes, NN = 1..3 dimensions)";
  if (m[0] != 0 || m[1] != 0) {
    throw Error(path + ": wrong magic " + hex32(h.magic) + ", expected " + expected_magic +
                ": not an IDX file");
  }
  if (m[2] != 0x08) {
    char t[8];
    std::snprintf(t, sizeof t, "0x%02X", m[2]);
    throw Error(path + ": wrong magic " + hex32(h.magic) + ", expected " + expected_magic +
                ": element type " + t + " is not supported (only 0x08, unsigned byte)");
  }
  const int ndims = m[3];
  if (expected_dims != 0 && ndims != expected_dims) {
    throw Error(path + ": wrong magic " + hex32(h.magic) + ", expected " + expected_magic + ": " +
                std::to_string(ndims) + " dimension(s), which is " + kind_of(ndims));
  }
  if (ndims < 1 || ndims > 3) {
    throw Error(path + ": wrong magic " + hex32(h.magic) + ": " + std::to_string(ndims) +
                " dimensions; expected 1 (labels) or 3 (images)");
  }
  uint8_t d[12];
  const int64_t dgot = s.read(d, 4 * ndims);
  if (dgot < 4 * ndims) {
    throw Error(path + ": truncated: the header needs " + std::to_string(4 + 4 * ndims) +
                " bytes, the file has only " + std::to_string(4 + dgot));
  }
  static const char* kImageDimNames[3] = {"image count", "rows", "columns"};
  h.header_bytes = 4 + 4 * ndims;
  int64_t payload = 1;
  for (int i = 0; i < ndims; ++i) {
    const int64_t v = be32(d + 4 * i);
    const std::string dim_name = ndims == 3   ? kImageDimNames[i]
                                 : ndims == 1 ? "label count"
                                              : "dimension " + std::to_string(i);
    if (v == 0) throw Error(path + ": zero dimension: " + dim_name + " is 0");
    const int64_t limit = (i == 0) ? kIdxMaxItems : kIdxMaxSide;
    if (v > limit) {
      throw Error(path + ": absurd dimension: " + dim_name + " is " + std::to_string(v) +
                  ", more than the limit " + std::to_string(limit) + " (corrupt header?)");
    }
    if (__builtin_mul_overflow(payload, v, &payload) || payload > kIdxMaxPayloadBytes) {
      throw Error(path + ": absurd dimensions: the payload would exceed " +
                  std::to_string(kIdxMaxPayloadBytes) + " bytes (corrupt header?)");
    }
    h.dims.push_back(v);
  }
  h.payload_bytes = payload;
  const char* what = ndims == 3 ? "pixel data" : "label data";
  const int64_t want = h.header_bytes + payload;
  if (!h.gzip) {
    if (h.file_bytes < want) {
      throw Error(path + ": truncated: expected " + std::to_string(payload) + " bytes of " + what +
                  " after the " + std::to_string(h.header_bytes) + "-byte header, got " +
                  std::to_string(h.file_bytes - h.header_bytes));
    }
    if (h.file_bytes > want) {
      throw Error(path + ": " + std::to_string(h.file_bytes - want) +
                  " unexpected trailing bytes after the " + std::to_string(payload) + " bytes of " +
                  what + " the header announces");
    }
  } else if (want > h.file_bytes * kMaxDeflateRatio + 1024) {
    throw Error(path + ": truncated or corrupt: the header announces " + std::to_string(payload) +
                " bytes of " + what + ", but a gzip file of " + std::to_string(h.file_bytes) +
                " bytes cannot hold more than about " +
                std::to_string(h.file_bytes * kMaxDeflateRatio));
  }
  return h;
}

// Reads exactly h.payload_bytes after the header and checks that nothing follows.
std::vector<uint8_t> read_payload(IdxStream& s, const std::string& path, const IdxHeader& h) {
  const char* what = h.dims.size() == 3 ? "pixel data" : "label data";
  const int64_t n = h.payload_bytes;
  std::vector<uint8_t> out;
  int64_t got = 0;
  if (!h.gzip) {
    out.resize(static_cast<size_t>(n));  // the file size was checked against the header
    got = s.read(out.data(), n);
  } else {
    // Grow as data arrives, so a lying header never makes us allocate what the file lacks.
    constexpr int64_t kStep = int64_t{16} << 20;
    while (got < n) {
      const int64_t cap = std::min(n, std::max<int64_t>(got * 2, std::min(n, kStep)));
      out.resize(static_cast<size_t>(cap));
      const int64_t r = s.read(out.data() + got, cap - got);
      got += r;
      if (got < cap) break;
    }
  }
  if (got < n) {
    throw Error(path + ": truncated: expected " + std::to_string(n) + " bytes of " + what +
                " after the " + std::to_string(h.header_bytes) + "-byte header, got " +
                std::to_string(got) +
                (h.gzip ? (s.ended_early() ? " (the gzip stream ends early)" : "") : ""));
  }
  // Nothing may follow. For gzip this also reads the trailer, so zlib checks the CRC-32.
  uint8_t extra[1];
  if (s.read(extra, 1) != 0) {
    throw Error(path + ": unexpected trailing data after the " + std::to_string(n) + " bytes of " +
                what + " the header announces");
  }
  if (h.gzip && s.ended_early()) {
    throw Error(path + ": truncated: the gzip stream ends before its end marker and checksum");
  }
  return out;
}

void check_write_dim(const std::string& path, const char* name, int64_t v, int64_t limit) {
  if (v <= 0 || v > limit) {
    throw Error(path + ": cannot write IDX: " + name + " " + std::to_string(v) +
                " is outside [1, " + std::to_string(limit) + "]");
  }
}

void write_idx(const std::string& path, uint32_t magic, const std::vector<int64_t>& dims,
               const uint8_t* payload, int64_t n) {
  const size_t header = 4 + 4 * dims.size();
  std::vector<uint8_t> buf(header + static_cast<size_t>(n));
  put_be32(buf.data(), magic);
  for (size_t i = 0; i < dims.size(); ++i) {
    put_be32(buf.data() + 4 + 4 * i, static_cast<uint32_t>(dims[i]));
  }
  if (n > 0) std::memcpy(buf.data() + header, payload, static_cast<size_t>(n));
  if (detail::ends_with(path, ".gz")) {
    const std::vector<uint8_t> z = detail::gzip_compress(buf.data(), buf.size());
    detail::write_file_atomic(path, z.data(), z.size());
  } else {
    detail::write_file_atomic(path, buf.data(), buf.size());
  }
}

}  // namespace

IdxHeader read_idx_header(const std::string& path) {
  IdxStream s(path);
  return read_header(s, path, 0);
}

IdxImages read_idx_images(const std::string& path) {
  IdxStream s(path);
  const IdxHeader h = read_header(s, path, 3);
  IdxImages im;
  im.count = h.dims[0];
  im.rows = static_cast<int>(h.dims[1]);
  im.cols = static_cast<int>(h.dims[2]);
  im.pixels = read_payload(s, path, h);
  return im;
}

std::vector<uint8_t> read_idx_labels(const std::string& path) {
  IdxStream s(path);
  const IdxHeader h = read_header(s, path, 1);
  return read_payload(s, path, h);
}

void write_idx_images(const std::string& path, const uint8_t* pixels, int64_t count, int rows,
                      int cols) {
  check_write_dim(path, "image count", count, kIdxMaxItems);
  check_write_dim(path, "rows", rows, kIdxMaxSide);
  check_write_dim(path, "columns", cols, kIdxMaxSide);
  const int64_t n = count * rows * cols;
  if (n > kIdxMaxPayloadBytes) throw Error(path + ": cannot write IDX: payload too large");
  write_idx(path, kIdxImagesMagic, {count, rows, cols}, pixels, n);
}

void write_idx_images(const std::string& path, const IdxImages& images) {
  if (static_cast<int64_t>(images.pixels.size()) != images.count * images.rows * images.cols) {
    throw Error(path + ": cannot write IDX: " + std::to_string(images.pixels.size()) +
                " pixel bytes for " + std::to_string(images.count) + " images of " +
                std::to_string(images.rows) + "x" + std::to_string(images.cols));
  }
  write_idx_images(path, images.pixels.data(), images.count, images.rows, images.cols);
}

void write_idx_labels(const std::string& path, const uint8_t* labels, int64_t count) {
  check_write_dim(path, "label count", count, kIdxMaxItems);
  write_idx(path, kIdxLabelsMagic, {count}, labels, count);
}

void write_idx_labels(const std::string& path, const std::vector<uint8_t>& labels) {
  write_idx_labels(path, labels.data(), static_cast<int64_t>(labels.size()));
}

Dataset load_idx_dataset(const std::string& images_path, const std::string& labels_path,
                         const std::string& name, const std::vector<std::string>& class_names) {
  if (class_names.empty() || class_names.size() > 256) {
    throw Error(name + ": a dataset needs 1..256 classes, got " +
                std::to_string(class_names.size()));
  }
  // Labels first: they are small, so a mismatch is reported before the large image read.
  std::vector<uint8_t> labels = read_idx_labels(labels_path);
  IdxImages images = read_idx_images(images_path);
  if (images.count != static_cast<int64_t>(labels.size())) {
    throw Error(images_path + " holds " + std::to_string(images.count) + " images but " +
                labels_path + " holds " + std::to_string(labels.size()) +
                " labels: the counts must match");
  }
  const int num_classes = static_cast<int>(class_names.size());
  for (size_t i = 0; i < labels.size(); ++i) {
    if (labels[i] >= num_classes) {
      throw Error(labels_path + ": label " + std::to_string(labels[i]) + " at index " +
                  std::to_string(i) + " is out of range: " + name + " has " +
                  std::to_string(num_classes) + " classes (0.." + std::to_string(num_classes - 1) +
                  ")");
    }
  }
  Dataset ds;
  ds.name = name;
  ds.source = images_path + " + " + labels_path;
  ds.channels = 1;
  ds.height = images.rows;
  ds.width = images.cols;
  ds.images = std::move(images.pixels);
  ds.labels.assign(labels.begin(), labels.end());
  ds.num_classes = num_classes;
  ds.class_names = class_names;
  return ds;
}

}  // namespace inkstone
