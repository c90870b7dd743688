#include "stack/services/udp_echo.h"

namespace slip::stack {

UdpAction UdpEcho::on_datagram(Mbuf*, const UdpMeta&, Instant) {
    ++m_datagrams;
    return UdpAction::reflect;
}

}  // namespace slip::stack
