#pragma once
// A JPEG encoder for tests (libjpeg): grey or RGB images to in-memory JPEG bytes, so that the
// decoder and `inkstone predict` are tested on files a camera or scanner could have written.
#include <cstdint>
#include <cstdlib>
#include <vector>

#include <jpeglib.h>

#include "inkstone/data/image.hpp"

namespace inkstone::test_support {

inline std::vector<uint8_t> encode_jpeg(const Image& img, int quality = 95) {
  jpeg_compress_struct c;
  jpeg_error_mgr err;
  c.err = jpeg_std_error(&err);
  jpeg_create_compress(&c);
  unsigned char* out = nullptr;
  unsigned long size = 0;
  jpeg_mem_dest(&c, &out, &size);
  c.image_width = static_cast<JDIMENSION>(img.width);
  c.image_height = static_cast<JDIMENSION>(img.height);
  c.input_components = img.channels;
  c.in_color_space = img.channels == 1 ? JCS_GRAYSCALE : JCS_RGB;
  jpeg_set_defaults(&c);
  jpeg_set_quality(&c, quality, TRUE);
  jpeg_start_compress(&c, TRUE);
  while (c.next_scanline < c.image_height) {
    JSAMPROW row = const_cast<uint8_t*>(img.at(0, static_cast<int>(c.next_scanline)));
    jpeg_write_scanlines(&c, &row, 1);
  }
  jpeg_finish_compress(&c);
  std::vector<uint8_t> v(out, out + size);
  jpeg_destroy_compress(&c);
  std::free(out);
  return v;
}

}  // namespace inkstone::test_support
