#include "apps/slipstream/get_command.h"

#include <cstdio>
#include <fstream>
#include <iostream>
#include <memory>

#include "crypto/simd_path.h"
#include "dataplane/engine.h"
#include "dataplane/setup_error.h"
#include "dataplane/telemetry.h"

namespace slip::apps {

namespace {

constexpr int kExitAnswer = 1;  // an answer, not 2xx (or the content could not be written)
constexpr int kExitSetup = 2;
constexpr int kExitFailed = 3;  // no answer: timeout, handshake or connection failure

bool write_content(const GetArgs& a, const client::FetchResult& r, std::string& error) {
    if (a.discard) {
        return true;
    }
    if (a.output.empty() || a.output == "-") {
        std::cout.write(reinterpret_cast<const char*>(r.body.data()), std::streamsize(r.body.size()));
        std::cout.flush();
        return bool(std::cout);
    }
    std::ofstream out(a.output, std::ios::binary | std::ios::trunc);
    out.write(reinterpret_cast<const char*>(r.body.data()), std::streamsize(r.body.size()));
    if (!out) {
        error = "cannot write -o " + a.output + "; check the directory exists and is writable";
        return false;
    }
    return true;
}

void print_summary(const GetArgs& a, const client::FetchResult& r) {
    const double ms = 1e-6;
    const double total_s = double(r.total_ns) * 1e-9;
    char line[256];
    std::snprintf(line, sizeof line, "status %d, %llu bytes, handshake %.2f ms, total %.2f ms (%.1f Mbit/s)", r.status,
                  static_cast<unsigned long long>(r.body_bytes), double(r.handshake_ns) * ms, double(r.total_ns) * ms,
                  total_s > 0 ? double(r.body_bytes) * 8 / total_s / 1e6 : 0.0);
    std::cerr << "slipstream: get " << a.url << ": " << line << "\n";
}

// The engine with only the client, until its one connection is over.
bool fetch(const GetArgs& a, const dataplane::EngineOptions& opts, const dataplane::AppSet& apps, uint64_t timeout_ns) {
    dataplane::Engine engine(opts, apps);
    for (const auto& w : engine.warnings()) {
        std::cerr << "slipstream: " << w << "\n";
    }
    dataplane::RunHooks hooks;
    // The client fails its connection at the timeout; this only backs it up.
    hooks.run_for = stack::Duration::nanoseconds(int64_t(timeout_ns + 5'000'000'000ull));
    hooks.finished = [](const dataplane::EngineSnapshot& s) { return s.total.client.done != 0; };
    engine.run(hooks);
    if (!a.run.control.stats_file.empty()) {
        std::ofstream out(a.run.control.stats_file);
        out << dataplane::format_json(engine.snapshot());
        if (!out) {
            std::cerr << "slipstream: cannot write --stats-file " << a.run.control.stats_file << "\n";
            return false;
        }
    }
    return true;
}

}  // namespace

void add_get_options(CLI::App& get, GetArgs& a) {
    add_run_options(get, a.run);
    get.add_option("url", a.url, "https://HOST[:PORT][/PATH], HOST an IPv4 address or [IPv6] (no names)")
        ->required();
    get.add_option("-o,--output", a.output, "Write the content here (default, or '-': stdout)")->group("Get");
    get.add_flag("--discard", a.discard, "Only count the content")->group("Get");
    get.add_option("--timeout", a.timeout_s, "Seconds the whole GET may take")
        ->capture_default_str()->check(CLI::PositiveNumber)->group("Get");
    add_tls_client_options(get, a.tls, "Get");
}

int run_get(const GetArgs& a) {
    std::string error;
    if (!crypto::select_process_simd_path(a.run.cpu_path, error)) {
        std::cerr << "slipstream: " << error << "\n";
        return kExitSetup;
    }
    dataplane::EngineOptions opts;
    if (!to_engine_options(a.run, opts, error)) {
        std::cerr << "slipstream: " << error << "\n";
        return kExitSetup;
    }
    if (opts.port.queues > 1) {
        // RSS spreads the answers to the client's port over every queue; only queue 0 runs
        // the client (UDP is not steered between queues).
        std::cerr << "slipstream: get runs on one queue; use --queues 1\n";
        return kExitSetup;
    }
    client::QuicClientOptions c;
    if (!parse_https_url(a.url, c.server, c.authority, c.path, error)) {
        std::cerr << "slipstream: get: " << error << "\n";
        return kExitSetup;
    }
    c.keep_bodies = !a.discard;
    c.timeout_ns = uint64_t(a.timeout_s * 1e9);
    c.result = std::make_shared<client::FetchResult>();
    const dataplane::QuicClientOptions endpoint = quic_endpoint_options(a.tls, server_name_of(c.server), 1);
    if (std::string e = check_tls(endpoint); !e.empty()) {
        std::cerr << "slipstream: get: " << e << "\n";
        return kExitSetup;
    }
    dataplane::AppSet apps;
    apps.active.make_datagram = quic_client_factory(c, endpoint);
    try {
        if (!fetch(a, opts, apps, c.timeout_ns)) {
            return kExitSetup;
        }
    } catch (const dataplane::SetupError& e) {
        std::cerr << "slipstream: " << e.what() << "\n";
        return kExitSetup;
    }
    const client::FetchResult& r = *c.result;
    if (!r.done) {
        std::cerr << "slipstream: get " << a.url << ": no answer: the engine stopped first\n";
        return kExitFailed;
    }
    if (!r.error.empty()) {
        std::cerr << "slipstream: get " << a.url << ": " << r.error << "\n";
        return kExitFailed;
    }
    if (!write_content(a, r, error)) {
        std::cerr << "slipstream: get: " << error << "\n";
        return kExitAnswer;
    }
    print_summary(a, r);
    return r.status >= 200 && r.status < 300 ? 0 : kExitAnswer;
}

}  // namespace slip::apps
