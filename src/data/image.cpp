#include "inkstone/data/image.hpp"

#include <png.h>

#include <csetjmp>

#include <algorithm>
#include <cstring>
#include <string>

#include "data/file_util.hpp"
#include "inkstone/tensor/error.hpp"

namespace inkstone {

Image::Image(int w, int h, int c, uint8_t fill) : width(w), height(h), channels(c) {
  if (w < 1 || h < 1 || (c != 1 && c != 3)) {
    throw Error("Image: bad size " + std::to_string(w) + "x" + std::to_string(h) + "x" +
                std::to_string(c));
  }
  pixels.assign(static_cast<size_t>(w) * static_cast<size_t>(h) * static_cast<size_t>(c), fill);
}

namespace {
void append_bytes(png_structp png, png_bytep data, png_size_t n) {
  auto* out = static_cast<std::vector<uint8_t>*>(png_get_io_ptr(png));
  out->insert(out->end(), data, data + n);
}
void no_flush(png_structp) {}
void on_png_warning(png_structp, png_const_charp) {}
}  // namespace

std::vector<uint8_t> encode_png(const Image& image) {
  if (image.width < 1 || image.height < 1 || (image.channels != 1 && image.channels != 3) ||
      image.pixels.size() != static_cast<size_t>(image.width) * image.height * image.channels) {
    throw Error("encode_png: malformed image");
  }
  std::vector<uint8_t> out;
  png_structp png =
      png_create_write_struct(PNG_LIBPNG_VER_STRING, nullptr, nullptr, on_png_warning);
  if (png == nullptr) throw Error("encode_png: out of memory");
  png_infop info = png_create_info_struct(png);
  struct Guard {
    png_structp& p;
    png_infop& i;
    ~Guard() { png_destroy_write_struct(&p, &i); }
  } guard{png, info};
  if (info == nullptr) throw Error("encode_png: out of memory");
  // libpng reports errors by longjmp back here (never by unwinding C++ frames); only libpng's
  // own frames lie between, and `out` is not used after an error.
  if (setjmp(png_jmpbuf(png))) throw Error("encode_png: libpng failed to encode the image");
  png_set_write_fn(png, &out, append_bytes, no_flush);
  png_set_IHDR(png, info, static_cast<png_uint_32>(image.width),
               static_cast<png_uint_32>(image.height), 8,
               image.channels == 1 ? PNG_COLOR_TYPE_GRAY : PNG_COLOR_TYPE_RGB, PNG_INTERLACE_NONE,
               PNG_COMPRESSION_TYPE_DEFAULT, PNG_FILTER_TYPE_DEFAULT);
  png_write_info(png, info);
  for (int y = 0; y < image.height; ++y) {
    png_write_row(png, const_cast<png_bytep>(image.at(0, y)));
  }
  png_write_end(png, nullptr);
  return out;
}

Image decode_png(const uint8_t* data, size_t size, int64_t max_pixels) {
  if (size < 8 || png_sig_cmp(data, 0, 8) != 0) throw Error("not a PNG file (bad signature)");
  // libpng's simplified API: it reads the header first, so the size is checked before any
  // pixel memory is allocated, and it reports errors by return value (no setjmp here).
  png_image img;
  std::memset(&img, 0, sizeof img);
  img.version = PNG_IMAGE_VERSION;
  if (!png_image_begin_read_from_memory(&img, data, size)) {
    const std::string why = img.message;
    png_image_free(&img);
    throw Error("corrupt PNG data: " + why);
  }
  struct Guard {
    png_image& i;
    ~Guard() { png_image_free(&i); }
  } guard{img};
  if (img.width == 0 || img.height == 0 || img.width > 1000000 || img.height > 1000000 ||
      static_cast<int64_t>(img.width) * static_cast<int64_t>(img.height) > max_pixels) {
    throw Error("PNG of " + std::to_string(img.width) + "x" + std::to_string(img.height) +
                " pixels is larger than the limit of " + std::to_string(max_pixels) + " pixels");
  }
  // 8-bit grey or RGB, whatever the bit depth, palette or alpha (composited over white).
  const bool grey = (img.format & PNG_FORMAT_FLAG_COLOR) == 0;
  img.format = grey ? PNG_FORMAT_GRAY : PNG_FORMAT_RGB;
  Image out(static_cast<int>(img.width), static_cast<int>(img.height), grey ? 1 : 3);
  const png_color white{255, 255, 255};
  if (!png_image_finish_read(&img, &white, out.pixels.data(), 0, nullptr)) {
    throw Error("corrupt or truncated PNG data: " + std::string(img.message));
  }
  return out;
}

Image decode_image(const uint8_t* data, size_t size, int64_t max_pixels) {
  if (size >= 8 && png_sig_cmp(data, 0, 8) == 0) return decode_png(data, size, max_pixels);
  if (size >= 3 && data[0] == 0xFF && data[1] == 0xD8) return decode_jpeg(data, size, max_pixels);
  if (size >= 2 && data[0] == 'P' && data[1] >= '1' && data[1] <= '7')
    return decode_pnm(data, size, max_pixels);
  throw Error("not a PNG, JPEG or PGM/PPM image");
}

Image read_image(const std::string& path, int64_t max_pixels) {
  // The file may not be larger than an uncompressed 16-bit RGB image of the pixel limit.
  const std::vector<uint8_t> bytes = detail::read_file(path, max_pixels * 6 + 4096);
  try {
    return decode_image(bytes.data(), bytes.size(), max_pixels);
  } catch (const Error& e) {
    throw Error(path + ": " + e.what());
  }
}

Image to_grey(const Image& image) {
  if (image.channels == 1) return image;
  Image out(image.width, image.height, 1);
  for (size_t i = 0; i < out.pixels.size(); ++i) {
    const uint8_t* p = image.pixels.data() + 3 * i;
    out.pixels[i] = static_cast<uint8_t>((299 * p[0] + 587 * p[1] + 114 * p[2] + 500) / 1000);
  }
  return out;
}

Image read_png(const std::string& path, int64_t max_pixels) {
  const std::vector<uint8_t> bytes = detail::read_file(path, int64_t{1} << 28);
  try {
    return decode_png(bytes.data(), bytes.size(), max_pixels);
  } catch (const Error& e) {
    throw Error(path + ": " + e.what());
  }
}

void write_png(const std::string& path, const Image& image) {
  const std::vector<uint8_t> bytes = encode_png(image);
  detail::write_file_atomic(path, bytes.data(), bytes.size());
}

Image tile_grid(const std::vector<const uint8_t*>& tiles, int tile_h, int tile_w, int cols,
                int scale, int gap, bool invert, uint8_t background) {
  if (tiles.empty() || tile_h < 1 || tile_w < 1 || cols < 1 || scale < 1 || gap < 0) {
    throw Error("tile_grid: nothing to tile or a bad layout");
  }
  const int n = static_cast<int>(tiles.size());
  cols = std::min(cols, n);
  const int rows = (n + cols - 1) / cols;
  const int cell_w = tile_w * scale, cell_h = tile_h * scale;
  Image grid(gap + cols * (cell_w + gap), gap + rows * (cell_h + gap), 1, background);
  for (int t = 0; t < n; ++t) {
    const int x0 = gap + (t % cols) * (cell_w + gap), y0 = gap + (t / cols) * (cell_h + gap);
    for (int y = 0; y < cell_h; ++y) {
      for (int x = 0; x < cell_w; ++x) {
        const uint8_t v = tiles[static_cast<size_t>(t)][(y / scale) * tile_w + x / scale];
        *grid.at(x0 + x, y0 + y) = invert ? static_cast<uint8_t>(255 - v) : v;
      }
    }
  }
  return grid;
}

}  // namespace inkstone
