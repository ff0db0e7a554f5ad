// JPEG decoding with libjpeg(-turbo), for user images (data/image.hpp).
// jpeglib.h needs size_t and FILE declared before it.
#include <cstddef>
#include <cstdio>

#include <jpeglib.h>

#include <csetjmp>
#include <string>

#include "inkstone/data/image.hpp"
#include "inkstone/tensor/error.hpp"

namespace inkstone {

namespace {
// libjpeg reports fatal errors through error_exit, which must not return: we longjmp back to
// decode_jpeg (only libjpeg's C frames lie between) and throw from there.
struct JpegError {
  jpeg_error_mgr mgr;
  std::jmp_buf jump;
  char message[JMSG_LENGTH_MAX];
};
void on_error(j_common_ptr cinfo) {
  auto* e = reinterpret_cast<JpegError*>(cinfo->err);
  (*cinfo->err->format_message)(cinfo, e->message);
  std::longjmp(e->jump, 1);
}
// Warnings (level -1) mean corrupt data that libjpeg papered over, e.g. a truncated file padded
// with grey: keep the first one's text; decode_jpeg refuses the image afterwards.
void on_message(j_common_ptr cinfo, int level) {
  auto* e = reinterpret_cast<JpegError*>(cinfo->err);
  if (level == -1 && e->message[0] == '\0') (*cinfo->err->format_message)(cinfo, e->message);
}
}  // namespace

Image decode_jpeg(const uint8_t* data, size_t size, int64_t max_pixels) {
  if (size < 3 || data[0] != 0xFF || data[1] != 0xD8) throw Error("not a JPEG file");
  jpeg_decompress_struct cinfo;
  JpegError err;
  err.message[0] = '\0';
  cinfo.err = jpeg_std_error(&err.mgr);
  err.mgr.error_exit = on_error;
  err.mgr.emit_message = on_message;
  // libjpeg longjmps back to a setjmp below on error. Automatic variables changed between a
  // setjmp and the longjmp are indeterminate afterwards, so each phase changes none: the header
  // phase only touches libjpeg's state, and the image is created between the two phases (the
  // scanline phase writes only into its pixel buffer).
  if (setjmp(err.jump)) {
    jpeg_destroy_decompress(&cinfo);
    throw Error(std::string("cannot decode JPEG data: ") + err.message);
  }
  jpeg_create_decompress(&cinfo);
  jpeg_mem_src(&cinfo, data, static_cast<unsigned long>(size));
  jpeg_read_header(&cinfo, TRUE);
  const int64_t w = cinfo.image_width, h = cinfo.image_height;
  if (w < 1 || h < 1 || w * h > max_pixels) {
    jpeg_destroy_decompress(&cinfo);
    throw Error("JPEG of " + std::to_string(w) + "x" + std::to_string(h) +
                " pixels is larger than the limit of " + std::to_string(max_pixels) + " pixels");
  }
  const bool grey = cinfo.num_components == 1;
  cinfo.out_color_space = grey ? JCS_GRAYSCALE : JCS_RGB;  // YCbCr becomes RGB
  Image out(static_cast<int>(w), static_cast<int>(h), grey ? 1 : 3);
  if (setjmp(err.jump)) {
    jpeg_destroy_decompress(&cinfo);
    throw Error(std::string("cannot decode JPEG data: ") + err.message);
  }
  jpeg_start_decompress(&cinfo);
  while (cinfo.output_scanline < cinfo.output_height) {
    JSAMPROW row = out.pixels.data() + static_cast<size_t>(cinfo.output_scanline) *
                                           static_cast<size_t>(w) * (grey ? 1u : 3u);
    jpeg_read_scanlines(&cinfo, &row, 1);
  }
  jpeg_finish_decompress(&cinfo);
  const bool damaged = err.mgr.num_warnings > 0;
  jpeg_destroy_decompress(&cinfo);
  if (damaged) throw Error(std::string("corrupt or truncated JPEG data: ") + err.message);
  return out;
}

}  // namespace inkstone
