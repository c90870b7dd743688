// Header-protection kernels for the avx512 path: compiled with -mavx512f -mavx512bw
// -mavx512dq -mavx512vl -mvaes -maes (crypto/meson.build).
#define SLIP_HP_ISA hp_avx512
#include "crypto/hp_kernels_impl.h"

namespace slip::crypto {

const HpKernels& hp_kernels_avx512() {
    static constexpr HpKernels kernels{hp_avx512::aes_masks_vaes512, hp_avx512::ChaCha<16>::all, "VAES-512 x16", "ChaCha20 16 lanes"};
    return kernels;
}

}  // namespace slip::crypto
