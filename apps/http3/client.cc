#include "apps/http3/client.h"

#include <charconv>

namespace slip::apps::http3 {

Http3Client::Http3Client(std::string authority, std::string user_agent)
    : m_authority(std::move(authority)), m_user_agent(std::move(user_agent)) {}

size_t Http3Client::get(std::string_view path, bool head) {
    Http3Response r;
    r.path = std::string(path);
    r.head = head;
    m_responses.push_back(std::move(r));
    return m_responses.size() - 1;
}

bool Http3Client::start(Http3Response& r) {
    // RFC 9114 §4.3.1: the request pseudo-header fields.
    const Field fields[] = {
        {":method", r.head ? "HEAD" : "GET"},
        {":scheme", "https"},
        {":authority", m_authority},
        {":path", r.path},
        {"user-agent", m_user_agent},
    };
    int64_t stream = -1;
    if (!m_session->submit_request(fields, false, stream)) {
        return false;
    }
    r.stream = stream;
    m_by_stream[stream] = size_t(&r - m_responses.data());
    return true;
}

void Http3Client::poll(uint64_t now_ns) {
    m_session->poll(now_ns);
    bool started = false;
    if (m_session->goaway_received()) {
        // RFC 9114 §5.2: no new request after GOAWAY; those not sent are rejected here.
        for (; m_next < m_responses.size(); ++m_next) {
            m_responses[m_next].rejected = true;
            m_responses[m_next].closed = true;
        }
    }
    while (m_next < m_responses.size() && m_session->ready() && !m_session->failed()) {
        Http3Response& r = m_responses[m_next];
        if (!r.cancelled && !start(r)) {
            break;  // the server's stream limit: the next poll tries again
        }
        if (r.cancelled) {
            r.closed = true;
        }
        ++m_next;
        started = true;
    }
    if (started) {
        m_session->poll(now_ns);  // the new requests go out with this poll's datagrams
    }
}

void Http3Client::cancel(size_t index) {
    Http3Response& r = m_responses[index];
    r.cancelled = true;
    if (r.stream >= 0 && !r.closed) {
        m_session->cancel(r.stream, H3Error::request_cancelled);
    }
}

bool Http3Client::done() const {
    for (const Http3Response& r : m_responses) {
        if (!r.closed) {
            return false;
        }
    }
    return true;
}

Http3Response* Http3Client::find(int64_t stream) {
    const auto it = m_by_stream.find(stream);
    return it == m_by_stream.end() ? nullptr : &m_responses[it->second];
}

void Http3Client::on_field(int64_t stream, std::string_view name, std::string_view value) {
    Http3Response* r = find(stream);
    if (r == nullptr) {
        return;
    }
    if (name == ":status") {
        int status = 0;
        std::from_chars(value.data(), value.data() + value.size(), status);
        r->status = status;
    } else {
        r->fields.emplace_back(std::string(name), std::string(value));
    }
}

void Http3Client::on_body(int64_t stream, std::span<const uint8_t> bytes) {
    if (Http3Response* r = find(stream)) {
        r->body_bytes += bytes.size();
        if (m_keep_bodies) {
            r->body.insert(r->body.end(), bytes.begin(), bytes.end());
        }
    }
}

void Http3Client::on_end(int64_t stream) {
    if (Http3Response* r = find(stream)) {
        r->complete = true;
    }
}

// RFC 9114 §5.2: requests on streams from `id` on were not processed; their streams are
// reset by the server or closed with the connection.
void Http3Client::on_goaway(int64_t id) {
    for (Http3Response& r : m_responses) {
        if (r.stream >= id) {
            r.rejected = true;
        }
    }
}

void Http3Client::on_closed(int64_t stream, uint64_t error) {
    if (Http3Response* r = find(stream)) {
        r->closed = true;
        r->error = error;
    }
}

}  // namespace slip::apps::http3
