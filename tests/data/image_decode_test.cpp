// Reading user images: JPEG (encoded here with libjpeg), PGM/PPM in all four encodings, format
// detection by content, grey conversion; hostile headers and truncated data are refused with an
// Error before any large allocation.
#include <gtest/gtest.h>

#include <cstddef>
#include <cstdio>
#include <cstring>
#include <string>
#include <vector>

#include "data/jpeg_encode.hpp"
#include "inkstone/data/image.hpp"
#include "inkstone/tensor/error.hpp"

namespace inkstone {
namespace {

std::vector<uint8_t> bytes(const std::string& s) {
  return {s.begin(), s.end()};
}

using test_support::encode_jpeg;

TEST(DecodeImage, JpegGreyAndColour) {
  Image grey(40, 24, 1, 200);
  for (int x = 10; x < 20; ++x)
    for (int y = 0; y < 24; ++y) *grey.at(x, y) = 30;
  const std::vector<uint8_t> jg = encode_jpeg(grey);
  const Image g = decode_image(jg.data(), jg.size());
  EXPECT_EQ(g.width, 40);
  EXPECT_EQ(g.height, 24);
  EXPECT_EQ(g.channels, 1);
  EXPECT_NEAR(*g.at(15, 12), 30, 6);  // lossy, but close
  EXPECT_NEAR(*g.at(30, 12), 200, 6);
  Image rgb(16, 16, 3, 0);
  for (int y = 0; y < 16; ++y)
    for (int x = 0; x < 16; ++x) rgb.at(x, y)[0] = 220;  // red
  const std::vector<uint8_t> jc = encode_jpeg(rgb);
  const Image c = decode_image(jc.data(), jc.size());
  EXPECT_EQ(c.channels, 3);
  EXPECT_GT(c.at(8, 8)[0], 180);
  EXPECT_LT(c.at(8, 8)[2], 60);
  EXPECT_NEAR(*to_grey(c).at(8, 8),
              0.299 * c.at(8, 8)[0] + 0.587 * c.at(8, 8)[1] + 0.114 * c.at(8, 8)[2], 1.0);
}

TEST(DecodeImage, JpegCorruptTruncatedAndHuge) {
  const std::vector<uint8_t> j = encode_jpeg(Image(64, 64, 1, 90));
  EXPECT_THROW(decode_image(j.data(), 40), Error);             // the header is cut
  EXPECT_THROW(decode_jpeg(j.data(), j.size(), 1000), Error);  // 4096 pixels > 1000
  std::vector<uint8_t> junk = {0xFF, 0xD8, 0xFF, 0x00, 0x12, 0x34};
  EXPECT_THROW(decode_image(junk.data(), junk.size()), Error);
}

TEST(DecodeImage, NetpbmEncodings) {
  // P2 with a comment, maxval 15 (rescaled to 0..255).
  const std::vector<uint8_t> p2 = bytes("P2\n# a comment\n3 2\n15\n0 15 5\n10 0 15\n");
  const Image a = decode_image(p2.data(), p2.size());
  EXPECT_EQ(a.width, 3);
  EXPECT_EQ(a.height, 2);
  EXPECT_EQ(a.pixels, (std::vector<uint8_t>{0, 255, 85, 170, 0, 255}));
  // P5 binary 8-bit.
  std::vector<uint8_t> p5 = bytes("P5 2 2 255\n");
  p5.insert(p5.end(), {1, 2, 3, 250});
  EXPECT_EQ(decode_image(p5.data(), p5.size()).pixels, (std::vector<uint8_t>{1, 2, 3, 250}));
  // P5 16-bit big-endian.
  std::vector<uint8_t> p16 = bytes("P5 2 1 65535\n");
  p16.insert(p16.end(), {0xFF, 0xFF, 0x80, 0x00});
  EXPECT_EQ(decode_image(p16.data(), p16.size()).pixels, (std::vector<uint8_t>{255, 128}));
  // P6 and P3 colour.
  std::vector<uint8_t> p6 = bytes("P6 1 1 255\n");
  p6.insert(p6.end(), {10, 20, 30});
  const Image c6 = decode_image(p6.data(), p6.size());
  EXPECT_EQ(c6.channels, 3);
  EXPECT_EQ(c6.pixels, (std::vector<uint8_t>{10, 20, 30}));
  const std::vector<uint8_t> p3 = bytes("P3 1 1 255 7 8 9");
  EXPECT_EQ(decode_image(p3.data(), p3.size()).pixels, (std::vector<uint8_t>{7, 8, 9}));
}

TEST(DecodeImage, NetpbmHostileHeaders) {
  for (const std::string& s :
       {std::string("P5 100000 100000 255\n"), std::string("P5 99999999999 1 255\n"),
        std::string("P5 0 4 255\n"), std::string("P5 2 2 0\n"), std::string("P5 2 2\n"),
        std::string("P5 2 2 255\n\x01\x02"), std::string("P2 2 1 10 3 11"),
        std::string("P2 2 1 10 3"), std::string("P5 -2 2 255\n"), std::string("P9 1 1 1\n")}) {
    const std::vector<uint8_t> b = bytes(s);
    EXPECT_THROW(decode_image(b.data(), b.size()), Error) << s;
  }
  const std::vector<uint8_t> text = bytes("hello, world");
  EXPECT_THROW(decode_image(text.data(), text.size()), Error);
  EXPECT_THROW(read_image("/no/such/image.png"), Error);
}

}  // namespace
}  // namespace inkstone
