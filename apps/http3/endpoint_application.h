#pragma once
// HTTP/3 (RFC 9114) on every connection of a QUIC endpoint (stack/quic/endpoint.h): one
// Http3Session with an Http3Server per connection slot, made when the endpoint accepts a
// connection, given the connection's turn (Http3Session::poll) and freed only after the
// connection is gone (the connection hands its send buffers back to the session up to its
// destructor). A connection whose client chose ALPN "hq-interop" (HTTP/0.9 over QUIC, the
// interop runner's protocol) gets an HqServer instead, once TLS has told which. Every
// connection serves the same content: GET/HEAD /bytes/N and the static contents given at
// construction, which outlive the application and are read-only.
//
// Connections of the endpoint must carry Http3Session::tx_owner() as their
// ConnectionOptions::tx_owner (tx_owner() below).
#include <cstdint>
#include <memory>
#include <span>
#include <vector>

#include "apps/http3/hq_server.h"
#include "apps/http3/server.h"
#include "apps/http3/session.h"
#include "stack/quic/endpoint.h"

namespace slip::apps::http3 {

struct Http3EndpointOptions {
    Http3ServerOptions server;  // max_streams: raised to each connection's stream table
    // Http3SessionOptions::max_writes of each connection.
    size_t max_writes = 1024;
};

// The servers' work summed over the connections of the endpoint, the ones gone included.
struct Http3EndpointStats {
    uint64_t sessions = 0;  // made since start
    uint64_t sessions_failed = 0;  // ended by a fatal HTTP/3 error
    uint64_t hq_connections = 0;   // connections that chose hq-interop
    Http3ServerStats server;
    hq::HqServerStats hq;
};

class Http3EndpointApplication final : public quic::EndpointApplication {
public:
    // `slots`: the endpoint's slot_count(); `statics`: sorted or not, outliving the application.
    Http3EndpointApplication(size_t slots, const Http3EndpointOptions& options,
                             std::span<const StaticContent> statics);
    ~Http3EndpointApplication();
    Http3EndpointApplication(const Http3EndpointApplication&) = delete;
    Http3EndpointApplication& operator=(const Http3EndpointApplication&) = delete;

    static quic::TxBufferOwner& tx_owner() { return Http3Session::tx_owner(); }

    void on_accepted(uint32_t slot, quic::Connection& connection, uint64_t now_ns) override;
    void on_turn(uint32_t slot, quic::Connection& connection, uint64_t now_ns) override;
    void on_freed(uint32_t slot) override;

    size_t live_sessions() const { return m_live; }
    // Scans the live sessions: for publishing, not for every poll.
    Http3EndpointStats stats() const;

private:
    struct PerConnection;
    void add_ended(const PerConnection& c);
    static void add_connection(Http3EndpointStats& to, const PerConnection& c);

    Http3EndpointOptions m_options;
    std::span<const StaticContent> m_statics;
    std::vector<std::unique_ptr<PerConnection>> m_slots;
    size_t m_live = 0;
    Http3EndpointStats m_ended;  // of the sessions already freed
};

}  // namespace slip::apps::http3
