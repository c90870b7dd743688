#include "apps/http/server.h"

#include <algorithm>
#include <charconv>
#include <cstdio>

namespace slip::apps::http {

using app::BufferChain;
using app::Connections;
using app::ConnId;

namespace {

constexpr uint64_t kNever = UINT64_MAX;
// How long to wait before trying again when the engine had no buffer for an answer.
constexpr uint64_t kRetryNs = 1'000'000;
// The most content bytes made into buffers at once: bounded by send_room too, so a large
// file is copied a send buffer's worth at a time, never whole.
constexpr uint32_t kMaxChunk = 64 * 1024;
constexpr std::string_view kTextType = "text/plain; charset=utf-8";
constexpr std::string_view kAllowRead = "GET, HEAD, OPTIONS";
constexpr std::string_view kAllowDiscard = "POST, OPTIONS";
constexpr std::string_view kAllowAny = "GET, HEAD, POST, OPTIONS";
constexpr std::string_view kContinue = "HTTP/1.1 100 Continue\r\n\r\n";
constexpr size_t kMaxServerName = 256;

std::span<const uint8_t> as_bytes(std::string_view s) { return {reinterpret_cast<const uint8_t*>(s.data()), s.size()}; }

// The path of a request-target (RFC 9112 §3.2): origin-form up to its query; absolute-form
// (§3.2.2, which a server MUST accept) after its authority; "*" as it is; anything else
// (authority-form, for CONNECT) names no resource here.
std::string_view path_of(std::string_view target) {
    if (target == "*") {
        return target;
    }
    if (!target.starts_with('/')) {
        const size_t scheme_end = target.find("://");
        if (scheme_end == std::string_view::npos) {
            return {};
        }
        const size_t path_start = target.find('/', scheme_end + 3);
        const size_t query = target.find('?', scheme_end + 3);
        if (path_start == std::string_view::npos || path_start > query) {
            return "/";
        }
        target.remove_prefix(path_start);
    }
    return target.substr(0, target.find('?'));
}

// N of "/bytes/N": decimal digits only; false for anything else.
bool parse_count(std::string_view digits, uint64_t& n) {
    const auto r = std::from_chars(digits.data(), digits.data() + digits.size(), n);
    return !digits.empty() && digits.size() <= 19 && r.ec == std::errc{} && r.ptr == digits.data() + digits.size();
}

}  // namespace

struct HttpServer::Conn {
    Conn() = default;  // not an aggregate: the parser pieces have explicit constructors
    ConnId id;
    Mode mode = Mode::free;
    Phase phase = Phase::head;
    Resource resource = Resource::none;
    HeadScanner scanner;
    uint32_t scanned = 0;  // received bytes the scanner has seen
    // By phase: idle since (no head byte yet) or the head's first byte; the content's last
    // progress; the answer's last send progress. deadline() adds the phase's timeout.
    uint64_t since_ns = 0;
    uint64_t timer_at = kNever;  // when the armed timer fires
    bool head_request = false;   // HEAD: the answer has no content
    bool keep_alive10 = false;   // an HTTP/1.0 client asked to keep the connection
    bool close_after = false;    // the connection closes once the answer is queued
    bool refusing = false;       // stop_reading was called
    bool peer_closed = false;
    uint16_t scan_error = 0;     // the scanner's status for a bad head
    uint16_t pending_error = 0;  // a bad head behind the current answer, answered after it
    bool chunked = false;
    uint64_t content_length = 0;  // the request's Content-Length (0 when none)
    uint64_t content_left = 0;    // Content-Length bytes still to read
    ChunkedDecoder decoder;
    Answer answer;
    BufferChain out;             // made for the answer, not taken by send yet
    std::array<char, 48> note{};  // a short answer text computed per request
    UpgradeTarget* target = nullptr;
};

HttpServer::HttpServer(uint32_t slots, HttpServerOptions options, std::shared_ptr<const StaticFiles> files)
    : m_options(std::move(options)), m_files(std::move(files)), m_conns(slots), m_date(m_options.wall_clock),
      m_scratch(m_options.max_head) {
    if (m_files == nullptr && !m_options.root.empty()) {
        m_files = std::make_shared<StaticFiles>(StaticFiles::load(m_options.root, m_options.static_limits));
    }
    m_options.head_limits.max_headers = std::min(m_options.head_limits.max_headers, kMaxHeaderFields);
    if (m_options.server_name.size() > kMaxServerName) {
        m_options.server_name.resize(kMaxServerName);  // every head must fit m_head_text
    }
    for (Conn& s : m_conns) {
        reset(s);
    }
    build_index();
}

HttpServer::~HttpServer() = default;

void HttpServer::reset(Conn& s) {
    s = Conn{};
    s.scanner = HeadScanner(m_options.max_head);
    ChunkedLimits limits;
    limits.max_body = m_options.max_body;
    s.decoder = ChunkedDecoder(limits);
}

void HttpServer::route_upgrade(std::string_view path, UpgradeTarget* target) {
    m_routes.push_back({std::string(path), target});
    build_index();
}

void HttpServer::route_upgrade(std::string_view path, std::unique_ptr<UpgradeTarget> target) {
    route_upgrade(path, target.get());
    m_owned.push_back(std::move(target));
}

void HttpServer::build_index() {
    m_index = "slipstream HTTP/1.1 server\n\n"
              "GET  /           this index\n"
              "GET  /bytes/N    N bytes of a printable pattern (N up to " +
              std::to_string(m_options.max_pattern) +
              ")\n"
              "POST /discard    reads the request content and answers its length\n";
    for (const Route& r : m_routes) {
        m_index += "GET  " + r.path + "  WebSocket (Upgrade: websocket)\n";
    }
    if (m_files != nullptr && !m_files->files().empty()) {
        m_index += "\nstatic files:\n";
        size_t listed = 0;
        for (const StaticFile& f : m_files->files()) {
            if (++listed > 100) {
                m_index += "...\n";
                break;
            }
            m_index += "GET  " + f.path + "\n";
        }
    }
}

HttpServer::Conn* HttpServer::find(Connections& c, ConnId id) {
    const uint32_t slot = c.slot(id);
    if (slot >= m_conns.size()) {
        return nullptr;
    }
    Conn& s = m_conns[slot];
    return s.mode != Mode::free && s.id == id ? &s : nullptr;
}

// ---- connection events ----

bool HttpServer::on_accepted(Connections& c, ConnId id, const app::Endpoint&) {
    const uint32_t slot = c.slot(id);
    if (slot >= m_conns.size()) {
        return false;
    }
    Conn& s = m_conns[slot];
    reset(s);
    s.id = id;
    s.mode = Mode::http;
    s.since_ns = c.now_ns();
    s.close_after = m_draining;
    watch(c, s, deadline(s));
    return true;
}

void HttpServer::on_data(Connections& c, ConnId id) {
    Conn* s = find(c, id);
    if (s == nullptr) {
        return;
    }
    if (s->mode == Mode::upgraded) {
        s->target->on_data(c, id);
        return;
    }
    if (s->mode != Mode::http || s->refusing) {
        return;
    }
    if (s->phase == Phase::answer) {
        // RFC 9112 §9.3.2: the next request waits, unconsumed, for this answer. Its head is
        // only scanned: one that can never be valid is not kept until then (what follows
        // is freed and the window stays shut) and gets its error answer after this one.
        scan(c, *s);
        if (s->scanner.state() == ScanState::bad) {
            s->pending_error = s->scan_error;
            refuse_input(c, *s);
        }
        return;
    }
    advance(c, *s);
}

void HttpServer::on_writable(Connections& c, ConnId id) {
    if (Conn* s = find(c, id)) {
        if (s->mode == Mode::upgraded) {
            s->target->on_writable(c, id);
        } else if (s->mode == Mode::http && s->phase == Phase::answer) {
            advance(c, *s);
        }
    }
}

void HttpServer::on_peer_closed(Connections& c, ConnId id) {
    Conn* s = find(c, id);
    if (s == nullptr) {
        return;
    }
    if (s->mode == Mode::upgraded) {
        s->target->on_peer_closed(c, id);
        return;
    }
    s->peer_closed = true;
    if (s->mode == Mode::http && s->phase != Phase::answer) {
        advance(c, *s);  // requests already received are answered; then it closes
    }
}

void HttpServer::on_closed(Connections& c, ConnId id, app::CloseReason reason) {
    Conn* s = find(c, id);
    if (s == nullptr) {
        return;
    }
    if (s->mode == Mode::upgraded) {
        s->target->on_closed(c, id, reason);
    }
    reset(*s);
}

void HttpServer::on_timer(Connections& c, ConnId id) {
    Conn* s = find(c, id);
    if (s == nullptr) {
        return;
    }
    if (s->mode == Mode::upgraded) {
        s->target->on_timer(c, id);
    } else if (s->mode == Mode::http) {
        s->timer_at = kNever;
        expire(c, *s);
    }
}

// ---- timers ----

uint64_t HttpServer::deadline(const Conn& s) const {
    switch (s.phase) {
    case Phase::head:
        return s.since_ns + (s.scanner.head_size() > 0 ? m_options.head_timeout_ns : m_options.idle_timeout_ns);
    case Phase::content:
        return s.since_ns + m_options.idle_timeout_ns;
    case Phase::answer:
        return s.since_ns + m_options.send_timeout_ns;
    }
    return kNever;
}

// Keeps the connection's one timer no later than `deadline_ns`. A timer that fires before
// the deadline it guards (the deadline moved on) only re-arms itself, so requests that
// come and go within their deadlines set no timer at all.
void HttpServer::watch(Connections& c, Conn& s, uint64_t deadline_ns) {
    if (deadline_ns < s.timer_at) {
        const uint64_t now = c.now_ns();
        c.set_timer(s.id, deadline_ns > now ? deadline_ns - now : 0);
        s.timer_at = deadline_ns;
    }
}

void HttpServer::expire(Connections& c, Conn& s) {
    const uint64_t now = c.now_ns();
    if (now < deadline(s)) {
        if (s.phase == Phase::answer) {
            advance(c, s);  // a retry: the engine had no buffer for the answer
        }
        if (s.mode == Mode::http) {
            watch(c, s, deadline(s));
        }
        return;
    }
    switch (s.phase) {
    case Phase::head:
        if (s.scanner.head_size() == 0) {
            ++m_stats.idle_closed;  // RFC 9112 §9.5: a server may close an idle connection
            end(c, s);
            return;
        }
        [[fallthrough]];
    case Phase::content:
        ++m_stats.timeouts;
        fail(c, s, 408);  // RFC 9110 §15.5.9
        advance(c, s);
        return;
    case Phase::answer:
        // The client takes nothing of the answer: nothing would end this connection.
        ++m_stats.send_stalls;
        c.abort(s.id);
        reset(s);
        return;
    }
}

// ---- requests ----

void HttpServer::advance(Connections& c, Conn& s) {
    while (s.mode == Mode::http) {
        bool progressed = false;
        switch (s.phase) {
        case Phase::head:
            progressed = read_head(c, s);
            break;
        case Phase::content:
            progressed = read_content(c, s);
            break;
        case Phase::answer:
            progressed = pump(c, s) && finish_answer(c, s);
            break;
        }
        if (!progressed) {
            return;
        }
    }
}

// Feeds the scanner what it has not seen of the received bytes, buffer by buffer.
void HttpServer::scan(Connections& c, Conn& s) {
    const bool had_bytes = s.scanner.head_size() > 0;
    const app::BufferView in = c.received(s.id);
    uint32_t start = 0;
    for (auto it = in.begin(); it != in.end() && s.scanner.state() == ScanState::open; ++it) {
        const std::span<const uint8_t> seg = *it;
        if (start + seg.size() > s.scanned) {
            const ScanResult r = s.scanner.feed(seg.subspan(s.scanned - start));
            s.scanned += uint32_t(r.used);
            s.scan_error = r.status;
        }
        start += uint32_t(seg.size());
    }
    if (!had_bytes && s.scanner.head_size() > 0 && s.phase == Phase::head) {
        s.since_ns = c.now_ns();  // RFC 9112 §9.5 leaves timeouts to us: the head's clock starts
        watch(c, s, deadline(s));
    }
}

// True when a request was taken (or refused): the connection moved on.
bool HttpServer::read_head(Connections& c, Conn& s) {
    if (s.pending_error != 0) {
        fail(c, s, s.pending_error);
        return true;
    }
    scan(c, s);
    switch (s.scanner.state()) {
    case ScanState::open:
        if (s.peer_closed) {
            end(c, s);  // no more bytes come: a head begun cannot end
        }
        return false;
    case ScanState::bad:
        fail(c, s, s.scan_error);
        return true;
    case ScanState::complete:
        break;
    }
    // The head is parsed from the scratch buffer, so its bytes are consumed at once: the
    // views of m_head stay valid (an upgrade target gets them after the consume).
    const uint32_t len = uint32_t(s.scanner.head_size());
    const std::span<uint8_t> head = std::span(m_scratch).first(len);
    c.received(s.id).copy_out(0, head);
    c.consume(s.id, len);
    s.scanned = 0;
    s.scanner.reset();
    ++m_stats.requests;
    dispatch(c, s, parse_request_head(head, m_options.head_limits, m_head));
    return true;
}

void HttpServer::dispatch(Connections& c, Conn& s, HeadStatus status) {
    if (status != HeadStatus::ok) {
        fail(c, s, status_code(status));
        return;
    }
    s.head_request = m_head.method == Method::head;
    s.keep_alive10 = m_head.version_minor == 0 && !m_head.connection_close;
    s.close_after = s.close_after || m_head.connection_close || m_draining;
    s.chunked = m_head.chunked;
    s.content_length = m_head.has_content_length ? m_head.content_length : 0;
    const std::string_view path = path_of(m_head.target);
    if (m_head.upgrade_websocket) {
        upgrade(c, s, path);
        return;
    }
    route(s, path);
    if (s.answer.status >= 400) {
        fail(c, s, s.answer.status, s.answer.allow);
    } else if (m_head.has_content_length && m_head.content_length > m_options.max_body) {
        fail(c, s, 413);  // RFC 9110 §15.5.14: refused before any of it is read
    } else if (m_head.has_body()) {
        begin_content(c, s);
    } else {
        content_done(s);
    }
}

// Chooses the resource and the answer's fields; an error leaves its status in the answer.
void HttpServer::route(Conn& s, std::string_view path) {
    Answer& a = s.answer;
    a = Answer{};
    const Method m = m_head.method;
    if (m == Method::other) {
        a.status = 501;  // RFC 9110 §15.6.2: a method we do not recognize
        return;
    }
    uint64_t count = 0;
    const StaticFile* file = nullptr;
    std::string_view allow = kAllowRead;
    if (upgrade_target(path) != nullptr) {
        a.status = 400;  // a WebSocket endpoint's path, without a valid Upgrade (RFC 6455 §4.2.1)
        return;
    }
    if (path.starts_with("/bytes/")) {
        if (!parse_count(path.substr(7), count) || count > m_options.max_pattern) {
            a.status = 404;
            return;
        }
        s.resource = Resource::pattern;
    } else if (path == "/discard") {
        s.resource = Resource::discard;
        allow = kAllowDiscard;
    } else if (m_files != nullptr && (file = m_files->find(path)) != nullptr) {
        s.resource = Resource::file;
    } else if (path == "/") {
        s.resource = Resource::index;
    } else if (path == "*" && m == Method::options) {
        s.resource = Resource::options;
        allow = kAllowAny;
    } else {
        a.status = 404;
        return;
    }
    a.allow = allow;
    if (m == Method::options) {
        s.resource = Resource::options;
        a.status = 204;  // RFC 9110 §9.3.7; §8.6: no Content-Length in a 204
        a.content_length_field = false;
        return;
    }
    const bool allowed = s.resource == Resource::discard ? m == Method::post : (m == Method::get || m == Method::head);
    if (!allowed) {
        a.status = 405;  // RFC 9110 §15.5.6: with the Allow field
        return;
    }
    a.allow = {};
    a.head_only = s.head_request;
    switch (s.resource) {
    case Resource::pattern:
        a.content_type = "application/octet-stream";
        a.kind = BodyKind::pattern;
        a.length = count;
        break;
    case Resource::file:
        describe_file(a, *file);
        break;
    case Resource::index:
        a.content_type = kTextType;
        a.kind = BodyKind::bytes;
        a.bytes = reinterpret_cast<const uint8_t*>(m_index.data());
        a.length = m_index.size();
        break;
    default:
        break;  // discard: its text once the content is read (content_done)
    }
}

void HttpServer::describe_file(Answer& a, const StaticFile& file) const {
    a.content_type = file.content_type;
    a.etag = file.etag;
    a.kind = BodyKind::bytes;
    a.bytes = file.data.data();
    a.shared = file.shared;
    a.length = file.data.size();
    for (const HeaderField& f : m_head.headers()) {
        // RFC 9110 §13.1.2: for GET and HEAD a match is a 304, with the fields a 200 would
        // have had that describe it (§15.4.5), and no content.
        if (equals_ignore_case(f.name, "if-none-match") && if_none_match_matches(f.value, a.etag)) {
            a.status = 304;
            a.content_length_field = false;
            a.kind = BodyKind::none;
            a.length = 0;
            return;
        }
    }
}

UpgradeTarget* HttpServer::upgrade_target(std::string_view path) const {
    for (const Route& r : m_routes) {
        if (r.path == path) {
            return r.target;
        }
    }
    return nullptr;
}

void HttpServer::upgrade(Connections& c, Conn& s, std::string_view path) {
    UpgradeTarget* const target = upgrade_target(path);
    if (target == nullptr) {
        fail(c, s, 404);
        return;
    }
    if (m_draining) {
        fail(c, s, 503);
        return;
    }
    // The target owns the connection's timer and callbacks from here on.
    c.cancel_timer(s.id);
    s.timer_at = kNever;
    s.mode = Mode::upgraded;
    s.target = target;
    if (target->on_upgrade(c, s.id, m_head)) {
        ++m_stats.upgrades;
        return;
    }
    // It answered with an error status: the connection closes behind that answer.
    s.target = nullptr;
    s.mode = Mode::http;
    end(c, s);
}

// ---- request content (RFC 9112 §6.3) ----

void HttpServer::begin_content(Connections& c, Conn& s) {
    s.phase = Phase::content;
    s.content_left = s.content_length;
    s.decoder.reset();
    s.since_ns = c.now_ns();
    watch(c, s, deadline(s));
    // RFC 9110 §10.1.1: the client may wait for this before it sends the content. Sent
    // only when it fits whole (a client waits a while, then sends anyway).
    if (m_head.expect_continue && c.send_room(s.id) >= kContinue.size()) {
        BufferChain interim = c.copy_in(as_bytes(kContinue));
        if (!interim.empty()) {
            c.send(s.id, interim);
        }
    }
}

// True when the content ended (or was refused): the connection moved on.
bool HttpServer::read_content(Connections& c, Conn& s) {
    const app::BufferView in = c.received(s.id);
    uint32_t used = 0;
    bool done = false;
    if (!s.chunked) {
        used = uint32_t(std::min<uint64_t>(in.bytes(), s.content_left));
        s.content_left -= used;
        done = s.content_left == 0;
    } else {
        if (!read_chunked(c, s, used)) {
            return true;  // refused with its status
        }
        done = s.decoder.state() == ChunkState::done;
    }
    if (used > 0) {
        c.consume(s.id, used);
        m_stats.body_bytes += used;
        s.since_ns = c.now_ns();
    }
    if (done) {
        content_done(s);
        return true;
    }
    if (s.peer_closed) {
        end(c, s);  // the content can never be whole
    }
    return false;
}

// Feeds the received bytes to the chunked decoder (at most kMaxDataPieces pieces a feed,
// so a buffer may take several); `used` is what it read. False: refused with its status.
bool HttpServer::read_chunked(Connections& c, Conn& s, uint32_t& used) {
    const app::BufferView in = c.received(s.id);
    for (auto it = in.begin(); it != in.end(); ++it) {
        std::span<const uint8_t> rest = *it;
        while (!rest.empty()) {
            const ChunkResult r = s.decoder.feed(rest);
            used += uint32_t(r.consumed);
            rest = rest.subspan(r.consumed);
            if (r.state == ChunkState::error) {
                fail(c, s, r.status);
                return false;
            }
            if (r.state == ChunkState::done || r.consumed == 0) {
                return true;  // what follows is the next request
            }
        }
    }
    return true;
}

void HttpServer::content_done(Conn& s) {
    if (s.resource == Resource::discard) {
        const uint64_t n = s.chunked ? s.decoder.body_size() : s.content_length;
        const int len = std::snprintf(s.note.data(), s.note.size(), "received %llu bytes\n",
                                      static_cast<unsigned long long>(n));
        Answer& a = s.answer;
        a.content_type = kTextType;
        a.kind = BodyKind::bytes;
        a.bytes = reinterpret_cast<const uint8_t*>(s.note.data());
        a.length = uint64_t(len);
    }
    s.phase = Phase::answer;
}

// ---- answers ----

// An error answer (RFC 9112 §9.6: after it the connection closes, and nothing more of the
// request or of what follows it is read).
void HttpServer::fail(Connections& c, Conn& s, uint16_t status, std::string_view allow) {
    const std::string_view text = status_text(status);
    Answer& a = s.answer;
    a = Answer{};
    a.status = status;
    a.allow = allow;
    a.head_only = s.head_request;
    a.content_type = kTextType;
    a.kind = BodyKind::bytes;
    a.bytes = reinterpret_cast<const uint8_t*>(text.data());
    a.length = text.size();
    ++m_stats.errors;
    s.close_after = true;
    s.pending_error = 0;
    refuse_input(c, s);
    s.phase = Phase::answer;
    s.since_ns = c.now_ns();
}

void HttpServer::refuse_input(Connections& c, Conn& s) {
    if (!s.refusing) {
        s.refusing = true;
        c.stop_reading(s.id);
    }
}

// Queues as much of the answer as the send buffer takes; true once all of it is queued.
bool HttpServer::pump(Connections& c, Conn& s) {
    if (!s.answer.head_made && !make_head(c, s)) {
        return false;
    }
    for (;;) {
        if (!s.out.empty()) {
            const app::SendResult r = c.send(s.id, s.out);
            if (r.accepted > 0) {
                s.since_ns = c.now_ns();
            }
            if (r.status != app::Status::ok) {
                s.out.reset();  // reset by the peer: on_closed follows
                s.mode = Mode::closing;
                return false;
            }
            if (!s.out.empty()) {
                watch(c, s, deadline(s));
                return false;  // on_writable brings us back
            }
        }
        if (s.answer.content_left() == 0) {
            return true;
        }
        const uint32_t room = c.send_room(s.id);
        if (room == 0) {
            watch(c, s, deadline(s));
            return false;  // send_room asked for on_writable
        }
        if (!make_content(c, s, room)) {
            s.timer_at = c.now_ns() + kRetryNs;
            c.set_timer(s.id, kRetryNs);
            return false;
        }
    }
}

// The head goes out with as much content as fits beside it, in one send: sent apart, a
// small answer's content would wait behind Nagle (RFC 9293 §3.7.4) for the ACK of the
// head, which a client in delayed-ACK mode holds back for up to 40 ms.
bool HttpServer::make_head(Connections& c, Conn& s) {
    s.close_after = s.close_after || m_draining;
    HeadContext ctx;
    ctx.date = m_date.at(c.now_ns());
    ctx.server = m_options.server_name;
    ctx.close = s.close_after;
    ctx.keep_alive = s.keep_alive10;
    const size_t len = render_head(s.answer, ctx, m_head_text);
    s.out = c.copy_in(std::span(reinterpret_cast<const uint8_t*>(m_head_text.data()), len));
    if (s.out.empty()) {
        s.timer_at = c.now_ns() + kRetryNs;
        c.set_timer(s.id, kRetryNs);
        return false;
    }
    s.answer.head_made = true;
    s.since_ns = c.now_ns();
    const uint32_t room = c.send_room(s.id);
    if (room > len && s.answer.content_left() > 0) {
        make_content(c, s, uint32_t(room - len));  // if no buffer now: the loop tries again
    }
    return true;
}

// Makes the next piece of content, at most `room` bytes, into buffers behind s.out.
bool HttpServer::make_content(Connections& c, Conn& s, uint32_t room) {
    Answer& a = s.answer;
    const uint32_t n = uint32_t(std::min<uint64_t>({a.content_left(), room, kMaxChunk}));
    const bool by_reference = a.kind == BodyKind::pattern || a.shared != nullptr;
    BufferChain piece = a.kind == BodyKind::pattern ? c.pattern(a.made, n)
                        : a.shared != nullptr      ? c.reference(*a.shared, a.made, n)
                                                   : c.copy_in(std::span(a.bytes + a.made, n));
    if (piece.empty()) {
        return false;
    }
    (by_reference ? m_stats.content_referenced : m_stats.content_copied) += piece.bytes();
    a.made += piece.bytes();
    s.out.append(std::move(piece));
    return true;
}

// The answer is queued whole. True: the connection goes on to its next request.
bool HttpServer::finish_answer(Connections& c, Conn& s) {
    ++m_stats.answers;
    m_stats.not_modified += s.answer.status == 304 ? 1 : 0;
    if (s.close_after || (m_draining && c.received(s.id).empty())) {
        end(c, s);  // while draining, a connection with no request waiting ends here
        return false;
    }
    s.answer = Answer{};
    s.resource = Resource::none;
    s.head_request = s.keep_alive10 = false;
    s.phase = Phase::head;
    s.since_ns = c.now_ns();  // idle from now, or the next head's clock starts now
    watch(c, s, deadline(s));
    return true;
}

// Closes after what is queued; nothing more is read.
void HttpServer::end(Connections& c, Conn& s) {
    refuse_input(c, s);
    c.cancel_timer(s.id);
    s.timer_at = kNever;
    c.close(s.id);
    s.mode = Mode::closing;
}

// ---- graceful shutdown ----

void HttpServer::drain(Connections& c) {
    m_draining = true;
    for (size_t i = 0; i < m_routes.size(); ++i) {
        UpgradeTarget* t = m_routes[i].target;
        const bool seen = std::any_of(m_routes.begin(), m_routes.begin() + long(i),
                                      [t](const Route& r) { return r.target == t; });
        if (!seen) {
            t->drain(c);
        }
    }
    for (Conn& s : m_conns) {
        if (s.mode != Mode::http) {
            continue;
        }
        if (s.phase == Phase::head && s.scanner.head_size() == 0 && c.received(s.id).empty()) {
            end(c, s);  // waiting for a request that is not coming in yet
        } else if (s.phase != Phase::answer || !s.answer.head_made) {
            s.close_after = true;  // RFC 9112 §9.6: the next answer says Connection: close
        }
        // An answer already going out without it is finished; the connection closes after
        // it unless a request is waiting, whose answer then says so (make_head).
    }
}

}  // namespace slip::apps::http
