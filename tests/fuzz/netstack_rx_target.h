#pragma once
// The fuzz target shared by libFuzzer builds and the deterministic smoke test: one
// arbitrary frame into a NetStack (which exercises every parser on the receive path),
// replies drained, timers run, and no buffer may leak.
#include <cstddef>
#include <cstdint>

namespace slip::test {

// Returns 0; aborts on a leaked buffer.
int netstack_rx_one(const uint8_t* data, size_t size);

}  // namespace slip::test
