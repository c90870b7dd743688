#include "apps/http3/session.h"

#include <nghttp3/nghttp3.h>

#include <algorithm>
#include <array>

namespace slip::apps::http3 {

namespace {

constexpr size_t kPiecesPerRead = 16;
constexpr size_t kVecsPerWrite = 16;
constexpr size_t kMaxFields = 32;
// Control, QPACK encoder, QPACK decoder (RFC 9114 §6.2.1, RFC 9204 §4.2).
constexpr size_t kOwnUniStreams = 3;

}  // namespace

// One accepted write: its stream and size, reported to nghttp3 as acknowledged once the
// QUIC stream releases it (in stream order: a stream releases its writes front to back).
struct WriteRecord {
    int64_t stream = -1;
    uint64_t bytes = 0;
    WriteRecord* next = nullptr;
    Http3Session::Impl* session = nullptr;
};

// A stream we read: what was fed to nghttp3 and what of it was consumed from QUIC.
struct ReadState {
    int64_t id = -1;
    uint64_t fed = 0;        // bytes past the QUIC read offset already given to nghttp3
    uint64_t consumed = 0;   // bytes consumed from the QUIC stream
    uint64_t credit = 0;     // nghttp3 consumed these, the QUIC stream not yet
    uint64_t error = 0;      // the peer's reset or stop code, for close_stream
    bool fin_fed = false;
    bool linked = false;     // nghttp3 has it as the stream's user data
};

struct Http3Session::Impl final {
    Impl(Http3Handler& h, const Http3SessionOptions& o);
    ~Impl();

    // TxBufferOwner: called from inside the connection (acks, resets, its destructor):
    // only queued here, reported to nghttp3 in poll() where nghttp3 is not running.
    void release(WriteRecord* r);

    void poll(uint64_t now_ns);
    void report_acks();
    void bind_own_streams();
    void handle_events();
    void on_event(const quic::StreamEvent& e);
    void feed(ReadState& s);
    void apply_credit(ReadState& s);
    void apply_deferred_credit();
    void starve(int64_t id);
    void write_all();
    bool write_one();
    void fail(int liberr);
    ReadState* find(int64_t id);
    // The stream's state from nghttp3's stream user data when linked, else by search.
    ReadState* state_of(int64_t id, void* stream_user) {
        ReadState* r = static_cast<ReadState*>(stream_user);
        return r != nullptr && r->id == id ? r : find(id);
    }
    ReadState* track(int64_t id);
    WriteRecord* take_record();
    static void fill_nv(std::span<const Field> fields, std::array<nghttp3_nv, kMaxFields>& nv, size_t& n);

    Http3Handler& handler;
    Http3SessionOptions options;
    quic::Connection* conn = nullptr;
    nghttp3_conn* h3 = nullptr;
    uint64_t now_ns = 0;
    bool bound = false;
    bool failed = false;
    uint64_t error = 0;
    bool deferred = false;  // a deferred_consume came: credit waits on some stream
    bool goaway = false;    // the peer's GOAWAY came
    std::array<int64_t, kOwnUniStreams> own_uni{-1, -1, -1};
    std::unique_ptr<WriteRecord[]> records;
    WriteRecord* free_records = nullptr;
    WriteRecord* acked_head = nullptr;  // released, to report: FIFO
    WriteRecord* acked_tail = nullptr;
    std::unique_ptr<ReadState[]> reads;
    // Streams blocked because every write record was in use: unblocked as records free.
    std::unique_ptr<int64_t[]> starved;
    size_t starved_count = 0;
    Http3Counters counters;
};

namespace {

Http3Session::Impl& impl_of(void* user) { return *static_cast<Http3Session::Impl*>(user); }

int on_acked(nghttp3_conn*, int64_t, uint64_t, void*, void*) { return 0; }

int on_stream_close(nghttp3_conn*, int64_t stream, uint64_t error, void* user, void*) {
    impl_of(user).handler.on_closed(stream, error);
    return 0;
}

// RFC 9114 §4.1: content is the handler's as it comes; its credit goes back to the peer
// once the handler had it.
int on_recv_data(nghttp3_conn*, int64_t stream, const uint8_t* data, size_t len, void* user, void* stream_user) {
    Http3Session::Impl& s = impl_of(user);
    s.handler.on_body(stream, std::span(data, len));
    if (ReadState* r = s.state_of(stream, stream_user)) {
        r->credit += len;
    }
    return 0;
}

// RFC 9204 §2.1.2: a header block that waited for the encoder stream was decoded now.
int on_deferred_consume(nghttp3_conn*, int64_t stream, size_t n, void* user, void* stream_user) {
    Http3Session::Impl& s = impl_of(user);
    if (ReadState* r = s.state_of(stream, stream_user)) {
        r->credit += n;
        s.deferred = true;
    }
    return 0;
}

int on_begin_headers(nghttp3_conn*, int64_t, void*, void*) { return 0; }

int on_recv_header(nghttp3_conn*, int64_t stream, int32_t, nghttp3_rcbuf* name, nghttp3_rcbuf* value, uint8_t,
                   void* user, void*) {
    const nghttp3_vec n = nghttp3_rcbuf_get_buf(name);
    const nghttp3_vec v = nghttp3_rcbuf_get_buf(value);
    impl_of(user).handler.on_field(stream, std::string_view(reinterpret_cast<const char*>(n.base), n.len),
                                   std::string_view(reinterpret_cast<const char*>(v.base), v.len));
    return 0;
}

int on_end_headers(nghttp3_conn*, int64_t stream, int fin, void* user, void*) {
    impl_of(user).handler.on_headers(stream, fin != 0);
    return 0;
}

int on_end_stream(nghttp3_conn*, int64_t stream, void* user, void*) {
    impl_of(user).handler.on_end(stream);
    return 0;
}

// nghttp3 asks for STOP_SENDING (§4.1.1: an answer complete before the request was read)
// and for RESET_STREAM (an abandoned stream).
int on_stop_sending(nghttp3_conn*, int64_t stream, uint64_t error, void* user, void*) {
    impl_of(user).conn->streams().stop_sending(uint64_t(stream), error);
    return 0;
}

int on_reset_stream(nghttp3_conn*, int64_t stream, uint64_t error, void* user, void*) {
    impl_of(user).conn->streams().reset(uint64_t(stream), error);
    return 0;
}

int on_shutdown(nghttp3_conn*, int64_t id, void* user) {
    Http3Session::Impl& s = impl_of(user);
    s.goaway = true;
    s.handler.on_goaway(id);
    return 0;
}

nghttp3_ssize read_body(nghttp3_conn*, int64_t stream, nghttp3_vec* vec, size_t count, uint32_t* flags, void* user,
                        void*) {
    std::array<std::span<const uint8_t>, kVecsPerWrite> spans;
    bool eof = false;
    const long n = impl_of(user).handler.body(stream, std::span(spans).first(std::min(count, spans.size())), eof);
    if (n < 0) {
        return NGHTTP3_ERR_WOULDBLOCK;
    }
    for (long i = 0; i < n; ++i) {
        vec[i].base = const_cast<uint8_t*>(spans[size_t(i)].data());
        vec[i].len = spans[size_t(i)].size();
    }
    if (eof) {
        *flags |= NGHTTP3_DATA_FLAG_EOF;
    }
    return n;
}

const nghttp3_data_reader kBodyReader{read_body};

}  // namespace

Http3Session::Impl::Impl(Http3Handler& h, const Http3SessionOptions& o)
    : handler(h),
      options(o),
      records(new WriteRecord[o.max_writes]),
      reads(new ReadState[o.max_streams]),
      starved(new int64_t[o.max_streams]) {
    const size_t n = o.max_writes;
    for (size_t i = 0; i < n; ++i) {
        records[i].next = i + 1 < n ? &records[i + 1] : nullptr;
    }
    free_records = n > 0 ? &records[0] : nullptr;
    nghttp3_callbacks cb{};
    cb.acked_stream_data = on_acked;
    cb.stream_close = on_stream_close;
    cb.recv_data = on_recv_data;
    cb.deferred_consume = on_deferred_consume;
    cb.begin_headers = on_begin_headers;
    cb.recv_header = on_recv_header;
    cb.end_headers = on_end_headers;
    cb.stop_sending = on_stop_sending;
    cb.end_stream = on_end_stream;
    cb.reset_stream = on_reset_stream;
    cb.shutdown = on_shutdown;
    nghttp3_settings settings;
    nghttp3_settings_default(&settings);
    settings.max_field_section_size = o.max_field_section_size;
    // No dynamic table either way (RFC 9204 §3.2.3 capacity 0): no stream ever waits on
    // the encoder stream, at the cost of larger header blocks.
    settings.qpack_max_dtable_capacity = 0;
    settings.qpack_blocked_streams = 0;
    const int rv = o.role == quic::Role::server ? nghttp3_conn_server_new(&h3, &cb, &settings, nullptr, this)
                                                : nghttp3_conn_client_new(&h3, &cb, &settings, nullptr, this);
    if (rv != 0) {
        h3 = nullptr;
        failed = true;
        error = uint64_t(H3Error::internal_error);
    } else if (o.role == quic::Role::server) {
        // The count of request streams is the QUIC layer's to enforce (RFC 9000 §4.6);
        // nghttp3 uses this only to bound a GOAWAY's stream ID.
        nghttp3_conn_set_max_client_streams_bidi(h3, uint64_t(1) << 60);
    }
}

Http3Session::Impl::~Impl() { nghttp3_conn_del(h3); }

void Http3Session::Impl::release(WriteRecord* r) {
    r->next = nullptr;
    if (acked_tail != nullptr) {
        acked_tail->next = r;
    } else {
        acked_head = r;
    }
    acked_tail = r;
    ++counters.writes_released;
}

// Acknowledged (or reset) bytes let nghttp3 free what backed them (RFC 9114 leaves the
// buffering to the QUIC layer's acknowledgments).
void Http3Session::Impl::report_acks() {
    bool freed = false;
    while (acked_head != nullptr) {
        WriteRecord* r = acked_head;
        acked_head = r->next;
        if (h3 != nullptr && !failed) {
            // A stream nghttp3 closed already is not found: nothing left to free.
            nghttp3_conn_add_ack_offset(h3, r->stream, r->bytes);
        }
        r->next = free_records;
        free_records = r;
        freed = true;
    }
    acked_tail = nullptr;
    if (freed && h3 != nullptr) {
        for (size_t i = 0; i < starved_count; ++i) {
            nghttp3_conn_unblock_stream(h3, starved[i]);
        }
        starved_count = 0;
    }
}

WriteRecord* Http3Session::Impl::take_record() {
    WriteRecord* r = free_records;
    if (r != nullptr) {
        free_records = r->next;
        r->next = nullptr;
    }
    return r;
}

ReadState* Http3Session::Impl::find(int64_t id) {
    for (size_t i = 0; i < options.max_streams; ++i) {
        if (reads[i].id == id) {
            return &reads[i];
        }
    }
    return nullptr;
}

ReadState* Http3Session::Impl::track(int64_t id) {
    if (ReadState* s = find(id)) {
        return s;
    }
    ReadState* s = find(-1);
    if (s != nullptr) {
        *s = ReadState{};
        s->id = id;
    }
    return s;
}

void Http3Session::Impl::fail(int liberr) {
    if (failed) {
        return;
    }
    failed = true;
    error = nghttp3_err_infer_quic_app_error_code(liberr);
    if (conn != nullptr) {
        conn->close_application(error, now_ns);
    }
}

void Http3Session::Impl::poll(uint64_t now) {
    now_ns = now;
    report_acks();
    if (conn == nullptr || failed || conn->state() != quic::ConnectionState::established) {
        return;
    }
    bind_own_streams();
    handle_events();
    if (!failed) {
        write_all();
    }
}

// RFC 9114 §6.2.1: each side opens its control stream first thing; RFC 9204 §4.2 the
// encoder and decoder streams. A peer limit below three holds them back (and counts).
void Http3Session::Impl::bind_own_streams() {
    if (bound) {
        return;
    }
    for (int64_t& id : own_uni) {
        uint64_t opened = 0;
        if (id < 0) {
            if (!conn->streams().open(quic::StreamDirection::unidirectional, opened)) {
                ++counters.uni_open_retries;
                return;
            }
            id = int64_t(opened);
        }
    }
    int rv = nghttp3_conn_bind_control_stream(h3, own_uni[0]);
    if (rv == 0) {
        rv = nghttp3_conn_bind_qpack_streams(h3, own_uni[1], own_uni[2]);
    }
    if (rv != 0) {
        fail(rv);
        return;
    }
    bound = true;
}

void Http3Session::Impl::handle_events() {
    quic::StreamEvent e;
    while (!failed && conn->streams().next_event(e)) {
        on_event(e);
    }
    if (deferred && !failed) {
        apply_deferred_credit();
    }
}

void Http3Session::Impl::on_event(const quic::StreamEvent& e) {
    const int64_t id = int64_t(e.id);
    ReadState* s = find(id);
    if (s == nullptr && (e.bits & (quic::kStreamOpened | quic::kStreamReadable)) != 0) {
        s = track(id);
        if (s == nullptr) {
            // More peer streams than we follow: refused (RFC 9114 §4.1.1 H3_REQUEST_REJECTED).
            ++counters.streams_untracked;
            conn->streams().stop_sending(e.id, uint64_t(H3Error::request_rejected));
            conn->streams().reset(e.id, uint64_t(H3Error::request_rejected));
        }
    }
    if ((e.bits & quic::kStreamReset) != 0) {
        // RFC 9114 §4.1.1: the peer abandoned its side; what nghttp3 holds of it goes.
        ++counters.resets_received;
        if (s != nullptr) {
            s->error = e.error_code;
        }
        nghttp3_conn_shutdown_stream_read(h3, id);
    } else if ((e.bits & quic::kStreamReadable) != 0 && s != nullptr) {
        feed(*s);
    }
    if ((e.bits & quic::kStreamStopped) != 0) {
        // The QUIC stream answers with RESET_STREAM itself (RFC 9000 §3.5); nghttp3 stops
        // producing for it.
        ++counters.stops_received;
        if (s != nullptr && s->error == 0) {
            s->error = e.error_code;
        }
        nghttp3_conn_shutdown_stream_write(h3, id);
    }
    if ((e.bits & quic::kStreamWritable) != 0) {
        nghttp3_conn_unblock_stream(h3, id);
    }
    if ((e.bits & quic::kStreamClosed) != 0) {
        ++counters.streams_closed;
        const uint64_t code = s != nullptr && s->error != 0 ? s->error : uint64_t(H3Error::no_error);
        const int rv = nghttp3_conn_close_stream(h3, id, code);
        if (s != nullptr) {
            apply_credit(*s);
            s->id = -1;
        }
        if (rv != 0 && rv != NGHTTP3_ERR_STREAM_NOT_FOUND) {
            fail(rv);  // a critical stream closed (RFC 9114 §6.2.1)
        }
    }
}

// What the stream holds past what nghttp3 already has goes to nghttp3, piece by piece,
// from the datagram buffers (no copy); nghttp3 copies only header blocks it must wait with.
void Http3Session::Impl::feed(ReadState& s) {
    while (!failed) {
        std::array<quic::RxPiece, kPiecesPerRead> pieces;
        bool fin = false;
        const size_t n = conn->streams().read(uint64_t(s.id), pieces, fin);
        bool progressed = false;
        for (size_t i = 0; i < n; ++i) {
            const quic::RxPiece& p = pieces[i];
            const uint64_t start = s.consumed + s.fed;  // the first byte nghttp3 has not had
            if (p.end() <= start) {
                continue;
            }
            const std::span<const uint8_t> bytes = p.bytes.subspan(start > p.offset ? start - p.offset : 0);
            const bool last = fin && i + 1 == n;
            const nghttp3_ssize rv = nghttp3_conn_read_stream(h3, s.id, bytes.data(), bytes.size(), last ? 1 : 0);
            if (rv < 0) {
                fail(int(rv));
                return;
            }
            if (!s.linked) {
                // nghttp3 knows the stream now: its callbacks carry the state from here on.
                s.linked = nghttp3_conn_set_stream_user_data(h3, s.id, &s) == 0;
            }
            s.fed += bytes.size();
            s.credit += uint64_t(rv);
            s.fin_fed = s.fin_fed || last;
            counters.bytes_fed += bytes.size();
            progressed = true;
        }
        if (n == 0 && fin && !s.fin_fed) {
            // Only the FIN is left (it came after the data, or with no data at all).
            const nghttp3_ssize rv = nghttp3_conn_read_stream(h3, s.id, nullptr, 0, 1);
            if (rv < 0) {
                fail(int(rv));
                return;
            }
            s.fin_fed = true;
        }
        apply_credit(s);
        if (!progressed) {
            return;
        }
    }
}

// RFC 9000 §4.1: the window moves with what HTTP/3 consumed, not with what arrived.
void Http3Session::Impl::apply_credit(ReadState& s) {
    if (s.credit == 0) {
        return;
    }
    const uint64_t n = std::min(s.credit, s.fed);
    conn->streams().consume(uint64_t(s.id), n);
    s.consumed += n;
    s.fed -= n;
    s.credit -= n;
    counters.bytes_consumed += n;
}

void Http3Session::Impl::apply_deferred_credit() {
    deferred = false;
    for (size_t i = 0; i < options.max_streams; ++i) {
        if (reads[i].id >= 0) {
            apply_credit(reads[i]);
        }
    }
}

// Every write record is in use: the stream waits for one to free (report_acks).
void Http3Session::Impl::starve(int64_t id) {
    ++counters.writes_starved;
    for (size_t i = 0; i < starved_count; ++i) {
        if (starved[i] == id) {
            return;
        }
    }
    if (starved_count < options.max_streams) {
        starved[starved_count++] = id;
    }
}

void Http3Session::Impl::write_all() {
    while (!failed && write_one()) {
    }
}

// One nghttp3_conn_writev_stream: its spans go to the QUIC stream by reference, one write
// each; the accepted ones are nghttp3's write offset; a refusal blocks the stream.
bool Http3Session::Impl::write_one() {
    std::array<nghttp3_vec, kVecsPerWrite> vec;
    int64_t id = -1;
    int fin = 0;
    const nghttp3_ssize n = nghttp3_conn_writev_stream(h3, &id, &fin, vec.data(), vec.size());
    if (n < 0) {
        fail(int(n));
        return false;
    }
    if (id < 0) {
        return false;
    }
    quic::ConnectionStreams& streams = conn->streams();
    uint64_t accepted = 0;
    quic::StreamWrite result = quic::StreamWrite::accepted;
    bool starved_now = false;
    for (nghttp3_ssize i = 0; i < n && result == quic::StreamWrite::accepted; ++i) {
        if (vec[size_t(i)].len == 0) {
            continue;
        }
        WriteRecord* r = take_record();
        if (r == nullptr) {
            starve(id);
            starved_now = true;
            result = quic::StreamWrite::refused;
            break;
        }
        *r = WriteRecord{id, vec[size_t(i)].len, nullptr, this};
        result = streams.write(uint64_t(id), std::span(vec[size_t(i)].base, vec[size_t(i)].len), r);
        if (result == quic::StreamWrite::accepted) {
            accepted += r->bytes;
            ++counters.writes_accepted;
        } else {
            r->next = free_records;
            free_records = r;
        }
    }
    if (result == quic::StreamWrite::accepted && fin != 0 && !streams.finish(uint64_t(id))) {
        result = quic::StreamWrite::invalid;
    }
    if (result == quic::StreamWrite::refused) {
        counters.writes_refused += starved_now ? 0 : 1;
        nghttp3_conn_block_stream(h3, id);
    } else if (result == quic::StreamWrite::invalid) {
        // Reset or stopped meanwhile: nothing more goes on it.
        nghttp3_conn_shutdown_stream_write(h3, id);
    }
    const int rv = nghttp3_conn_add_write_offset(h3, id, accepted);
    if (rv != 0) {
        fail(rv);
        return false;
    }
    // Nothing taken and nothing blocked: nghttp3 would give the same again.
    return accepted > 0 || fin != 0 || result != quic::StreamWrite::accepted;
}

void Http3Session::Impl::fill_nv(std::span<const Field> fields, std::array<nghttp3_nv, kMaxFields>& nv,
                                 size_t& n) {
    n = std::min(fields.size(), nv.size());
    for (size_t i = 0; i < n; ++i) {
        // nghttp3 0.8 takes non-const pointers; it only copies from them.
        nv[i].name = const_cast<uint8_t*>(reinterpret_cast<const uint8_t*>(fields[i].name.data()));
        nv[i].namelen = fields[i].name.size();
        nv[i].value = const_cast<uint8_t*>(reinterpret_cast<const uint8_t*>(fields[i].value.data()));
        nv[i].valuelen = fields[i].value.size();
        nv[i].flags = NGHTTP3_NV_FLAG_NONE;
    }
}

Http3Session::Http3Session(Http3Handler& handler, const Http3SessionOptions& options)
    : m_impl(std::make_unique<Impl>(handler, options)) {}

Http3Session::~Http3Session() = default;

namespace {

// Every session's writes come back through one owner: each write's record names its
// session, so an endpoint can give all its connections the same ConnectionOptions.
struct TxRouter final : quic::TxBufferOwner {
    void release(void* buffer) override {
        if (buffer == nullptr) {
            return;  // bytes that outlive the connection (another protocol's static content)
        }
        WriteRecord* r = static_cast<WriteRecord*>(buffer);
        r->session->release(r);
    }
};

}  // namespace

quic::TxBufferOwner& Http3Session::tx_owner() {
    static TxRouter router;  // stateless: shared by every core
    return router;
}

void Http3Session::attach(quic::Connection& connection) { m_impl->conn = &connection; }

void Http3Session::poll(uint64_t now_ns) { m_impl->poll(now_ns); }

bool Http3Session::submit_request(std::span<const Field> fields, bool has_body, int64_t& stream) {
    Impl& s = *m_impl;
    uint64_t id = 0;
    if (s.failed || !s.bound || s.goaway || !s.conn->streams().open(quic::StreamDirection::bidirectional, id)) {
        return false;
    }
    std::array<nghttp3_nv, kMaxFields> nv;
    size_t n = 0;
    Impl::fill_nv(fields, nv, n);
    const int rv = nghttp3_conn_submit_request(s.h3, int64_t(id), nv.data(), n, has_body ? &kBodyReader : nullptr,
                                               nullptr);
    if (rv != 0) {
        s.conn->streams().reset(id, uint64_t(H3Error::internal_error));
        return false;
    }
    stream = int64_t(id);
    return true;
}

bool Http3Session::submit_response(int64_t stream, std::span<const Field> fields, bool has_body) {
    Impl& s = *m_impl;
    if (s.failed) {
        return false;
    }
    std::array<nghttp3_nv, kMaxFields> nv;
    size_t n = 0;
    Impl::fill_nv(fields, nv, n);
    return nghttp3_conn_submit_response(s.h3, stream, nv.data(), n, has_body ? &kBodyReader : nullptr) == 0;
}

void Http3Session::resume(int64_t stream) {
    if (!m_impl->failed) {
        nghttp3_conn_resume_stream(m_impl->h3, stream);
    }
}

// RFC 9114 §4.1.1: abandoning a request stops both directions with the same code.
void Http3Session::cancel(int64_t stream, H3Error error) {
    Impl& s = *m_impl;
    if (s.failed || s.conn == nullptr) {
        return;
    }
    s.conn->streams().stop_sending(uint64_t(stream), uint64_t(error));
    s.conn->streams().reset(uint64_t(stream), uint64_t(error));
    if (ReadState* r = s.find(stream)) {
        r->error = uint64_t(error);
    }
    nghttp3_conn_shutdown_stream_read(s.h3, stream);
    nghttp3_conn_shutdown_stream_write(s.h3, stream);
}

bool Http3Session::shutdown() {
    Impl& s = *m_impl;
    return !s.failed && s.bound && nghttp3_conn_shutdown(s.h3) == 0;
}

void Http3Session::close(uint64_t now_ns) {
    if (m_impl->conn != nullptr) {
        m_impl->conn->close_application(uint64_t(H3Error::no_error), now_ns);
    }
}

bool Http3Session::goaway_received() const { return m_impl->goaway; }
bool Http3Session::ready() const { return m_impl->bound; }
bool Http3Session::failed() const { return m_impl->failed; }
uint64_t Http3Session::error() const { return m_impl->error; }
const Http3Counters& Http3Session::counters() const { return m_impl->counters; }
uint64_t Http3Session::writes_held() const {
    return m_impl->counters.writes_accepted - m_impl->counters.writes_released;
}

}  // namespace slip::apps::http3
