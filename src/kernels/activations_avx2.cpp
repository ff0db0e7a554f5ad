// Activation kernels compiled for AVX2 + FMA (8 lanes); reached only through runtime dispatch.
#define INK_ACT_TABLE kActivationsAvx2
#include "kernels/activations_impl.hpp"
