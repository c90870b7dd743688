#include "dataplane/quic_options.h"

#include <cstdio>

namespace slip::dataplane {

namespace {

// Checked here, before EAL starts, so that a typo costs one line and not a port bring-up.
bool readable(const std::string& path) {
    std::FILE* f = std::fopen(path.c_str(), "rb");
    if (f == nullptr) {
        return false;
    }
    std::fclose(f);
    return true;
}

}  // namespace

std::string QuicOptions::validate() const {
    if (!enabled()) {
        return {};
    }
    if (cert_file.empty() || key_file.empty()) {
        return "--quic-port " + std::to_string(port) +
               " needs --quic-cert and --quic-key (PEM certificate and private key); make a pair with e.g. "
               "'openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -keyout key.pem "
               "-out cert.pem -subj /CN=localhost'";
    }
    if (!readable(cert_file)) {
        return "--quic-cert '" + cert_file + "' cannot be read; give a readable PEM certificate file";
    }
    if (!readable(key_file)) {
        return "--quic-key '" + key_file + "' cannot be read; give a readable PEM private key file";
    }
    if (uni_streams > 1000) {
        return "--quic-uni-streams " + std::to_string(uni_streams) + ": at most 1000 (HTTP/3 needs 3)";
    }
    if (max_connections == 0 || max_connections > (1u << 20)) {
        return "QUIC connections per core must be between 1 and 1048576";
    }
    return {};
}

}  // namespace slip::dataplane
