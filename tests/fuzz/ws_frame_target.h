#pragma once
// The WebSocket fuzz target shared by the libFuzzer build and the deterministic smoke test:
// a stream of frames as a peer sends them, received through the frame header parser, the
// message sequencer, unmasking, UTF-8 validation and Close payload parsing (apps/ws), once
// whole and once cut into pieces. Aborts when an invariant breaks:
//   - both feedings give the same sequence of results (headers, each frame's unmasked payload,
//     Close payloads, the failure and its close code, where the stream stops);
//   - no read outside the input (each piece sits in a heap block of its own size, for ASan);
//   - a step never takes more bytes than it is given, a need_more takes them all;
//   - an accepted header obeys RFC 6455 §5.2-§5.5, and re-encoding it gives its bytes back
//     (when its length was encoded minimally);
//   - unmasking matches a byte-at-a-time reference;
//   - the UTF-8 verdicts on text messages match a reference decoder (accept, 1007 at a byte,
//     1007 at the end of a message).
//
// Input: one setup byte, then the stream.
//   setup  bit 0      we are a client (the peer's frames must be unmasked) instead of the server
//          bits 1-2   message size limit: 125, 1000, 65536, 2^64 - 1
//          bits 3-7   the largest piece minus one (1-32 bytes); each piece's size comes from
//                     the stream byte where it starts
#include <cstddef>
#include <cstdint>

namespace slip::test {

// What one input reached (for the smoke test's coverage check).
struct WsFrameReach {
    uint32_t frames = 0;             // headers accepted
    uint32_t messages = 0;           // data messages received whole
    uint32_t text_messages = 0;      // of which text
    uint32_t control_frames = 0;     // control frames received whole
    uint32_t close_with_code = 0;    // Close payloads with a valid code
    uint16_t failure = 0;            // the close code the stream failed with, 0 if none
    bool failed_in_header = false;   // the failure came from the header parser
    bool close_payload_bad = false;  // a Close payload was rejected (1002 or 1007)
};

WsFrameReach ws_frame_run(const uint8_t* data, size_t size);

// libFuzzer's shape: returns 0; aborts on a broken invariant.
int ws_frame_fuzz_one(const uint8_t* data, size_t size);

}  // namespace slip::test
