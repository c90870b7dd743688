// The long checksum's word loop for CPUs with AVX2: compiled with -mavx2 (stack/meson.build),
// chosen at first use by checksum.cc. Nothing inline is shared with other files: this file
// holds the loop alone, so no AVX2 copy of a shared function can reach a baseline caller.
#include <cstddef>
#include <cstdint>
#include <cstring>

namespace slip::stack::checksum_avx2 {

uint64_t sum_words(const uint8_t* data, size_t words) {
    // Native 32-bit words into a 64-bit accumulator: GCC widens and adds eight words a step.
    uint64_t sum = 0;
    for (size_t i = 0; i < words; ++i) {
        uint32_t w;
        std::memcpy(&w, data + 4 * i, 4);
        sum += w;
    }
    return sum;
}

}  // namespace slip::stack::checksum_avx2
