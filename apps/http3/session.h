#pragma once
// One HTTP/3 session (RFC 9114, QPACK RFC 9204): libnghttp3's connection bound to one QUIC
// connection's streams (stack/quic/connection_streams.h), client or server side.
//
// What goes where:
//   - once the QUIC handshake is complete, our control stream and QPACK encoder and
//     decoder streams are opened (RFC 9114 §6.2.1, RFC 9204 §4.2) and bound;
//   - received stream data is fed to nghttp3 from the datagram buffers it arrived in (no
//     copy) and consumed from the QUIC stream only as nghttp3 says it consumed it (DATA
//     payloads once the handler had them, header blocks once decoded, blocked header
//     blocks later through deferred consumption), so the flow-control credit we give the
//     peer follows what HTTP/3 really took (RFC 9000 §4.1);
//   - what nghttp3 has to send is handed to ConnectionStreams::write by reference: its
//     spans stay valid until nghttp3_conn_add_ack_offset, which the session calls for
//     each write's bytes once the QUIC stream releases that write (TxBufferOwner); a
//     refused write blocks the stream in nghttp3 until the QUIC stream says writable;
//   - a peer's RESET_STREAM shuts the stream's read side in nghttp3, STOP_SENDING its
//     write side, and a QUIC stream that is over closes nghttp3's with its error code;
//   - an error nghttp3 calls fatal closes the connection with its HTTP/3 error code
//     (CONNECTION_CLOSE 0x1d, RFC 9114 §8).
//
// How an engine drives it (sans-I/O, like the connection): tx_owner() goes into
// ConnectionOptions; the session is attached to the connection once made, and must outlive
// it (the connection releases writes into it, up to its destructor); per received datagram only
// Connection::receive; once per poll, after the received datagrams and timers, poll(),
// then Connection::send until it gives nothing. poll() is the session's only turn: acks
// reported, stream events handled, data fed, requests and answers written.
//
// nghttp3 allocates with its default allocator (per stream and per header block); the
// session's own tables are made once, at construction.
#include <cstddef>
#include <cstdint>
#include <memory>
#include <span>
#include <string_view>

#include "stack/quic/connection.h"

struct nghttp3_conn;

namespace slip::apps::http3 {

namespace quic = slip::stack::quic;

// RFC 9114 §8.1 error codes (the ones the session uses itself).
enum class H3Error : uint64_t {
    no_error = 0x100,
    general_protocol_error = 0x101,
    internal_error = 0x102,
    stream_creation_error = 0x103,
    excessive_load = 0x107,
    request_rejected = 0x10b,
    request_cancelled = 0x10c,
};

struct Field {
    std::string_view name;
    std::string_view value;
};

// The application on the session: a server answering requests or a client collecting
// answers. Called from inside poll() only.
class Http3Handler {
public:
    // One field of a header section (a request's on a server, an answer's on a client);
    // the views live for the call only.
    virtual void on_field(int64_t stream, std::string_view name, std::string_view value) = 0;
    // The header section is complete; `fin`: nothing follows it on the stream.
    virtual void on_headers(int64_t stream, bool fin) = 0;
    // Content bytes (DATA payloads, RFC 9114 §7.2.1), in order; consumed once this returns.
    virtual void on_body(int64_t stream, std::span<const uint8_t> bytes) = 0;
    // The peer's side of the stream ended (after its FIN).
    virtual void on_end(int64_t stream) = 0;
    // The stream is over: `error` is H3_NO_ERROR or the reset's application error.
    virtual void on_closed(int64_t stream, uint64_t error) = 0;
    // Content to send for `stream` (answers or request bodies given a body): up to
    // out.size() spans that stay valid until the stream is closed; their count, with
    // `eof` when they are the last. -1: none now (call Http3Session::resume later).
    virtual long body(int64_t stream, std::span<std::span<const uint8_t>> out, bool& eof) = 0;
    // The peer's GOAWAY (RFC 9114 §5.2): a client's requests on streams from `id` on will
    // not be processed (they may be retried elsewhere); a server sees a push ID.
    virtual void on_goaway(int64_t id) { (void)id; }

protected:
    ~Http3Handler() = default;
};

struct Http3SessionOptions {
    quic::Role role = quic::Role::server;
    // At least the QUIC stream table's size: streams the session follows at once.
    size_t max_streams = 256;
    // Writes the QUIC streams may hold at once, all streams together (a stream holds at
    // most StreamSend::kMaxPieces). When all are in use, streams wait for acknowledgments.
    size_t max_writes = 1024;
    // SETTINGS_MAX_FIELD_SECTION_SIZE (RFC 9114 §7.2.4.1) we advertise.
    uint64_t max_field_section_size = 16 * 1024;
};

struct Http3Counters {
    uint64_t writes_accepted = 0;  // spans handed to the QUIC streams
    uint64_t writes_released = 0;  // ... and given back by them (acknowledged or reset)
    uint64_t writes_refused = 0;   // a stream blocked until writable
    uint64_t writes_starved = 0;   // a stream blocked until a write record frees (max_writes)
    uint64_t bytes_fed = 0;        // received stream bytes given to nghttp3
    uint64_t bytes_consumed = 0;   // ... and consumed from the QUIC streams
    uint64_t resets_received = 0;
    uint64_t stops_received = 0;
    uint64_t streams_closed = 0;
    uint64_t streams_untracked = 0;  // peer streams beyond max_streams, refused
    uint64_t uni_open_retries = 0;   // the peer's stream limit held our control streams back
};

class Http3Session final {
public:
    Http3Session(Http3Handler& handler, const Http3SessionOptions& options);
    ~Http3Session();
    Http3Session(const Http3Session&) = delete;
    Http3Session& operator=(const Http3Session&) = delete;

    // For ConnectionOptions::tx_owner: the same for every session (each write names its
    // session), so an endpoint's connections can all share it.
    static quic::TxBufferOwner& tx_owner();
    void attach(quic::Connection& connection);

    // The session's turn (see above).
    void poll(uint64_t now_ns);

    // Client: a request on a new bidirectional stream (`has_body`: the handler's body()
    // gives its content). False when no stream can be opened now (the peer's limit) or
    // the session is not ready.
    bool submit_request(std::span<const Field> fields, bool has_body, int64_t& stream);
    // Server: the answer on a request stream.
    bool submit_response(int64_t stream, std::span<const Field> fields, bool has_body);
    // More content is ready for a stream whose body() said none.
    void resume(int64_t stream);
    // Abandons a request or answer (RFC 9114 §4.1.1): RESET_STREAM and STOP_SENDING.
    void cancel(int64_t stream, H3Error error);
    // Graceful shutdown (RFC 9114 §5.2): GOAWAY to the peer; a server processes no request
    // stream it has not seen yet. False when nghttp3 refuses (not ready, or already sent).
    bool shutdown();
    // Closes the connection with H3_NO_ERROR (CONNECTION_CLOSE 0x1d), e.g. once a shutdown's
    // requests are all answered.
    void close(uint64_t now_ns);
    // The peer sent GOAWAY: no new request goes out.
    bool goaway_received() const;

    // Our control and QPACK streams are open: requests may go.
    bool ready() const;
    // A fatal HTTP/3 error closed the connection; its code (RFC 9114 §8.1).
    bool failed() const;
    uint64_t error() const;
    const Http3Counters& counters() const;
    // Writes the QUIC streams still hold (not yet acknowledged, nor reported to nghttp3).
    uint64_t writes_held() const;
    // The session's state; nghttp3's callbacks reach it as their user data.
    struct Impl;

private:
    std::unique_ptr<Impl> m_impl;
};

}  // namespace slip::apps::http3
