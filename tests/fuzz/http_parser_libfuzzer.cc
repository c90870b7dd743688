// libFuzzer entry point for the HTTP/1.1 request parser; the input format is in
// tests/fuzz/http_parser_target.h. The parser library is built with coverage too.
//   CXX=clang++ meson setup build-fuzz -Dfuzz=true -Db_sanitize=address,undefined -Db_lundef=false -Db_lto=false
//   ninja -C build-fuzz tests/unit/http/fuzz_http_parser
//   build-fuzz/tests/unit/http/fuzz_http_parser -max_total_time=300 -max_len=600 <corpus dir>
#include "tests/fuzz/http_parser_target.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    return slip::test::http_parser_fuzz_one(data, size);
}
