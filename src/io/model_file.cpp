// Model files (.inks), format version 1. All integers and floats are little-endian.
//
//   offset    size  field
//   0         4     magic "INKS"
//   4         4     u32 format version (1)
//   8         4     u32 L: byte length of the JSON header
//   12        8     u64 total file size in bytes, trailer included
//   20        L     JSON header, UTF-8:
//                     {"spec": <model spec, nn/spec.hpp>,
//                      "metadata": <free-form object>,
//                      "tensors": [{"name": "conv2d/kernel", "dtype": "float32",
//                                   "shape": [32, 1, 3, 3], "offset": 128}, ...]}
//   ...             zero padding up to a multiple of 64
//   offsets         tensor data: float32, row-major, each tensor at its "offset" (absolute, a
//                   multiple of 64), zero padding between tensors
//   size - 4  4     u32 CRC-32 (zlib's crc32) of every byte before it
//
// Tensor names are "<layer name>/<param or buffer name>". The file holds exactly the tensors of
// the model its spec describes: loading rejects missing, extra, duplicate or misshapen tensors.
// The fixed header is checked first (magic, version, declared size against the real size, so
// truncation is reported as such), then the checksum, then the JSON and the tensors, each bound
// checked before anything is allocated from it.
#include "inkstone/io/model_file.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zlib.h>

#include <bit>
#include <cerrno>
#include <cstdint>
#include <cstring>
#include <fstream>
#include <map>
#include <set>
#include <string>
#include <vector>

#include "inkstone/nn/spec.hpp"
#include "inkstone/tensor/error.hpp"

namespace inkstone {

namespace {

using nlohmann::json;

constexpr char kMagic[4] = {'I', 'N', 'K', 'S'};
constexpr uint32_t kVersion = 1;
constexpr size_t kFixedHeader = 20;  // magic + version + JSON length + file size
constexpr size_t kTrailer = 4;       // CRC-32
constexpr uint64_t kDataAlignment = 64;
// Far beyond any handwriting model; anything larger is a corrupt or foreign file.
constexpr uint64_t kMaxFileSize = uint64_t{4} << 30;
constexpr uint64_t kMaxJsonSize = uint64_t{64} << 20;

uint64_t align_up(uint64_t v) {
  return (v + kDataAlignment - 1) / kDataAlignment * kDataAlignment;
}

void put_u32(std::vector<unsigned char>& buf, size_t at, uint32_t v) {
  for (int i = 0; i < 4; ++i)
    buf[at + static_cast<size_t>(i)] = static_cast<unsigned char>(v >> (8 * i));
}
void put_u64(std::vector<unsigned char>& buf, size_t at, uint64_t v) {
  for (int i = 0; i < 8; ++i)
    buf[at + static_cast<size_t>(i)] = static_cast<unsigned char>(v >> (8 * i));
}
uint32_t get_u32(const unsigned char* p) {
  uint32_t v = 0;
  for (int i = 3; i >= 0; --i) v = (v << 8) | p[i];
  return v;
}
uint64_t get_u64(const unsigned char* p) {
  uint64_t v = 0;
  for (int i = 7; i >= 0; --i) v = (v << 8) | p[i];
  return v;
}

// Copies n floats to little-endian bytes and back.
void floats_to_le(const float* src, int64_t n, unsigned char* dst) {
  if constexpr (std::endian::native == std::endian::little) {
    std::memcpy(dst, src, sizeof(float) * static_cast<size_t>(n));
  } else {
    for (int64_t i = 0; i < n; ++i) {
      uint32_t u;
      std::memcpy(&u, src + i, 4);
      for (int b = 0; b < 4; ++b) dst[4 * i + b] = static_cast<unsigned char>(u >> (8 * b));
    }
  }
}
void floats_from_le(const unsigned char* src, int64_t n, float* dst) {
  if constexpr (std::endian::native == std::endian::little) {
    std::memcpy(dst, src, sizeof(float) * static_cast<size_t>(n));
  } else {
    for (int64_t i = 0; i < n; ++i) {
      const uint32_t u = get_u32(src + 4 * i);
      std::memcpy(dst + i, &u, 4);
    }
  }
}

uint32_t crc32_of(const unsigned char* data, size_t n) {
  uLong crc = crc32(0L, Z_NULL, 0);
  while (n > 0) {
    const uInt chunk = static_cast<uInt>(std::min<size_t>(n, size_t{1} << 30));
    crc = crc32(crc, data, chunk);
    data += chunk;
    n -= chunk;
  }
  return static_cast<uint32_t>(crc);
}

std::string shape_str(const std::vector<int64_t>& dims) {
  return Shape(dims).str();
}

}  // namespace

std::vector<std::pair<std::string, Tensor*>> named_tensors(Sequential& model) {
  std::vector<std::pair<std::string, Tensor*>> out;
  std::set<std::string> seen;
  for (size_t i = 0; i < model.size(); ++i) {
    Layer& l = model.layer(i);
    auto push = [&](const std::string& name, Tensor* t) {
      const std::string full = l.name() + "/" + name;
      if (!seen.insert(full).second) {
        throw Error("the model has two tensors named '" + full + "' (are two layers named '" +
                    l.name() + "'?)");
      }
      out.emplace_back(full, t);
    };
    for (Param* p : l.params()) push(p->name, &p->value);
    for (auto& [name, t] : l.buffers()) push(name, t);
  }
  return out;
}

namespace {

std::string errno_text() {
  return std::strerror(errno);
}

// Writes all of buf to fd, retrying short writes.
bool write_all(int fd, const unsigned char* p, size_t n) {
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

std::string directory_of(const std::string& path) {
  const size_t slash = path.find_last_of('/');
  if (slash == std::string::npos) return ".";
  if (slash == 0) return "/";
  return path.substr(0, slash);
}

}  // namespace

void save_model(Sequential& model, const std::string& path, const json& metadata) {
  save_model(model, path, metadata, {});
}

void save_model(Sequential& model, const std::string& path, const json& metadata,
                const std::vector<std::pair<std::string, const Tensor*>>& extra) {
  if (!model.built()) throw Error(path + ": cannot save a model that is not built");
  std::vector<std::pair<std::string, const Tensor*>> tensors;
  for (const auto& [name, t] : named_tensors(model)) tensors.emplace_back(name, t);
  const size_t model_count = tensors.size();
  std::set<std::string> extra_names;
  for (const auto& [name, t] : extra) {
    if (!extra_names.insert(name).second) {
      throw Error(path + ": two extra tensors named '" + name + "'");
    }
    tensors.emplace_back(name, t);
  }

  // Lay out the header and the data. The JSON holds the offsets, whose values depend on the
  // JSON's own length: fix the offsets relative to the data start first, then shift them until
  // the header length is stable (it can only grow with larger offsets, so this ends quickly).
  json header = json::object();
  header["spec"] = spec_of(model);
  header["metadata"] = metadata.is_null() ? json::object() : metadata;
  std::vector<uint64_t> relative;
  uint64_t data_bytes = 0;
  for (const auto& [name, t] : tensors) {
    relative.push_back(data_bytes);
    data_bytes = align_up(data_bytes + static_cast<uint64_t>(t->numel()) * sizeof(float));
  }
  std::string text;
  uint64_t data_start = align_up(kFixedHeader);
  for (int attempt = 0; attempt < 16; ++attempt) {
    json table = json::array(), extra_table = json::array();
    for (size_t i = 0; i < tensors.size(); ++i) {
      (i < model_count ? table : extra_table)
          .push_back({{"name", tensors[i].first},
                      {"dtype", "float32"},
                      {"shape", tensors[i].second->shape().dims()},
                      {"offset", data_start + relative[i]}});
    }
    header["tensors"] = std::move(table);
    if (!extra.empty()) header["extra_tensors"] = std::move(extra_table);
    text = header.dump();
    const uint64_t needed = align_up(kFixedHeader + text.size());
    if (needed <= data_start) break;
    data_start = needed;
  }
  if (text.size() > kMaxJsonSize) throw Error(path + ": the model header is too large to save");
  const uint64_t file_size = data_start + data_bytes + kTrailer;
  if (file_size > kMaxFileSize) throw Error(path + ": the model is too large to save");

  std::vector<unsigned char> buf(file_size, 0);
  std::memcpy(buf.data(), kMagic, 4);
  put_u32(buf, 4, kVersion);
  put_u32(buf, 8, static_cast<uint32_t>(text.size()));
  put_u64(buf, 12, file_size);
  std::memcpy(buf.data() + kFixedHeader, text.data(), text.size());
  for (size_t i = 0; i < tensors.size(); ++i) {
    const Tensor& t = *tensors[i].second;
    if (t.numel() > 0) floats_to_le(t.data(), t.numel(), buf.data() + data_start + relative[i]);
  }
  put_u32(buf, file_size - kTrailer, crc32_of(buf.data(), file_size - kTrailer));

  // Temp file, fsync, rename, fsync of the directory: the target is either the old or the new
  // model, never a mix.
  const std::string tmp = path + ".tmp." + std::to_string(::getpid());
  const int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (fd < 0) throw Error(path + ": cannot create " + tmp + ": " + errno_text());
  if (!write_all(fd, buf.data(), buf.size()) || ::fsync(fd) != 0) {
    const std::string why = errno_text();
    ::close(fd);
    ::unlink(tmp.c_str());
    throw Error(path + ": cannot write " + tmp + ": " + why);
  }
  if (::close(fd) != 0) {
    const std::string why = errno_text();
    ::unlink(tmp.c_str());
    throw Error(path + ": cannot write " + tmp + ": " + why);
  }
  if (::rename(tmp.c_str(), path.c_str()) != 0) {
    const std::string why = errno_text();
    ::unlink(tmp.c_str());
    throw Error(path + ": cannot rename " + tmp + " to it: " + why);
  }
  const int dir = ::open(directory_of(path).c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (dir >= 0) {
    ::fsync(dir);  // best effort: some file systems refuse fsync on directories
    ::close(dir);
  }
}

Sequential load_model(const std::string& path, json* metadata) {
  return load_model(path, metadata, nullptr);
}

Sequential load_model(const std::string& path, json* metadata,
                      std::map<std::string, Tensor>* extra) {
  auto fail = [&](const std::string& what) -> Error { return Error(path + ": " + what); };

  struct stat st {};
  if (::stat(path.c_str(), &st) != 0) throw fail("cannot open: " + errno_text());
  if (!S_ISREG(st.st_mode)) throw fail("not a regular file");
  std::ifstream in(path, std::ios::binary);
  if (!in) throw fail("cannot open: " + errno_text());
  in.seekg(0, std::ios::end);
  const std::streamoff end = in.tellg();
  if (end < 0) throw fail("cannot read the file size");
  const uint64_t size = static_cast<uint64_t>(end);
  in.seekg(0, std::ios::beg);

  // Fixed header: magic and version first, so a foreign or newer file is named as such.
  unsigned char fixed[kFixedHeader] = {};
  const size_t fixed_have = static_cast<size_t>(std::min<uint64_t>(size, kFixedHeader));
  if (!in.read(reinterpret_cast<char*>(fixed), static_cast<std::streamsize>(fixed_have))) {
    throw fail("cannot read the header");
  }
  if (size < 4) {
    throw fail("truncated: " + std::to_string(size) + " bytes is too short for a model file");
  }
  if (std::memcmp(fixed, kMagic, 4) != 0) {
    throw fail("not an inkstone model file (the magic is not \"INKS\")");
  }
  if (size < 8) throw fail("truncated: " + std::to_string(size) + " bytes, header incomplete");
  const uint32_t version = get_u32(fixed + 4);
  if (version == 0) throw fail("format version 0 is invalid");
  if (version > kVersion) {
    throw fail("format version " + std::to_string(version) +
               " is newer than this inkstone supports (" + std::to_string(kVersion) + ")");
  }
  if (size < kFixedHeader + kTrailer) {
    throw fail("truncated: " + std::to_string(size) + " bytes, header incomplete");
  }
  const uint32_t json_size = get_u32(fixed + 8);
  const uint64_t declared = get_u64(fixed + 12);
  if (declared > kMaxFileSize) {
    throw fail("header declares an absurd file size of " + std::to_string(declared) + " bytes");
  }
  if (size < declared) {
    throw fail("truncated: the file has " + std::to_string(size) +
               " bytes but its header declares " + std::to_string(declared));
  }
  if (size > declared) {
    throw fail("the file has " + std::to_string(size) + " bytes but its header declares " +
               std::to_string(declared) + " (trailing data)");
  }
  if (json_size > kMaxJsonSize || kFixedHeader + uint64_t{json_size} + kTrailer > size) {
    throw fail("the JSON header length " + std::to_string(json_size) +
               " does not fit in the file of " + std::to_string(size) + " bytes");
  }

  // The whole file (its size is now known to be sane), then the checksum.
  std::vector<unsigned char> buf(size);
  std::memcpy(buf.data(), fixed, kFixedHeader);
  in.seekg(static_cast<std::streamoff>(kFixedHeader), std::ios::beg);
  if (!in.read(reinterpret_cast<char*>(buf.data() + kFixedHeader),
               static_cast<std::streamsize>(size - kFixedHeader))) {
    throw fail("cannot read " + std::to_string(size) + " bytes");
  }
  const uint32_t stored_crc = get_u32(buf.data() + size - kTrailer);
  const uint32_t actual_crc = crc32_of(buf.data(), size - kTrailer);
  if (stored_crc != actual_crc) {
    throw fail("checksum mismatch: the file is corrupted");
  }

  json header;
  try {
    header = json::parse(buf.begin() + kFixedHeader, buf.begin() + kFixedHeader + json_size);
  } catch (const json::exception& e) {
    throw fail(std::string("the JSON header is invalid: ") + e.what());
  }
  if (!header.is_object()) throw fail("the JSON header is not an object");
  if (!header.contains("spec")) throw fail("the header has no \"spec\"");
  if (!header.contains("tensors") || !header.at("tensors").is_array()) {
    throw fail("the header has no \"tensors\" array");
  }

  struct Entry {
    std::vector<int64_t> shape;
    uint64_t offset = 0;
    int64_t numel = 0;
  };
  const uint64_t data_min = kFixedHeader + uint64_t{json_size};
  const uint64_t data_max = size - kTrailer;
  // A tensor table ("tensors" or "extra_tensors"): names unique, shapes sane, data inside the
  // file.
  auto read_table = [&](const json& tensors, const std::string& key) {
    std::map<std::string, Entry> table;
    for (size_t i = 0; i < tensors.size(); ++i) {
      const json& t = tensors[i];
      const std::string where = key + "[" + std::to_string(i) + "]";
      if (!t.is_object() || !t.contains("name") || !t.at("name").is_string()) {
        throw fail(where + " has no name");
      }
      const std::string name = t.at("name").get<std::string>();
      const std::string what = "tensor '" + name + "'";
      if (t.contains("dtype") && t.at("dtype") != "float32") {
        throw fail(what + " has dtype " + t.at("dtype").dump() + ", only float32 is supported");
      }
      if (!t.contains("shape") || !t.at("shape").is_array() ||
          t.at("shape").size() > static_cast<size_t>(Shape::kMaxRank)) {
        throw fail(what + " has no valid shape");
      }
      Entry e;
      uint64_t numel = 1;
      for (const json& d : t.at("shape")) {
        if (!d.is_number_integer() || d.get<int64_t>() < 0 ||
            d.get<int64_t>() > (int64_t{1} << 32)) {
          throw fail(what + " has an invalid shape " + t.at("shape").dump());
        }
        e.shape.push_back(d.get<int64_t>());
        numel *= static_cast<uint64_t>(d.get<int64_t>());
        if (numel > size) throw fail(what + " has an absurd shape " + t.at("shape").dump());
      }
      if (!t.contains("offset") || !t.at("offset").is_number_unsigned()) {
        throw fail(what + " has no valid offset");
      }
      e.offset = t.at("offset").get<uint64_t>();
      e.numel = static_cast<int64_t>(numel);
      const uint64_t bytes = numel * sizeof(float);
      if (e.offset < data_min || e.offset > data_max || bytes > data_max - e.offset) {
        throw fail(what + " (" + std::to_string(bytes) + " bytes at offset " +
                   std::to_string(e.offset) + ") lies outside the data section");
      }
      if (!table.emplace(name, std::move(e)).second) throw fail(what + " appears twice");
    }
    return table;
  };
  const std::map<std::string, Entry> table = read_table(header.at("tensors"), "tensors");
  if (extra != nullptr) {
    extra->clear();
    if (header.contains("extra_tensors")) {
      if (!header.at("extra_tensors").is_array()) throw fail("\"extra_tensors\" is not an array");
      for (const auto& [name, e] : read_table(header.at("extra_tensors"), "extra_tensors")) {
        Tensor t(Shape(e.shape));
        if (e.numel > 0) floats_from_le(buf.data() + e.offset, e.numel, t.data());
        extra->emplace(name, std::move(t));
      }
    }
  }

  Sequential model;
  try {
    model = model_from_spec(header.at("spec"));
  } catch (const Error& e) {
    throw fail(e.what());
  }

  // Every tensor of the model must be in the file with its shape; nothing else may be.
  const auto wanted = named_tensors(model);
  std::set<std::string> used;
  for (const auto& [name, t] : wanted) {
    auto it = table.find(name);
    if (it == table.end()) throw fail("tensor '" + name + "' is missing");
    const std::vector<int64_t> need = t->shape().dims();
    if (it->second.shape != need) {
      throw fail("tensor '" + name + "' has shape " + shape_str(it->second.shape) +
                 " but the spec needs " + shape_str(need));
    }
    used.insert(name);
  }
  for (const auto& [name, e] : table) {
    if (used.count(name) == 0) throw fail("tensor '" + name + "' is not part of the model");
  }
  for (const auto& [name, t] : wanted) {
    const Entry& e = table.at(name);
    if (e.numel > 0) floats_from_le(buf.data() + e.offset, e.numel, t->data());
  }
  if (metadata != nullptr) {
    *metadata = header.contains("metadata") ? header.at("metadata") : json::object();
  }
  return model;
}

}  // namespace inkstone
