// PNG writing and image grids: the bytes decode back (libpng) to the same pixels.
#include <gtest/gtest.h>
#include <png.h>

#include <cstring>
#include <vector>

#include "data_test_util.hpp"
#include "inkstone/data/image.hpp"
#include "inkstone/tensor/error.hpp"

namespace inkstone {
namespace {

Image decode(const std::vector<uint8_t>& bytes) {
  png_image img;
  std::memset(&img, 0, sizeof img);
  img.version = PNG_IMAGE_VERSION;
  EXPECT_TRUE(png_image_begin_read_from_memory(&img, bytes.data(), bytes.size()));
  const bool grey = (img.format & PNG_FORMAT_FLAG_COLOR) == 0;
  img.format = grey ? PNG_FORMAT_GRAY : PNG_FORMAT_RGB;
  Image out(static_cast<int>(img.width), static_cast<int>(img.height), grey ? 1 : 3);
  EXPECT_TRUE(png_image_finish_read(&img, nullptr, out.pixels.data(), 0, nullptr));
  return out;
}

TEST(Png, GreyAndRgbRoundTrip) {
  for (int channels : {1, 3}) {
    Image img(37, 21, channels);
    for (size_t i = 0; i < img.pixels.size(); ++i) img.pixels[i] = static_cast<uint8_t>(i * 7);
    const Image back = decode(encode_png(img));
    EXPECT_EQ(back.width, 37);
    EXPECT_EQ(back.height, 21);
    EXPECT_EQ(back.channels, channels);
    EXPECT_EQ(back.pixels, img.pixels);
  }
}

TEST(Png, WritesAtomicallyAndRejectsMalformedImages) {
  test::TempDir dir;
  Image img(4, 4, 1, 9);
  write_png(dir / "a.png", img);
  const std::string bytes = test::read_file(dir / "a.png");
  EXPECT_EQ(bytes.substr(1, 3), "PNG");
  Image bad = img;
  bad.pixels.pop_back();
  EXPECT_THROW(encode_png(bad), Error);
  EXPECT_THROW(write_png(dir / "missing-dir/a.png", img), Error);
  EXPECT_THROW(Image(0, 4, 1), Error);
}

TEST(TileGrid, LaysOutTilesWithGapsAndScale) {
  std::vector<uint8_t> a(4, 10), b(4, 20), c(4, 30);  // 2x2 tiles
  const Image g = tile_grid({a.data(), b.data(), c.data()}, 2, 2, 2, /*scale=*/3, /*gap=*/1);
  EXPECT_EQ(g.width, 1 + 2 * (6 + 1));
  EXPECT_EQ(g.height, 1 + 2 * (6 + 1));
  EXPECT_EQ(*g.at(0, 0), 128);  // gap
  EXPECT_EQ(*g.at(1, 1), 10);   // first tile
  EXPECT_EQ(*g.at(6, 6), 10);
  EXPECT_EQ(*g.at(8, 1), 20);   // second tile, same row
  EXPECT_EQ(*g.at(1, 8), 30);   // third tile, next row
  EXPECT_EQ(*g.at(8, 8), 128);  // empty cell
  const Image inv = tile_grid({a.data()}, 2, 2, 1, 1, 0, /*invert=*/true);
  EXPECT_EQ(*inv.at(0, 0), 245);
}

}  // namespace
}  // namespace inkstone
