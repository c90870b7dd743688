#include "crypto/imb_manager.h"

namespace slip::crypto {

ImbManager::ImbManager() {
    m_mgr = alloc_mb_mgr(0);
    if (m_mgr == nullptr) {
        return;
    }
    init_mb_mgr_auto(m_mgr, &m_arch);
    if (m_arch == IMB_ARCH_NONE || imb_get_errno(m_mgr) != 0) {
        free_mb_mgr(m_mgr);
        m_mgr = nullptr;
    }
}

ImbManager::~ImbManager() {
    if (m_mgr != nullptr) {
        free_mb_mgr(m_mgr);
    }
}

}  // namespace slip::crypto
