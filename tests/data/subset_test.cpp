// Subsets for experiments: first n, per-class fractions and their text form.
#include <gtest/gtest.h>

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
