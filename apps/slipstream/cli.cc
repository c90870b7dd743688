#include "apps/slipstream/cli.h"

#include <filesystem>
#include <sstream>

namespace slip::apps {

void add_run_options(CLI::App& run, RunArgs& a) {
    run.set_config("-c,--config", "", "Read options from a TOML file (keys are the long option names)");

    run.add_option("--port", a.port, "Port driver: af_xdp, af_packet, tap, pci or vdev")
        ->capture_default_str()->group("Port");
    run.add_option("--iface", a.iface, "Kernel interface for af_xdp/af_packet; tap interface to create for tap")
        ->capture_default_str()->group("Port");
    run.add_option("--pci", a.pci, "PCI address for --port pci (e.g. 0000:3b:00.0)")->group("Port");
    run.add_option("--vdev", a.vdev, "DPDK vdev string for --port vdev (e.g. net_memif0,role=server)")->group("Port");
    run.add_option("--queues", a.queues, "RX/TX queue pairs, one polling core each")
        ->capture_default_str()->check(CLI::Range(1, 64))->group("Port");
    run.add_option("--workers", a.workers,
                   "Application worker cores (0: the applications run inline on the polling cores)")
        ->capture_default_str()->check(CLI::Range(0, 64))->group("Services");
    run.add_option("--drain-timeout", a.drain_timeout_s,
                   "Seconds the applications get on SIGINT/SIGTERM to finish (HTTP: Connection: close; WebSocket: close "
                   "1001) before the engine stops (0: at once)")
        ->capture_default_str()->check(CLI::Range(0.0, 3600.0))->group("Applications");
    run.add_option("--rx-descriptors", a.rx_descriptors, "RX ring size per queue")->capture_default_str()->group("Port");
    run.add_option("--tx-descriptors", a.tx_descriptors, "TX ring size per queue")->capture_default_str()->group("Port");
    run.add_option("--mbufs", a.mbufs, "Packet buffers in the pool (0: sized from the rings)")
        ->capture_default_str()->group("Port");
    run.add_option("--mac", a.mac, "MAC address to use instead of the device's")->group("Port");
    run.add_option("--xdp-program", a.xdp_program,
                   "XDP program of an af_xdp port: ours (only the engine's frames reach it, the kernel keeps the "
                   "rest of the interface) or dpdk (DPDK's default: every frame of the queue)")
        ->capture_default_str()->check(CLI::IsMember({"ours", "dpdk"}))->group("Port");
    run.add_flag("--xdp-syn-cookies", a.xdp_syn_cookies,
                 "Our XDP program answers SYNs to listening ports with SYN cookies itself (floods never reach "
                 "the engine; every connection gets cookie options)")
        ->group("Port");

    run.add_option("--ipv4", a.ipv4, "Engine IPv4 address/prefix (empty: no IPv4)")->capture_default_str()->group("Network");
    run.add_option("--gateway4", a.gateway4, "IPv4 next hop for off-link destinations")->group("Network");
    run.add_option("--ipv6", a.ipv6, "Engine IPv6 address/prefix (empty: link-local only)")
        ->capture_default_str()->group("Network");
    run.add_option("--gateway6", a.gateway6, "IPv6 next hop for off-link destinations")->group("Network");
    run.add_option("--ttl", a.ttl, "TTL of IPv4 packets we send")->capture_default_str()->check(CLI::Range(1, 255))
        ->group("Network");
    run.add_option("--hop-limit", a.hop_limit, "Hop limit of IPv6 packets we send")->capture_default_str()
        ->check(CLI::Range(1, 255))->group("Network");
    run.add_option("--neighbor-reachable", a.neighbor_reachable_s, "Seconds an ARP/NDP entry is trusted")
        ->capture_default_str()->group("Network");
    run.add_option("--neighbor-capacity", a.neighbor_capacity, "ARP/NDP entries per core")->capture_default_str()
        ->group("Network");

    run.add_option("--udp-echo-port", a.udp_echo_port, "UDP echo service port (0: off)")->capture_default_str()
        ->group("Services");
    run.add_option("--quic-port", a.quic_port,
                   "QUIC v1 server UDP port on every polling core, HTTP/3 serving what the HTTP server does (0: off)")
        ->capture_default_str()->group("QUIC");
    run.add_option("--quic-cert", a.quic_cert, "QUIC server certificate chain, PEM (required with --quic-port)")
        ->group("QUIC");
    run.add_option("--quic-key", a.quic_key, "QUIC server private key, PEM (required with --quic-port)")->group("QUIC");
    run.add_option("--quic-retry", a.quic_retry,
                   "Address validation with Retry: always, or auto (only once handshakes pile up on a core)")
        ->capture_default_str()->check(CLI::IsMember({"always", "auto"}))->group("QUIC");
    run.add_option("--quic-max-connections", a.quic_max_connections, "QUIC connection slots per core")
        ->capture_default_str()->group("QUIC");
    run.add_option("--quic-max-streams-bidi", a.quic_streams.bidi,
                   "Bidirectional streams (HTTP/3 requests) a client may have open at once")
        ->capture_default_str()->group("QUIC");
    run.add_option("--quic-max-streams-uni", a.quic_streams.uni,
                   "Unidirectional streams a client may have open at once (HTTP/3 needs 3)")
        ->capture_default_str()->group("QUIC");
    run.add_option("--quic-stream-window", a.quic_streams.stream_window,
                   "Bytes a client may send on a stream ahead of what was read (at most 131072)")
        ->capture_default_str()->group("QUIC");
    run.add_option("--quic-connection-window", a.quic_streams.connection_window,
                   "Bytes a client may send on a connection ahead of what was read")
        ->capture_default_str()->group("QUIC");
    run.add_option("--quic-keylog", a.quic_keylog,
                   "Append every QUIC handshake's secrets here (SSLKEYLOGFILE format, for decrypting captures)")
        ->group("QUIC");
    run.add_option("--qlog-dir", a.qlog_dir,
                   "Write a qlog per QUIC connection into this directory (qlog 0.3 JSON-SEQ, as qvis reads)")
        ->group("QUIC");
    run.add_option("--tcp-echo-port", a.tcp_echo_port, "TCP echo service port (0: off)")->capture_default_str()
        ->group("Services");
    run.add_option("--tcp-discard-port", a.tcp_discard_port, "TCP discard service port (0: off)")
        ->capture_default_str()->group("Services");
    run.add_option("--tcp-source-port", a.tcp_source_port, "TCP bulk source port (0: off)")->capture_default_str()
        ->group("Services");
    run.add_option("--http-port", a.http_port, "HTTP/1.1 server port: files, GET /bytes/N, WebSockets at /ws/echo and /ws/broadcast (0: off)")
        ->capture_default_str()->group("Services");
    run.add_option("--http-root", a.http_root, "Directory of static files the HTTP and HTTP/3 servers serve (loaded once at start)")
        ->group("Services");
    run.add_option("--http-max-body", a.http_max_body, "Largest request content the HTTP server reads (more: 413)")
        ->capture_default_str()->group("Services");
    run.add_option("--http-idle-timeout", a.http_idle_timeout_s, "Seconds a kept-alive HTTP connection may idle")
        ->capture_default_str()->check(CLI::PositiveNumber)->group("Services");
    run.add_option("--http-head-timeout", a.http_head_timeout_s,
                   "Seconds a request head may take from its first byte (slow clients get 408)")
        ->capture_default_str()->check(CLI::PositiveNumber)->group("Services");
    run.add_option("--ws-max-message", a.ws_max_message, "Largest WebSocket message (more: close 1009)")
        ->capture_default_str()->check(CLI::Range(uint64_t(1), uint64_t(16) << 20))->group("Services");

    run.add_option("--tcp-max-connections", a.tcp_max_connections, "TCP connection slots per core")
        ->capture_default_str()->group("TCP");
    run.add_option("--tcp-buffer-kb", a.tcp_buffer_kb, "TCP send and receive buffer per connection, KiB")
        ->capture_default_str()->check(CLI::Range(4, 1 << 20))->group("TCP");
    run.add_option("--tcp-cc", a.tcp_cc, "Congestion control: cubic or newreno")->capture_default_str()->group("TCP");
    run.add_option("--tcp-initcwnd", a.tcp_initcwnd, "Initial congestion window, segments")->capture_default_str()
        ->group("TCP");
    run.add_option("--tcp-mss-clamp", a.tcp_mss_clamp, "Largest MSS announced and used (0: from the MTU)")
        ->capture_default_str()->group("TCP");
    run.add_option("--tcp-msl", a.tcp_msl_s, "Maximum segment lifetime, seconds (TIME-WAIT lasts 2 MSL)")
        ->capture_default_str()->group("TCP");
    run.add_option("--tcp-syn-backlog", a.tcp_syn_backlog, "Half-open connections per port before SYN cookies")
        ->capture_default_str()->group("TCP");
    run.add_flag("--tcp-no-syn-cookies", a.tcp_no_syn_cookies, "Drop SYNs when the backlog is full instead")
        ->group("TCP");
    run.add_flag("--tcp-no-fast-open", a.tcp_no_fast_open, "Refuse TCP Fast Open (RFC 7413): no cookies, no SYN data")
        ->group("TCP");
    run.add_flag("--tcp-no-nagle", a.tcp_no_nagle,
                 "Nagle off for every connection (as TCP_NODELAY): short segments go at once")
        ->group("TCP");

    run.add_option("--tcp-client", a.tcp_client,
                   "Also connect out: MODE@HOST:PORT, MODE echo, send, rr, http or http-keepalive (e.g. http@10.0.0.1:80); "
                   "the engine stops when the client is done")
        ->group("TCP client");
    run.add_option("--tcp-client-connections", a.tcp_client_connections, "Connections open at a time")
        ->capture_default_str()->group("TCP client");
    run.add_option("--tcp-client-count", a.tcp_client_count, "Connections to complete in all (0: until stopped)")
        ->capture_default_str()->group("TCP client");
    run.add_option("--tcp-client-bytes", a.tcp_client_bytes,
                   "send: bytes per connection (0: endless); rr: request size (default 64); http: body size")
        ->capture_default_str()->group("TCP client");
    run.add_option("--tcp-client-rounds", a.tcp_client_rounds,
                   "rr: request/response rounds per connection; http-keepalive: requests per connection")
        ->capture_default_str()->group("TCP client");
    run.add_flag("--tcp-client-fast-open", a.tcp_client_fast_open,
                 "Use TCP Fast Open: the first connection fetches a cookie, later ones send on the SYN")
        ->group("TCP client");

    const char* spec = "e.g. loss=10%,delay=5ms,jitter=1ms,reorder=1%,duplicate=0.5%,corrupt=0.1%,seed=7";
    run.add_option("--impair", a.impair, std::string("Impair both directions: ") + spec)->group("Impairment");
    run.add_option("--impair-rx", a.impair_rx, "Impair frames arriving from the port")->group("Impairment");
    run.add_option("--impair-tx", a.impair_tx, "Impair frames leaving to the port")->group("Impairment");
    run.add_option("--cpu-path", a.cpu_path,
                   "SIMD path for packet crypto: auto (the best this CPU has), avx512, avx2-vaes, avx2 or sse; "
                   "default: SLIP_CPU_PATH, else auto");

    run.add_option("--lcores", a.lcores, "CPU cores, first is main (default: last queues+1 cores)")->group("EAL");
    run.add_option("--memory", a.memory_mb, "MiB of memory to reserve")->capture_default_str()->group("EAL");
    run.add_option("--hugepages", a.hugepages, "auto (use if available), on (required) or off")
        ->capture_default_str()->check(CLI::IsMember({"auto", "on", "off"}))->group("EAL");
    run.add_option("--huge-dir", a.huge_dir, "hugetlbfs mount to use")->group("EAL");
    run.add_option("--file-prefix", a.file_prefix, "Name of this process's hugepage files (default slipstream-PID)")
        ->group("EAL");
    run.add_option("--log-level", a.log_level, "DPDK log level (error, warning, notice, info, debug)")
        ->capture_default_str()->group("EAL");
    run.add_option("--eal-args", a.eal_args, "Extra EAL arguments, passed through as they are")->group("EAL");
    run.add_option("--burst", a.burst, "Frames per RX burst")->capture_default_str()->check(CLI::Range(1, 64))
        ->group("EAL");

    run.add_option("--duration", a.control.duration_s, "Stop after this many seconds (0: run until Ctrl-C)")
        ->capture_default_str()->group("Output");
    run.add_option("--stats-interval", a.control.stats_interval_s, "Print a counter line every N seconds (0: off)")
        ->capture_default_str()->group("Output");
    run.add_option("--stats-file", a.control.stats_file, "Write all counters as JSON here at exit")->group("Output");
    run.add_option("--ready-file", a.control.ready_file, "Create this file once the engine is serving")
        ->group("Output");
    run.add_flag("-q,--quiet", a.control.quiet, "Print only errors and the final counters")->group("Output");
}

namespace {

// MODE@HOST:PORT, HOST an IPv4 address or a bracketed IPv6 one.
bool client_target(const RunArgs& a, client::TcpClientOptions& c, std::string& error) {
    const std::string& spec = a.tcp_client;
    const auto at = spec.find('@');
    const auto colon = spec.rfind(':');
    const std::string usage = "--tcp-client '" + spec + "' is not MODE@HOST:PORT like http@10.0.0.1:80 or echo@[fd00::1]:7";
    if (at == std::string::npos || colon == std::string::npos || colon < at) {
        error = usage;
        return false;
    }
    if (!client::parse_client_mode(spec.substr(0, at), c.mode)) {
        error = "--tcp-client mode '" + spec.substr(0, at) + "' is not one of echo, send, rr, http, http-keepalive";
        return false;
    }
    std::string host = spec.substr(at + 1, colon - at - 1);
    const std::string port = spec.substr(colon + 1);
    if (host.size() > 2 && host.front() == '[' && host.back() == ']') {
        const auto v6 = stack::Ipv6Addr::parse(host.substr(1, host.size() - 2));
        if (!v6) {
            error = usage;
            return false;
        }
        c.remote = *v6;
    } else if (const auto v4 = stack::Ipv4Addr::parse(host)) {
        c.remote = stack::Ipv6Addr::v4_mapped(*v4);
    } else {
        error = usage;
        return false;
    }
    char* end = nullptr;
    const unsigned long p = std::strtoul(port.c_str(), &end, 10);
    if (port.empty() || *end != '\0' || p == 0 || p > 65535) {
        error = usage;
        return false;
    }
    c.port = static_cast<uint16_t>(p);
    c.connections = a.tcp_client_connections;
    c.count = a.tcp_client_count;
    c.bytes = a.tcp_client_bytes;
    if (c.mode == client::ClientMode::rr && c.bytes == 0) {
        c.bytes = 64;
    }
    c.rounds = a.tcp_client_rounds;
    c.fast_open = a.tcp_client_fast_open;
    return true;
}

bool impairment(const std::string& name, const std::string& spec, dataplane::ImpairmentOptions& out,
                std::string& error) {
    std::string why;
    const auto parsed = dataplane::ImpairmentOptions::parse(spec, why);
    if (!parsed) {
        error = "--" + name + " '" + spec + "': " + why;
        return false;
    }
    out = *parsed;
    return true;
}

}  // namespace

bool client_options(const RunArgs& a, uint32_t max_connections, client::TcpClientOptions& out, std::string& error) {
    out = {};
    if (!a.tcp_client.empty() && !client_target(a, out, error)) {
        return false;
    }
    error = out.validate(max_connections);
    return error.empty();
}

bool to_engine_options(const RunArgs& a, dataplane::EngineOptions& o, std::string& error) {
    const auto kind = dataplane::parse_port_kind(a.port);
    if (!kind) {
        error = "--port '" + a.port + "' is not a port driver; use af_xdp, af_packet, tap, pci or vdev";
        return false;
    }
    o.port.kind = *kind;
    o.port.iface = a.iface;
    o.port.pci = a.pci;
    o.port.vdev = a.vdev;
    if (!a.http_root.empty() && !std::filesystem::is_directory(a.http_root)) {
        error = "--http-root '" + a.http_root + "' is not a directory; give the directory of the files to serve";
        return false;
    }
    o.port.queues = a.queues;
    o.workers = a.workers;
    o.drain_timeout_ns = uint64_t(a.drain_timeout_s * 1e9);
    o.port.rx_descriptors = a.rx_descriptors;
    o.port.tx_descriptors = a.tx_descriptors;
    o.port.mbufs = a.mbufs;
    o.port.xdp_program = a.xdp_program == "dpdk" ? dataplane::XdpProgramChoice::dpdk : dataplane::XdpProgramChoice::ours;
    o.port.xdp_syn_cookies = a.xdp_syn_cookies;
    if (!a.mac.empty()) {
        o.port.mac = stack::MacAddr::parse(a.mac);
        if (!o.port.mac || o.port.mac->is_multicast() || o.port.mac->is_zero()) {
            error = "--mac '" + a.mac + "' is not a unicast MAC address like 02:00:00:00:00:01";
            return false;
        }
    }
    if (!a.ipv4.empty()) {
        o.stack.ipv4 = stack::Ipv4Prefix::parse(a.ipv4);
        if (!o.stack.ipv4) {
            error = "--ipv4 '" + a.ipv4 + "' is not an address/prefix like 10.0.0.2/24";
            return false;
        }
    }
    if (!a.gateway4.empty() && !(o.stack.gateway4 = stack::Ipv4Addr::parse(a.gateway4))) {
        error = "--gateway4 '" + a.gateway4 + "' is not an IPv4 address";
        return false;
    }
    if (!a.ipv6.empty()) {
        o.stack.ipv6 = stack::Ipv6Prefix::parse(a.ipv6);
        if (!o.stack.ipv6) {
            error = "--ipv6 '" + a.ipv6 + "' is not an address/prefix like fd00::2/64";
            return false;
        }
    }
    if (!a.gateway6.empty() && !(o.stack.gateway6 = stack::Ipv6Addr::parse(a.gateway6))) {
        error = "--gateway6 '" + a.gateway6 + "' is not an IPv6 address";
        return false;
    }
    o.stack.ttl = static_cast<uint8_t>(a.ttl);
    o.stack.hop_limit = static_cast<uint8_t>(a.hop_limit);
    if (!(a.neighbor_reachable_s > 0 && a.neighbor_reachable_s < 86400)) {
        error = "--neighbor-reachable must be between 0 and 86400 seconds";
        return false;
    }
    o.stack.neighbor.reachable_time = stack::Duration::nanoseconds(static_cast<int64_t>(a.neighbor_reachable_s * 1e9));
    o.stack.neighbor.capacity = a.neighbor_capacity;
    stack::tcp::TcpConfig& t = o.stack.tcp;
    t.max_connections = a.tcp_max_connections;
    t.rcv_buffer = t.snd_buffer = a.tcp_buffer_kb * 1024;
    const auto cc = stack::tcp::parse_cc_algorithm(a.tcp_cc);
    if (!cc) {
        error = "--tcp-cc '" + a.tcp_cc + "' is not a congestion control; use cubic or newreno";
        return false;
    }
    t.congestion = *cc;
    t.initcwnd = a.tcp_initcwnd;
    if (a.tcp_mss_clamp > 65535) {
        error = "--tcp-mss-clamp must be at most 65535";
        return false;
    }
    t.mss_clamp = static_cast<uint16_t>(a.tcp_mss_clamp);
    if (!(a.tcp_msl_s >= 0 && a.tcp_msl_s <= 600)) {
        error = "--tcp-msl must be between 0 and 600 seconds";
        return false;
    }
    t.msl = stack::Duration::nanoseconds(static_cast<int64_t>(a.tcp_msl_s * 1e9));
    t.syn_backlog = a.tcp_syn_backlog;
    t.syn_cookies = !a.tcp_no_syn_cookies;
    t.fast_open = !a.tcp_no_fast_open;
    t.nagle = !a.tcp_no_nagle;
    if (!impairment("impair", a.impair, o.impair_rx, error) || !impairment("impair", a.impair, o.impair_tx, error)) {
        return false;
    }
    if (!a.impair_rx.empty() && !impairment("impair-rx", a.impair_rx, o.impair_rx, error)) {
        return false;
    }
    if (!a.impair_tx.empty() && !impairment("impair-tx", a.impair_tx, o.impair_tx, error)) {
        return false;
    }
    o.eal.lcores = a.lcores;
    o.eal.memory_mb = a.memory_mb;
    o.eal.hugepages = a.hugepages == "on"    ? dataplane::HugepageMode::required
                      : a.hugepages == "off" ? dataplane::HugepageMode::disabled
                                             : dataplane::HugepageMode::automatic;
    o.eal.huge_dir = a.huge_dir;
    o.eal.file_prefix = a.file_prefix;
    o.eal.log_level = a.log_level;
    std::istringstream extra(a.eal_args);
    for (std::string word; extra >> word;) {
        o.eal.extra_args.push_back(word);
    }
    o.burst = a.burst;
    o.quic.port = a.quic_port;
    o.quic.cert_file = a.quic_cert;
    o.quic.key_file = a.quic_key;
    o.quic.retry_always = a.quic_retry == "always";
    o.quic.max_connections = a.quic_max_connections;
    o.quic.keylog_file = a.quic_keylog;
    o.quic.qlog_dir = a.qlog_dir;
    o.quic.streams = a.quic_streams;
    error = o.validate();
    return error.empty();
}

}  // namespace slip::apps
