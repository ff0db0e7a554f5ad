#pragma once
// A small zip writer for the tests (PKWARE APPNOTE layout: local headers and data, central
// directory, end record), with stored or raw-deflate entries. Every field the reader checks can be
// overridden, so tests can build corrupt and hostile archives too.
#include <zlib.h>

#include <cstdint>
#include <stdexcept>
#include <string>
#include <vector>

namespace inkstone::test {

class ZipBuilder {
 public:
  struct Entry {
    std::string name;
    uint16_t method = 8;  // 0 stored, 8 deflate
    uint16_t flags = 0;
    uint32_t crc32 = 0;
    uint32_t compressed_size = 0;  // as written in the central directory
    uint32_t size = 0;
    uint32_t local_offset = 0;
    size_t data_offset = 0;  // where the entry's data starts in bytes()
  };

  // Adds `data`, stored (method 0) or deflated (method 8); returns the entry's index.
  size_t add(const std::string& name, const std::string& data, uint16_t method = 8) {
    const std::string stored = method == 8 ? raw_deflate(data) : data;
    const uint32_t crc = static_cast<uint32_t>(
        crc32(0L, reinterpret_cast<const Bytef*>(data.data()), static_cast<uInt>(data.size())));
    return add_raw(name, stored, method, crc, static_cast<uint32_t>(data.size()));
  }

  // Adds already-encoded data with the given header fields, as a corrupt archive would have them.
  size_t add_raw(const std::string& name, const std::string& encoded, uint16_t method, uint32_t crc,
                 uint32_t size, uint16_t flags = 0) {
    Entry e;
    e.name = name;
    e.method = method;
    e.flags = flags;
    e.crc32 = crc;
    e.compressed_size = static_cast<uint32_t>(encoded.size());
    e.size = size;
    e.local_offset = static_cast<uint32_t>(body_.size());
    body_ += le32(0x04034b50) + le16(20) + le16(flags) + le16(method) + le16(0) + le16(0x21) +
             le32(crc) + le32(e.compressed_size) + le32(size) +
             le16(static_cast<uint16_t>(name.size())) + le16(0) + name;
    e.data_offset = body_.size();
    body_ += encoded;
    entries_.push_back(e);
    return entries_.size() - 1;
  }

  // Central-directory fields of the entries, to be altered before bytes().
  std::vector<Entry>& entries() { return entries_; }

  struct End {
    std::string comment;
    int64_t entry_count = -1;  // -1: the real count
    int64_t cd_offset = -1;    // -1: the real offset
    uint16_t disk = 0;
  };

  // The whole archive.
  std::string bytes() const { return bytes(End()); }
  std::string bytes(const End& end) const {
    std::string cd;
    for (const Entry& e : entries_) {
      cd += le32(0x02014b50) + le16(0x031e) + le16(20) + le16(e.flags) + le16(e.method) + le16(0) +
            le16(0x21) + le32(e.crc32) + le32(e.compressed_size) + le32(e.size) +
            le16(static_cast<uint16_t>(e.name.size())) + le16(0) + le16(0) + le16(0) + le16(0) +
            le32(0) + le32(e.local_offset) + e.name;
    }
    const uint16_t count = static_cast<uint16_t>(
        end.entry_count >= 0 ? end.entry_count : static_cast<int64_t>(entries_.size()));
    const uint32_t offset =
        static_cast<uint32_t>(end.cd_offset >= 0 ? end.cd_offset : int64_t(body_.size()));
    return body_ + cd + le32(0x06054b50) + le16(end.disk) + le16(end.disk) + le16(count) +
           le16(count) + le32(static_cast<uint32_t>(cd.size())) + le32(offset) +
           le16(static_cast<uint16_t>(end.comment.size())) + end.comment;
  }

  // A raw deflate stream (no zlib or gzip wrapper), as zip's method 8 stores it.
  static std::string raw_deflate(const std::string& data) {
    z_stream zs{};
    if (deflateInit2(&zs, 6, Z_DEFLATED, -15, 8, Z_DEFAULT_STRATEGY) != Z_OK) {
      throw std::runtime_error("deflateInit2");
    }
    std::string out(deflateBound(&zs, static_cast<uLong>(data.size())) + 16, '\0');
    zs.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(data.data()));
    zs.avail_in = static_cast<uInt>(data.size());
    zs.next_out = reinterpret_cast<Bytef*>(out.data());
    zs.avail_out = static_cast<uInt>(out.size());
    const int rc = deflate(&zs, Z_FINISH);
    out.resize(zs.total_out);
    deflateEnd(&zs);
    if (rc != Z_STREAM_END) throw std::runtime_error("deflate");
    return out;
  }

 private:
  static std::string le16(uint16_t v) {
    return std::string{static_cast<char>(v & 0xff), static_cast<char>(v >> 8)};
  }
  static std::string le32(uint32_t v) {
    return le16(static_cast<uint16_t>(v & 0xffff)) + le16(static_cast<uint16_t>(v >> 16));
  }

  std::string body_;  // local headers and data
  std::vector<Entry> entries_;
};

}  // namespace inkstone::test
