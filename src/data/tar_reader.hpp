#pragma once
// A minimal reader for gzip-compressed ustar archives (npm tarballs): regular files only, with
// the pax "path" record and GNU long names understood; everything else is skipped. Private.
#include <zlib.h>
#include <cstdint>
#include <string>

namespace inkstone::detail {

class TarGzReader {
 public:
  // Opens `path`; it must be gzip-compressed (1f 8b header).
  explicit TarGzReader(const std::string& path);
  ~TarGzReader();
  TarGzReader(const TarGzReader&) = delete;
  TarGzReader& operator=(const TarGzReader&) = delete;

  // Moves to the next regular file; false at the end of the archive. Data of the current entry
  // that was not read is skipped.
  bool next();
  const std::string& name() const { return name_; }
  int64_t size() const { return size_; }
  // Reads the current entry's data (at most `max_bytes`, else Error).
  std::string read_data(int64_t max_bytes);

 private:
  void read_exact(void* dst, int64_t n, const char* what);
  void skip(int64_t n);
  std::string read_block_data(int64_t size, int64_t max_bytes, const char* what);

  std::string path_;
  gzFile gz_ = nullptr;
  std::string name_;
  int64_t size_ = 0;
  int64_t remaining_ = 0;  // data bytes + padding of the current entry not yet consumed
};

}  // namespace inkstone::detail
