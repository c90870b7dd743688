#pragma once
// The QUIC wire fuzz target shared by the libFuzzer build and the deterministic smoke test:
// packet headers (coalesced packets walked to the datagram's end), frames (a decrypted
// payload parsed to its end) and transport parameters, each fed from its own heap block so
// ASan catches a read outside the input. Aborts when an invariant breaks:
//   - a header that parses lies inside the datagram and moves the walk forward; a long
//     header's packet number starts inside it;
//   - a frame that parses re-encodes (write_frame) and parses back to the same fields; an
//     ACK's intervals come out largest first, never below zero, range_count + 1 of them;
//   - transport parameters that decode re-encode and decode to the same values.
//
// Input: one selector byte, then the bytes.
//   selector % 3  0: a datagram (short headers with DCIDs of selector / 3 % 21 bytes)
//                 1: a frame payload, checked against packet type selector / 3 % 4
//                 2: transport parameters sent by a client (selector / 3 even) or a server
#include <cstddef>
#include <cstdint>

namespace slip::test {

// What one input reached (for the smoke test's coverage check).
struct QuicWireReach {
    uint32_t packets = 0;          // headers parsed
    uint32_t frames = 0;           // frames parsed
    uint32_t ack_ranges = 0;       // ACK intervals walked
    uint32_t frame_errors = 0;     // payloads that ended in a transport error
    uint32_t params_decoded = 0;   // transport parameter sets accepted
    uint32_t params_refused = 0;   // and refused
};

QuicWireReach quic_wire_run(const uint8_t* data, size_t size);

// libFuzzer's shape: returns 0; aborts on a broken invariant.
int quic_wire_fuzz_one(const uint8_t* data, size_t size);

}  // namespace slip::test
