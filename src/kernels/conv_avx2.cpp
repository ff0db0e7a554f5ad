// Per-plane im2col / col2im for AVX2 (8 lanes); reached only through runtime dispatch.
#define INK_CONV_NS conv_avx2
#include "kernels/conv_impl.hpp"
