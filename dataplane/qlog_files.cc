#include "dataplane/qlog_files.h"

#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <sys/stat.h>

namespace slip::dataplane {

QlogFiles::QlogFiles(std::string dir, size_t slots) : m_dir(std::move(dir)), m_files(slots) {}

QlogFiles::~QlogFiles() {
    for (File& f : m_files) {
        if (f.f != nullptr) {
            std::fclose(f.f);
        }
    }
}

stack::quic::QlogSink* QlogFiles::open(uint32_t slot, stack::quic::Role role, std::span<const uint8_t> odcid) {
    if (slot >= m_files.size()) {
        return nullptr;
    }
    static constexpr char kHex[] = "0123456789abcdef";
    std::string name = m_dir + "/";
    for (uint8_t b : odcid) {
        name += kHex[b >> 4];
        name += kHex[b & 15];
    }
    name += role == stack::quic::Role::server ? "-server.sqlog" : "-client.sqlog";
    File& file = m_files[slot];
    if (file.f != nullptr) {
        std::fclose(file.f);
    }
    file.f = std::fopen(name.c_str(), "w");
    if (file.f == nullptr) {
        ++m_failures;
        return nullptr;
    }
    std::setvbuf(file.f, nullptr, _IOFBF, 64 * 1024);
    ++m_opened;
    return &file;
}

void QlogFiles::close(uint32_t slot) {
    if (slot < m_files.size() && m_files[slot].f != nullptr) {
        std::fclose(m_files[slot].f);
        m_files[slot].f = nullptr;
    }
}

std::string check_qlog_dir(const std::string& dir) {
    struct stat st {};
    if (::stat(dir.c_str(), &st) != 0 || !S_ISDIR(st.st_mode)) {
        return "--qlog-dir " + dir + ": not a directory; create it first";
    }
    if (::access(dir.c_str(), W_OK) != 0) {
        return "--qlog-dir " + dir + ": not writable (" + std::strerror(errno) + "); choose another directory";
    }
    return {};
}

}  // namespace slip::dataplane
