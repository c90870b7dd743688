#include "apps/services/udp_echo.h"

namespace slip::apps {

stack::UdpAction UdpEcho::on_datagram(stack::Mbuf*, const stack::UdpMeta&, stack::Instant) {
    ++m_datagrams;
    return stack::UdpAction::reflect;
}

}  // namespace slip::apps
