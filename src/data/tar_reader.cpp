#include "data/tar_reader.hpp"

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstring>

#include "data/file_util.hpp"
#include "inkstone/tensor/error.hpp"

namespace inkstone::detail {

namespace {

constexpr int64_t kBlock = 512;

int64_t padded(int64_t n) {
  return (n + kBlock - 1) / kBlock * kBlock;
}

std::string field(const unsigned char* p, size_t n) {
  size_t len = 0;
  while (len < n && p[len] != 0) ++len;
  return std::string(reinterpret_cast<const char*>(p), len);
}

// Numeric header fields are octal text, or base-256 big-endian when the first byte has 0x80 set.
int64_t parse_number(const unsigned char* p, size_t n, bool& ok) {
  ok = true;
  if (p[0] & 0x80) {
    int64_t v = p[0] & 0x7f;
    for (size_t i = 1; i < n; ++i) {
      if (v > (INT64_MAX >> 8)) {
        ok = false;
        return 0;
      }
      v = (v << 8) | p[i];
    }
    return v;
  }
  size_t i = 0;
  while (i < n && p[i] == ' ') ++i;
  int64_t v = 0;
  bool any = false;
  for (; i < n && p[i] >= '0' && p[i] <= '7'; ++i) {
    if (v > (INT64_MAX >> 3)) {
      ok = false;
      return 0;
    }
    v = v * 8 + (p[i] - '0');
    any = true;
  }
  // The rest may only be terminators.
  for (; i < n; ++i) {
    if (p[i] != 0 && p[i] != ' ') ok = false;
  }
  if (!any) v = 0;
  return v;
}

}  // namespace

TarGzReader::TarGzReader(const std::string& path) : path_(path) {
  FILE* f = std::fopen(path.c_str(), "rb");
  if (!f) throw Error(path + ": cannot open: " + std::strerror(errno));
  unsigned char magic[2] = {0, 0};
  const size_t got = std::fread(magic, 1, 2, f);
  std::fclose(f);
  if (got < 2 || magic[0] != 0x1f || magic[1] != 0x8b) {
    throw Error(path + ": not a gzip-compressed tar archive (no 1f 8b gzip header)");
  }
  gz_ = gzopen(path.c_str(), "rb");
  if (!gz_) throw Error(path + ": cannot open: " + std::strerror(errno));
  gzbuffer(gz_, 1 << 17);
}

TarGzReader::~TarGzReader() {
  if (gz_) gzclose(gz_);
}

void TarGzReader::read_exact(void* dst, int64_t n, const char* what) {
  auto* p = static_cast<unsigned char*>(dst);
  int64_t done = 0;
  while (done < n) {
    const int r =
        gzread(gz_, p + done, static_cast<unsigned>(std::min<int64_t>(n - done, 1 << 30)));
    if (r < 0) {
      int errnum = 0;
      const std::string msg = gzerror(gz_, &errnum);
      if (errnum == Z_BUF_ERROR) break;  // unexpected end of file
      throw Error(path_ + ": corrupt gzip data: " + msg);
    }
    if (r == 0) break;
    done += r;
  }
  if (done < n) {
    throw Error(path_ + ": truncated tar archive: " + what + " needs " + std::to_string(n) +
                " bytes, only " + std::to_string(done) + " left");
  }
}

void TarGzReader::skip(int64_t n) {
  unsigned char buf[16384];
  while (n > 0) {
    const int64_t k = std::min<int64_t>(n, sizeof buf);
    read_exact(buf, k, "entry data");
    n -= k;
  }
}

std::string TarGzReader::read_block_data(int64_t size, int64_t max_bytes, const char* what) {
  if (size > max_bytes) {
    throw Error(path_ + ": tar entry '" + name_ + "' (" + what + ") is " + std::to_string(size) +
                " bytes, more than the " + std::to_string(max_bytes) + " expected");
  }
  std::string data(static_cast<size_t>(size), '\0');
  read_exact(data.data(), size, what);
  skip(padded(size) - size);
  return data;
}

bool TarGzReader::next() {
  skip(remaining_);
  remaining_ = 0;
  std::string pending_name;
  unsigned char h[kBlock];
  for (;;) {
    // A clean end of the compressed stream at a block boundary also ends the archive.
    const int first = gzread(gz_, h, 1);
    if (first == 0) {
      int errnum = 0;
      gzerror(gz_, &errnum);
      if (errnum == Z_BUF_ERROR) throw Error(path_ + ": truncated gzip stream");
      return false;
    }
    if (first < 0) {
      int errnum = 0;
      throw Error(path_ + ": corrupt gzip data: " + gzerror(gz_, &errnum));
    }
    read_exact(h + 1, kBlock - 1, "a tar header");
    if (std::all_of(h, h + kBlock, [](unsigned char c) { return c == 0; })) return false;

    // Checksum: the sum of all header bytes with the checksum field counted as spaces.
    int64_t sum_unsigned = 0, sum_signed = 0;
    for (int i = 0; i < kBlock; ++i) {
      const unsigned char c = (i >= 148 && i < 156) ? ' ' : h[i];
      sum_unsigned += c;
      sum_signed += static_cast<signed char>(c);
    }
    bool ok = false;
    const int64_t stored = parse_number(h + 148, 8, ok);
    if (!ok || (stored != sum_unsigned && stored != sum_signed)) {
      throw Error(path_ + ": corrupt tar archive: bad header checksum");
    }
    const int64_t size = parse_number(h + 124, 12, ok);
    if (!ok || size < 0) throw Error(path_ + ": corrupt tar archive: bad entry size");
    const char type = static_cast<char>(h[156]);
    std::string name = field(h, 100);
    if (std::memcmp(h + 257, "ustar", 5) == 0) {
      const std::string prefix = field(h + 345, 155);
      if (!prefix.empty()) name = prefix + "/" + name;
    }
    name_ = name;

    if (type == 'x') {  // pax extended header for the next entry: records "LEN key=value\n"
      const std::string pax = read_block_data(size, 1 << 20, "pax header");
      size_t pos = 0;
      while (pos < pax.size()) {
        const size_t space = pax.find(' ', pos);
        if (space == std::string::npos) break;
        const int64_t len = std::atoll(pax.substr(pos, space - pos).c_str());
        if (len <= 0 || pos + static_cast<size_t>(len) > pax.size()) break;
        const std::string rec = pax.substr(space + 1, pos + static_cast<size_t>(len) - space - 2);
        if (rec.rfind("path=", 0) == 0) pending_name = rec.substr(5);
        pos += static_cast<size_t>(len);
      }
      continue;
    }
    if (type == 'L') {  // GNU long name for the next entry
      const std::string long_name = read_block_data(size, 1 << 20, "long name");
      pending_name = long_name.substr(0, long_name.find('\0'));
      continue;
    }
    if (type == '0' || type == '\0' || type == '7') {
      if (!pending_name.empty()) name_ = pending_name;
      size_ = size;
      remaining_ = padded(size);
      return true;
    }
    skip(padded(size));  // directories, links, global pax headers, ...
    pending_name.clear();
  }
}

std::string TarGzReader::read_data(int64_t max_bytes) {
  const int64_t size = size_;
  std::string data = read_block_data(size, max_bytes, "file data");
  remaining_ = 0;
  return data;
}

}  // namespace inkstone::detail
