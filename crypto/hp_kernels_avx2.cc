// Header-protection kernels for the avx2 path: compiled with -mavx2 -maes (crypto/meson.build).
#define SLIP_HP_ISA hp_avx2
#include "crypto/hp_kernels_impl.h"

namespace slip::crypto {

const HpKernels& hp_kernels_avx2() {
    static constexpr HpKernels kernels{hp_avx2::aes_masks_aesni, hp_avx2::ChaCha<8>::all, "AES-NI x8", "ChaCha20 8 lanes"};
    return kernels;
}

}  // namespace slip::crypto
