// MNIST-style normalization of user images: Otsu's threshold, polarity, and a large, off-centre,
// dark-on-light "photo" with an uneven background that comes out as a 28x28 MNIST-like digit
// (light ink on black, 20-pixel box, centre of mass in the middle).
#include "inkstone/data/mnist_style.hpp"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>

#include "inkstone/tensor/error.hpp"

namespace inkstone {
namespace {

struct Moments {
  double mass = 0, cx = 0, cy = 0;
  int x0 = 1 << 30, y0 = 1 << 30, x1 = -1, y1 = -1;
};
Moments moments(const Image& g) {
  Moments m;
  for (int y = 0; y < g.height; ++y)
    for (int x = 0; x < g.width; ++x) {
      const double v = *g.at(x, y);
      if (v == 0) continue;
      m.mass += v;
      m.cx += v * x;
      m.cy += v * y;
      m.x0 = std::min(m.x0, x);
      m.x1 = std::max(m.x1, x);
      m.y0 = std::min(m.y0, y);
      m.y1 = std::max(m.y1, y);
    }
  m.cx /= m.mass;
  m.cy /= m.mass;
  return m;
}

// A 600x400 RGB "photo": paper brightening from left to right (170..250), a dark L-shaped
// stroke 24 px wide near the top-right corner.
Image photo() {
  Image img(600, 400, 3);
  for (int y = 0; y < 400; ++y)
    for (int x = 0; x < 600; ++x) {
      const bool ink = (x >= 400 && x < 424 && y >= 40 && y < 240) ||
                       (x >= 400 && x < 500 && y >= 216 && y < 240);
      const uint8_t v = ink ? 40 : static_cast<uint8_t>(170 + 80 * x / 599);
      uint8_t* p = img.at(x, y);
      p[0] = p[1] = p[2] = v;
    }
  return img;
}

TEST(MnistStyle, OtsuSplitsABimodalHistogram) {
  Image g(100, 1, 1, 30);
  for (int x = 60; x < 100; ++x) *g.at(x, 0) = 220;
  const int t = otsu_threshold(g);
  EXPECT_GE(t, 30);
  EXPECT_LT(t, 220);
}

TEST(MnistStyle, PolarityFromTheBorder) {
  EXPECT_TRUE(is_dark_on_light(to_grey(photo())));
  Image mnist_like(28, 28, 1, 0);
  *mnist_like.at(14, 14) = 255;
  EXPECT_FALSE(is_dark_on_light(mnist_like));
}

TEST(MnistStyle, PhotoBecomesAnMnistDigit) {
  const Image out = mnist_style(photo());
  ASSERT_EQ(out.width, 28);
  ASSERT_EQ(out.height, 28);
  ASSERT_EQ(out.channels, 1);
  const Moments m = moments(out);
  // The stroke is 200 px tall and 100 px wide: it fits the 20x20 box by its height.
  EXPECT_EQ(m.y1 - m.y0 + 1, 20);
  EXPECT_NEAR(m.x1 - m.x0 + 1, 10, 1);
  // Centre of mass at the centre, to within the whole-pixel placement.
  EXPECT_NEAR(m.cx, 13.5, 0.5);
  EXPECT_NEAR(m.cy, 13.5, 0.5);
  // Light ink on black: the corners are background, the brightest pixels are (nearly) full ink.
  EXPECT_EQ(*out.at(0, 0), 0);
  EXPECT_EQ(*out.at(27, 27), 0);
  EXPECT_GE(*std::max_element(out.pixels.begin(), out.pixels.end()), 240);
}

TEST(MnistStyle, AlreadyMnistLikeInputKeepsItsShape) {
  Image g(28, 28, 1, 0);
  for (int y = 4; y < 24; ++y)
    for (int x = 12; x < 16; ++x) *g.at(x, y) = 255;
  const Moments m = moments(mnist_style(g));
  EXPECT_EQ(m.y1 - m.y0 + 1, 20);
  EXPECT_NEAR(m.cx, 13.5, 0.5);
}

TEST(MnistStyle, BlankImagesAreRefused) {
  EXPECT_THROW(mnist_style(Image(50, 50, 1, 255)), Error);
  EXPECT_THROW(mnist_style(Image(50, 50, 3, 0)), Error);
}

}  // namespace
}  // namespace inkstone
