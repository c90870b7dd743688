// slipstream: the engine's command-line front end.
#include <CLI/CLI.hpp>
#include <algorithm>
#include <cstdio>
#include <fstream>
#include <iostream>

#include "apps/slipstream/cli.h"
#include "apps/slipstream/get_command.h"
#include "apps/slipstream/quic_client_cli.h"
#include "crypto/cpu_features.h"
#include "dataplane/eal.h"
#include "dataplane/engine.h"
#include "dataplane/port.h"
#include "dataplane/setup_error.h"
#include "dataplane/telemetry.h"

namespace {

constexpr int kExitSetup = 2;

std::string addresses(const slip::dataplane::EngineOptions& o) {
    std::string s;
    if (o.stack.ipv4) {
        s += o.stack.ipv4->to_string();
    }
    if (o.stack.ipv6) {
        s += (s.empty() ? "" : ", ") + o.stack.ipv6->to_string();
    }
    return s;
}

// The SIMD path is chosen before anything else: a CPU below the build's baseline, or a
// forced path it lacks, stops here with one line.
bool choose_cpu_path(const std::string& request) {
    std::string error;
    if (!slip::crypto::select_process_simd_path(request, error)) {
        std::cerr << "slipstream: " << error << "\n";
        return false;
    }
    return true;
}

int run_engine(const slip::apps::RunArgs& args, const slip::apps::QuicClientArgs& quic_args) {
    if (!choose_cpu_path(args.cpu_path)) {
        return kExitSetup;
    }
    slip::dataplane::EngineOptions opts;
    slip::apps::client::TcpClientOptions client;
    std::string error;
    if (!slip::apps::to_engine_options(args, opts, error) ||
        !slip::apps::client_options(args, opts.stack.tcp.max_connections, client, error)) {
        std::cerr << "slipstream: " << error << "\n";
        return kExitSetup;
    }
    slip::apps::client::QuicClientOptions quic_client;
    if (!slip::apps::quic_client_options(quic_args, quic_client, error)) {
        std::cerr << "slipstream: " << error << "\n";
        return kExitSetup;
    }
    slip::dataplane::AppSet apps = slip::apps::service_apps(args, client);
    if (quic_client.enabled()) {
        if (client.enabled()) {
            std::cerr << "slipstream: --tcp-client and --quic-client both given; the engine runs one client at a time\n";
            return kExitSetup;
        }
        if (opts.port.queues > 1) {
            // RSS spreads the answers to the client's port over every queue; only queue 0
            // runs the client (UDP is not steered between queues).
            std::cerr << "slipstream: --quic-client runs on one queue; use --queues 1\n";
            return kExitSetup;
        }
        const auto endpoint = slip::apps::quic_endpoint_options(
            quic_args.tls, slip::apps::server_name_of(quic_client.server), quic_client.connections);
        if (std::string e = slip::apps::check_tls(endpoint); !e.empty()) {
            std::cerr << "slipstream: --quic-client: " << e << "\n";
            return kExitSetup;
        }
        apps.active.make_datagram = slip::apps::quic_client_factory(quic_client, endpoint);
    }
    try {
        slip::dataplane::Engine engine(opts, apps);
        for (const auto& w : engine.warnings()) {
            std::cerr << "slipstream: " << w << "\n";
        }
        if (opts.eal.log_level == "info" || opts.eal.log_level == "debug") {
            for (const auto& line : engine.driver_log()) {
                std::cerr << line << "\n";
            }
        }
        const auto& ctl = args.control;
        if (!ctl.quiet) {
            const auto link = engine.port().link();
            std::cout << "slipstream: serving " << addresses(opts) << " on " << opts.port.describe() << " (driver "
                      << engine.port().driver_name() << ", mac " << engine.port().mac().to_string() << ", link "
                      << (link.up ? "up" : "down") << "), " << opts.port.queues << " queue(s)"
                      << (engine.inline_main() ? " polled by the main lcore" : "") << ", hugepages "
                      << (engine.using_hugepages() ? "yes" : "no") << "\n";
            std::cout << "slipstream: " << slip::crypto::describe(slip::crypto::detect_crypto_path()) << "\n";
            if (args.udp_echo_port != 0) {
                std::cout << "slipstream: udp echo on port " << args.udp_echo_port << "\n";
            }
            if (opts.quic.enabled()) {
                std::cout << "slipstream: quic on udp port " << opts.quic.port << " (retry "
                          << (opts.quic.retry_always ? "always" : "auto") << ", " << opts.quic.max_connections
                          << " connections per core; HTTP/3 and hq-interop)\n";
            }
            std::cout << "slipstream: tcp echo " << args.tcp_echo_port << ", discard " << args.tcp_discard_port
                      << ", source " << args.tcp_source_port << ", http " << args.http_port << " (0: off), "
                      << (opts.workers == 0 ? std::string("inline") : "on " + std::to_string(opts.workers) + " worker(s)")
                      << "; "
                      << slip::stack::tcp::to_string(opts.stack.tcp.congestion) << ", "
                      << opts.stack.tcp.max_connections << " connections per core\n";
            if (client.enabled()) {
                std::cout << "slipstream: tcp client " << slip::apps::client::to_string(client.mode) << " to port "
                          << client.port << ", " << client.connections << " at a time, " << client.count
                          << " in all (0: until stopped)" << (client.fast_open ? ", fast open" : "") << "\n";
            }
            if (quic_client.enabled()) {
                std::cout << "slipstream: quic client " << slip::apps::client::to_string(quic_client.mode) << " "
                          << quic_client.authority << quic_client.path << ", " << quic_client.connections
                          << " at a time, " << quic_client.count << " in all (0: until stopped)\n";
            }
            if (opts.impair_rx.enabled() || opts.impair_tx.enabled()) {
                std::cout << "slipstream: impairment rx " << opts.impair_rx.to_string() << ", tx "
                          << opts.impair_tx.to_string() << "\n";
            }
            std::cout.flush();
        }
        slip::dataplane::RunHooks hooks;
        hooks.run_for = slip::stack::Duration::nanoseconds(static_cast<int64_t>(ctl.duration_s * 1e9));
        hooks.ready = [&] {
            if (!ctl.ready_file.empty()) {
                std::ofstream(ctl.ready_file) << "ready\n";
            }
        };
        if (ctl.stats_interval_s > 0 && !ctl.quiet) {
            hooks.tick_interval = slip::stack::Duration::nanoseconds(static_cast<int64_t>(ctl.stats_interval_s * 1e9));
            hooks.tick = [](const slip::dataplane::EngineSnapshot& s) {
                std::cout << slip::dataplane::format_line(s) << std::endl;
            };
        }
        if ((client.enabled() && client.count != 0) || (quic_client.enabled() && quic_client.count != 0)) {
            hooks.finished = [](const slip::dataplane::EngineSnapshot& s) { return s.total.client.done != 0; };
        }
        engine.run(hooks);
        const auto snap = engine.snapshot();
        std::cout << "slipstream: stopped\n" << slip::dataplane::format_text(snap);
        if (!ctl.stats_file.empty()) {
            std::ofstream out(ctl.stats_file);
            out << slip::dataplane::format_json(snap);
            if (!out) {
                std::cerr << "slipstream: cannot write --stats-file " << ctl.stats_file << "\n";
                return 1;
            }
        }
    } catch (const slip::dataplane::SetupError& e) {
        std::cerr << "slipstream: " << e.what() << "\n";
        return kExitSetup;
    }
    return 0;
}

}  // namespace

int main(int argc, char** argv) {
    CLI::App app{
        "Slipstream: a kernel-bypass packet engine. Poll-mode drivers (DPDK, AF_XDP) on pinned cores feed\n"
        "a sans-I/O network stack (Ethernet, ARP, IPv4, IPv6 + ND, ICMP, UDP services).\n"
        "Start with 'slipstream run' inside the lab ('scripts/lab up'); see README.md.",
        "slipstream"};
    app.require_subcommand(1);
    app.footer("Examples:\n"
               "  slipstream run                                 # lab defaults: af_xdp on veth0, 10.0.0.2, fd00::2\n"
               "  slipstream run --impair-rx loss=10% --stats-interval 1\n"
               "  slipstream run --port vdev --vdev net_memif0,role=server,socket=/tmp/m.sock --lcores 1\n"
               "  slipstream run --config engine.toml            # same options as TOML keys");

    slip::apps::RunArgs run_args;
    CLI::App* run = app.add_subcommand("run", "Start the engine and its services until Ctrl-C (or --duration)");
    slip::apps::add_run_options(*run, run_args);
    slip::apps::QuicClientArgs quic_client_args;
    slip::apps::add_quic_client_options(*run, quic_client_args);
    run->failure_message([](const CLI::App*, const CLI::Error& e) {
        return std::string("slipstream: ") + e.what() + "; see 'slipstream run --help'\n";
    });

    slip::apps::GetArgs get_args;
    CLI::App* get = app.add_subcommand("get", "Fetch an https URL over HTTP/3 from the engine (port options as 'run')");
    slip::apps::add_get_options(*get, get_args);
    get->failure_message([](const CLI::App*, const CLI::Error& e) {
        return std::string("slipstream: ") + e.what() + "; see 'slipstream get --help'\n";
    });

    CLI::App* version = app.add_subcommand("version", "Print versions and the crypto code path of this CPU");
    CLI::App* config = app.add_subcommand("config", "Print the default 'run' options as a TOML config file");

    // CLI11 reads config files only for the app it parses at the top level, so `run`
    // (whose options a TOML file may carry) is parsed as its own top-level app.
    if (argc >= 2 && std::string(argv[1]) == "run") {
        std::vector<std::string> args(argv + 2, argv + argc);
        std::reverse(args.begin(), args.end());  // CLI11 takes the vector back to front
        try {
            run->parse(std::move(args));
        } catch (const CLI::ParseError& e) {
            return run->exit(e);
        }
        return run_engine(run_args, quic_client_args);
    }
    if (argc >= 2 && std::string(argv[1]) == "get") {
        std::vector<std::string> args(argv + 2, argv + argc);
        std::reverse(args.begin(), args.end());
        try {
            get->parse(std::move(args));
        } catch (const CLI::ParseError& e) {
            return get->exit(e);
        }
        return slip::apps::run_get(get_args);
    }
    try {
        app.parse(argc, argv);
    } catch (const CLI::ParseError& e) {
        return app.exit(e);
    }
    if (version->parsed()) {
        if (!choose_cpu_path("")) {
            return kExitSetup;
        }
        std::cout << "slipstream 0.1.0\n" << slip::dataplane::dpdk_version() << "\n"
                  << slip::crypto::describe(slip::crypto::detect_crypto_path()) << "\n";
        return 0;
    }
    if (config->parsed()) {
        std::cout << run->config_to_str(true, true);
        return 0;
    }
    return run_engine(run_args, quic_client_args);
}
