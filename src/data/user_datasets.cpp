#include "inkstone/data/user_datasets.hpp"

#include <algorithm>
#include <cctype>
#include <cmath>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <map>
#include <vector>

#include "inkstone/data/image.hpp"
#include "inkstone/data/mnist_style.hpp"
#include "inkstone/tensor/error.hpp"

namespace inkstone {

namespace fs = std::filesystem;

namespace {

constexpr double kTestFraction = 0.2;

std::string lower(std::string s) {
  for (char& c : s) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return s;
}

bool is_image_file(const fs::path& p) {
  const std::string e = lower(p.extension().string());
  return e == ".png" || e == ".jpg" || e == ".jpeg" || e == ".pgm" || e == ".ppm" || e == ".pnm";
}

std::vector<std::string> sorted_subdirs(const fs::path& dir) {
  std::vector<std::string> out;
  for (const auto& e : fs::directory_iterator(dir))
    if (e.is_directory()) out.push_back(e.path().filename().string());
  std::sort(out.begin(), out.end());
  return out;
}

// Reads DIR/<class>/<images> for the given classes into a 28x28 dataset.
Dataset read_class_folders(const fs::path& dir, const std::vector<std::string>& classes,
                           const std::string& name) {
  Dataset d;
  d.name = name;
  d.source = dir.string();
  d.num_classes = static_cast<int>(classes.size());
  d.class_names = classes;
  for (size_t c = 0; c < classes.size(); ++c) {
    std::vector<fs::path> files;
    for (const auto& e : fs::directory_iterator(dir / classes[c]))
      if (e.is_regular_file() && is_image_file(e.path())) files.push_back(e.path());
    std::sort(files.begin(), files.end());
    for (const fs::path& f : files) {
      Image img;
      try {
        img = mnist_style(read_image(f.string(), int64_t{4096} * 4096));
      } catch (const Error& e) {
        const std::string what = e.what();
        throw Error(what.rfind(f.string(), 0) == 0 ? what : f.string() + ": " + what);
      }
      d.images.insert(d.images.end(), img.pixels.begin(), img.pixels.end());
      d.labels.push_back(static_cast<int32_t>(c));
    }
  }
  if (d.size() == 0)
    throw Error(dir.string() + ": no PNG, JPEG or PGM images in the class folders");
  return d;
}

// The last `kTestFraction` of every class as the test set (the order is kept).
DatasetSplits hold_out_tail(Dataset all, const std::string& what) {
  auto [train, test] = split_tail_stratified(all, kTestFraction);
  DatasetSplits s;
  s.train = std::move(train);
  s.test = std::move(test);
  s.note = what + ": " + std::to_string(s.train.size()) + " train + " +
           std::to_string(s.test.size()) + " test images (the last 20% of each class), " +
           std::to_string(all.num_classes) + " classes";
  return s;
}

}  // namespace

bool is_user_dataset(const std::string& name) {
  return name.rfind("folder:", 0) == 0 || name.rfind("csv:", 0) == 0 || name.rfind("idx:", 0) == 0;
}

DatasetSplits load_user_dataset(const std::string& name) {
  if (name.rfind("folder:", 0) == 0) return load_image_folders(name.substr(7));
  if (name.rfind("idx:", 0) == 0) return load_idx_directory(name.substr(4));
  if (name.rfind("csv:", 0) == 0) {
    const std::string files = name.substr(4);
    const size_t comma = files.find(',');
    return comma == std::string::npos
               ? load_csv_dataset(files)
               : load_csv_dataset(files.substr(0, comma), files.substr(comma + 1));
  }
  throw Error("'" + name + "' is not a folder:, csv: or idx: dataset");
}

DatasetSplits load_image_folders(const std::string& dir_text) {
  const fs::path dir(dir_text);
  if (!fs::is_directory(dir)) throw Error(dir_text + ": not a directory");
  const bool split = fs::is_directory(dir / "train") && fs::is_directory(dir / "test");
  const std::vector<std::string> classes = sorted_subdirs(split ? dir / "train" : dir);
  if (classes.size() < 2)
    throw Error(dir_text + ": needs one subfolder per class (at least two)" +
                (split ? std::string(" under train/") : std::string()));
  if (!split) return hold_out_tail(read_class_folders(dir, classes, "folder/all"), dir_text);
  if (sorted_subdirs(dir / "test") != classes)
    throw Error(dir_text + ": train/ and test/ do not hold the same class folders");
  DatasetSplits s;
  s.train = read_class_folders(dir / "train", classes, "folder/train");
  s.test = read_class_folders(dir / "test", classes, "folder/test");
  s.note = dir_text + ": " + std::to_string(s.train.size()) + " train + " +
           std::to_string(s.test.size()) + " test images, " + std::to_string(classes.size()) +
           " classes";
  return s;
}

namespace {

// Parses one CSV file of "label,p0,p1,..." rows; `side` is fixed by the first row (0: not yet).
Dataset read_csv(const std::string& path, int& side, const std::string& name) {
  std::ifstream in(path);
  if (!in) throw Error(path + ": cannot open");
  Dataset d;
  d.name = name;
  d.source = path;
  std::string line;
  int64_t line_no = 0;
  int32_t max_label = -1;
  while (std::getline(in, line)) {
    ++line_no;
    if (!line.empty() && line.back() == '\r') line.pop_back();
    if (line.empty()) continue;
    if (line.size() > (1 << 20))
      throw Error(path + ":" + std::to_string(line_no) + ": line too long");
    if (line_no == 1) {  // a header row: its first field is not a number ("label")
      const std::string first = line.substr(0, line.find(','));
      char* end = nullptr;
      std::strtoll(first.c_str(), &end, 10);
      if (first.empty() || *end != '\0') continue;
    }
    std::vector<int64_t> v;
    size_t pos = 0;
    while (pos <= line.size()) {
      const size_t comma = std::min(line.find(',', pos), line.size());
      const std::string field = line.substr(pos, comma - pos);
      char* end = nullptr;
      const long long x = std::strtoll(field.c_str(), &end, 10);
      if (field.empty() || *end != '\0')
        throw Error(path + ":" + std::to_string(line_no) + ": '" + field +
                    "' is not a whole number");
      v.push_back(x);
      pos = comma + 1;
    }
    const int64_t pixels = static_cast<int64_t>(v.size()) - 1;
    if (side == 0) {
      const int s = static_cast<int>(std::lround(std::sqrt(static_cast<double>(pixels))));
      if (pixels < 1 || int64_t{s} * s != pixels)
        throw Error(path + ":" + std::to_string(line_no) + ": " + std::to_string(pixels) +
                    " pixel values do not make a square image (28x28 needs 784)");
      side = s;
    }
    if (pixels != int64_t{side} * side)
      throw Error(path + ":" + std::to_string(line_no) + ": " + std::to_string(v.size()) +
                  " values, expected 1 + " + std::to_string(side * side));
    if (v[0] < 0 || v[0] > 9999)
      throw Error(path + ":" + std::to_string(line_no) + ": label " + std::to_string(v[0]) +
                  " is out of range");
    for (size_t k = 1; k < v.size(); ++k)
      if (v[k] < 0 || v[k] > 255)
        throw Error(path + ":" + std::to_string(line_no) + ": pixel value " + std::to_string(v[k]) +
                    " is outside 0..255");
    d.labels.push_back(static_cast<int32_t>(v[0]));
    max_label = std::max(max_label, static_cast<int32_t>(v[0]));
    for (size_t k = 1; k < v.size(); ++k) d.images.push_back(static_cast<uint8_t>(v[k]));
  }
  if (d.size() == 0) throw Error(path + ": no image rows");
  d.height = d.width = side;
  d.num_classes = max_label + 1;
  return d;
}

void set_classes(Dataset& d, int num_classes) {
  d.num_classes = num_classes;
  d.class_names.clear();
  for (int c = 0; c < num_classes; ++c) d.class_names.push_back(std::to_string(c));
}

}  // namespace

DatasetSplits load_csv_dataset(const std::string& train_csv, const std::string& test_csv) {
  int side = 0;
  Dataset train = read_csv(train_csv, side, "csv/train");
  if (test_csv.empty()) {
    set_classes(train, train.num_classes);
    return hold_out_tail(std::move(train), train_csv);
  }
  Dataset test = read_csv(test_csv, side, "csv/test");
  const int k = std::max(train.num_classes, test.num_classes);
  set_classes(train, k);
  set_classes(test, k);
  DatasetSplits s;
  s.note = train_csv + " + " + test_csv + ": " + std::to_string(train.size()) + " train + " +
           std::to_string(test.size()) + " test images, " + std::to_string(k) + " classes";
  s.train = std::move(train);
  s.test = std::move(test);
  return s;
}

}  // namespace inkstone
