#pragma once
// RFC 862 echo over TCP for the fuzz targets, as small as it gets: what arrives is sent back
// (zero copy) or, when the send buffer is full, dropped; either way it is consumed, so the
// window keeps opening. The harness's own, so the targets do not follow the services'
// changes.
#include "stack/buf/mbuf.h"
#include "stack/tcp/tcp_layer.h"

namespace slip::test {

class FuzzTcpEcho final : public stack::tcp::TcpService {
public:
    explicit FuzzTcpEcho(stack::tcp::TcpLayer& tcp) : m_tcp(tcp) {}
    void on_data(stack::tcp::TcpHandle h, stack::Mbuf* data, uint32_t len, stack::Instant now) override {
        if (!m_tcp.send(h, data, now)) {
            stack::buf::free(data);
        }
        m_tcp.consume(h, len, now);
    }
    void on_peer_closed(stack::tcp::TcpHandle h, stack::Instant now) override { m_tcp.close(h, now); }

private:
    stack::tcp::TcpLayer& m_tcp;
};

}  // namespace slip::test
