// libFuzzer entry point (clang -fsanitize=fuzzer; see tests/fuzz/README.md).
#include "tests/fuzz/netstack_rx_target.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    return slip::test::netstack_rx_one(data, size);
}
