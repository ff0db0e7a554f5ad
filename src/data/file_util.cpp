#include "data/file_util.hpp"

#include <fcntl.h>
#include <openssl/evp.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zlib.h>

#include <atomic>
#include <cerrno>
#include <climits>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <memory>

#include "inkstone/tensor/error.hpp"

namespace inkstone::detail {

namespace fs = std::filesystem;

bool is_file(const std::string& path) {
  struct stat st {};
  return !path.empty() && ::stat(path.c_str(), &st) == 0 && S_ISREG(st.st_mode);
}

bool is_dir(const std::string& path) {
  struct stat st {};
  return !path.empty() && ::stat(path.c_str(), &st) == 0 && S_ISDIR(st.st_mode);
}

int64_t file_size(const std::string& path) {
  struct stat st {};
  if (path.empty() || ::stat(path.c_str(), &st) != 0 || !S_ISREG(st.st_mode)) return -1;
  return static_cast<int64_t>(st.st_size);
}

void make_dirs(const std::string& dir) {
  std::error_code ec;
  fs::create_directories(dir, ec);
  if (ec || !is_dir(dir)) {
    throw Error(dir + ": cannot create directory" + (ec ? ": " + ec.message() : std::string()));
  }
}

void remove_file(const std::string& path) noexcept {
  if (!path.empty()) ::unlink(path.c_str());
}

std::string join_path(const std::string& a, const std::string& b) {
  if (a.empty()) return b;
  if (b.empty()) return a;
  if (a.back() == '/') return a + b;
  return a + "/" + b;
}

std::string base_name(const std::string& path) {
  const size_t slash = path.find_last_of('/');
  return slash == std::string::npos ? path : path.substr(slash + 1);
}

bool ends_with(const std::string& s, const std::string& suffix) {
  return s.size() >= suffix.size() &&
         s.compare(s.size() - suffix.size(), suffix.size(), suffix) == 0;
}

std::string get_env(const char* name) {
  const char* v = std::getenv(name);
  return v ? std::string(v) : std::string();
}

namespace {

std::string errno_text() {
  return std::strerror(errno);
}

// Writes all of `n` bytes to fd, retrying short writes and EINTR.
bool write_all(int fd, const uint8_t* p, size_t n) {
  while (n > 0) {
    const ssize_t w = ::write(fd, p, n);
    if (w < 0) {
      if (errno == EINTR) continue;
      return false;
    }
    p += w;
    n -= static_cast<size_t>(w);
  }
  return true;
}

}  // namespace

void write_file_atomic(const std::string& path, const void* data, size_t n) {
  static std::atomic<uint64_t> counter{0};
  const std::string tmp =
      path + ".tmp-" + std::to_string(::getpid()) + "-" + std::to_string(counter.fetch_add(1));
  const int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (fd < 0) throw Error(path + ": cannot create temporary file " + tmp + ": " + errno_text());
  const bool ok = write_all(fd, static_cast<const uint8_t*>(data), n) && ::fsync(fd) == 0;
  const std::string why = ok ? std::string() : errno_text();
  if (::close(fd) != 0 || !ok) {
    remove_file(tmp);
    throw Error(path + ": write failed: " + (why.empty() ? errno_text() : why));
  }
  if (::rename(tmp.c_str(), path.c_str()) != 0) {
    const std::string e = errno_text();
    remove_file(tmp);
    throw Error(path + ": cannot rename " + tmp + " into place: " + e);
  }
}

void commit_file(const std::string& from, const std::string& to) {
  const int fd = ::open(from.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) throw Error(from + ": cannot open: " + errno_text());
  ::fsync(fd);
  ::close(fd);
  if (::rename(from.c_str(), to.c_str()) != 0) {
    throw Error(to + ": cannot rename " + from + " into place: " + errno_text());
  }
}

std::vector<uint8_t> gzip_compress(const uint8_t* data, size_t n, int level) {
  z_stream zs{};
  // windowBits 15 + 16 selects the gzip wrapper; zlib writes mtime 0 and no file name.
  if (deflateInit2(&zs, level, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY) != Z_OK) {
    throw Error("gzip: deflateInit2 failed");
  }
  std::vector<uint8_t> out(static_cast<size_t>(deflateBound(&zs, static_cast<uLong>(n))) + 64);
  zs.next_out = out.data();
  zs.avail_out = static_cast<uInt>(std::min<size_t>(out.size(), UINT_MAX));
  size_t fed = 0;
  int rc = Z_OK;
  while (rc != Z_STREAM_END) {
    if (zs.avail_in == 0 && fed < n) {
      const size_t chunk = std::min<size_t>(n - fed, size_t{1} << 30);
      zs.next_in = const_cast<Bytef*>(data + fed);
      zs.avail_in = static_cast<uInt>(chunk);
      fed += chunk;
    }
    if (zs.avail_out == 0) {
      const size_t used = out.size();
      out.resize(used * 2);
      zs.next_out = out.data() + used;
      zs.avail_out = static_cast<uInt>(std::min<size_t>(out.size() - used, UINT_MAX));
    }
    rc = deflate(&zs, fed == n ? Z_FINISH : Z_NO_FLUSH);
    if (rc != Z_OK && rc != Z_STREAM_END && rc != Z_BUF_ERROR) {
      deflateEnd(&zs);
      throw Error("gzip: deflate failed (" + std::to_string(rc) + ")");
    }
  }
  out.resize(zs.total_out);
  deflateEnd(&zs);
  return out;
}

std::vector<uint8_t> read_maybe_gzip(const std::string& path, int64_t max_bytes) {
  // gzopen reads raw files transparently.
  gzFile gz = gzopen(path.c_str(), "rb");
  if (!gz) throw Error(path + ": cannot open: " + errno_text());
  std::vector<uint8_t> out;
  uint8_t buf[65536];
  for (;;) {
    const int r = gzread(gz, buf, sizeof buf);
    if (r < 0) {
      int errnum = 0;
      const std::string msg = gzerror(gz, &errnum);
      gzclose(gz);
      throw Error(path + ": cannot decompress: " + msg);
    }
    if (r == 0) break;
    if (static_cast<int64_t>(out.size()) + r > max_bytes) {
      gzclose(gz);
      throw Error(path + ": larger than the expected " + std::to_string(max_bytes) + " bytes");
    }
    out.insert(out.end(), buf, buf + r);
  }
  int errnum = 0;
  const std::string msg = gzerror(gz, &errnum);
  gzclose(gz);
  if (errnum != Z_OK) throw Error(path + ": cannot decompress: " + msg);
  return out;
}

namespace {

struct MdCtxFree {
  void operator()(EVP_MD_CTX* c) const { EVP_MD_CTX_free(c); }
};

const EVP_MD* digest_by_name(const std::string& algorithm) {
  const EVP_MD* md = EVP_get_digestbyname(algorithm.c_str());
  if (!md) throw Error("unknown digest algorithm '" + algorithm + "'");
  return md;
}

std::string to_hex(const unsigned char* p, size_t n) {
  static const char* kHex = "0123456789abcdef";
  std::string s(2 * n, '0');
  for (size_t i = 0; i < n; ++i) {
    s[2 * i] = kHex[p[i] >> 4];
    s[2 * i + 1] = kHex[p[i] & 15];
  }
  return s;
}

}  // namespace

std::string digest_hex(const void* data, size_t n, const std::string& algorithm) {
  std::unique_ptr<EVP_MD_CTX, MdCtxFree> ctx(EVP_MD_CTX_new());
  unsigned char md[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  if (!ctx || EVP_DigestInit_ex(ctx.get(), digest_by_name(algorithm), nullptr) != 1 ||
      EVP_DigestUpdate(ctx.get(), data, n) != 1 || EVP_DigestFinal_ex(ctx.get(), md, &len) != 1) {
    throw Error("OpenSSL " + algorithm + " digest failed");
  }
  return to_hex(md, len);
}

std::vector<uint8_t> read_file(const std::string& path, int64_t max_bytes) {
  std::unique_ptr<FILE, int (*)(FILE*)> f(std::fopen(path.c_str(), "rb"), &std::fclose);
  if (!f) throw Error(path + ": cannot open: " + errno_text());
  std::vector<uint8_t> out;
  std::vector<uint8_t> buf(1 << 16);
  size_t r;
  while ((r = std::fread(buf.data(), 1, buf.size(), f.get())) > 0) {
    if (static_cast<int64_t>(out.size() + r) > max_bytes)
      throw Error(path + ": larger than the limit of " + std::to_string(max_bytes) + " bytes");
    out.insert(out.end(), buf.data(), buf.data() + r);
  }
  if (std::ferror(f.get())) throw Error(path + ": read error");
  return out;
}

std::string digest_file_hex(const std::string& path, const std::string& algorithm) {
  std::unique_ptr<EVP_MD_CTX, MdCtxFree> ctx(EVP_MD_CTX_new());
  if (!ctx || EVP_DigestInit_ex(ctx.get(), digest_by_name(algorithm), nullptr) != 1) {
    throw Error("OpenSSL " + algorithm + " digest failed");
  }
  std::unique_ptr<FILE, int (*)(FILE*)> f(std::fopen(path.c_str(), "rb"), &std::fclose);
  if (!f) throw Error(path + ": cannot open: " + errno_text());
  std::vector<unsigned char> buf(1 << 20);
  size_t r;
  while ((r = std::fread(buf.data(), 1, buf.size(), f.get())) > 0) {
    if (EVP_DigestUpdate(ctx.get(), buf.data(), r) != 1) throw Error("OpenSSL digest failed");
  }
  if (std::ferror(f.get())) throw Error(path + ": read error");
  unsigned char md[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  if (EVP_DigestFinal_ex(ctx.get(), md, &len) != 1) throw Error("OpenSSL digest failed");
  return to_hex(md, len);
}

std::string digest_content_hex(const std::string& path, const std::string& algorithm) {
  std::unique_ptr<EVP_MD_CTX, MdCtxFree> ctx(EVP_MD_CTX_new());
  if (!ctx || EVP_DigestInit_ex(ctx.get(), digest_by_name(algorithm), nullptr) != 1) {
    throw Error("OpenSSL " + algorithm + " digest failed");
  }
  gzFile gz = gzopen(path.c_str(), "rb");  // reads raw files transparently
  if (!gz) throw Error(path + ": cannot open: " + errno_text());
  gzbuffer(gz, 1 << 18);
  std::vector<unsigned char> buf(1 << 20);
  for (;;) {
    const int r = gzread(gz, buf.data(), static_cast<unsigned>(buf.size()));
    if (r < 0) {
      int errnum = 0;
      const std::string msg = gzerror(gz, &errnum);
      gzclose(gz);
      throw Error(path + ": cannot decompress: " + msg);
    }
    if (r == 0) break;
    EVP_DigestUpdate(ctx.get(), buf.data(), static_cast<size_t>(r));
  }
  int errnum = 0;
  const std::string msg = gzerror(gz, &errnum);
  gzclose(gz);
  if (errnum != Z_OK) throw Error(path + ": cannot decompress: " + msg);
  unsigned char md[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  if (EVP_DigestFinal_ex(ctx.get(), md, &len) != 1) throw Error("OpenSSL digest failed");
  return to_hex(md, len);
}

std::string base64_to_hex(const std::string& b64) {
  auto value = [](char c) -> int {
    if (c >= 'A' && c <= 'Z') return c - 'A';
    if (c >= 'a' && c <= 'z') return c - 'a' + 26;
    if (c >= '0' && c <= '9') return c - '0' + 52;
    if (c == '+') return 62;
    if (c == '/') return 63;
    return -1;
  };
  if (b64.empty() || b64.size() % 4 != 0) throw Error("bad base64 '" + b64 + "'");
  std::vector<unsigned char> out;
  for (size_t i = 0; i < b64.size(); i += 4) {
    int v[4];
    int pad = 0;
    for (int k = 0; k < 4; ++k) {
      const char c = b64[i + k];
      if (c == '=' && i + 4 == b64.size() && k >= 2) {
        v[k] = 0;
        ++pad;
      } else if (pad > 0 || (v[k] = value(c)) < 0) {
        throw Error("bad base64 '" + b64 + "'");
      }
    }
    // Four 6-bit groups make three bytes: b = (v0 << 18) | (v1 << 12) | (v2 << 6) | v3.
    const uint32_t b =
        (uint32_t(v[0]) << 18) | (uint32_t(v[1]) << 12) | (uint32_t(v[2]) << 6) | uint32_t(v[3]);
    out.push_back(static_cast<unsigned char>(b >> 16));
    if (pad < 2) out.push_back(static_cast<unsigned char>(b >> 8));
    if (pad < 1) out.push_back(static_cast<unsigned char>(b));
  }
  return to_hex(out.data(), out.size());
}

}  // namespace inkstone::detail
