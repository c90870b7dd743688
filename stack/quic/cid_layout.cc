#include "stack/quic/cid_layout.h"

#include <algorithm>

namespace slip::stack::quic {

std::string CidLayoutOptions::validate() const {
    if (length < 8 || length > kMaxConnectionIdLength) {
        return "quic cid length " + std::to_string(length) + " is outside 8-20 bytes";
    }
    if (config_id > 6) {
        return "quic cid configuration id " + std::to_string(config_id) + " is above 6 (7 means unroutable)";
    }
    if (server_id_length > 6 || server_id_length + 2u + CidLayout::kMinNonce > length) {
        return "quic cid server id of " + std::to_string(server_id_length) + " bytes leaves fewer than " +
               std::to_string(CidLayout::kMinNonce) + " random bytes in a " + std::to_string(length) +
               "-byte cid; shorten the server id or lengthen the cid";
    }
    if (server_id_length < 8 && server_id >> (8 * server_id_length) != 0) {
        return "quic server id " + std::to_string(server_id) + " does not fit " + std::to_string(server_id_length) +
               " bytes";
    }
    return {};
}

ConnectionId CidLayout::make(uint8_t core, std::span<const uint8_t> random) const {
    uint8_t bytes[kMaxConnectionIdLength] = {};
    bytes[0] = uint8_t(m_o.config_id << 5 | ((m_o.length - 1) & 0x1f));
    for (size_t i = 0; i < m_o.server_id_length; ++i) {
        bytes[1 + i] = uint8_t(m_o.server_id >> (8 * (m_o.server_id_length - 1 - i)));
    }
    bytes[1 + m_o.server_id_length] = core;
    const size_t nonce = nonce_length();
    std::copy_n(random.begin(), std::min(nonce, random.size()), bytes + 2 + m_o.server_id_length);
    ConnectionId cid;
    ConnectionId::from(std::span<const uint8_t>(bytes, m_o.length), cid);
    return cid;
}

bool CidLayout::core_of(std::span<const uint8_t> dcid, uint8_t& core) const {
    if (dcid.size() != m_o.length || dcid[0] >> 5 != m_o.config_id || (dcid[0] & 0x1f) != m_o.length - 1) {
        return false;
    }
    uint64_t server = 0;
    for (size_t i = 0; i < m_o.server_id_length; ++i) {
        server = server << 8 | dcid[1 + i];
    }
    if (server != m_o.server_id) {
        return false;
    }
    core = dcid[1 + m_o.server_id_length];
    return true;
}

}  // namespace slip::stack::quic
