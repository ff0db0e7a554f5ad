// Per-plane im2col / col2im for AVX-512 (16 lanes); reached only through runtime dispatch.
#define INK_CONV_NS conv_avx512
#include "kernels/conv_impl.hpp"
