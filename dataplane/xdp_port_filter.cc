#include "dataplane/xdp_port_filter.h"

#include <unistd.h>

#include <cstdlib>

namespace slip::dataplane {

XdpFilterConfig filter_config(const stack::StackOptions& stack, const stack::MacAddr& mac) {
    XdpFilterConfig c;
    if (stack.ipv4) {
        const uint32_t v = stack.ipv4->addr.value;
        c.ipv4 = {uint8_t(v >> 24), uint8_t(v >> 16), uint8_t(v >> 8), uint8_t(v)};
    }
    if (stack.ipv6) {
        c.ipv6[0] = stack.ipv6->addr.bytes;
    }
    // The stack always answers for its link-local address (RFC 4291 §2.5.6).
    c.ipv6[1] = stack::Ipv6Addr::link_local_from_mac(mac).bytes;
    return c;
}

std::string XdpPortFilter::prepare(PortOptions& port) {
    if (port.kind != PortKind::af_xdp || port.xdp_program != XdpProgramChoice::ours) {
        return {};
    }
    remove_stale_xdp_program(port.iface);
    const char* tmp = std::getenv("TMPDIR");
    if (std::string e = write_xdp_object_file(tmp != nullptr && *tmp != '\0' ? tmp : "/tmp", m_object_path); !e.empty()) {
        return e;
    }
    port.xdp_object_path = m_object_path;
    return {};
}

std::string XdpPortFilter::start(const PortOptions& port, const stack::StackOptions& stack, const stack::MacAddr& mac) {
    if (m_object_path.empty()) {
        return {};
    }
    remove_object_file();  // the driver loaded it when it set up its queues
    auto program = std::make_unique<XdpProgram>();
    if (std::string e = program->adopt_attached(port.iface); !e.empty()) {
        return e;
    }
    if (std::string e = program->configure(filter_config(stack, mac)); !e.empty()) {
        return e;
    }
    m_program = std::move(program);
    return {};
}

XdpPortFilter::~XdpPortFilter() { remove_object_file(); }

void XdpPortFilter::remove_object_file() {
    if (!m_object_path.empty()) {
        unlink(m_object_path.c_str());
        m_object_path.clear();
    }
}

}  // namespace slip::dataplane
