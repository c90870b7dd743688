#pragma once
// The TCP services `slipstream run` offers by default, for tests, demos and benchmarks:
//   echo (RFC 862, port 7), discard (RFC 863, port 9), source (a bulk sender in the spirit
//   of chargen, RFC 864, port 19) and a minimal HTTP/1.1 responder (port 80) answering
//   GET /bytes/N with N bytes.
// All run inline on the stack's core. Bulk bytes come from one pattern buffer referenced
// by indirect views (zero copy); per-connection state lives in arrays sized at start.
#include <array>
#include <cstdint>
#include <string_view>
#include <vector>

#include "stack/buf/static_buffer.h"
#include "stack/services/held_chain.h"
#include "stack/tcp/tcp_layer.h"

namespace slip::stack {

// A buffer of printable pattern bytes that bulk senders reference instead of copying: up to
// 64 KiB when `pattern_pool` gives buffers that large, one packet buffer's room otherwise.
class PatternSource {
public:
    // text() buffers come from `pool`; make()'s references from `view_pool` when given
    // (small indirect buffers, see Port::view_pool); the pattern itself from `pattern_pool`
    // when given (see Port::pattern_pool), else from `pool`.
    explicit PatternSource(MbufPool* pool, MbufPool* view_pool = nullptr, MbufPool* pattern_pool = nullptr);
    ~PatternSource();
    PatternSource(const PatternSource&) = delete;
    PatternSource& operator=(const PatternSource&) = delete;
    // A chain of up to `len` pattern bytes starting at stream offset `offset`; nullptr
    // when the pool is empty. `made` is what the chain holds.
    Mbuf* make(uint64_t offset, uint32_t len, uint32_t& made);
    // A fresh buffer holding `text` (at most one buffer's room); nullptr otherwise.
    Mbuf* text(std::string_view text);
    bool ok() const { return m_pattern != nullptr; }
    // Where text() buffers come from (ordinary packet buffers).
    MbufPool* pool() const { return m_pool; }

private:
    MbufPool* m_pool;
    MbufPool* m_view_pool;
    buf::StaticBuffer* m_pattern = nullptr;
    uint32_t m_len = 0;
};

// RFC 862: everything received goes back. What the send buffer cannot take yet waits,
// unconsumed (it holds the receive window closed: backpressure instead of loss), and goes
// as the send buffer makes room, as much as fits each time: a receive buffer larger than
// the send buffer never waits for room that cannot come. `pool` gives the buffers that
// split a held buffer at the send buffer's limit and gather short segments (HeldChain).
class TcpEcho final : public tcp::TcpService {
public:
    TcpEcho(tcp::TcpLayer& tcp, uint32_t max_connections, MbufPool* pool);
    void on_data(tcp::TcpHandle h, Mbuf* data, uint32_t len, Instant now) override;
    void on_send_space(tcp::TcpHandle h, Instant now) override;
    void on_peer_closed(tcp::TcpHandle h, Instant now) override;
    void on_closed(tcp::TcpHandle h, tcp::CloseReason, Instant now) override;
    // Received bytes of `h` waiting for send space.
    const HeldChain& held(tcp::TcpHandle h) const { return m_pending[h.index].held; }

private:
    void flush(tcp::TcpHandle h, Instant now);
    struct Pending {
        HeldChain held;
        bool close_after = false;
    };
    tcp::TcpLayer& m_tcp;
    MbufPool* m_pool;
    std::vector<Pending> m_pending;
};

// RFC 863: everything received is thrown away (and consumed at once).
class TcpDiscard final : public tcp::TcpService {
public:
    explicit TcpDiscard(tcp::TcpLayer& tcp) : m_tcp(tcp) {}
    void on_data(tcp::TcpHandle h, Mbuf* data, uint32_t len, Instant now) override;
    void on_peer_closed(tcp::TcpHandle h, Instant now) override { m_tcp.close(h, now); }
    uint64_t bytes() const { return m_bytes; }

private:
    tcp::TcpLayer& m_tcp;
    uint64_t m_bytes = 0;
};

// Sends pattern bytes for as long as the connection is open; input is discarded. With
// `limit` > 0, closes after that many bytes.
class TcpSource final : public tcp::TcpService {
public:
    TcpSource(tcp::TcpLayer& tcp, PatternSource& pattern, uint32_t max_connections, uint64_t limit = 0);
    bool on_accept(tcp::TcpHandle h, const tcp::FlowKey&, Instant now) override;
    void on_connected(tcp::TcpHandle h, Instant now) override { fill(h, now); }
    void on_data(tcp::TcpHandle h, Mbuf* data, uint32_t len, Instant now) override;
    void on_send_space(tcp::TcpHandle h, Instant now) override { fill(h, now); }
    void on_peer_closed(tcp::TcpHandle h, Instant now) override { m_tcp.close(h, now); }

private:
    void fill(tcp::TcpHandle h, Instant now);
    tcp::TcpLayer& m_tcp;
    PatternSource& m_pattern;
    std::vector<uint64_t> m_sent;
    uint64_t m_limit;
};

// HTTP/1.1 (RFC 9112) just enough for curl, wrk and h2load's HTTP/1 mode: GET /bytes/N
// answers 200 with N pattern bytes, anything else 404 (unknown path), 405 (not GET) or
// 400 (unparsable). Keep-alive by default; "Connection: close" or HTTP/1.0 close after.
// One request at a time, answers in order (RFC 9112 §9.3.2): what arrives while an answer
// is going out stays unconsumed in the connection's HeldChain, so a client that sends and
// does not read meets a closed receive window, not a growing buffer. A request head must
// end within kMaxRequest bytes: otherwise 431 and close when no answer is going out, or
// close after the current answer (RFC 6585 §5).
class HttpBytes final : public tcp::TcpService {
public:
    static constexpr uint64_t kMaxBody = 1ull << 40;
    static constexpr uint32_t kMaxRequest = 8192;
    HttpBytes(tcp::TcpLayer& tcp, PatternSource& pattern, uint32_t max_connections);
    void on_data(tcp::TcpHandle h, Mbuf* data, uint32_t len, Instant now) override;
    void on_send_space(tcp::TcpHandle h, Instant now) override { pump(h, now); }
    void on_peer_closed(tcp::TcpHandle h, Instant now) override;
    void on_closed(tcp::TcpHandle h, tcp::CloseReason, Instant now) override;
    uint64_t requests() const { return m_requests; }
    // Received bytes of `h` not parsed yet.
    const HeldChain& held(tcp::TcpHandle h) const { return m_states[h.index].input; }

private:
    struct State {
        HeldChain input;            // received, not parsed yet (unconsumed)
        uint32_t scanned = 0;       // bytes of `input` searched for the head's end
        uint32_t head_end = 0;      // just past the head's blank line; 0: not found yet
        uint8_t crlf_matched = 0;   // bytes of "\r\n\r\n" ending what was scanned
        bool discarding = false;    // refused or closed: input is dropped (and never consumed)
        std::array<char, 256> head; // the answer's head not yet queued
        uint16_t head_len = 0;
        uint64_t body_left = 0;     // response body bytes still to queue
        uint64_t body_offset = 0;
        bool close_after = false;
        bool peer_closed = false;
        bool busy() const { return head_len > 0 || body_left > 0; }
    };
    void scan(State& s) const;
    bool next_request(tcp::TcpHandle h, State& s, Instant now);
    void refuse_input(State& s);
    void answer(State& s, std::string_view head);
    void respond(State& s, std::string_view status, uint64_t body, const char* text);
    void pump(tcp::TcpHandle h, Instant now);
    bool send_head(tcp::TcpHandle h, State& s, Instant now);
    tcp::TcpLayer& m_tcp;
    PatternSource& m_pattern;
    std::vector<State> m_states;
    // A head split across buffers is parsed from here (one per core, used synchronously).
    std::array<uint8_t, kMaxRequest> m_scratch;
    uint64_t m_requests = 0;
};

}  // namespace slip::stack
