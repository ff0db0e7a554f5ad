// PNG writing and reading and image grids: the bytes decode back (libpng) to the same pixels;
// corrupt, truncated and oversized PNGs are refused.
#include <gtest/gtest.h>
#include <png.h>
#include <zlib.h>

#include <cstring>
#include <string>
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

TEST(Png, DecodesWhatItEncodes) {
  for (int channels : {1, 3}) {
    Image img(29, 17, channels);
    for (size_t i = 0; i < img.pixels.size(); ++i) img.pixels[i] = static_cast<uint8_t>(i * 13);
    const std::vector<uint8_t> bytes = encode_png(img);
    const Image back = decode_png(bytes.data(), bytes.size());
    EXPECT_EQ(back.width, 29);
    EXPECT_EQ(back.height, 17);
    EXPECT_EQ(back.channels, channels);
    EXPECT_EQ(back.pixels, img.pixels);
  }
}

TEST(Png, CompositesAlphaOverWhite) {
  // Two RGBA pixels: opaque black and fully transparent black.
  const uint8_t rgba[8] = {0, 0, 0, 255, 0, 0, 0, 0};
  png_image img;
  std::memset(&img, 0, sizeof img);
  img.version = PNG_IMAGE_VERSION;
  img.width = 2;
  img.height = 1;
  img.format = PNG_FORMAT_RGBA;
  png_alloc_size_t size = 0;
  ASSERT_TRUE(png_image_write_to_memory(&img, nullptr, &size, 0, rgba, 0, nullptr));
  std::vector<uint8_t> bytes(size);
  ASSERT_TRUE(png_image_write_to_memory(&img, bytes.data(), &size, 0, rgba, 0, nullptr));
  const Image back = decode_png(bytes.data(), size);
  ASSERT_EQ(back.channels, 3);
  EXPECT_EQ(back.pixels, (std::vector<uint8_t>{0, 0, 0, 255, 255, 255}));
}

TEST(Png, RefusesCorruptTruncatedAndHugeImages) {
  Image img(40, 30, 1, 77);
  const std::vector<uint8_t> bytes = encode_png(img);
  const std::vector<uint8_t> garbage(100, 0x5a);
  EXPECT_THROW(decode_png(garbage.data(), garbage.size()), Error);
  EXPECT_THROW(decode_png(bytes.data(), bytes.size() / 2), Error);
  std::vector<uint8_t> flipped = bytes;
  flipped[bytes.size() / 2] ^= 0xff;  // inside the compressed data: CRC or zlib error
  EXPECT_THROW(decode_png(flipped.data(), flipped.size()), Error);
  try {
    decode_png(bytes.data(), bytes.size(), 1000);  // 1200 pixels > 1000
    ADD_FAILURE() << "no error";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("larger than the limit"), std::string::npos);
  }
  // A header claiming 100000 x 100000 pixels (valid CRC) is refused before allocating.
  std::vector<uint8_t> huge = bytes;
  const uint8_t dims[8] = {0, 1, 0x86, 0xa0, 0, 1, 0x86, 0xa0};
  std::memcpy(huge.data() + 16, dims, 8);
  const uLong crc = crc32(crc32(0, nullptr, 0), huge.data() + 12, 17);
  for (int k = 0; k < 4; ++k) huge[29 + k] = static_cast<uint8_t>(crc >> (24 - 8 * k));
  EXPECT_THROW(decode_png(huge.data(), huge.size()), Error);
  test::TempDir dir;
  EXPECT_THROW(read_png(dir / "missing.png"), Error);
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
