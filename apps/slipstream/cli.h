#pragma once
// The `slipstream` command line and TOML config: the only place options are parsed.
#include <CLI/CLI.hpp>

#include <string>

#include "apps/client/tcp_client.h"
#include "dataplane/app_set.h"
#include "dataplane/engine_options.h"

namespace slip::apps {

// What `slipstream run` does besides the engine itself.
struct RunControl {
    double duration_s = 0;        // 0: until SIGINT/SIGTERM
    double stats_interval_s = 0;  // 0: no periodic line
    std::string stats_file;       // JSON counters written at exit
    std::string ready_file;       // created once the engine is serving
    bool quiet = false;
};

// Raw option values as typed; converted into EngineOptions after parsing.
struct RunArgs {
    std::string port = "af_xdp";
    std::string iface = "veth0";
    std::string pci;
    std::string vdev;
    uint16_t queues = 1;
    uint16_t workers = 0;
    double drain_timeout_s = 2;
    uint16_t rx_descriptors = 1024;
    uint16_t tx_descriptors = 1024;
    uint32_t mbufs = 0;
    std::string mac;
    std::string xdp_program = "ours";
    bool xdp_syn_cookies = false;
    std::string ipv4 = "10.0.0.2/24";
    std::string gateway4;
    std::string ipv6 = "fd00::2/64";
    std::string gateway6;
    unsigned ttl = 64;
    unsigned hop_limit = 64;
    double neighbor_reachable_s = 30;
    uint32_t neighbor_capacity = 256;
    uint16_t udp_echo_port = 7;
    uint16_t quic_port = 0;
    std::string quic_cert;
    std::string quic_key;
    std::string quic_retry = "auto";
    uint32_t quic_max_connections = 1024;
    dataplane::QuicOptions::StreamLimits quic_streams;
    std::string quic_keylog;
    std::string qlog_dir;
    uint16_t tcp_echo_port = 7;
    uint16_t tcp_discard_port = 9;
    uint16_t tcp_source_port = 19;
    uint16_t http_port = 80;
    std::string http_root;           // static files served by the HTTP server; empty: none
    uint64_t http_max_body = 1u << 20;
    double http_idle_timeout_s = 60;
    double http_head_timeout_s = 10;
    uint64_t ws_max_message = 1u << 20;
    uint32_t tcp_max_connections = 16384;
    uint32_t tcp_buffer_kb = 1024;
    std::string tcp_cc = "cubic";
    uint32_t tcp_initcwnd = 10;
    uint32_t tcp_mss_clamp = 0;
    double tcp_msl_s = 30;
    bool tcp_no_syn_cookies = false;
    uint32_t tcp_syn_backlog = 1024;
    bool tcp_no_fast_open = false;
    bool tcp_no_nagle = false;
    std::string tcp_client;  // MODE@HOST:PORT
    uint32_t tcp_client_connections = 1;
    uint64_t tcp_client_count = 1;
    uint64_t tcp_client_bytes = 0;
    uint64_t tcp_client_rounds = 1000;
    bool tcp_client_fast_open = false;
    std::string impair;
    std::string impair_rx;
    std::string impair_tx;
    std::string cpu_path;  // "" (SLIP_CPU_PATH, else auto), auto, avx512, avx2-vaes, avx2, sse
    std::string lcores;
    uint32_t memory_mb = 256;
    std::string hugepages = "auto";
    std::string huge_dir;
    std::string file_prefix;
    std::string log_level = "error";
    std::string eal_args;
    uint32_t burst = 64;
    RunControl control;
};

void add_run_options(CLI::App& run, RunArgs& args);
// The applications `slipstream run` serves: the TCP services (echo, discard, source, HTTP)
// and UDP echo whose port is not 0, and the TCP client when `tcp_client` is enabled.
dataplane::AppSet service_apps(const RunArgs& args, const client::TcpClientOptions& tcp_client);

// Converts and validates; on error returns false and sets `error` to one line.
bool to_engine_options(const RunArgs& args, dataplane::EngineOptions& out, std::string& error);
// The TCP client's options (--tcp-client...; not enabled without it), checked against the
// engine's connections per core; on error returns false and sets `error` to one line.
bool client_options(const RunArgs& args, uint32_t max_connections, client::TcpClientOptions& out, std::string& error);

}  // namespace slip::apps
