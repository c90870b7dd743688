#pragma once
// One Intel IPSec-MB manager (IMB_MGR), owned: allocated and initialised with automatic
// CPU detection once, freed on destruction. A manager holds job-queue state, so it is
// per core: never share one between threads.
#include <intel-ipsec-mb.h>

namespace slip::crypto {

class ImbManager {
public:
    ImbManager();
    ~ImbManager();
    ImbManager(const ImbManager&) = delete;
    ImbManager& operator=(const ImbManager&) = delete;

    // nullptr when the library could not allocate or found no usable code path.
    IMB_MGR* get() const { return m_mgr; }
    IMB_ARCH arch() const { return m_arch; }
    bool ok() const { return m_mgr != nullptr; }

private:
    IMB_MGR* m_mgr = nullptr;
    IMB_ARCH m_arch = IMB_ARCH_NONE;
};

}  // namespace slip::crypto
