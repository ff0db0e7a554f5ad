// BatchLoader: order, coverage, scaling and batch sizes.
#include "inkstone/data/loader.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <numeric>

#include "data_test_util.hpp"

namespace inkstone {
namespace {

// n images of 2x3 pixels; image i stores i in its first two pixels (i & 255, i >> 8) so a batch
// tells which images it holds; label i % 10.
Dataset indexed_dataset(int64_t n) {
  Dataset d;
  d.name = "indexed";
  d.channels = 1;
  d.height = 2;
  d.width = 3;
  d.images.assign(static_cast<size_t>(n * 6), 0);
  for (int64_t i = 0; i < n; ++i) {
    d.images[static_cast<size_t>(i * 6)] = static_cast<uint8_t>(i & 255);
    d.images[static_cast<size_t>(i * 6 + 1)] = static_cast<uint8_t>(i >> 8);
    d.images[static_cast<size_t>(i * 6 + 2)] = 255;
    d.labels.push_back(static_cast<int32_t>(i % 10));
  }
  d.class_names = {"0", "1", "2", "3", "4", "5", "6", "7", "8", "9"};
  return d;
}

// The dataset indices of one epoch, batch by batch (with the default [0, 1] scaling).
std::vector<int64_t> epoch_order(BatchLoader& loader, int epoch, std::vector<int64_t>* sizes) {
  loader.start_epoch(epoch);
  Tensor x;
  std::vector<int32_t> labels;
  std::vector<int64_t> order;
  while (loader.next(x, labels)) {
    const int64_t b = x.dim(0);
    EXPECT_EQ(static_cast<int64_t>(labels.size()), b);
    if (sizes) sizes->push_back(b);
    for (int64_t i = 0; i < b; ++i) {
      const int64_t lo = std::lround(x[i * 6] * 255.0f);
      const int64_t hi = std::lround(x[i * 6 + 1] * 255.0f);
      const int64_t idx = lo + 256 * hi;
      EXPECT_EQ(labels[static_cast<size_t>(i)], idx % 10) << "label does not follow its image";
      order.push_back(idx);
    }
  }
  return order;
}

TEST(BatchLoader, EveryIndexExactlyOncePerEpoch) {
  const Dataset d = indexed_dataset(1003);
  BatchLoader loader(d, 64, /*shuffle=*/true, 7);
  for (int epoch = 0; epoch < 3; ++epoch) {
    std::vector<int64_t> order = epoch_order(loader, epoch, nullptr);
    ASSERT_EQ(order.size(), 1003u);
    std::sort(order.begin(), order.end());
    for (int64_t i = 0; i < 1003; ++i) ASSERT_EQ(order[static_cast<size_t>(i)], i);
  }
}

TEST(BatchLoader, ShuffleIsDeterministicPerSeedAndEpoch) {
  const Dataset d = indexed_dataset(500);
  BatchLoader a(d, 32, true, 42), b(d, 32, true, 42), c(d, 32, true, 43);
  const auto a0 = epoch_order(a, 0, nullptr);
  const auto a1 = epoch_order(a, 1, nullptr);
  EXPECT_EQ(a0, epoch_order(b, 0, nullptr));  // same seed, same epoch
  EXPECT_EQ(a1, epoch_order(b, 1, nullptr));
  EXPECT_EQ(a0, epoch_order(a, 0, nullptr));  // an epoch can be replayed (resume)
  EXPECT_NE(a0, a1);                          // epochs differ
  EXPECT_NE(a0, epoch_order(c, 0, nullptr));  // seeds differ
  std::vector<int64_t> identity(500);
  std::iota(identity.begin(), identity.end(), int64_t{0});
  EXPECT_NE(a0, identity);

  BatchLoader plain(d, 32, /*shuffle=*/false, 42);
  EXPECT_EQ(epoch_order(plain, 0, nullptr), identity);
  EXPECT_EQ(epoch_order(plain, 5, nullptr), identity);
}

TEST(BatchLoader, FirstEpochWithoutStartEpoch) {
  const Dataset d = indexed_dataset(40);
  BatchLoader a(d, 8, true, 3), b(d, 8, true, 3);
  Tensor x;
  std::vector<int32_t> la, lb;
  ASSERT_TRUE(a.next(x, la));  // no start_epoch call: epoch 0's order
  const auto b0 = epoch_order(b, 0, nullptr);
  for (size_t i = 0; i < la.size(); ++i) {
    EXPECT_EQ(la[i], b0[i] % 10);
  }
}

TEST(BatchLoader, LastPartialBatchAndDropLast) {
  const Dataset d = indexed_dataset(103);
  BatchLoader keep(d, 10, true, 1);
  std::vector<int64_t> sizes;
  EXPECT_EQ(epoch_order(keep, 0, &sizes).size(), 103u);
  EXPECT_EQ(keep.num_batches(), 11);
  ASSERT_EQ(sizes.size(), 11u);
  EXPECT_EQ(sizes.back(), 3);
  for (size_t i = 0; i + 1 < sizes.size(); ++i) EXPECT_EQ(sizes[i], 10);

  BatchLoader drop(d, 10, true, 1, {}, /*drop_last=*/true);
  sizes.clear();
  const auto order = epoch_order(drop, 0, &sizes);
  EXPECT_EQ(drop.num_batches(), 10);
  EXPECT_EQ(sizes, std::vector<int64_t>(10, 10));
  EXPECT_EQ(order.size(), 100u);
  // drop_last keeps the same order, minus the tail.
  const auto full = epoch_order(keep, 0, nullptr);
  EXPECT_TRUE(std::equal(order.begin(), order.end(), full.begin()));
}

TEST(BatchLoader, ScalingToUnitRange) {
  Dataset d = indexed_dataset(2);
  d.images = {0, 51, 255, 128, 1, 254, 10, 20, 30, 40, 50, 60};
  BatchLoader loader(d, 2, false, 0);
  Tensor x;
  std::vector<int32_t> labels;
  ASSERT_TRUE(loader.next(x, labels));
  EXPECT_EQ(x.shape(), (Shape{2, 1, 2, 3}));
  EXPECT_EQ(x[0], 0.0f);
  EXPECT_FLOAT_EQ(x[1], 0.2f);
  EXPECT_EQ(x[2], 1.0f);
  EXPECT_FLOAT_EQ(x[3], 128.0f / 255.0f);
  for (int64_t i = 0; i < x.numel(); ++i) {
    EXPECT_GE(x[i], 0.0f);
    EXPECT_LE(x[i], 1.0f);
  }
  EXPECT_FALSE(loader.next(x, labels));
}

TEST(BatchLoader, Standardization) {
  Dataset d = indexed_dataset(1);
  d.images = {0, 255, 51, 102, 204, 153};
  const Normalization norm{0.1307f, 0.3081f};
  BatchLoader loader(d, 1, false, 0, norm);
  Tensor x;
  std::vector<int32_t> labels;
  ASSERT_TRUE(loader.next(x, labels));
  for (int p = 0; p < 6; ++p) {
    const double want = (d.images[static_cast<size_t>(p)] / 255.0 - 0.1307) / 0.3081;
    EXPECT_NEAR(x[p], want, 1e-5) << "pixel " << p;
  }
  EXPECT_NEAR(x[0], -0.42421, 1e-4);  // (0 - mean) / std
  EXPECT_NEAR(x[1], 2.82149, 1e-4);   // (1 - mean) / std
}

TEST(BatchLoader, RejectsBadArguments) {
  Dataset d = indexed_dataset(4);
  EXPECT_THROW(BatchLoader(d, 0, false, 0), Error);
  EXPECT_THROW(BatchLoader(d, 4, false, 0, Normalization{0.0f, 0.0f}), Error);
  d.images.pop_back();  // inconsistent with 4 images of 6 bytes
  EXPECT_THROW(BatchLoader(d, 4, false, 0), Error);
}

TEST(BatchLoader, EmptyDataset) {
  Dataset d;
  d.height = d.width = 28;
  BatchLoader loader(d, 16, true, 1);
  Tensor x;
  std::vector<int32_t> labels;
  EXPECT_EQ(loader.num_batches(), 0);
  EXPECT_FALSE(loader.next(x, labels));
}

}  // namespace
}  // namespace inkstone
