// Robustness corruptions: each does what its name says on a small synthetic digit, strength 0
// is the identity where that makes sense, and results depend only on (seed, kind, index).
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <numeric>
#include <vector>

#include "inkstone/data/corrupt.hpp"
#include "inkstone/tensor/error.hpp"

namespace inkstone {
namespace {

constexpr int kH = 28, kW = 28;

// A 4-pixel-wide vertical bar of ink (255) in columns 12..15, rows 4..23.
std::vector<uint8_t> bar() {
  std::vector<uint8_t> img(kH * kW, 0);
  for (int y = 4; y < 24; ++y)
    for (int x = 12; x < 16; ++x) img[y * kW + x] = 255;
  return img;
}

std::vector<uint8_t> apply(const std::string& kind, double s, int64_t index = 0,
                           uint64_t seed = 1) {
  const std::vector<uint8_t> src = bar();
  std::vector<uint8_t> dst(src.size());
  corrupt_image(src.data(), dst.data(), 1, kH, kW, kind, s, seed, index);
  return dst;
}

int ink(const std::vector<uint8_t>& img) {  // pixels above half intensity
  return static_cast<int>(std::count_if(img.begin(), img.end(), [](uint8_t v) { return v > 127; }));
}

TEST(Corrupt, EveryKindIsListedWithIncreasingStrengths) {
  ASSERT_EQ(corruption_kinds().size(), 10u);
  for (const CorruptionKind& k : corruption_kinds()) {
    EXPECT_TRUE(std::is_sorted(k.strengths.begin(), k.strengths.end())) << k.name;
    EXPECT_FALSE(k.unit.empty());
    EXPECT_EQ(corruption_kind(k.name).name, k.name);
  }
  EXPECT_THROW(corruption_kind("sepia"), Error);
  std::vector<uint8_t> dst(kH * kW);
  EXPECT_THROW(corrupt_image(bar().data(), dst.data(), 1, kH, kW, "sepia", 1, 1, 0), Error);
  EXPECT_THROW(corrupt_image(bar().data(), dst.data(), 1, kH, kW, "rotate", -1, 1, 0), Error);
}

TEST(Corrupt, GeometryMovesTheInk) {
  EXPECT_EQ(apply("rotate", 0), bar());
  EXPECT_EQ(apply("shift", 0), bar());
  // A vertical bar rotated by 90 degrees lies horizontally: row 13 holds most of its ink.
  const std::vector<uint8_t> r = apply("rotate", 90);
  int row_ink = 0;
  for (int x = 0; x < kW; ++x) row_ink += r[13 * kW + x] > 127;
  EXPECT_GE(row_ink, 16);
  // Shifting by 6 pixels moves the ink's centre of mass by about 6 pixels.
  const std::vector<uint8_t> s = apply("shift", 6, 3);
  double sx = 0, sy = 0, m = 0;
  for (int y = 0; y < kH; ++y)
    for (int x = 0; x < kW; ++x) {
      sx += x * s[y * kW + x];
      sy += y * s[y * kW + x];
      m += s[y * kW + x];
    }
  const double dx = sx / m - 13.5, dy = sy / m - 13.5;
  EXPECT_NEAR(std::sqrt(dx * dx + dy * dy), 6.0, 0.8);
  // Scaling by 1 +- 0.4 changes the amount of ink.
  EXPECT_NE(ink(apply("scale", 0.4)), ink(bar()));
}

TEST(Corrupt, PixelCorruptions) {
  const std::vector<uint8_t> inv = apply("invert", 1);
  for (size_t i = 0; i < inv.size(); ++i) EXPECT_EQ(inv[i], 255 - bar()[i]);
  EXPECT_LT(ink(apply("thin", 1)), ink(bar()));
  EXPECT_EQ(ink(apply("thin", 2)), 0);  // 4 pixels wide: two erosions from each side
  EXPECT_GT(ink(apply("thick", 1)), ink(bar()));
  EXPECT_GT(ink(apply("thick", 3)), ink(apply("thick", 1)));
  // Blur spreads ink to the neighbouring columns but keeps its total roughly.
  const std::vector<uint8_t> b = apply("blur", 1.5);
  EXPECT_GT(b[13 * kW + 10], 0);
  const long total = std::accumulate(b.begin(), b.end(), 0L);
  const std::vector<uint8_t> original = bar();
  const long orig = std::accumulate(original.begin(), original.end(), 0L);
  EXPECT_NEAR(static_cast<double>(total) / orig, 1.0, 0.05);
  EXPECT_EQ(apply("blur", 0), bar());
  // Noise changes background pixels; occlusion removes ink.
  const std::vector<uint8_t> n = apply("noise", 0.3);
  EXPECT_GT(std::count_if(n.begin(), n.end(), [](uint8_t v) { return v > 0 && v < 255; }), 100);
  EXPECT_LT(ink(apply("occlude", 12)), ink(bar()));
  EXPECT_EQ(apply("occlude", 0), bar());
  EXPECT_NE(apply("elastic", 34), bar());
}

TEST(Corrupt, DeterministicPerSeedKindAndIndex) {
  for (const char* kind : {"rotate", "shift", "noise", "elastic", "occlude"}) {
    const double s = corruption_kind(kind).strengths.back();
    EXPECT_EQ(apply(kind, s, 5), apply(kind, s, 5)) << kind;
    // Over a few indices at least one differs (random sign, direction, field or position).
    bool differs = false;
    for (int64_t i = 1; i < 8 && !differs; ++i) differs = apply(kind, s, i) != apply(kind, s, 0);
    EXPECT_TRUE(differs) << kind;
  }
}

TEST(Corrupt, DatasetCopyKeepsLabelsAndNamesTheCorruption) {
  Dataset d;
  d.name = "toy/test";
  d.images = bar();
  const std::vector<uint8_t> second = apply("rotate", 90);
  d.images.insert(d.images.end(), second.begin(), second.end());
  d.labels = {1, 7};
  const Dataset c = corrupt_dataset(d, "invert", 1);
  EXPECT_EQ(c.labels, d.labels);
  EXPECT_EQ(c.name, "toy/test+invert=1");
  EXPECT_EQ(c.images[0], 255);
  EXPECT_THROW(corrupt_dataset(d, "sepia", 1), Error);
}

TEST(Corrupt, DomainShiftAppliesEachItemInOrder) {
  Dataset d;
  d.name = "toy/train";
  d.images = bar();
  d.labels = {3};
  const Dataset shifted = shift_domain(d, "thick=1,rotate=30", 4);
  EXPECT_EQ(shifted.name, "toy/train+thick=1+rotate=30");
  EXPECT_EQ(shifted.labels, d.labels);
  const Dataset by_hand = corrupt_dataset(corrupt_dataset(d, "thick", 1, 4), "rotate", 30, 4);
  EXPECT_EQ(shifted.images, by_hand.images);
  EXPECT_NE(shifted.images, d.images);
  for (const char* bad : {"", "thick", "thick=", "=2", "thick=2x", "sepia=1", "thick=2,,"}) {
    EXPECT_THROW(shift_domain(d, bad), Error) << bad;
  }
}

}  // namespace
}  // namespace inkstone
