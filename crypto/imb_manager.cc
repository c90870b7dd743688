#include "crypto/imb_manager.h"

namespace slip::crypto {

ImbManager::ImbManager() : ImbManager(process_simd_path().path, process_simd_path().forced) {}

ImbManager::ImbManager(SimdPath path, bool forced) : m_path(path) {
    m_mgr = alloc_mb_mgr(0);
    if (m_mgr == nullptr) {
        return;
    }
    if (!forced) {
        init_mb_mgr_auto(m_mgr, &m_arch);
    } else if (path == SimdPath::avx512) {
        init_mb_mgr_avx512(m_mgr);
        m_arch = IMB_ARCH_AVX512;
    } else if (path == SimdPath::sse) {
        init_mb_mgr_sse(m_mgr);
        m_arch = IMB_ARCH_SSE;
    } else {
        init_mb_mgr_avx2(m_mgr);
        m_arch = IMB_ARCH_AVX2;
    }
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
