// split_tail: the held-out part is the dataset's last images, whatever the seed.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "inkstone/data/dataset.hpp"
#include "inkstone/tensor/error.hpp"

namespace inkstone {
namespace {

Dataset numbered(int n) {
  Dataset d;
  d.name = "numbered";
  d.channels = 1;
  d.height = 1;
  d.width = 2;
  d.num_classes = 10;
  for (int i = 0; i < n; ++i) {
    d.images.push_back(static_cast<uint8_t>(i));
    d.images.push_back(static_cast<uint8_t>(255 - i));
    d.labels.push_back(i % 10);
  }
  d.class_names = {"0", "1", "2", "3", "4", "5", "6", "7", "8", "9"};
  return d;
}

TEST(Split, TailHoldsTheLastImages) {
  const Dataset d = numbered(100);
  const auto [head, tail] = split_tail(d, 0.1);
  ASSERT_EQ(head.size(), 90);
  ASSERT_EQ(tail.size(), 10);
  EXPECT_EQ(head.name, "numbered[:90]");
  EXPECT_EQ(tail.name, "numbered[90:]");
  EXPECT_EQ(head.images.size(), 180u);
  EXPECT_EQ(head.image(89)[0], 89);
  EXPECT_EQ(tail.image(0)[0], 90);
  EXPECT_EQ(tail.image(0)[1], 255 - 90);
  EXPECT_EQ(tail.labels[0], 0);
  EXPECT_EQ(tail.labels[9], 9);
  EXPECT_EQ(tail.class_names, d.class_names);
  EXPECT_EQ(tail.width, 2);
}

TEST(Split, RejectsFractionsThatLeaveAnEmptyPart) {
  const Dataset d = numbered(10);
  EXPECT_THROW(split_tail(d, 0), Error);
  EXPECT_THROW(split_tail(d, 1), Error);
  EXPECT_THROW(split_tail(d, -0.5), Error);
  EXPECT_THROW(split_tail(d, 0.01), Error);  // rounds to 0 images
  EXPECT_THROW(split_tail(d, 0.97), Error);  // rounds to all 10
  try {
    split_tail(d, 0.01);
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("leaves an empty part"), std::string::npos);
  }
}

TEST(Split, StratifiedKeepsClassProportions) {
  // 100 images: labels i % 10 for i < 80, then twenty 0s: class 0 has 28 images, others 8.
  Dataset d = numbered(100);
  for (int i = 80; i < 100; ++i) d.labels[static_cast<size_t>(i)] = 0;
  const auto [head, tail] = split_tail_stratified(d, 0.25);
  std::vector<int> h(10, 0), t(10, 0);
  for (int32_t y : head.labels) ++h[static_cast<size_t>(y)];
  for (int32_t y : tail.labels) ++t[static_cast<size_t>(y)];
  EXPECT_EQ(t[0], 7);  // round(0.25 * 28)
  EXPECT_EQ(h[0], 21);
  for (int c = 1; c < 10; ++c) {
    EXPECT_EQ(t[static_cast<size_t>(c)], 2) << c;
    EXPECT_EQ(h[static_cast<size_t>(c)], 6) << c;
  }
  // The held-out images of a class are its last ones, pixels travelling with labels.
  EXPECT_EQ(tail.image(tail.size() - 1)[0], 99);
  EXPECT_EQ(head.image(0)[0], 0);
  EXPECT_EQ(head.size() + tail.size(), 100);
  EXPECT_THROW(split_tail_stratified(d, 1.0), Error);
  EXPECT_THROW(split_tail_stratified(numbered(1), 0.1), Error);
}

}  // namespace
}  // namespace inkstone
