// .inks model files: round trips, the documented layout, and clear errors for every kind of
// damaged or inconsistent file.
#include "inkstone/io/model_file.hpp"

#include <gtest/gtest.h>
#include <unistd.h>
#include <zlib.h>

#include <cstring>
#include <filesystem>
#include <fstream>
#include <functional>
#include <iterator>
#include <map>
#include <string>
#include <vector>

#include "inkstone/nn/spec.hpp"
#include "inkstone/tensor/error.hpp"
#include "inkstone/tensor/rng.hpp"

namespace inkstone {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;
using Bytes = std::vector<unsigned char>;

Bytes read_bytes(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return Bytes(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
}

void write_bytes(const std::string& path, const Bytes& b) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out.write(reinterpret_cast<const char*>(b.data()), static_cast<std::streamsize>(b.size()));
}

uint32_t u32_at(const Bytes& b, size_t at) {
  return uint32_t{b[at]} | uint32_t{b[at + 1]} << 8 | uint32_t{b[at + 2]} << 16 |
         uint32_t{b[at + 3]} << 24;
}
uint64_t u64_at(const Bytes& b, size_t at) {
  return uint64_t{u32_at(b, at)} | uint64_t{u32_at(b, at + 4)} << 32;
}
void set_u32(Bytes& b, size_t at, uint32_t v) {
  for (int i = 0; i < 4; ++i)
    b[at + static_cast<size_t>(i)] = static_cast<unsigned char>(v >> (8 * i));
}
void set_u64(Bytes& b, size_t at, uint64_t v) {
  set_u32(b, at, static_cast<uint32_t>(v));
  set_u32(b, at + 4, static_cast<uint32_t>(v >> 32));
}
uint32_t crc_of(const Bytes& b, size_t n) {
  return static_cast<uint32_t>(crc32(crc32(0L, Z_NULL, 0), b.data(), static_cast<uInt>(n)));
}
void fix_crc(Bytes& b) {
  set_u32(b, b.size() - 4, crc_of(b, b.size() - 4));
}

// A file taken apart: its JSON header and the bytes of each tensor.
struct Parsed {
  json header;
  std::map<std::string, Bytes> data;
};

Parsed parse(const Bytes& b) {
  Parsed p;
  const uint32_t len = u32_at(b, 8);
  p.header = json::parse(b.begin() + 20, b.begin() + 20 + len);
  for (const json& t : p.header.at("tensors")) {
    size_t bytes = 4;
    for (const json& d : t.at("shape")) bytes *= d.get<size_t>();
    const size_t off = t.at("offset").get<size_t>();
    p.data[t.at("name").get<std::string>()] = Bytes(b.begin() + off, b.begin() + off + bytes);
  }
  return p;
}

// Writes a file from a header, independently of the library (the documented layout: JSON at
// 20, data 64-aligned, CRC-32 at the end). Tensor bytes come from `data` (zeros if absent);
// `patch` may change the header after the offsets are set.
Bytes assemble(json header, const std::map<std::string, Bytes>& data,
               const std::function<void(json&)>& patch = nullptr) {
  auto align = [](size_t v) { return (v + 63) / 64 * 64; };
  std::vector<size_t> sizes;
  for (const json& t : header.at("tensors")) {
    size_t bytes = 4;
    for (const json& d : t.at("shape")) bytes *= d.get<size_t>();
    sizes.push_back(bytes);
  }
  size_t start = 64;
  std::string text;
  std::vector<size_t> offsets;
  for (;;) {
    offsets.clear();
    size_t at = start;
    for (size_t i = 0; i < sizes.size(); ++i) {
      header["tensors"][i]["offset"] = at;
      offsets.push_back(at);
      at = align(at + sizes[i]);
    }
    json h = header;
    if (patch) patch(h);
    text = h.dump();
    if (align(20 + text.size()) <= start) break;
    start = align(20 + text.size());
  }
  size_t end = start;
  for (size_t i = 0; i < sizes.size(); ++i) end = std::max(end, align(offsets[i] + sizes[i]));
  Bytes b(end + 4, 0);
  std::memcpy(b.data(), "INKS", 4);
  set_u32(b, 4, 1);
  set_u32(b, 8, static_cast<uint32_t>(text.size()));
  set_u64(b, 12, b.size());
  std::memcpy(b.data() + 20, text.data(), text.size());
  for (size_t i = 0; i < sizes.size(); ++i) {
    auto it = data.find(header["tensors"][i]["name"].get<std::string>());
    if (it != data.end() && it->second.size() == sizes[i]) {
      std::memcpy(b.data() + offsets[i], it->second.data(), sizes[i]);
    }
  }
  fix_crc(b);
  return b;
}

// A small model with every kind of tensor: conv kernel and bias, BatchNorm parameters and
// moving statistics (moved away from their initial values), dense kernel and bias.
Sequential test_model() {
  const json spec = {
      {"input_shape", {1, 8, 8}},
      {"layers",
       {{{"type", "Conv2D"}, {"filters", 4}, {"kernel_size", 3}, {"activation", "relu"}},
        {{"type", "BatchNormalization"}},
        {{"type", "MaxPooling2D"}, {"pool_size", 2}},
        {{"type", "Flatten"}},
        {{"type", "Dense"}, {"units", 3}, {"activation", "softmax"}}}}};
  Sequential m = model_from_spec(spec, 21);
  Rng rng(2);
  Tensor x(Shape{4, 1, 8, 8});
  for (int step = 0; step < 3; ++step) {
    for (int64_t k = 0; k < x.numel(); ++k) x[k] = rng.uniform() + static_cast<float>(step);
    m.forward(x, Mode::kTrain);
  }
  m.layer("conv2d").set_trainable(false);
  return m;
}

Tensor test_inputs() {
  Rng rng(8);
  Tensor x(Shape{5, 1, 8, 8});
  for (int64_t k = 0; k < x.numel(); ++k) x[k] = rng.uniform();
  return x;
}

std::vector<std::pair<std::string, const Tensor*>> tensors_of(Sequential& m) {
  std::vector<std::pair<std::string, const Tensor*>> out;
  for (size_t i = 0; i < m.size(); ++i) {
    Layer& l = m.layer(i);
    for (Param* p : l.params()) out.emplace_back(l.name() + "/" + p->name, &p->value);
    for (auto& [name, t] : l.buffers()) out.emplace_back(l.name() + "/" + name, t);
  }
  return out;
}

std::string error_of(const std::function<void()>& fn) {
  try {
    fn();
  } catch (const Error& e) {
    return e.what();
  }
  return "";
}

class ModelFile : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::path(INKSTONE_TEST_TMP) /
           ("model_file_" + std::to_string(::getpid()) + "_" +
            ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::remove_all(dir_);
    fs::create_directories(dir_);
    path_ = (dir_ / "model.inks").string();
  }
  void TearDown() override { fs::remove_all(dir_); }

  // The bytes of the test model's file, saved once for the whole suite (save_model fsyncs,
  // which can be slow on a busy disk).
  Bytes saved() {
    static const Bytes bytes = [this] {
      Sequential m = test_model();
      save_model(m, path_, {{"dataset", "test"}});
      return read_bytes(path_);
    }();
    return bytes;
  }

  // Writes b and expects load_model to fail with a message holding the path and every part.
  void expect_load_error(const Bytes& b, std::initializer_list<std::string> parts,
                         const std::string& context = "") {
    write_bytes(path_, b);
    const std::string msg = error_of([&] { load_model(path_); });
    ASSERT_FALSE(msg.empty()) << "loaded without error " << context;
    EXPECT_EQ(msg.rfind(path_ + ": ", 0), 0u) << msg;
    for (const std::string& part : parts) {
      EXPECT_NE(msg.find(part), std::string::npos) << context << ": " << msg;
    }
  }

  fs::path dir_;
  std::string path_;
};

TEST_F(ModelFile, RoundTripIsExact) {
  Sequential m = test_model();
  const json meta = {{"dataset", "mnist"}, {"classes", {"zero", "one", "two"}}, {"acc", 0.99}};
  save_model(m, path_, meta);
  // Only the model is left in the directory: no temporary file.
  std::vector<std::string> names;
  for (const auto& e : fs::directory_iterator(dir_)) names.push_back(e.path().filename());
  EXPECT_EQ(names, std::vector<std::string>{"model.inks"});

  json loaded_meta;
  Sequential l = load_model(path_, &loaded_meta);
  EXPECT_EQ(loaded_meta, meta);
  EXPECT_EQ(spec_of(l), spec_of(m));
  EXPECT_FALSE(l.layer("conv2d").trainable());
  const auto a = tensors_of(m), b = tensors_of(l);
  ASSERT_EQ(a.size(), 8u);  // conv kernel, bias; BN gamma, beta, moving mean, variance; dense x2
  ASSERT_EQ(a.size(), b.size());
  for (size_t i = 0; i < a.size(); ++i) {
    EXPECT_EQ(a[i].first, b[i].first);
    ASSERT_EQ(a[i].second->shape(), b[i].second->shape()) << a[i].first;
    EXPECT_EQ(std::memcmp(a[i].second->data(), b[i].second->data(),
                          sizeof(float) * static_cast<size_t>(a[i].second->numel())),
              0)
        << a[i].first;
  }
  const Tensor x = test_inputs();
  const Tensor pa = m.predict(x), pb = l.predict(x);
  ASSERT_EQ(pa.shape(), pb.shape());
  for (int64_t k = 0; k < pa.numel(); ++k) EXPECT_EQ(pa[k], pb[k]) << k;

  // Saving the loaded model again gives the same bytes.
  const std::string again = (dir_ / "again.inks").string();
  save_model(l, again, meta);
  EXPECT_EQ(read_bytes(again), read_bytes(path_));
}

TEST_F(ModelFile, LayoutIsAsDocumented) {
  const Bytes b = saved();
  ASSERT_GT(b.size(), 24u);
  EXPECT_EQ(std::memcmp(b.data(), "INKS", 4), 0);
  EXPECT_EQ(u32_at(b, 4), 1u);
  EXPECT_EQ(u64_at(b, 12), b.size());
  EXPECT_EQ(u32_at(b, b.size() - 4), crc_of(b, b.size() - 4));
  const Parsed p = parse(b);
  EXPECT_EQ(p.header.at("metadata"), (json{{"dataset", "test"}}));
  EXPECT_EQ(p.header.at("spec"), spec_of(test_model()));
  ASSERT_EQ(p.header.at("tensors").size(), 8u);
  EXPECT_EQ(p.header.at("tensors")[0].at("name"), "conv2d/kernel");
  EXPECT_EQ(p.header.at("tensors")[0].at("shape"), json::array({4, 1, 3, 3}));
  EXPECT_EQ(p.header.at("tensors")[0].at("dtype"), "float32");
  for (const json& t : p.header.at("tensors")) {
    EXPECT_EQ(t.at("offset").get<uint64_t>() % 64, 0u) << t.dump();
    EXPECT_GE(t.at("offset").get<uint64_t>(), 20 + u32_at(b, 8)) << t.dump();
  }
  // The independent writer of this test produces a file the library reads.
  write_bytes(path_, assemble(p.header, p.data));
  EXPECT_NO_THROW(load_model(path_));
}

TEST_F(ModelFile, TruncatedFilesAreRejected) {
  const Bytes b = saved();
  std::vector<size_t> cuts{0,           1, 3, 4, 5, 7, 8, 11, 12, 19, 20, 21, 23, 24, b.size() - 4,
                           b.size() - 1};
  for (size_t cut = 25; cut < b.size(); cut += 37) cuts.push_back(cut);
  for (size_t cut : cuts) {
    expect_load_error(Bytes(b.begin(), b.begin() + static_cast<std::ptrdiff_t>(cut)), {"truncated"},
                      "cut at " + std::to_string(cut));
  }
  Bytes longer = b;
  longer.push_back(0);
  expect_load_error(longer, {"trailing"});
}

TEST_F(ModelFile, FlippedBytesFailTheChecksum) {
  const Bytes b = saved();
  for (size_t at = 20; at < b.size(); at += 29) {
    Bytes bad = b;
    bad[at] ^= 0x10;
    expect_load_error(bad, {"checksum"}, "byte " + std::to_string(at));
  }
  Bytes last = b;
  last[b.size() - 1] ^= 1;
  expect_load_error(last, {"checksum"});
  // Any damage to the fixed header is refused too.
  for (size_t at = 0; at < 20; ++at) {
    for (int bit : {0, 4, 7}) {
      Bytes bad = b;
      bad[at] ^= static_cast<unsigned char>(1 << bit);
      expect_load_error(bad, {}, "byte " + std::to_string(at) + " bit " + std::to_string(bit));
    }
  }
}

TEST_F(ModelFile, WrongMagicAndNewerVersion) {
  Bytes b = saved();
  Bytes png = b;
  std::memcpy(png.data(), "\x89PNG", 4);
  expect_load_error(png, {"not an inkstone model file"});
  expect_load_error(Bytes{'a', 'b', 'c'}, {"truncated"});

  set_u32(b, 4, 7);
  write_bytes(path_, b);
  EXPECT_EQ(error_of([&] { load_model(path_); }),
            path_ + ": format version 7 is newer than this inkstone supports (1)");
  set_u32(b, 4, 0);
  expect_load_error(b, {"version 0"});
}

TEST_F(ModelFile, SpecAndWeightsMustAgree) {
  const Parsed p = parse(saved());
  // The spec asks for 2 units while the file holds a (36, 3) kernel.
  json h = p.header;
  h["spec"]["layers"][4]["units"] = 2;
  expect_load_error(assemble(h, p.data),
                    {"tensor 'dense/kernel' has shape (36, 3) but the spec needs (36, 2)"});

  h = p.header;
  h["tensors"].erase(h["tensors"].size() - 1);
  expect_load_error(assemble(h, p.data), {"tensor 'dense/bias' is missing"});

  h = p.header;
  h["tensors"].push_back({{"name", "dense/extra"}, {"dtype", "float32"}, {"shape", {2}}});
  expect_load_error(assemble(h, p.data), {"tensor 'dense/extra' is not part of the model"});

  h = p.header;
  h["tensors"].push_back(h["tensors"][0]);
  expect_load_error(assemble(h, p.data), {"tensor 'conv2d/kernel' appears twice"});

  h = p.header;
  h["tensors"][1]["dtype"] = "float16";
  expect_load_error(assemble(h, p.data), {"'conv2d/bias'", "float16"});

  h = p.header;
  h["spec"]["layers"][0]["type"] = "Capsule";
  expect_load_error(assemble(h, p.data), {"model spec", "'Capsule'"});

  h = p.header;
  h.erase("tensors");
  h["tensors"] = json::array();
  expect_load_error(assemble(h, p.data, [](json& j) { j.erase("tensors"); }), {"\"tensors\""});

  h = p.header;
  expect_load_error(assemble(h, p.data, [](json& j) { j["tensors"][2]["offset"] = 1u << 30; }),
                    {"'batch_normalization/gamma'", "outside"});
  expect_load_error(assemble(h, p.data, [](json& j) { j["tensors"][2]["offset"] = 3; }),
                    {"'batch_normalization/gamma'", "outside"});
  expect_load_error(assemble(h, p.data,
                             [](json& j) {
                               j["tensors"][3]["shape"] = {1 << 20, 1 << 20, 1 << 20};
                             }),
                    {"'batch_normalization/beta'", "shape"});
  expect_load_error(assemble(h, p.data, [](json& j) { j["tensors"][3]["shape"] = {-4}; }),
                    {"'batch_normalization/beta'", "shape"});
}

TEST_F(ModelFile, InvalidJsonIsReported) {
  Bytes b = saved();
  const uint32_t len = u32_at(b, 8);
  for (uint32_t i = 0; i < len; ++i) b[20 + i] = '{';
  fix_crc(b);
  expect_load_error(b, {"JSON header is invalid"});
}

TEST_F(ModelFile, MissingFilesAndDirectories) {
  const std::string missing = (dir_ / "nope.inks").string();
  const std::string msg = error_of([&] { load_model(missing); });
  EXPECT_NE(msg.find(missing), std::string::npos) << msg;
  EXPECT_NE(msg.find("cannot open"), std::string::npos) << msg;
  const std::string as_dir = error_of([&] { load_model(dir_.string()); });
  EXPECT_NE(as_dir.find("not a regular file"), std::string::npos) << as_dir;
}

TEST_F(ModelFile, SaveFailuresLeaveNothingBehind) {
  Sequential m = test_model();
  const std::string bad = (dir_ / "no-such-dir" / "model.inks").string();
  const std::string msg = error_of([&] { save_model(m, bad); });
  EXPECT_NE(msg.find(bad), std::string::npos) << msg;
  EXPECT_TRUE(fs::is_empty(dir_));

  Sequential unbuilt;
  unbuilt.add(make_layer("Flatten", json::object()));
  EXPECT_THROW(save_model(unbuilt, path_), Error);
  EXPECT_FALSE(fs::exists(path_));
}

TEST_F(ModelFile, SavingReplacesAnExistingFile) {
  Sequential a = test_model();
  save_model(a, path_);
  Sequential b = model_from_spec(preset_spec("mlp", Shape{1, 8, 8}, 3), 5);
  save_model(b, path_, {{"second", true}});
  json meta;
  Sequential l = load_model(path_, &meta);
  EXPECT_EQ(meta, (json{{"second", true}}));
  EXPECT_EQ(spec_of(l), spec_of(b));
  std::vector<std::string> names;
  for (const auto& e : fs::directory_iterator(dir_)) names.push_back(e.path().filename());
  EXPECT_EQ(names, std::vector<std::string>{"model.inks"});
}

}  // namespace
}  // namespace inkstone
