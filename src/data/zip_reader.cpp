#include "data/zip_reader.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zlib.h>

#include <algorithm>
#include <cerrno>
#include <cstdint>
#include <cstdio>
#include <cstring>

#include "data/file_util.hpp"
#include "inkstone/tensor/error.hpp"

namespace inkstone::detail {

namespace {

constexpr uint32_t kLocalSig = 0x04034b50;    // "PK\3\4"
constexpr uint32_t kCentralSig = 0x02014b50;  // "PK\1\2"
constexpr uint32_t kEndSig = 0x06054b50;      // "PK\5\6"
constexpr size_t kLocalBytes = 30;            // fixed part of a local file header
constexpr size_t kCentralBytes = 46;          // fixed part of a central directory header
constexpr size_t kEndBytes = 22;              // end of central directory record, no comment
constexpr size_t kMaxComment = 65535;
constexpr uint64_t kMaxCentralDir = uint64_t{64} << 20;
constexpr size_t kChunk = size_t{1} << 18;
// deflate expands at most ~1032:1 (a 258-byte match costs at least 2 bits).
constexpr uint64_t kMaxDeflateRatio = 1032;

uint16_t le16(const uint8_t* p) {
  return static_cast<uint16_t>(p[0] | (p[1] << 8));
}

uint32_t le32(const uint8_t* p) {
  return uint32_t{p[0]} | (uint32_t{p[1]} << 8) | (uint32_t{p[2]} << 16) | (uint32_t{p[3]} << 24);
}

std::string hex32(uint32_t v) {
  char buf[16];
  std::snprintf(buf, sizeof buf, "0x%08x", v);
  return buf;
}

std::string num(uint64_t v) {
  return std::to_string(v);
}

// Frees a zlib inflate stream on every path out.
struct InflateGuard {
  z_stream* zs;
  ~InflateGuard() { inflateEnd(zs); }
};

}  // namespace

ZipReader::ZipReader(const std::string& path) : path_(path) {
  fd_ = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd_ < 0) throw Error(path + ": cannot open: " + std::strerror(errno));
  struct stat st {};
  if (::fstat(fd_, &st) != 0 || !S_ISREG(st.st_mode)) {
    ::close(fd_);
    throw Error(path + ": not a regular file");
  }
  file_size_ = static_cast<uint64_t>(st.st_size);
  try {
    if (file_size_ < kEndBytes) {
      throw Error(path + ": not a zip archive (" + num(file_size_) +
                  " bytes, too short for the 22-byte end-of-central-directory record)");
    }
    // The end record is the last 22 bytes plus its comment: scan back for its signature, and
    // accept it only where its comment length reaches exactly the end of the file.
    const size_t tail_n =
        static_cast<size_t>(std::min<uint64_t>(file_size_, kEndBytes + kMaxComment));
    std::vector<uint8_t> tail(tail_n);
    read_at(file_size_ - tail_n, tail.data(), tail_n);
    size_t at = SIZE_MAX;
    for (size_t p = tail_n - kEndBytes + 1; p-- > 0;) {
      if (le32(&tail[p]) == kEndSig && p + kEndBytes + le16(&tail[p + 20]) == tail_n) {
        at = p;
        break;
      }
    }
    if (at == SIZE_MAX) {
      uint8_t head[4] = {0, 0, 0, 0};
      read_at(0, head, 4);
      throw Error(path + (le32(head) == kLocalSig
                              ? ": truncated or corrupt zip archive: no end-of-central-directory "
                                "record at its end"
                              : ": not a zip archive (no end-of-central-directory record)"));
    }
    const uint8_t* end = &tail[at];
    const uint64_t end_offset = file_size_ - tail_n + at;
    const uint16_t disk = le16(end + 4), cd_disk = le16(end + 6);
    const uint16_t disk_entries = le16(end + 8), total_entries = le16(end + 10);
    const uint32_t cd_size = le32(end + 12), cd_offset = le32(end + 16);
    if (disk == 0xFFFF || total_entries == 0xFFFF || cd_size == 0xFFFFFFFF ||
        cd_offset == 0xFFFFFFFF) {
      throw Error(path + ": zip64 archives are not supported (more than 65,534 entries or 4 GiB)");
    }
    if (disk != 0 || cd_disk != 0 || disk_entries != total_entries) {
      throw Error(path + ": spanned (multi-part) zip archives are not supported");
    }
    if (uint64_t{cd_offset} + cd_size > end_offset) {
      throw Error(path + ": corrupt zip archive: the central directory (" + num(cd_size) +
                  " bytes at offset " + num(cd_offset) + ") overlaps its end record at offset " +
                  num(end_offset));
    }
    if (cd_size > kMaxCentralDir) {
      throw Error(path + ": the central directory of " + num(cd_size) + " bytes is larger than " +
                  num(kMaxCentralDir) + " bytes (corrupt?)");
    }
    if (uint64_t{total_entries} * kCentralBytes > cd_size) {
      throw Error(path + ": corrupt zip archive: " + num(total_entries) +
                  " entries cannot fit in a central directory of " + num(cd_size) + " bytes");
    }
    cd_offset_ = cd_offset;
    std::vector<uint8_t> cd(cd_size);
    read_at(cd_offset, cd.data(), cd.size());
    size_t p = 0;
    for (uint32_t i = 0; i < total_entries; ++i) {
      const std::string bad = path + ": corrupt zip archive: central directory entry " + num(i);
      if (p + kCentralBytes > cd.size()) throw Error(bad + " runs past the directory's end");
      const uint8_t* h = &cd[p];
      if (le32(h) != kCentralSig) throw Error(bad + " has a wrong signature " + hex32(le32(h)));
      const size_t name_n = le16(h + 28), extra_n = le16(h + 30), comment_n = le16(h + 32);
      if (p + kCentralBytes + name_n + extra_n + comment_n > cd.size()) {
        throw Error(bad + " runs past the directory's end");
      }
      ZipEntry e;
      e.flags = le16(h + 8);
      e.method = le16(h + 10);
      e.crc32 = le32(h + 16);
      const uint32_t csize = le32(h + 20), usize = le32(h + 24), local = le32(h + 42);
      e.compressed_size = csize;
      e.size = usize;
      e.local_offset = local;
      e.zip64 = csize == 0xFFFFFFFF || usize == 0xFFFFFFFF || local == 0xFFFFFFFF ||
                le16(h + 34) == 0xFFFF;
      e.name.assign(reinterpret_cast<const char*>(h + kCentralBytes), name_n);
      entries_.push_back(std::move(e));
      p += kCentralBytes + name_n + extra_n + comment_n;
    }
  } catch (...) {
    ::close(fd_);
    throw;
  }
}

ZipReader::~ZipReader() {
  if (fd_ >= 0) ::close(fd_);
}

const ZipEntry* ZipReader::find(const std::string& name) const {
  for (const ZipEntry& e : entries_) {
    if (e.name == name) return &e;
  }
  return nullptr;
}

void ZipReader::read_at(uint64_t offset, void* dst, size_t n) const {
  auto* out = static_cast<uint8_t*>(dst);
  size_t done = 0;
  while (done < n) {
    const ssize_t r = ::pread(fd_, out + done, n - done, static_cast<off_t>(offset + done));
    if (r < 0) {
      if (errno == EINTR) continue;
      throw Error(path_ + ": read error: " + std::strerror(errno));
    }
    if (r == 0) {
      throw Error(path_ + ": truncated: " + num(n) + " bytes needed at offset " + num(offset) +
                  ", the file has " + num(file_size_));
    }
    done += static_cast<size_t>(r);
  }
}

std::string ZipReader::where(const ZipEntry& e) const {
  return path_ + ": entry '" + e.name + "'";
}

void ZipReader::extract(const ZipEntry& e, const Sink& sink, int64_t max_bytes) const {
  const std::string at = where(e);
  if (e.zip64) throw Error(at + ": zip64 entries (4 GiB and more) are not supported");
  // Flag bit 0: encrypted; bit 6: strong encryption; method 99: AES (WinZip).
  if ((e.flags & 0x0041) != 0 || e.method == 99) {
    throw Error(at + " is encrypted; encrypted zip entries are not supported");
  }
  if (e.method != 0 && e.method != 8) {
    throw Error(at + ": compression method " + num(e.method) +
                " is not supported (only 0, stored, and 8, deflate)");
  }
  if (max_bytes < 0 || e.size > static_cast<uint64_t>(max_bytes)) {
    throw Error(at + " is " + num(e.size) + " bytes, more than the " +
                std::to_string(std::max<int64_t>(max_bytes, 0)) + " bytes allowed");
  }
  if (e.method == 0 && e.compressed_size != e.size) {
    throw Error(at + ": corrupt: stored, but its compressed size " + num(e.compressed_size) +
                " differs from its size " + num(e.size));
  }
  if (e.method == 8 && e.size > e.compressed_size * kMaxDeflateRatio + 1024) {
    throw Error(at + ": corrupt: " + num(e.compressed_size) +
                " bytes of deflate data cannot inflate to the " + num(e.size) + " announced");
  }
  if (e.local_offset + kLocalBytes > cd_offset_) {
    throw Error(at + ": corrupt: its local header offset " + num(e.local_offset) +
                " is past the start of the central directory at " + num(cd_offset_));
  }
  uint8_t h[kLocalBytes];
  read_at(e.local_offset, h, kLocalBytes);
  if (le32(h) != kLocalSig) {
    throw Error(at + ": corrupt: no local file header at offset " + num(e.local_offset));
  }
  const size_t name_n = le16(h + 26), extra_n = le16(h + 28);
  const uint64_t data_offset = e.local_offset + kLocalBytes + name_n + extra_n;
  if (data_offset + e.compressed_size > cd_offset_) {
    throw Error(at + ": corrupt or truncated: its " + num(e.compressed_size) +
                " bytes of data at offset " + num(data_offset) +
                " run past the start of the central directory at " + num(cd_offset_));
  }
  std::string local_name(name_n, '\0');
  read_at(e.local_offset + kLocalBytes, local_name.data(), name_n);
  if (local_name != e.name) {
    throw Error(at + ": corrupt: its local header names '" + local_name + "'");
  }

  std::vector<uint8_t> in(std::min<uint64_t>(kChunk, std::max<uint64_t>(e.compressed_size, 1)));
  uint64_t offset = data_offset, left = e.compressed_size, produced = 0;
  uLong crc = crc32(0L, Z_NULL, 0);
  auto emit = [&](const uint8_t* p, size_t n) {
    produced += n;
    if (produced > e.size) {
      throw Error(at + ": corrupt: its data inflates to more than the " + num(e.size) +
                  " bytes the archive announces");
    }
    crc = crc32(crc, p, static_cast<uInt>(n));
    sink(p, n);
  };
  if (e.method == 0) {
    while (left > 0) {
      const size_t k = static_cast<size_t>(std::min<uint64_t>(left, in.size()));
      read_at(offset, in.data(), k);
      offset += k;
      left -= k;
      emit(in.data(), k);
    }
  } else {
    z_stream zs{};
    if (inflateInit2(&zs, -15) != Z_OK) throw Error(at + ": zlib inflateInit2 failed");
    InflateGuard guard{&zs};
    std::vector<uint8_t> out(kChunk);
    for (;;) {
      if (zs.avail_in == 0 && left > 0) {
        const size_t k = static_cast<size_t>(std::min<uint64_t>(left, in.size()));
        read_at(offset, in.data(), k);
        offset += k;
        left -= k;
        zs.next_in = in.data();
        zs.avail_in = static_cast<uInt>(k);
      }
      zs.next_out = out.data();
      zs.avail_out = static_cast<uInt>(out.size());
      const int rc = inflate(&zs, Z_NO_FLUSH);
      const size_t have = out.size() - zs.avail_out;
      if (have > 0) emit(out.data(), have);
      if (rc == Z_STREAM_END) break;
      if (rc == Z_OK) continue;
      if (rc == Z_BUF_ERROR && zs.avail_in == 0 && left == 0) {
        throw Error(at + ": truncated: its deflate stream ends before its end marker");
      }
      if (rc == Z_BUF_ERROR) continue;
      throw Error(at + ": corrupt deflate data" + (zs.msg ? std::string(": ") + zs.msg : ""));
    }
    if (zs.avail_in > 0 || left > 0) {
      throw Error(at + ": corrupt: " + num(zs.avail_in + left) +
                  " bytes of its data follow the end of its deflate stream");
    }
  }
  if (produced != e.size) {
    throw Error(at + ": corrupt: its data has " + num(produced) + " bytes, the archive announces " +
                num(e.size));
  }
  if (static_cast<uint32_t>(crc) != e.crc32) {
    throw Error(at + ": CRC-32 mismatch: the data gives " + hex32(static_cast<uint32_t>(crc)) +
                ", the archive records " + hex32(e.crc32) + " (corrupt archive)");
  }
}

std::string ZipReader::read(const ZipEntry& e, int64_t max_bytes) const {
  std::string out;
  extract(
      e, [&](const uint8_t* p, size_t n) { out.append(reinterpret_cast<const char*>(p), n); },
      max_bytes);
  return out;
}

void ZipReader::extract_to_file(const ZipEntry& e, const std::string& dest,
                                int64_t max_bytes) const {
  const std::string part = dest + ".part";
  FILE* f = std::fopen(part.c_str(), "wb");
  if (!f) throw Error(part + ": cannot create: " + std::strerror(errno));
  try {
    extract(
        e,
        [&](const uint8_t* p, size_t n) {
          if (std::fwrite(p, 1, n, f) != n) {
            throw Error(part + ": write failed: " + std::strerror(errno));
          }
        },
        max_bytes);
    const bool ok = std::fflush(f) == 0;
    const int close_rc = std::fclose(f);
    f = nullptr;
    if (!ok || close_rc != 0) throw Error(part + ": write failed: " + std::strerror(errno));
  } catch (...) {
    if (f) std::fclose(f);
    remove_file(part);
    throw;
  }
  commit_file(part, dest);
}

}  // namespace inkstone::detail
