#pragma once
// qlog files for a core's QUIC connections (--qlog-dir): one file per connection, named
// after its original destination connection ID and role as ngtcp2 names its own
// (<odcid>-<server|client>.sqlog), written through a stdio buffer so that a record costs a
// copy and the kernel is entered once per buffer, not per event. A debugging aid: the
// connection's packets are listed, so it is off unless asked for.
#include <cstdint>
#include <cstdio>
#include <string>
#include <string_view>
#include <vector>

#include "stack/quic/endpoint.h"

namespace slip::dataplane {

class QlogFiles final : public stack::quic::QlogFactory {
public:
    // `dir` must exist and be writable (checked with the options at start).
    explicit QlogFiles(std::string dir, size_t slots);
    ~QlogFiles();
    QlogFiles(const QlogFiles&) = delete;
    QlogFiles& operator=(const QlogFiles&) = delete;

    stack::quic::QlogSink* open(uint32_t slot, stack::quic::Role role, std::span<const uint8_t> original_dcid) override;
    void close(uint32_t slot) override;

    uint64_t files_opened() const { return m_opened; }
    uint64_t open_failures() const { return m_failures; }  // the directory went away, or no fd left

private:
    struct File final : stack::quic::QlogSink {
        std::FILE* f = nullptr;
        void record(std::string_view bytes) override {
            if (f != nullptr) {
                std::fwrite(bytes.data(), 1, bytes.size(), f);
            }
        }
    };
    std::string m_dir;
    std::vector<File> m_files;  // per slot
    uint64_t m_opened = 0;
    uint64_t m_failures = 0;
};

// One line saying why `dir` cannot take qlog files, or empty.
std::string check_qlog_dir(const std::string& dir);

}  // namespace slip::dataplane
