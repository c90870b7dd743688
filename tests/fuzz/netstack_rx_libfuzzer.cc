// libFuzzer entry point (clang -fsanitize=fuzzer; see tests/fuzz/README.md). The first byte
// chooses the target: even, one frame into a long-lived stack (every parser on the receive
// path); odd, a script of TCP segments on a fresh stack after a canned handshake
// (established connections, reassembly, SACK, timers).
#include "tests/fuzz/netstack_rx_target.h"
#include "tests/fuzz/netstack_tcp_script.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    if (size == 0) {
        return 0;
    }
    if ((data[0] & 1) == 0) {
        return slip::test::netstack_rx_one(data + 1, size - 1);
    }
    slip::test::netstack_tcp_script_one(data + 1, size - 1);
    return 0;
}
