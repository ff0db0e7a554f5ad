#pragma once
// Small file, hashing and compression helpers shared by the data module (private: not installed).
#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

namespace inkstone::detail {

// True when `path` names an existing regular file (symlinks followed).
bool is_file(const std::string& path);
bool is_dir(const std::string& path);
// Size of a regular file in bytes, or -1 when it does not exist.
int64_t file_size(const std::string& path);
// mkdir -p; throws Error naming the directory when it cannot be created.
void make_dirs(const std::string& dir);
// Removes a file if it exists; never throws.
void remove_file(const std::string& path) noexcept;
// "a" + "b" -> "a/b" (no doubled slash; empty parts are skipped).
std::string join_path(const std::string& a, const std::string& b);
std::string base_name(const std::string& path);
bool ends_with(const std::string& s, const std::string& suffix);
// getenv that returns "" for unset variables.
std::string get_env(const char* name);

// The whole content of a file; throws Error naming the path when it cannot be read or holds
// more than max_bytes.
std::vector<uint8_t> read_file(const std::string& path, int64_t max_bytes);

// Writes `n` bytes to `path` atomically: a temp file in the same directory is written, flushed to
// disk and renamed over `path`, so readers see either the old file or the complete new one.
void write_file_atomic(const std::string& path, const void* data, size_t n);
// fsync()s an existing file, then renames it to `to` (the last step of a verified download).
void commit_file(const std::string& from, const std::string& to);

// gzip (RFC 1952) of a buffer at zlib level `level`, with a fixed header (mtime 0), so the same
// input and zlib version always give the same bytes.
std::vector<uint8_t> gzip_compress(const uint8_t* data, size_t n, int level = 6);
// The whole decompressed content of a file, gzip or raw (for small files: labels, checks).
// Stops with an Error past `max_bytes`.
std::vector<uint8_t> read_maybe_gzip(const std::string& path, int64_t max_bytes);

// Message digests through OpenSSL EVP; `algorithm` is "SHA256", "SHA512" or "SHA1". Lowercase hex.
std::string digest_hex(const void* data, size_t n, const std::string& algorithm = "SHA256");
std::string digest_file_hex(const std::string& path, const std::string& algorithm = "SHA256");
// Digest of a file's decompressed content (gzip files are decompressed, raw files hashed as is).
std::string digest_content_hex(const std::string& path, const std::string& algorithm = "SHA256");
// Base64 (RFC 4648, with padding) to lowercase hex; throws Error on bad input.
std::string base64_to_hex(const std::string& b64);

}  // namespace inkstone::detail
