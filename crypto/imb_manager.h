#pragma once
// One Intel IPSec-MB manager (IMB_MGR), owned: allocated and initialised once, freed on
// destruction. A manager holds job-queue state, so it is per core: never share one between
// threads. It also carries the SIMD path (simd_path.h) that keys made with it use: the
// process's path by default. With the path chosen automatically IPSec-MB picks its own
// (init_mb_mgr_auto); a forced path forces IPSec-MB's matching one (AVX-512, AVX2, SSE).
#include <intel-ipsec-mb.h>

#include "crypto/simd_path.h"

namespace slip::crypto {

class ImbManager {
public:
    ImbManager();
    ImbManager(SimdPath path, bool forced);
    ~ImbManager();
    ImbManager(const ImbManager&) = delete;
    ImbManager& operator=(const ImbManager&) = delete;

    // nullptr when the library could not allocate or found no usable code path.
    IMB_MGR* get() const { return m_mgr; }
    IMB_ARCH arch() const { return m_arch; }
    bool ok() const { return m_mgr != nullptr; }
    SimdPath simd_path() const { return m_path; }

private:
    IMB_MGR* m_mgr = nullptr;
    IMB_ARCH m_arch = IMB_ARCH_NONE;
    SimdPath m_path = SimdPath::sse;
};

}  // namespace slip::crypto
