// Activation kernels compiled for AVX-512 (16 lanes); reached only through runtime dispatch.
#define INK_ACT_TABLE kActivationsAvx512
#include "kernels/activations_impl.hpp"
