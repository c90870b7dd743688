#pragma once
// The small services `slipstream run` offers by default, for tests, demos and benchmarks,
// written on the application interface like any user's application:
//   Echo (RFC 862, port 7), Discard (RFC 863, port 9) and Source (a bulk sender in the
//   spirit of RFC 864's chargen, port 19).
// They run inline or on workers unchanged. Per-connection state lives in arrays indexed by
// Connections::slot, sized at construction.
#include <cstdint>
#include <vector>

#include "stack/app/application.h"

namespace slip::apps {

// RFC 862: everything received goes back, zero copy (the received buffers are sent). Only
// what the send buffer has room for is taken from the receive side, so a peer that sends
// without reading meets a closed window. (`pending` holds what a send did not take.)
class Echo final : public app::Application {
public:
    explicit Echo(uint32_t slots) : m_conns(slots) {}
    void on_data(app::Connections& c, app::ConnId id) override { flush(c, id); }
    void on_writable(app::Connections& c, app::ConnId id) override { flush(c, id); }
    void on_peer_closed(app::Connections& c, app::ConnId id) override;
    void on_closed(app::Connections& c, app::ConnId id, app::CloseReason) override;
    // Bytes taken from the receive side and not yet in the send buffer (all connections).
    uint64_t pending_bytes() const { return m_pending_bytes; }

private:
    struct Conn {
        app::BufferChain pending;
        bool close_after = false;
    };
    void flush(app::Connections& c, app::ConnId id);
    std::vector<Conn> m_conns;
    uint64_t m_pending_bytes = 0;
};

// RFC 863: everything received is thrown away (consumed at once).
class Discard final : public app::Application {
public:
    void on_data(app::Connections& c, app::ConnId id) override;
    void on_peer_closed(app::Connections& c, app::ConnId id) override { c.close(id); }
    uint64_t bytes() const { return m_bytes; }

private:
    uint64_t m_bytes = 0;
};

// Sends pattern bytes for as long as the connection is open (zero copy); input is
// discarded. With `limit` > 0, shuts down after that many bytes.
class Source final : public app::Application {
public:
    explicit Source(uint32_t slots, uint64_t limit = 0) : m_sent(slots), m_limit(limit) {}
    bool on_accepted(app::Connections& c, app::ConnId id, const app::Endpoint&) override;
    void on_connected(app::Connections& c, app::ConnId id) override { fill(c, id); }
    void on_data(app::Connections& c, app::ConnId id) override;
    void on_writable(app::Connections& c, app::ConnId id) override { fill(c, id); }
    void on_peer_closed(app::Connections& c, app::ConnId id) override { c.close(id); }

private:
    void fill(app::Connections& c, app::ConnId id);
    std::vector<uint64_t> m_sent;
    uint64_t m_limit;
};

}  // namespace slip::apps
