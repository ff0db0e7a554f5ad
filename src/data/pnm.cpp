// Netpbm decoding (PGM P2/P5 and PPM P3/P6, 8 or 16 bits), for user images (data/image.hpp).
#include <cctype>
#include <string>

#include "inkstone/data/image.hpp"
#include "inkstone/tensor/error.hpp"

namespace inkstone {

namespace {

struct Reader {
  const uint8_t* data;
  size_t size, pos = 0;

  void skip_space_and_comments() {
    while (pos < size) {
      if (data[pos] == '#') {
        while (pos < size && data[pos] != '\n') ++pos;
      } else if (std::isspace(data[pos])) {
        ++pos;
      } else {
        break;
      }
    }
  }
  // A decimal header field or ASCII sample, at most `max`.
  int64_t number(int64_t max, const char* what) {
    skip_space_and_comments();
    if (pos >= size || !std::isdigit(data[pos]))
      throw Error(std::string("bad or truncated PNM header: expected the ") + what);
    int64_t v = 0;
    while (pos < size && std::isdigit(data[pos])) {
      v = v * 10 + (data[pos++] - '0');
      if (v > max) throw Error(std::string("PNM ") + what + " is out of range");
    }
    return v;
  }
};

}  // namespace

Image decode_pnm(const uint8_t* data, size_t size, int64_t max_pixels) {
  if (size < 2 || data[0] != 'P' ||
      (data[1] != '2' && data[1] != '3' && data[1] != '5' && data[1] != '6'))
    throw Error("not a PGM/PPM file (P2, P3, P5 or P6)");
  const bool ascii = data[1] == '2' || data[1] == '3';
  const int channels = data[1] == '2' || data[1] == '5' ? 1 : 3;
  Reader r{data, size, 2};
  const int64_t w = r.number(1000000, "width"), h = r.number(1000000, "height");
  const int64_t maxval = r.number(65535, "maximum value");
  if (w < 1 || h < 1 || maxval < 1) throw Error("PNM with a zero size or maximum value");
  if (w * h > max_pixels)
    throw Error("PNM of " + std::to_string(w) + "x" + std::to_string(h) +
                " pixels is larger than the limit of " + std::to_string(max_pixels) + " pixels");
  const int64_t samples = w * h * channels;
  const int bytes = maxval > 255 ? 2 : 1;
  if (!ascii) {
    // Exactly one whitespace byte separates the header from the binary samples.
    if (r.pos >= size || !std::isspace(data[r.pos])) throw Error("bad PNM header");
    ++r.pos;
    if (static_cast<int64_t>(size - r.pos) < samples * bytes)
      throw Error("truncated PNM data: " + std::to_string(size - r.pos) + " bytes for " +
                  std::to_string(samples * bytes));
  }
  Image out(static_cast<int>(w), static_cast<int>(h), channels);
  for (int64_t i = 0; i < samples; ++i) {
    int64_t v;
    if (ascii) {
      v = r.number(maxval, "sample");
    } else if (bytes == 2) {
      v = (int64_t{data[r.pos]} << 8) | data[r.pos + 1];  // big-endian
      r.pos += 2;
    } else {
      v = data[r.pos++];
    }
    if (v > maxval) throw Error("PNM sample above the maximum value");
    // Rescale [0, maxval] to [0, 255], rounding.
    out.pixels[static_cast<size_t>(i)] = static_cast<uint8_t>((v * 255 + maxval / 2) / maxval);
  }
  return out;
}

}  // namespace inkstone
