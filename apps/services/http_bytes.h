#pragma once
// HTTP/1.1 (RFC 9112) just enough for curl, wrk and h2load's HTTP/1 mode: GET /bytes/N
// answers 200 with N pattern bytes, anything else 404 (unknown path), 405 (not GET) or
// 400 (unparsable). Keep-alive by default; "Connection: close" or HTTP/1.0 close after.
// One request at a time, answers in order (RFC 9112 §9.3.2): what arrives while an answer
// is going out stays unconsumed in the engine, so a client that sends and does not read
// meets a closed receive window, not a growing buffer. A request head must end within
// kMaxRequest bytes: otherwise 431 and close when no answer is going out, or close after
// the current answer (RFC 6585 §5).
#include <array>
#include <cstdint>
#include <string_view>
#include <vector>

#include "stack/app/application.h"

namespace slip::apps {

class HttpBytes final : public app::Application {
public:
    static constexpr uint64_t kMaxBody = 1ull << 40;
    static constexpr uint32_t kMaxRequest = 8192;
    explicit HttpBytes(uint32_t slots) : m_states(slots) {}
    void on_data(app::Connections& c, app::ConnId id) override;
    void on_writable(app::Connections& c, app::ConnId id) override { pump(c, id); }
    void on_peer_closed(app::Connections& c, app::ConnId id) override;
    void on_closed(app::Connections& c, app::ConnId id, app::CloseReason) override;
    uint64_t requests() const { return m_requests; }

private:
    struct State {
        uint32_t scanned = 0;       // received bytes searched for the head's end
        uint32_t head_end = 0;      // just past the head's blank line; 0: not found yet
        uint8_t crlf_matched = 0;   // bytes of "\r\n\r\n" ending what was scanned
        bool refusing = false;      // input is no longer read (nor consumed)
        std::array<char, 256> head; // the answer's head not yet sent
        uint16_t head_len = 0;
        uint64_t body_left = 0;     // response body bytes still to send
        uint64_t body_offset = 0;
        bool close_after = false;
        bool peer_closed = false;
        bool busy() const { return head_len > 0 || body_left > 0; }
    };
    void scan(app::Connections& c, app::ConnId id, State& s) const;
    bool next_request(app::Connections& c, app::ConnId id, State& s);
    void refuse_input(app::Connections& c, app::ConnId id, State& s);
    void answer(State& s, std::string_view head);
    void respond(State& s, std::string_view status, uint64_t body, const char* text);
    void pump(app::Connections& c, app::ConnId id);
    bool send_head(app::Connections& c, app::ConnId id, State& s);
    std::vector<State> m_states;
    // A head split across buffers is parsed from here (one per instance, used synchronously).
    std::array<uint8_t, kMaxRequest> m_scratch;
    uint64_t m_requests = 0;
};

}  // namespace slip::apps
