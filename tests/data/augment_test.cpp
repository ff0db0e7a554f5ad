// Augmentation: parsing, identity, exact geometry on known images, determinism per (seed,
// epoch, index), and the prefetching loader giving the same batches as the synchronous one.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <numeric>
#include <vector>

#include "inkstone/data/augment.hpp"
#include "inkstone/data/loader.hpp"
#include "inkstone/tensor/error.hpp"

namespace inkstone {
namespace {

std::vector<uint8_t> augment(const AugmentOptions& o, const std::vector<uint8_t>& img, int h, int w,
                             uint64_t seed) {
  Augmenter a(o, 1, h, w);
  Augmenter::Scratch s;
  Rng rng(seed);
  std::vector<uint8_t> out(img.size());
  a.apply(img.data(), out.data(), rng, s);
  return out;
}

// A 28x28 image with a bright 4x4 square whose top-left pixel is (x, y).
std::vector<uint8_t> square_at(int x, int y) {
  std::vector<uint8_t> img(28 * 28, 0);
  for (int r = y; r < y + 4; ++r)
    for (int c = x; c < x + 4; ++c) img[static_cast<size_t>(r * 28 + c)] = 200;
  return img;
}

Dataset random_dataset(int n) {
  Dataset d;
  d.name = "random";
  d.height = d.width = 28;
  d.num_classes = 3;
  Rng rng(5);
  for (int i = 0; i < n; ++i) {
    d.labels.push_back(static_cast<int32_t>(i % 3 == 0 ? 0 : (i % 7 == 0 ? 2 : 1)));
    for (int p = 0; p < 784; ++p) d.images.push_back(static_cast<uint8_t>(rng.below(256)));
  }
  return d;
}

TEST(AugmentOptions, ParsesAndPrintsCanonically) {
  const AugmentOptions o = AugmentOptions::parse(
      " shift=2, rotate=10,scale=0.1,shear=5,elastic=34:4,erase=0.5,noise=0.05");
  EXPECT_FLOAT_EQ(AugmentOptions::parse("flip=0.5").flip, 0.5f);
  EXPECT_FLOAT_EQ(o.shift, 2);
  EXPECT_FLOAT_EQ(o.rotate, 10);
  EXPECT_FLOAT_EQ(o.scale, 0.1f);
  EXPECT_FLOAT_EQ(o.shear, 5);
  EXPECT_FLOAT_EQ(o.elastic_alpha, 34);
  EXPECT_FLOAT_EQ(o.elastic_sigma, 4);
  EXPECT_FLOAT_EQ(o.erase, 0.5f);
  EXPECT_FLOAT_EQ(o.noise, 0.05f);
  EXPECT_TRUE(o.any());
  EXPECT_EQ(o.str(), "shift=2,rotate=10,scale=0.1,shear=5,elastic=34:4,erase=0.5,noise=0.05");
  EXPECT_EQ(AugmentOptions::parse(o.str()).str(), o.str());
  EXPECT_FALSE(AugmentOptions::parse("").any());
  EXPECT_EQ(AugmentOptions::parse("none").str(), "none");
}

TEST(AugmentOptions, RejectsBadText) {
  for (const char* bad : {"shift", "shift=x", "shift=-1", "rotate=200", "blur=3", "elastic=34",
                          "elastic=34:0", "shift=1,shift=2", "erase=2", "scale=1"}) {
    EXPECT_THROW(AugmentOptions::parse(bad), Error) << bad;
  }
}

TEST(Augmenter, NoGeometryIsTheIdentity) {
  const std::vector<uint8_t> img = square_at(10, 12);
  EXPECT_EQ(augment(AugmentOptions{}, img, 28, 28, 3), img);
}

TEST(Augmenter, ShiftKeepsTheInkAndMovesItWithinRange) {
  // Shifts are uniform in [-s, s] per axis: bilinear resampling keeps the ink mass and moves
  // its centre by the drawn shift.
  AugmentOptions o;
  o.shift = 3;
  const std::vector<uint8_t> img = square_at(12, 12);
  int checked = 0;
  for (uint64_t seed = 1; seed < 50; ++seed) {
    const std::vector<uint8_t> out = augment(o, img, 28, 28, seed);
    // Ink is preserved up to interpolation: the total mass stays that of the square.
    const double mass_in = std::accumulate(img.begin(), img.end(), 0.0);
    const double mass_out = std::accumulate(out.begin(), out.end(), 0.0);
    EXPECT_NEAR(mass_out, mass_in, 0.02 * mass_in) << seed;
    // The centre of mass moves by the drawn shift, at most 3 pixels per axis.
    double cx = 0, cy = 0;
    for (int y = 0; y < 28; ++y)
      for (int x = 0; x < 28; ++x) {
        cx += x * out[static_cast<size_t>(y * 28 + x)];
        cy += y * out[static_cast<size_t>(y * 28 + x)];
      }
    cx /= mass_out;
    cy /= mass_out;
    EXPECT_LE(std::abs(cx - 13.5), 3.0 + 1e-3) << seed;
    EXPECT_LE(std::abs(cy - 13.5), 3.0 + 1e-3) << seed;
    ++checked;
  }
  EXPECT_EQ(checked, 49);
}

TEST(Augmenter, RotationKeepsACentredSquareCentred) {
  // A rotation about the image centre keeps the centre of mass of a centred square there.
  AugmentOptions o;
  o.rotate = 180;
  const std::vector<uint8_t> img = square_at(12, 12);  // covers 12..15: centre 13.5
  for (uint64_t seed = 1; seed < 20; ++seed) {
    const std::vector<uint8_t> out = augment(o, img, 28, 28, seed);
    double m = 0, cx = 0, cy = 0;
    for (int y = 0; y < 28; ++y)
      for (int x = 0; x < 28; ++x) {
        const double v = out[static_cast<size_t>(y * 28 + x)];
        m += v;
        cx += x * v;
        cy += y * v;
      }
    ASSERT_GT(m, 0);
    EXPECT_NEAR(cx / m, 13.5, 0.05) << seed;
    EXPECT_NEAR(cy / m, 13.5, 0.05) << seed;
  }
}

TEST(Augmenter, FlipMirrorsExactly) {
  AugmentOptions o;
  o.flip = 1;
  const std::vector<uint8_t> img = square_at(3, 10);  // columns 3..6
  const std::vector<uint8_t> out = augment(o, img, 28, 28, 1);
  for (int y = 0; y < 28; ++y)
    for (int x = 0; x < 28; ++x)
      EXPECT_EQ(out[static_cast<size_t>(y * 28 + x)], img[static_cast<size_t>(y * 28 + 27 - x)]);
}

TEST(Augmenter, ScaleChangesTheInkArea) {
  AugmentOptions o;
  o.scale = 0.5f;  // factors in [0.5, 1.5]
  std::vector<uint8_t> img(28 * 28, 0);
  for (int y = 8; y < 20; ++y)
    for (int x = 8; x < 20; ++x) img[static_cast<size_t>(y * 28 + x)] = 255;
  double lo = 1e9, hi = 0;
  for (uint64_t seed = 1; seed < 40; ++seed) {
    const std::vector<uint8_t> out = augment(o, img, 28, 28, seed);
    const double mass = std::accumulate(out.begin(), out.end(), 0.0);
    lo = std::min(lo, mass);
    hi = std::max(hi, mass);
  }
  const double base = 144.0 * 255;
  EXPECT_LT(lo, 0.6 * base);  // some draws shrink the square (area ~ s^2)
  EXPECT_GT(hi, 1.6 * base);  // some enlarge it
}

TEST(Augmenter, ElasticNoiseAndErasingChangeTheImageDeterministically) {
  const std::vector<uint8_t> img = square_at(8, 8);
  for (const char* spec : {"elastic=34:4", "noise=0.1", "erase=1", "shear=20"}) {
    const AugmentOptions o = AugmentOptions::parse(spec);
    const auto a = augment(o, img, 28, 28, 7), b = augment(o, img, 28, 28, 7);
    const auto c = augment(o, img, 28, 28, 8);
    EXPECT_EQ(a, b) << spec;
    EXPECT_NE(a, img) << spec;
    EXPECT_NE(a, c) << spec;
  }
}

TEST(Augmenter, ElasticFieldIsSmooth) {
  // With sigma = 4 neighbouring displacements are strongly correlated: a horizontal gradient
  // image stays monotone along most rows (an unsmoothed field would scramble it).
  std::vector<uint8_t> img(28 * 28);
  for (int y = 0; y < 28; ++y)
    for (int x = 0; x < 28; ++x) img[static_cast<size_t>(y * 28 + x)] = static_cast<uint8_t>(9 * x);
  const auto out = augment(AugmentOptions::parse("elastic=8:4"), img, 28, 28, 11);
  int inversions = 0;
  for (int y = 4; y < 24; ++y)
    for (int x = 5; x < 22; ++x)
      inversions +=
          out[static_cast<size_t>(y * 28 + x + 1)] + 2 < out[static_cast<size_t>(y * 28 + x)];
  EXPECT_LT(inversions, 20);
}

TEST(BatchLoader, AugmentationIsDeterministicPerSeedEpochAndImage) {
  const Dataset d = random_dataset(100);
  const AugmentOptions o = AugmentOptions::parse("shift=2,rotate=10,elastic=20:4,noise=0.02");
  std::vector<uint8_t> a(784), b(784), c(784), e(784);
  BatchLoader::augmented_image(d, o, 1, 0, 5, a.data());
  BatchLoader::augmented_image(d, o, 1, 0, 5, b.data());
  BatchLoader::augmented_image(d, o, 2, 0, 5, c.data());
  BatchLoader::augmented_image(d, o, 1, 1, 5, e.data());
  EXPECT_EQ(a, b);
  EXPECT_NE(a, c);
  EXPECT_NE(a, e);
}

// Every batch of two epochs, as floats, from a loader.
std::vector<float> two_epochs(const Dataset& d, const AugmentOptions& o, bool prefetch,
                              bool balanced, std::vector<int32_t>* labels_out) {
  BatchLoader loader(d, 16, true, 9);
  loader.set_augment(o);
  loader.set_prefetch(prefetch);
  loader.set_balanced_sampling(balanced);
  std::vector<float> all;
  Tensor x;
  std::vector<int32_t> labels;
  for (int epoch = 0; epoch < 2; ++epoch) {
    loader.start_epoch(epoch);
    while (loader.next(x, labels)) {
      all.insert(all.end(), x.data(), x.data() + x.numel());
      if (labels_out) labels_out->insert(labels_out->end(), labels.begin(), labels.end());
    }
  }
  return all;
}

TEST(BatchLoader, PrefetchGivesTheSameBatches) {
  const Dataset d = random_dataset(100);
  const AugmentOptions o = AugmentOptions::parse("shift=2,rotate=15,erase=0.5");
  const auto sync = two_epochs(d, o, false, false, nullptr);
  const auto pre = two_epochs(d, o, true, false, nullptr);
  ASSERT_EQ(sync.size(), 2u * 100 * 784);
  EXPECT_EQ(sync, pre);
  EXPECT_NE(sync, two_epochs(d, AugmentOptions{}, false, false, nullptr));
}

TEST(BatchLoader, PrefetchSurvivesRestartingAnEpochMidway) {
  const Dataset d = random_dataset(100);
  BatchLoader loader(d, 16, true, 9);
  loader.set_augment(AugmentOptions::parse("shift=1"));
  loader.set_prefetch(true);
  Tensor x;
  std::vector<int32_t> labels;
  loader.start_epoch(0);
  ASSERT_TRUE(loader.next(x, labels));
  loader.start_epoch(0);  // abandons the batch being prepared
  int batches = 0;
  while (loader.next(x, labels)) ++batches;
  EXPECT_EQ(batches, 7);
}

TEST(BatchLoader, BalancedSamplingEqualizesClasses) {
  const Dataset d = random_dataset(3000);  // class 0: 1/3, class 2: ~1/10, class 1: the rest
  std::vector<int32_t> labels;
  two_epochs(d, AugmentOptions{}, false, true, &labels);
  std::vector<int> counts(3, 0);
  for (int32_t y : labels) ++counts[static_cast<size_t>(y)];
  for (int c = 0; c < 3; ++c) EXPECT_NEAR(counts[static_cast<size_t>(c)], 2000, 150) << c;
}

}  // namespace
}  // namespace inkstone
