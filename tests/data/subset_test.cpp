// Subsets for experiments: first n, per-class fractions and their text form.
#include <gtest/gtest.h>

#include <algorithm>
#include <string>
#include <vector>

#include "inkstone/data/subset.hpp"
#include "inkstone/tensor/error.hpp"

namespace inkstone {
namespace {

Dataset numbered(int n) {
  Dataset d;
  d.name = "numbered";
  d.height = 1;
  d.width = 1;
  d.num_classes = 4;
  for (int i = 0; i < n; ++i) {
    d.images.push_back(static_cast<uint8_t>(i));
    d.labels.push_back(i % 4);
  }
  return d;
}

TEST(Subset, TakeFirstKeepsOrder) {
  const Dataset d = take_first(numbered(10), 3);
  ASSERT_EQ(d.size(), 3);
  EXPECT_EQ(d.image(2)[0], 2);
  EXPECT_EQ(take_first(numbered(10), 50).size(), 10);
  EXPECT_THROW(take_first(numbered(10), 0), Error);
}

TEST(Subset, ClassFractionsKeepTheFirstImagesOfEachClass) {
  // 100 images, 25 per class; classes 0-1 cut to 20% (5 each), class 3 to 0.
  const std::vector<double> f = parse_class_fractions("0-1=0.2,3=0", 4);
  EXPECT_EQ(f, (std::vector<double>{0.2, 0.2, 1.0, 0.0}));
  const Dataset d = keep_class_fractions(numbered(100), f);
  std::vector<int> count(4, 0);
  for (int32_t y : d.labels) ++count[static_cast<size_t>(y)];
  EXPECT_EQ(count, (std::vector<int>{5, 5, 25, 0}));
  EXPECT_EQ(d.image(0)[0], 0);  // class 0's first image
  EXPECT_EQ(d.labels[static_cast<size_t>(d.size() - 1)], 2);
  // A tiny positive fraction keeps at least one image.
  const Dataset one = keep_class_fractions(numbered(8), parse_class_fractions("0=0.01", 4));
  EXPECT_EQ(one.size(), 7);
  for (const char* bad : {"0-9=0.1", "x=0.1", "0=2", "0", "3-1=0.5"}) {
    EXPECT_THROW(parse_class_fractions(bad, 4), Error) << bad;
  }
}

}  // namespace
}  // namespace inkstone

namespace inkstone {
namespace {

TEST(SelectClasses, KeepsAndRelabelsTheClassesNamed) {
  Dataset d;
  d.name = "toy";
  d.height = d.width = 1;
  for (int i = 0; i < 20; ++i) {
    d.images.push_back(static_cast<uint8_t>(i));
    d.labels.push_back(i % 10);
  }
  for (int c = 0; c < 10; ++c) d.class_names.push_back(std::string(1, 'c') += std::to_string(c));
  EXPECT_EQ(parse_class_list("5-9", 10), (std::vector<int>{5, 6, 7, 8, 9}));
  EXPECT_EQ(parse_class_list("7,0-1,7", 10), (std::vector<int>{0, 1, 7}));
  EXPECT_THROW(parse_class_list("8-12", 10), Error);
  EXPECT_THROW(parse_class_list("4-2", 10), Error);
  EXPECT_THROW(parse_class_list("x", 10), Error);
  const Dataset s = select_classes(d, parse_class_list("5-9", 10));
  EXPECT_EQ(s.num_classes, 5);
  EXPECT_EQ(s.size(), 10);
  EXPECT_EQ(s.class_names, (std::vector<std::string>{"c5", "c6", "c7", "c8", "c9"}));
  EXPECT_EQ(s.labels[0], 0);  // image 5, class 5 -> 0
  EXPECT_EQ(s.images[0], 5);
  EXPECT_EQ(s.labels[9], 4);  // image 19, class 9 -> 4
  EXPECT_EQ(s.images[9], 19);
  EXPECT_THROW(select_classes(d, {3, 3}), Error);
  EXPECT_THROW(select_classes(d, {10}), Error);
}

TEST(SamplesPerClass, StratifiedSeededAndInOrder) {
  Dataset d;
  d.name = "toy";
  d.height = d.width = 1;
  for (int i = 0; i < 100; ++i) {
    d.images.push_back(static_cast<uint8_t>(i));
    d.labels.push_back(i < 95 ? i % 3 : 3);  // class 3 has only 5 images
  }
  d.num_classes = 4;
  const Dataset s = samples_per_class(d, 10, 7);
  std::vector<int> count(4, 0);
  for (int32_t y : s.labels) ++count[static_cast<size_t>(y)];
  EXPECT_EQ(count, (std::vector<int>{10, 10, 10, 5}));
  EXPECT_TRUE(std::is_sorted(s.images.begin(), s.images.end()));  // dataset order kept
  EXPECT_EQ(samples_per_class(d, 10, 7).images, s.images);        // same seed, same sample
  EXPECT_NE(samples_per_class(d, 10, 8).images, s.images);
  EXPECT_THROW(samples_per_class(d, 0, 1), Error);
}

}  // namespace
}  // namespace inkstone
