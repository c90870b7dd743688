#pragma once
// The second fuzz target: a script of TCP segments played by a peer against a fresh
// NetStack (TCP echo on port 7) after a canned handshake, so that mutations land inside an
// established connection (in-window data, out-of-order data and reassembly, ACKs and SACK
// blocks for data the engine has sent, timers) instead of dying at LISTEN.
//
// Input: one setup byte, then records of kScriptRecord bytes (a short tail is ignored).
//   setup  bit 0 IPv6; bit 1 window scale offered (7); bit 2 timestamps; bit 3 SACK-permitted;
//          bit 4 MSS 536 instead of 1460; bit 5 small receive buffer (8 KiB) and a reassembly
//          queue of 8 segments; bit 6 NewReno instead of CUBIC
//   record [0]      flags XOR ACK (0: a plain ACK)
//          [1..2]   SEQ: signed offset from the peer's ISN + 1 (big-endian)
//          [3..4]   ACK: signed offset from the highest sequence number the engine has sent
//          [5]      payload length / 8 (at most 1460 bytes of the peer's byte pattern)
//          [6]      window: 0, else (value << 8) | 0xff
//          [7]      bits 0-1 SACK blocks (0-3); bit 2 no timestamp option; bit 3 delivered in one
//                   receive burst with the next record; bit 4 TSval from the past (PAWS)
//          [8..13]  three SACK blocks (a, b): left = ACK + 32 a, right = left + 32 (b + 1)
//          [14]     milliseconds the clock moves (timers run) before this segment
//          [15]     bits 0-3: another 250 ms each (RTO, probes, keepalive)
// Numbers are relative to what the connection has done, so a script means the same on every
// run although the stack picks its ISN and timestamp offset at random.
#include <cstddef>
#include <cstdint>

namespace slip::test {

inline constexpr size_t kScriptRecord = 16;

// What one script reached (for the smoke test's coverage check).
struct ScriptReach {
    bool established = false;   // the handshake completed
    bool in_order_data = false;  // data was delivered in order (echoed back by the service)
    bool out_of_order = false;   // a segment was held out of order (reassembly)
    bool sack = false;           // SACK blocks marked sent data as received (scoreboard)
};

// Returns what the script reached; aborts on a leaked buffer.
ScriptReach netstack_tcp_script_one(const uint8_t* data, size_t size);

}  // namespace slip::test
