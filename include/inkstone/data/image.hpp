#pragma once
// Image: 8-bit pixels, 1 (grey) or 3 (RGB) channels, interleaved row-major; PNG reading and
// writing (libpng), JPEG and PGM/PPM reading. Used for user images, to show datasets and
// augmentation, and by plots.
#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

namespace inkstone {

// A rectangle of pixels: top-left corner and size.
struct PixelBox {
  int x = 0, y = 0, width = 0, height = 0;
};

struct Image {
  int width = 0, height = 0, channels = 1;  // channels: 1 or 3
  std::vector<uint8_t> pixels;              // height * width * channels

  Image() = default;
  Image(int w, int h, int c, uint8_t fill = 0);
  uint8_t* at(int x, int y) { return pixels.data() + (int64_t{y} * width + x) * channels; }
  const uint8_t* at(int x, int y) const {
    return pixels.data() + (int64_t{y} * width + x) * channels;
  }
};

// Encodes an image as PNG (8-bit grey or RGB). Throws Error on a malformed image.
std::vector<uint8_t> encode_png(const Image& image);
// Decodes a PNG (any bit depth and colour type) to 8-bit grey or RGB; alpha is composited over
// white. Refuses images of more than max_pixels before allocating them, and corrupt or
// truncated data, with an Error.
Image decode_png(const uint8_t* data, size_t size, int64_t max_pixels = int64_t{1} << 26);
Image read_png(const std::string& path, int64_t max_pixels = int64_t{1} << 26);
// JPEG (libjpeg-turbo; grey or RGB) and Netpbm (PGM P2/P5, PPM P3/P6, 8 or 16 bits) decoders
// with the same limits and errors.
Image decode_jpeg(const uint8_t* data, size_t size, int64_t max_pixels = int64_t{1} << 26);
Image decode_pnm(const uint8_t* data, size_t size, int64_t max_pixels = int64_t{1} << 26);
// Any of the three, recognized by its first bytes (not by a file name); Error for anything else.
Image decode_image(const uint8_t* data, size_t size, int64_t max_pixels = int64_t{1} << 26);
// A PNG, JPEG or PNM file; errors start with the path.
Image read_image(const std::string& path, int64_t max_pixels = int64_t{1} << 26);
// Luma of an RGB image (ITU-R BT.601: 0.299 R + 0.587 G + 0.114 B); grey images are returned
// as they are.
Image to_grey(const Image& image);

// Writes an image as a PNG file atomically (temp file + rename). Throws Error naming the path.
void write_png(const std::string& path, const Image& image);

// Tiles single-channel height x width tiles (each tile_h * tile_w bytes) into a grid of `cols`
// columns with `gap` pixels of `background` between and around them; `scale` enlarges every
// pixel to scale x scale (nearest neighbour). With invert, pixels become 255 - v (dark ink on
// white, as people write).
Image tile_grid(const std::vector<const uint8_t*>& tiles, int tile_h, int tile_w, int cols,
                int scale = 2, int gap = 2, bool invert = false, uint8_t background = 128);

}  // namespace inkstone
