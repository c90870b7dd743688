// Header-protection kernels for the avx2-vaes path: compiled with -mavx2 -maes -mvaes
// (crypto/meson.build).
#define SLIP_HP_ISA hp_avx2_vaes
#include "crypto/hp_kernels_impl.h"

namespace slip::crypto {

const HpKernels& hp_kernels_avx2_vaes() {
    static constexpr HpKernels kernels{hp_avx2_vaes::aes_masks_vaes256, hp_avx2_vaes::ChaCha<8>::all, "VAES-256 x16", "ChaCha20 8 lanes"};
    return kernels;
}

}  // namespace slip::crypto
