// Header-protection kernels for the sse path: compiled with -maes -mssse3 on the x86-64-v2
// baseline (crypto/meson.build).
#define SLIP_HP_ISA hp_sse
#include "crypto/hp_kernels_impl.h"

namespace slip::crypto {

const HpKernels& hp_kernels_sse() {
    static constexpr HpKernels kernels{hp_sse::aes_masks_aesni, hp_sse::ChaCha<4>::all, "AES-NI x8", "ChaCha20 4 lanes"};
    return kernels;
}

}  // namespace slip::crypto
