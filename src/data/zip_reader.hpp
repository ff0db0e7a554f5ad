#pragma once
// A minimal reader for zip archives (PKWARE APPNOTE.TXT), enough for NIST's EMNIST gzip.zip.
// Private to data/.
//
// Layout read here (all numbers little-endian):
//   [local file header 30 bytes + name + extra][entry data] ... for each entry
//   [central directory: one 46-byte header + name + extra + comment per entry]
//   [end of central directory record, 22 bytes + comment]
// The end record is found by scanning back from the end of the file (its comment may be up to
// 65,535 bytes); it locates the central directory, which lists every entry's name, method,
// CRC-32, sizes and the offset of its local header. Entries are stored (method 0) or deflated
// (method 8, a raw deflate stream inflated by zlib); their data is checked against the
// central directory's sizes and CRC-32 as it is extracted.
//
// Refused with an Error naming the archive (and entry): zip64 (sizes or offsets of 4 GiB and
// more, marked 0xFFFFFFFF), spanned archives, encrypted entries, other compression methods,
// entries larger than the caller allows, and any size or offset that points outside the archive
// or into the central directory. Nothing is allocated from an unchecked size.
#include <cstdint>
#include <functional>
#include <string>
#include <vector>

namespace inkstone::detail {

struct ZipEntry {
  std::string name;  // as stored (e.g. "gzip/emnist-letters-mapping.txt")
  uint16_t flags = 0;
  uint16_t method = 0;  // 0 stored, 8 deflate
  uint32_t crc32 = 0;
  uint64_t compressed_size = 0;
  uint64_t size = 0;          // uncompressed
  uint64_t local_offset = 0;  // of the local file header
  bool zip64 = false;         // a size or offset field holds 0xFFFFFFFF
};

class ZipReader {
 public:
  // Opens `path` and reads its central directory.
  explicit ZipReader(const std::string& path);
  ~ZipReader();
  ZipReader(const ZipReader&) = delete;
  ZipReader& operator=(const ZipReader&) = delete;

  const std::string& path() const { return path_; }
  const std::vector<ZipEntry>& entries() const { return entries_; }
  // The entry named exactly `name`; nullptr when none.
  const ZipEntry* find(const std::string& name) const;

  // Streams the entry's uncompressed bytes to `sink`, in chunks; checks the method, the sizes and
  // the CRC-32 (a mismatch throws after the last chunk). Refuses entries over `max_bytes`.
  using Sink = std::function<void(const uint8_t* data, size_t n)>;
  void extract(const ZipEntry& e, const Sink& sink, int64_t max_bytes) const;
  // The entry's content in memory.
  std::string read(const ZipEntry& e, int64_t max_bytes) const;
  // Writes the entry to `dest`: into "<dest>.part", renamed to `dest` only when complete and
  // verified; on failure the .part is removed and nothing appears under `dest`.
  void extract_to_file(const ZipEntry& e, const std::string& dest, int64_t max_bytes) const;

 private:
  void read_at(uint64_t offset, void* dst, size_t n) const;
  std::string where(const ZipEntry& e) const;  // "<path>: entry '<name>'"

  std::string path_;
  int fd_ = -1;
  uint64_t file_size_ = 0;
  uint64_t cd_offset_ = 0;  // entry data must end before the central directory
  std::vector<ZipEntry> entries_;
};

}  // namespace inkstone::detail
