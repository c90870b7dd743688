// libFuzzer entry point for the WebSocket frame target (clang -fsanitize=fuzzer; the input
// format is in tests/fuzz/ws_frame_target.h). Built with -Dfuzz=true:
//   CXX=clang++ meson setup build-fuzz -Dfuzz=true -Db_sanitize=address,undefined -Db_lundef=false
//   ninja -C build-fuzz tests/unit/ws/fuzz_ws_frame
//   build-fuzz/tests/unit/ws/fuzz_ws_frame -max_total_time=300 -max_len=4096
#include "tests/fuzz/ws_frame_target.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    return slip::test::ws_frame_fuzz_one(data, size);
}
