#pragma once
// Applications (apps/) served by B's TCP through the application interface, inline, as the
// engine serves them: one binding, a pattern source, and a tap that remembers the latest
// connection so tests can look at what the engine holds for it.
#include <boost/test/unit_test.hpp>

#include "stack/app/tcp_binding.h"
#include "stack/buf/pattern_source.h"
#include "tests/support/test_env.h"

namespace slip::test {

// Passes every callback on to `inner`, remembering the latest connection.
class Tap final : public app::Application {
public:
    explicit Tap(app::Application& inner) : m_inner(inner) {}
    bool on_accepted(app::Connections& c, app::ConnId id, const app::Endpoint& e) override {
        last = id;
        return m_inner.on_accepted(c, id, e);
    }
    void on_connected(app::Connections& c, app::ConnId id) override {
        last = id;
        m_inner.on_connected(c, id);
    }
    void on_data(app::Connections& c, app::ConnId id) override { m_inner.on_data(c, id); }
    void on_writable(app::Connections& c, app::ConnId id) override { m_inner.on_writable(c, id); }
    void on_peer_closed(app::Connections& c, app::ConnId id) override { m_inner.on_peer_closed(c, id); }
    void on_closed(app::Connections& c, app::ConnId id, app::CloseReason r) override {
        m_inner.on_closed(c, id, r);
    }
    void on_timer(app::Connections& c, app::ConnId id) override { m_inner.on_timer(c, id); }
    app::ConnId last;

private:
    app::Application& m_inner;
};

struct AppHost {
    stack::PatternSource pattern{pool(), view_pool()};
    app::TcpBinding binding;
    // `held_pool`: where data held past `max_held_buffers` is copied (none by default).
    explicit AppHost(stack::tcp::TcpLayer& tcp, stack::MbufPool* held_pool = nullptr,
                     uint32_t max_held_buffers = app::TcpBinding::kDefaultMaxHeldBuffers)
        : binding(tcp, pool(), view_pool(), &pattern, 0, held_pool, max_held_buffers) {}
    void serve(uint16_t port, app::Application& a) { BOOST_REQUIRE(binding.listen(port, &a)); }
    // Bytes the engine holds for `id`'s application (0 once the connection is gone).
    uint32_t held_bytes(app::ConnId id) const {
        const stack::HeldChain* h = binding.held(id);
        return h != nullptr ? h->bytes() : 0;
    }
    uint32_t held_buffers(app::ConnId id) const {
        const stack::HeldChain* h = binding.held(id);
        return h != nullptr ? h->buffers() : 0;
    }
};

}  // namespace slip::test
