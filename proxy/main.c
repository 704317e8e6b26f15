/*
 * main.c - command line. With no subcommand tlsready runs its listeners
 * (the built-in defaults, or -c FILE); subcommands are dispatched to their
 * modules (proxy/cli.h). Exit status: 0 ok, 1 failure while running,
 * 2 usage or configuration error (nothing was started).
 */
#include <errno.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "app.h"
#include "cli.h"
#include "config.h"
#include "console.h"
#include "crypto.h"
#include "crypto_tls.h"
#include "dashboard.h"
#include "judge.h"
#include "log.h"
#include "sink.h"

static void
usage(FILE *f)
{
    fprintf(f,
        "usage: tlsready [options]            run the listeners\n"
        "       tlsready decode [--hex HEX | --file FILE | --pcap FILE] "
        "[--text]\n"
        "                       [--policy NAME]... [-c FILE] [--lang en|ja]\n"
        "       tlsready policies [-c FILE] [--json]\n"
        "       tlsready report [--format text|json|csv|html] [--policy NAME]"
        " FILE...\n"
        "       tlsready --version | --help\n"
        "\n"
        "options:\n"
        "  -c, --config FILE     listeners and policies (doc/config.md);\n"
        "                        default: built-in test listeners on "
        "127.0.0.1\n"
        "  -b, --bind ADDR       listen on ADDR instead (e.g. a LAN "
        "address)\n"
        "  -r, --records FILE    JSON Lines records (default "
        "tlsready-records.jsonl; - = stdout)\n"
        "  -l, --lang en|ja      language of verdict and advice texts\n"
        "      --check-config    validate the config, print it, exit\n"
        "  -q, --quiet           no console line per attempt\n"
        "  -v, --verbose         debug diagnostics on stderr\n");
}

static const char *
proto_label(const struct listener_conf *l)
{
    switch (l->protocol) {
    case LPROTO_IMAP:
        return l->starttls ? "IMAP  (STARTTLS)" : "IMAPS (SSL/TLS) ";
    case LPROTO_POP3:
        return l->starttls ? "POP3  (STARTTLS)" : "POP3S (SSL/TLS) ";
    case LPROTO_SMTP:
        return l->starttls ? "SMTP  (STARTTLS)" : "SMTPS (SSL/TLS) ";
    case LPROTO_HTTPS:
        return "HTTPS           ";
    case LPROTO_TLS:
        return "TLS             ";
    case LPROTO_AUTO:
        break;
    }
    return "proxy           ";
}

static void
banner(const struct app *app, const struct tr_config *cfg,
       const struct sink *sink, const struct dashboard *dash, bool legacy_ok)
{
    bool exposed = false;

    fprintf(stderr, "tlsready %s — point a client at one of these and let it "
                    "connect:\n", TLSREADY_VERSION);
    for (size_t i = 0; i < app->num_listeners; i++) {
        const struct app_listener *l = &app->listeners[i];
        const struct listener_conf *c = l->c;
        char addr[sizeof(c->listen_text)];
        memcpy(addr, c->listen_text, sizeof(addr));
        addr[sizeof(addr) - 1] = '\0';
        char *colon = strrchr(addr, ':');
        if (colon != NULL) {
            *colon = '\0';
        }
        fprintf(stderr,
                "  %-14s %s  server %s  port %u  security %-8s  finish %s, "
                "policy %s\n",
                c->name, proto_label(c), addr,
                (unsigned)app_listener_port(l),
                c->starttls ? "STARTTLS" : "SSL/TLS",
                config_finish_str(c->finish), c->policy->name);
        if (!config_addr_is_loopback(&c->listen_addr)) {
            exposed = true;
        }
    }
    fprintf(stderr, "  records: %s\n", sink_path(sink));
    if (dash != NULL) {
        char host[sizeof(cfg->global.dashboard_text)];
        memcpy(host, cfg->global.dashboard_text, sizeof(host));
        host[sizeof(host) - 1] = '\0';
        char *colon = strrchr(host, ':');
        if (colon != NULL) {
            *colon = '\0';
        }
        fprintf(stderr, "  dashboard: http://%s:%u/  (metrics: /metrics)\n",
                host, (unsigned)dashboard_port(dash));
    }
    if (exposed) {
        fprintf(stderr,
                "  NOTE: listening on a non-loopback address: anyone who can "
                "reach this host can connect.\n");
    } else {
        fprintf(stderr, "  (loopback only: use --bind ADDR to test clients on "
                        "other machines)\n");
    }
    if (!legacy_ok) {
        fprintf(stderr,
                "  NOTE: this mbedTLS (%s) cannot speak TLS 1.0/1.1: the "
                "office365 finish cannot complete a legacy handshake; such "
                "clients get the TLS alert instead.\n",
                crypto_version());
    }
}

static bool
needs_handshake(const struct tr_config *cfg)
{
    for (size_t i = 0; i < cfg->num_listeners; i++) {
        if (cfg->listeners[i].mode == LMODE_TEST &&
            (cfg->listeners[i].finish == LFINISH_HANDSHAKE ||
             cfg->listeners[i].finish == LFINISH_OFFICE365)) {
            return true;
        }
    }
    return false;
}

static int
run(int argc, char **argv)
{
    static const struct option opts[] = {
        {"config", required_argument, NULL, 'c'},
        {"bind", required_argument, NULL, 'b'},
        {"records", required_argument, NULL, 'r'},
        {"lang", required_argument, NULL, 'l'},
        {"check-config", no_argument, NULL, 'C'},
        {"quiet", no_argument, NULL, 'q'},
        {"verbose", no_argument, NULL, 'v'},
        {"help", no_argument, NULL, 'h'},
        {"version", no_argument, NULL, 'V'},
        {NULL, 0, NULL, 0},
    };
    const char *cfg_path = NULL;
    const char *bind = NULL;
    const char *records = NULL;
    const char *lang_opt = NULL;
    bool check = false;
    bool quiet = false;
    int ch;
    struct config_error err;
    struct tr_config *cfg;
    struct sink *sink = NULL;
    struct console *con = NULL;
    struct judge *judge = NULL;
    struct crypto_tls_server *tls = NULL;
    struct app *app = NULL;
    struct dashboard *dash = NULL;
    const char *lang;
    int rc = 1;

    while ((ch = getopt_long(argc, argv, "c:b:r:l:qvhV", opts, NULL)) != -1) {
        switch (ch) {
        case 'c':
            cfg_path = optarg;
            break;
        case 'b':
            bind = optarg;
            break;
        case 'r':
            records = optarg;
            break;
        case 'l':
            lang_opt = optarg;
            break;
        case 'C':
            check = true;
            break;
        case 'q':
            quiet = true;
            break;
        case 'v':
            log_set_level(LOG_DEBUG);
            break;
        case 'h':
            usage(stdout);
            return 0;
        case 'V':
            printf("tlsready %s (mbedTLS %s)\n", TLSREADY_VERSION,
                   crypto_version());
            return 0;
        default:
            usage(stderr);
            return 2;
        }
    }
    if (optind < argc) {
        fprintf(stderr, "tlsready: unknown command '%s'\n", argv[optind]);
        usage(stderr);
        return 2;
    }
    if (lang_opt != NULL && strcmp(lang_opt, "en") != 0 &&
        strcmp(lang_opt, "ja") != 0) {
        fprintf(stderr, "tlsready: --lang takes en or ja\n");
        return 2;
    }

    memset(&err, 0, sizeof(err));
    cfg = cfg_path != NULL ? config_load(cfg_path, &err) : config_default();
    if (cfg == NULL) {
        if (cfg_path != NULL) {
            config_error_print(&err, stderr);
        } else {
            fprintf(stderr, "tlsready: out of memory\n");
        }
        return 2;
    }
    if (bind != NULL && config_apply_bind(cfg, bind, &err) != 0) {
        config_error_print(&err, stderr);
        config_free(cfg);
        return 2;
    }
    if (records != NULL) {
        snprintf(cfg->global.records, sizeof(cfg->global.records), "%s",
                 records);
    }
    if (check) {
        config_dump(cfg, stdout);
        config_free(cfg);
        return 0;
    }
    lang = judge_lang(lang_opt, cfg->global.lang);

    judge = judge_new(cfg, &err);
    if (judge == NULL) {
        config_error_print(&err, stderr);
        config_free(cfg);
        return 2;
    }
    sink = sink_open(cfg->global.records);
    if (sink == NULL) {
        fprintf(stderr, "tlsready: cannot open records file %s: %s\n",
                cfg->global.records, strerror(errno));
        goto out;
    }
    /*
     * With records on stdout (-r -), the console lines go to stderr so
     * that `tlsready -r - | jq` sees JSON Lines only.
     */
    con = console_new(strcmp(cfg->global.records, "-") == 0 ? stderr : stdout,
                      quiet ? CONSOLE_OFF : cfg->global.console, lang);
    if (con == NULL) {
        goto out;
    }
    if (needs_handshake(cfg)) {
        struct crypto_tls_server_opts o;
        char msg[256];
        memset(&o, 0, sizeof(o));
        o.hostname = cfg->listeners[0].hostname;
        if (cfg->global.handshake_cert[0] != '\0') {
            o.cert_file = cfg->global.handshake_cert;
            o.key_file = cfg->global.handshake_key;
        }
        tls = crypto_tls_server_new(&o, msg, sizeof(msg));
        if (tls == NULL) {
            fprintf(stderr, "tlsready: handshake certificate: %s\n", msg);
            goto out;
        }
    }
    app = app_new(cfg, sink, con, judge, lang);
    if (app == NULL) {
        fprintf(stderr, "tlsready: out of memory\n");
        goto out;
    }
    app->tls_server = tls;
    if (sink_attach(sink, app->base) != 0) {
        log_warn("records will be written one by one (out of memory)");
    }
    if (app_listen(app) != 0) {
        goto out;
    }
    if (cfg->global.dashboard_enabled) {
        char msg[256];
        dash = dashboard_start(app, cfg, msg, sizeof(msg));
        if (dash == NULL) {
            /* The listeners matter more than the view: go on without. */
            log_warn("dashboard on %s: %s (running without it)",
                     cfg->global.dashboard_text, msg);
        }
    }
    signal(SIGPIPE, SIG_IGN);
    banner(app, cfg, sink, dash,
           !needs_handshake(cfg) || crypto_tls_can_legacy());
    rc = app_run(app) == 0 ? 0 : 1;
    /*
     * Freeing writes the records of attempts cut short by a second signal;
     * the sink stops batching first, while the event base still exists.
     */
    sink_detach(sink);
    dashboard_free(dash);
    dash = NULL;
    app_free(app);
    app = NULL;
    log_info("stopped: %llu attempt(s) recorded in %s",
             (unsigned long long)sink_written(sink), sink_path(sink));
out:
    sink_detach(sink);
    dashboard_free(dash);
    app_free(app);
    crypto_tls_server_free(tls);
    console_free(con);
    sink_close(sink);
    judge_free(judge);
    config_free(cfg);
    return rc;
}

int
main(int argc, char **argv)
{
    if (argc > 1 && strcmp(argv[1], "decode") == 0) {
        return decode_main(argc - 1, argv + 1);
    }
    if (argc > 1 && strcmp(argv[1], "policies") == 0) {
        return policies_main(argc - 1, argv + 1);
    }
    if (argc > 1 && strcmp(argv[1], "report") == 0) {
        return report_main(argc - 1, argv + 1);
    }
    return run(argc, argv);
}
