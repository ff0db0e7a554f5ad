// Datasets users bring: image folders (PNG and PGM, any size and polarity, with and without a
// train/test split) and Kaggle-style CSV files; malformed input is an Error naming the file.
#include "inkstone/data/user_datasets.hpp"

#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>

#include "data_test_util.hpp"
#include "inkstone/data/idx.hpp"
#include "inkstone/data/image.hpp"
#include "inkstone/data/registry.hpp"

namespace inkstone {
namespace {

using test::error_of;
using test::TempDir;

// A vertical (class "bar") or horizontal ("dash") stroke, dark on light, in a size x size image.
Image stroke(bool vertical, int size, int offset) {
  Image img(size, size, 1, 230);
  for (int y = 0; y < size; ++y)
    for (int x = 0; x < size; ++x) {
      const int along = vertical ? y : x, across = vertical ? x : y;
      if (along > size / 5 && along < size * 4 / 5 &&
          std::abs(across - size / 2 - offset) < size / 12)
        *img.at(x, y) = 20;
    }
  return img;
}

void write_pgm(const std::string& path, const Image& g) {
  std::ofstream out(path, std::ios::binary);
  out << "P5\n" << g.width << " " << g.height << "\n255\n";
  out.write(reinterpret_cast<const char*>(g.pixels.data()),
            static_cast<std::streamsize>(g.pixels.size()));
}

TEST(ImageFolders, ClassesFromSubfoldersAndATailTestSplit) {
  TempDir t;
  for (const char* c : {"bar", "dash"})
    std::filesystem::create_directories(t / ("set/" + std::string(c)));
  for (int i = 0; i < 5; ++i) {
    write_png(t / ("set/bar/b" + std::to_string(i) + ".png"), stroke(true, 60 + 10 * i, i));
    write_pgm(t / ("set/dash/d" + std::to_string(i) + ".pgm"), stroke(false, 90, -i));
  }
  std::ofstream(t / "set/bar/notes.txt") << "not an image";  // ignored: not an image name
  const DatasetSplits s = load_dataset("folder:" + (t / "set"));
  EXPECT_EQ(s.train.class_names, (std::vector<std::string>{"bar", "dash"}));
  EXPECT_EQ(s.train.size(), 8);
  EXPECT_EQ(s.test.size(), 2);  // the last of each class
  EXPECT_EQ(s.train.height, 28);
  // Light ink on black after normalization: the centre column is ink for a bar.
  EXPECT_GT(s.train.image(0)[14 * 28 + 14], 100);
  EXPECT_EQ(s.train.image(0)[0], 0);
  EXPECT_HAS(s.note, "the last 20% of each class");
}

TEST(ImageFolders, TrainAndTestFoldersAndBadContent) {
  TempDir t;
  for (const char* split : {"train", "test"})
    for (const char* c : {"a", "b"}) {
      std::filesystem::create_directories(t / ("set/" + std::string(split) + "/" + c));
      write_png(t / ("set/" + std::string(split) + "/" + c + "/x.png"), stroke(c[0] == 'a', 40, 0));
    }
  DatasetSplits s = load_image_folders(t / "set");
  EXPECT_EQ(s.train.size(), 2);
  EXPECT_EQ(s.test.size(), 2);
  EXPECT_EQ(s.test.labels, (std::vector<int32_t>{0, 1}));
  std::ofstream(t / "set/test/b/broken.png") << "\x89PNG\r\n\x1a\n garbage";
  EXPECT_HAS(error_of([&] { load_image_folders(t / "set"); }), "broken.png");
  std::filesystem::create_directories(t / "set/test/c");
  EXPECT_HAS(error_of([&] { load_image_folders(t / "set"); }), "same class folders");
  EXPECT_HAS(error_of([&] { load_image_folders(t / "missing"); }), "not a directory");
  std::filesystem::create_directories(t / "one/only");
  EXPECT_HAS(error_of([&] { load_image_folders(t / "one"); }), "at least two");
}

TEST(CsvDataset, KaggleRowsWithAHeader) {
  TempDir t;
  {
    std::ofstream out(t / "train.csv");
    out << "label";
    for (int k = 0; k < 784; ++k) out << ",pixel" << k;
    out << "\n";
    for (int i = 0; i < 10; ++i) {
      out << i % 2;
      for (int k = 0; k < 784; ++k) out << "," << (k == i ? 255 : 0);
      out << "\r\n";  // Windows line ends too
    }
  }
  const DatasetSplits s = load_dataset("csv:" + (t / "train.csv"));
  EXPECT_EQ(s.train.size() + s.test.size(), 10);
  EXPECT_EQ(s.test.size(), 2);
  EXPECT_EQ(s.train.num_classes, 2);
  EXPECT_EQ(s.train.height, 28);
  EXPECT_EQ(s.train.image(0)[0], 255);  // row 0 lit pixel 0
  const DatasetSplits both = load_csv_dataset(t / "train.csv", t / "train.csv");
  EXPECT_EQ(both.train.size(), 10);
  EXPECT_EQ(both.test.size(), 10);
}

TEST(CsvDataset, MalformedRowsNameTheLine) {
  TempDir t;
  auto write = [&](const std::string& text) {
    std::ofstream(t / "bad.csv") << text;
    return error_of([&] { load_csv_dataset(t / "bad.csv"); });
  };
  std::string row = "3";
  for (int k = 0; k < 784; ++k) row += ",0";
  EXPECT_HAS(write(row + "\n" + row + ",0\n"), "bad.csv:2: 786 values");
  EXPECT_HAS(write("1,2,3\n"), "do not make a square image");
  EXPECT_HAS(write("1,0,0,0,300\n"), "pixel value 300");
  EXPECT_HAS(write("-1,0,0,0,0\n"), "label -1 is out of range");
  EXPECT_HAS(write("1,0,x,0,0\n"), "'x' is not a whole number");
  EXPECT_HAS(write(""), "no image rows");
  EXPECT_HAS(error_of([&] { load_csv_dataset(t / "missing.csv"); }), "cannot open");
}

TEST(IdxDirectory, MnistFormatFilesWithClassNames) {
  TempDir t;
  // Three 4x4 images per split; labels 0, 2, 1 and 2, 2, 0.
  std::vector<uint8_t> pixels(3 * 16);
  for (size_t i = 0; i < pixels.size(); ++i) pixels[i] = static_cast<uint8_t>(i);
  write_idx_images(t / "train-images-idx3-ubyte", pixels.data(), 3, 4, 4);
  write_idx_labels(t / "train-labels-idx1-ubyte", std::vector<uint8_t>{0, 2, 1});
  write_idx_images(t / "t10k-images-idx3-ubyte", pixels.data(), 3, 4, 4);
  write_idx_labels(t / "t10k-labels-idx1-ubyte", std::vector<uint8_t>{2, 2, 0});
  const DatasetSplits numbered = load_user_dataset("idx:" + t.path());
  EXPECT_EQ(numbered.train.num_classes, 3);  // no classes.txt: 0..max label, by number
  EXPECT_EQ(numbered.train.class_names, (std::vector<std::string>{"0", "1", "2"}));
  EXPECT_EQ(numbered.test.labels, (std::vector<int32_t>{2, 2, 0}));
  EXPECT_EQ(numbered.train.image(1)[0], 16);

  std::ofstream(t / "classes.txt") << "zero\none\ntwo\nnone\n";
  DataOptions no_download;
  no_download.allow_download = false;
  const DatasetSplits named = load_dataset("idx:" + t.path(), no_download);
  EXPECT_EQ(named.train.num_classes, 4);
  EXPECT_EQ(named.train.class_names.back(), "none");
  EXPECT_EQ(named.test.size(), 3);

  std::ofstream(t / "classes.txt") << "zero\n\ntwo\n";
  EXPECT_HAS(error_of([&] { load_user_dataset("idx:" + t.path()); }), "line 2 is empty");
  std::ofstream(t / "classes.txt") << "a\nb\n";  // label 2 is out of range
  EXPECT_HAS(error_of([&] { load_user_dataset("idx:" + t.path()); }), "out of range");
  std::filesystem::remove(t / "classes.txt");
  std::filesystem::remove(t / "t10k-labels-idx1-ubyte");
  EXPECT_HAS(error_of([&] { load_user_dataset("idx:" + t.path()); }),
             "missing t10k-labels-idx1-ubyte");
  EXPECT_HAS(error_of([&] { load_user_dataset("idx:" + t.path() + "/nowhere"); }),
             "not a directory");
}

}  // namespace
}  // namespace inkstone
