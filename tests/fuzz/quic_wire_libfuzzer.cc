// libFuzzer entry point for the QUIC wire target (packet headers, frames, transport
// parameters; the input format is in tests/fuzz/quic_wire_target.h). Built with -Dfuzz=true:
//   CXX=clang++ meson setup build-fuzz -Dfuzz=true -Db_sanitize=address,undefined -Db_lundef=false
//   ninja -C build-fuzz tests/unit/stack/quic/fuzz_quic_wire
//   build-fuzz/tests/unit/stack/quic/fuzz_quic_wire tests/fuzz/corpus/quic_wire -max_total_time=300
#include "tests/fuzz/quic_wire_target.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    return slip::test::quic_wire_fuzz_one(data, size);
}
