/*
 * test_crypto_tls.c - the handshake engine against real clients.
 *
 * The test is the server: it listens on 127.0.0.1, starts `openssl
 * s_client` or `gnutls-cli` against itself, accepts the TCP connection and
 * pumps bytes between the socket and the engine (the way the session does).
 * It then compares what the engine reports (version, suite, alerts) with
 * what the client printed, and checks the exact bytes of our rejection
 * alerts. No mbedTLS header here: tests see only crypto_tls.h.
 * Exit 77 when openssl is missing.
 */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <netinet/in.h>
#include <arpa/inet.h>
#include <time.h>
#include <unistd.h>

#include "crypto_tls.h"
#include "tl.h"

#define IO_TIMEOUT_MS 15000
#define O365_TEXT                                                              \
    "421 4.7.66 TLS 1.0 and 1.1 are not supported. Please upgrade/update "   \
    "your client to support TLS 1.2. Visit https://aka.ms/smtp_auth_tls\r\n"

enum client_kind { OPENSSL, GNUTLS };

struct tcase {
    const char *name;
    enum client_kind kind;
    const char *args[12];       /* extra client arguments */
    uint16_t min_version;
    uint16_t max_version;
    bool office365;             /* after CT_DONE write O365_TEXT */
    bool byte_by_byte;          /* feed the engine one byte per step */
    const char *stdin_text;     /* what the client sends after the hello */
};

struct outcome {
    bool connected;
    enum crypto_tls_step step;
    struct crypto_tls_result res;
    struct bbuf sent;           /* every byte we sent to the client */
    char *client_out;           /* what the client printed */
    int client_status;
};

static bool
have_tool(const char *tool)
{
    char cmd[128];

    snprintf(cmd, sizeof(cmd), "command -v %s >/dev/null 2>&1", tool);
    return system(cmd) == 0;
}

static int
listen_any(uint16_t *port)
{
    struct sockaddr_in a;
    socklen_t alen = sizeof(a);
    int fd = socket(AF_INET, SOCK_STREAM, 0);

    if (fd < 0) {
        return -1;
    }
    memset(&a, 0, sizeof(a));
    a.sin_family = AF_INET;
    a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (bind(fd, (struct sockaddr *)&a, sizeof(a)) != 0 ||
        listen(fd, 4) != 0 ||
        getsockname(fd, (struct sockaddr *)&a, &alen) != 0) {
        close(fd);
        return -1;
    }
    *port = ntohs(a.sin_port);
    return fd;
}

static pid_t
start_client(const struct tcase *tc, uint16_t port, const char *outpath,
             const char *inpath)
{
    char portstr[16], connect[64];
    const char *argv[32];
    size_t n = 0;
    pid_t pid;

    snprintf(portstr, sizeof(portstr), "%u", (unsigned)port);
    snprintf(connect, sizeof(connect), "127.0.0.1:%u", (unsigned)port);
    if (tc->kind == OPENSSL) {
        argv[n++] = "openssl";
        argv[n++] = "s_client";
        argv[n++] = "-connect";
        argv[n++] = connect;
        argv[n++] = "-ign_eof";
    } else {
        argv[n++] = "gnutls-cli";
        argv[n++] = "-p";
        argv[n++] = portstr;
    }
    for (size_t i = 0; i < ARRAY_LEN(tc->args) && tc->args[i] != NULL; i++) {
        argv[n++] = tc->args[i];
    }
    if (tc->kind == GNUTLS) {
        argv[n++] = "127.0.0.1";
    }
    argv[n] = NULL;

    pid = fork();
    if (pid == 0) {
        int in = open(inpath != NULL ? inpath : "/dev/null", O_RDONLY);
        int out = open(outpath, O_WRONLY | O_TRUNC | O_CREAT, 0600);

        if (in < 0 || out < 0) {
            _exit(126);
        }
        dup2(in, 0);
        dup2(out, 1);
        dup2(out, 2);
        execvp(argv[0], (char *const *)argv);
        _exit(127);
    }
    return pid;
}

static bool
send_all(int fd, struct bbuf *b, struct bbuf *log)
{
    size_t off = 0;

    if (!bbuf_put(log, b->data, b->len)) {
        return false;
    }
    while (off < b->len) {
        ssize_t w = send(fd, b->data + off, b->len - off, MSG_NOSIGNAL);
        if (w < 0 && errno == EINTR) {
            continue;
        }
        if (w <= 0) {
            return false;
        }
        off += (size_t)w;
    }
    bbuf_reset(b);
    return true;
}

/* Read what the client still sends until it closes (drain before close). */
static void
drain(int fd, struct crypto_tls_conn *conn)
{
    uint8_t buf[4096];
    struct pollfd p = {.fd = fd, .events = POLLIN};

    while (poll(&p, 1, IO_TIMEOUT_MS) > 0) {
        ssize_t r = recv(fd, buf, sizeof(buf), 0);
        if (r <= 0) {
            break;
        }
        crypto_tls_conn_input(conn, buf, (size_t)r);
    }
}

static void
pump(const struct tcase *tc, struct crypto_tls_conn *conn, int fd,
     struct outcome *oc)
{
    struct bbuf out;
    uint8_t buf[4096];
    enum crypto_tls_step st = CT_WANT_INPUT;

    bbuf_init(&out, 64 * 1024);
    for (;;) {
        struct pollfd p = {.fd = fd, .events = POLLIN};
        ssize_t r;

        if (poll(&p, 1, IO_TIMEOUT_MS) <= 0) {
            fprintf(stderr, "%s: timeout waiting for the client\n", tc->name);
            break;
        }
        r = recv(fd, buf, sizeof(buf), 0);
        if (r < 0 && errno == EINTR) {
            continue;
        }
        if (r <= 0) {
            crypto_tls_conn_input_eof(conn);
            st = crypto_tls_conn_step(conn, &out);
            (void)send_all(fd, &out, &oc->sent);
            break;
        }
        if (tc->byte_by_byte) {
            /* One byte per call, a step after each (worst-case feeding). */
            for (ssize_t i = 0; i < r && st == CT_WANT_INPUT; i++) {
                crypto_tls_conn_input(conn, buf + i, 1);
                st = crypto_tls_conn_step(conn, &out);
            }
        } else {
            crypto_tls_conn_input(conn, buf, (size_t)r);
            st = crypto_tls_conn_step(conn, &out);
        }
        if (!send_all(fd, &out, &oc->sent)) {
            break;
        }
        if (st != CT_WANT_INPUT) {
            break;
        }
    }
    oc->step = st;
    if (st == CT_DONE && tc->stdin_text != NULL) {
        /* Wait for the client's application data; it must stay unread. */
        struct pollfd p = {.fd = fd, .events = POLLIN};
        ssize_t r;

        if (poll(&p, 1, IO_TIMEOUT_MS) > 0 &&
            (r = recv(fd, buf, sizeof(buf), 0)) > 0) {
            crypto_tls_conn_input(conn, buf, (size_t)r);
        }
    }
    if (st == CT_DONE && tc->office365) {
        CHECK(crypto_tls_conn_write(conn, (const uint8_t *)O365_TEXT,
                                    strlen(O365_TEXT), &out));
        CHECK(crypto_tls_conn_close_notify(conn, &out));
        CHECK(send_all(fd, &out, &oc->sent));
    } else if (st == CT_DONE) {
        CHECK(crypto_tls_conn_close_notify(conn, &out));
        CHECK(send_all(fd, &out, &oc->sent));
    }
    shutdown(fd, SHUT_WR);
    drain(fd, conn);
    bbuf_cleanup(&out);
}

static void
wait_client(pid_t pid, int *status)
{
    for (int i = 0; i < 200; i++) {
        if (waitpid(pid, status, WNOHANG) == pid) {
            return;
        }
        usleep(50 * 1000);
    }
    kill(pid, SIGKILL);
    waitpid(pid, status, 0);
}

static bool
run_case(struct crypto_tls_server *srv, const struct tcase *tc,
         struct outcome *oc)
{
    char outpath[] = "/tmp/test_crypto_tls.XXXXXX";
    char inpath[] = "/tmp/test_crypto_tls_in.XXXXXX";
    bool have_in = false;
    struct crypto_tls_conn *conn;
    struct pollfd p;
    uint16_t port = 0;
    size_t outlen = 0;
    int lfd, fd, tmp;
    pid_t pid;

    memset(oc, 0, sizeof(*oc));
    bbuf_init(&oc->sent, 256 * 1024);
    tmp = mkstemp(outpath);
    lfd = listen_any(&port);
    if (tmp < 0 || lfd < 0) {
        CHECK(!"cannot set up socket or temp file");
        return false;
    }
    close(tmp);
    if (tc->stdin_text != NULL) {
        tmp = mkstemp(inpath);
        CHECK(tmp >= 0);
        if (tmp >= 0) {
            size_t n = strlen(tc->stdin_text);
            CHECK(write(tmp, tc->stdin_text, n) == (ssize_t)n);
            close(tmp);
            have_in = true;
        }
    }
    pid = start_client(tc, port, outpath, have_in ? inpath : NULL);
    CHECK(pid > 0);
    p.fd = lfd;
    p.events = POLLIN;
    fd = -1;
    if (poll(&p, 1, IO_TIMEOUT_MS) > 0) {
        fd = accept(lfd, NULL, NULL);
    }
    close(lfd);
    if (fd >= 0) {
        oc->connected = true;
        conn = crypto_tls_conn_new(srv, tc->min_version, tc->max_version);
        CHECK(conn != NULL);
        if (conn != NULL) {
            pump(tc, conn, fd, oc);
            oc->res = *crypto_tls_conn_result(conn);
            crypto_tls_conn_free(conn);
        }
        close(fd);
    }
    wait_client(pid, &oc->client_status);
    oc->client_out = (char *)tl_read_file(outpath, &outlen);
    unlink(outpath);
    if (have_in) {
        unlink(inpath);
    }
    if (oc->client_out != NULL) {
        char *z = realloc(oc->client_out, outlen + 1);
        if (z != NULL) {
            z[outlen] = '\0';
            oc->client_out = z;
        }
    }
    printf("# %-24s step=%s version=0x%04x suite=0x%04x %s error=%s "
           "client_alert=%d/%d%s sent_alert=%d/%d rec=0x%04x ignored=%zu%s\n",
           tc->name, crypto_tls_step_str(oc->step), oc->res.version,
           oc->res.suite,
           oc->res.suite_name != NULL ? oc->res.suite_name : "-",
           oc->res.error != NULL ? oc->res.error : "-",
           oc->res.client_alert_level, oc->res.client_alert_desc,
           oc->res.client_alert_encrypted ? "(enc)" : "",
           oc->res.alert_sent_level, oc->res.alert_sent_desc,
           oc->res.alert_sent_record_version, oc->res.ignored_in,
           oc->res.cert_refused ? " cert_refused" : "");
    return oc->connected;
}

static void
outcome_free(struct outcome *oc)
{
    bbuf_cleanup(&oc->sent);
    free(oc->client_out);
    oc->client_out = NULL;
}

static bool
client_said(const struct outcome *oc, const char *s)
{
    bool found = oc->client_out != NULL && strstr(oc->client_out, s) != NULL;

    if (!found) {
        fprintf(stderr, "client output lacks \"%s\":\n%s\n", s,
                oc->client_out != NULL ? oc->client_out : "(none)");
    }
    return found;
}

/*
 * The suite s_client printed ("Cipher is ECDHE-...") as an IANA id, found
 * with `openssl ciphers -V`, so engine and client are compared by number.
 */
static int
openssl_suite_id(const struct outcome *oc)
{
    char name[128], line[512];
    const char *p;
    size_t n = 0;
    FILE *f;
    int id = -1;

    p = oc->client_out != NULL ? strstr(oc->client_out, "Cipher is ") : NULL;
    if (p == NULL) {
        return -1;
    }
    p += strlen("Cipher is ");
    while (p[n] != '\0' && p[n] != '\n' && n + 1 < sizeof(name)) {
        name[n] = p[n];
        n++;
    }
    name[n] = '\0';
    f = popen("openssl ciphers -V 'ALL:COMPLEMENTOFALL:@SECLEVEL=0' "
              "2>/dev/null", "r");
    if (f == NULL) {
        return -1;
    }
    while (fgets(line, sizeof(line), f) != NULL) {
        unsigned hi, lo;
        char nm[128];

        if (sscanf(line, " 0x%x,0x%x - %127s", &hi, &lo, nm) == 3 &&
            strcmp(nm, name) == 0) {
            id = (int)(hi << 8 | lo);
        }
    }
    pclose(f);
    return id;
}

static bool
sent_has(const struct outcome *oc, const uint8_t *want, size_t n)
{
    if (oc->sent.len < n) {
        return false;
    }
    for (size_t i = 0; i + n <= oc->sent.len; i++) {
        if (memcmp(oc->sent.data + i, want, n) == 0) {
            return true;
        }
    }
    return false;
}

/* ---- cases ------------------------------------------------------------ */

static void
test_tls12(struct crypto_tls_server *srv, bool one_byte)
{
    struct tcase tc = {
        .name = one_byte ? "openssl-tls1_2-bytewise" : "openssl-tls1_2",
        .kind = OPENSSL,
        .args = {"-tls1_2", "-servername", "tlsready.test"},
        .min_version = CRYPTO_TLS_V12,
        .max_version = CRYPTO_TLS_V12,
        .byte_by_byte = one_byte,
    };
    struct outcome oc;

    CHECK(run_case(srv, &tc, &oc));
    CHECK(oc.step == CT_DONE);
    CHECK(oc.res.done && oc.res.server_hello_sent);
    CHECK(oc.res.version == CRYPTO_TLS_V12);
    CHECK(oc.res.error == NULL);
    CHECK(oc.res.suite != 0 && oc.res.suite_name != NULL);
    CHECK(client_said(&oc, "Protocol  : TLSv1.2"));
    CHECK(openssl_suite_id(&oc) == (int)oc.res.suite);
    /* s_client does not verify by default: it sees the self-signed cert. */
    CHECK(client_said(&oc, "CN = tlsready.test"));
    CHECK(client_said(&oc, "self-signed certificate") ||
          client_said(&oc, "self signed certificate"));
    /* It closed with close_notify after ours: an alert, but encrypted. */
    outcome_free(&oc);
}

/*
 * The engine stops at the end of the handshake: the client's application
 * data is counted (ignored_in) and its record headers watched, never read.
 */
static void
test_app_data_unread(struct crypto_tls_server *srv)
{
    struct tcase tc = {
        .name = "openssl-sends-data",
        .kind = OPENSSL,
        .args = {"-tls1_2"},
        .min_version = CRYPTO_TLS_V12,
        .max_version = CRYPTO_TLS_V12,
        .stdin_text = "a1 LOGIN user secret\n",
    };
    struct outcome oc;

    CHECK(run_case(srv, &tc, &oc));
    CHECK(oc.step == CT_DONE);
    /* 21 bytes of text: one record, 5 + 8 explicit IV/nonce + 21 + 16 tag
     * (AES-GCM) or 5 + 21 + 16 (ChaCha20-Poly1305); either way > 21. */
    CHECK(oc.res.ignored_in > strlen(tc.stdin_text));
    CHECK(oc.res.client_alert == false ||
          oc.res.client_alert_encrypted);
    outcome_free(&oc);
}

static void
test_legacy(struct crypto_tls_server *srv, const char *flag, uint16_t v,
            const char *proto)
{
    struct tcase tc = {
        .name = flag,
        .kind = OPENSSL,
        .args = {flag, "-cipher", "DEFAULT@SECLEVEL=0"},
        .min_version = CRYPTO_TLS_V10,
        .max_version = CRYPTO_TLS_V12,
        .office365 = true,
    };
    struct outcome oc;

    if (!crypto_tls_can_legacy()) {
        printf("# %s: skipped, this mbedTLS has no TLS 1.0/1.1\n", flag);
        return;
    }
    CHECK(run_case(srv, &tc, &oc));
    CHECK(oc.step == CT_DONE);
    CHECK(oc.res.version == v);
    CHECK(client_said(&oc, proto));
    CHECK(openssl_suite_id(&oc) == (int)oc.res.suite);
    /* The office365 rejection text arrived, decrypted by the client. */
    CHECK(client_said(&oc, "421 4.7.66 TLS 1.0 and 1.1 are not supported"));
    outcome_free(&oc);
}

/*
 * Windows 7 SChannel and Java 6 mostly offer RSA suites in TLS 1.0: the RSA
 * certificate must be picked for them (and ECDSA for ECDHE-ECDSA).
 */
static void
test_rsa_only(struct crypto_tls_server *srv, const char *cipher,
              uint16_t want_suite)
{
    struct tcase tc = {
        .name = cipher,
        .kind = OPENSSL,
        .args = {"-tls1", "-cipher", cipher},
        .min_version = CRYPTO_TLS_V10,
        .max_version = CRYPTO_TLS_V12,
    };
    struct outcome oc;

    if (!crypto_tls_can_legacy()) {
        return;
    }
    CHECK(run_case(srv, &tc, &oc));
    CHECK(oc.step == CT_DONE);
    CHECK(oc.res.version == CRYPTO_TLS_V10);
    CHECK(oc.res.suite == want_suite);
    CHECK(openssl_suite_id(&oc) == (int)want_suite);
    CHECK(client_said(&oc, "Server public key is 2048 bit"));
    outcome_free(&oc);
}

static void
test_too_old(struct crypto_tls_server *srv, const char *flag, uint8_t minor)
{
    struct tcase tc = {
        .name = flag,
        .kind = OPENSSL,
        .args = {flag, "-cipher", "DEFAULT@SECLEVEL=0"},
        .min_version = CRYPTO_TLS_V12,
        .max_version = CRYPTO_TLS_V12,
    };
    /* alert, record version 3.<client>, length 2, fatal, protocol_version */
    const uint8_t want[] = {0x15, 0x03, minor, 0x00, 0x02, 0x02, 0x46};
    struct outcome oc;
    char label[64];

    snprintf(label, sizeof(label), "%s-vs-tls12-floor", flag);
    tc.name = label;
    CHECK(run_case(srv, &tc, &oc));
    CHECK(oc.step == CT_FAILED);
    CHECK(oc.res.error != NULL &&
          strcmp(oc.res.error, "protocol_version") == 0);
    CHECK(!oc.res.server_hello_sent);
    CHECK(oc.res.alert_sent && !oc.res.alert_sent_encrypted);
    CHECK(oc.res.alert_sent_level == 2 && oc.res.alert_sent_desc == 70);
    CHECK(oc.sent.len == sizeof(want));
    CHECK(sent_has(&oc, want, sizeof(want)));
    printf("# %s: we sent", label);
    for (size_t i = 0; i < oc.sent.len && i < 16; i++) {
        printf(" %02x", oc.sent.data[i]);
    }
    printf("\n");
    CHECK(client_said(&oc, "alert protocol version"));
    outcome_free(&oc);
}

static void
test_no_shared_cipher(struct crypto_tls_server *srv)
{
    /* Anonymous DH only: mbedTLS has no anonymous suites. */
    struct tcase tc = {
        .name = "openssl-adh-only",
        .kind = OPENSSL,
        .args = {"-tls1_2", "-cipher", "ADH-AES128-SHA:@SECLEVEL=0"},
        .min_version = CRYPTO_TLS_V10,
        .max_version = CRYPTO_TLS_V12,
    };
    const uint8_t want[] = {0x15, 0x03, 0x03, 0x00, 0x02, 0x02, 0x28};
    struct outcome oc;

    if (!run_case(srv, &tc, &oc)) {
        printf("# %s: client did not connect, skipped\n", tc.name);
        outcome_free(&oc);
        return;
    }
    CHECK(oc.step == CT_FAILED);
    CHECK(oc.res.error != NULL &&
          strcmp(oc.res.error, "no_shared_cipher") == 0);
    CHECK(oc.res.alert_sent && oc.res.alert_sent_desc == 40);
    CHECK(sent_has(&oc, want, sizeof(want)));
    CHECK(client_said(&oc, "alert handshake failure"));
    outcome_free(&oc);
}

static void
test_verify_refuses(struct crypto_tls_server *srv)
{
    struct tcase tc = {
        .name = "openssl-verify",
        .kind = OPENSSL,
        .args = {"-tls1_2", "-verify_return_error", "-verify", "1"},
        .min_version = CRYPTO_TLS_V12,
        .max_version = CRYPTO_TLS_V12,
    };
    struct outcome oc;

    CHECK(run_case(srv, &tc, &oc));
    CHECK(oc.step == CT_FAILED);
    CHECK(oc.res.server_hello_sent && oc.res.version == CRYPTO_TLS_V12);
    CHECK(oc.res.client_alert && !oc.res.client_alert_encrypted);
    CHECK(oc.res.client_alert_level == 2);
    CHECK(oc.res.client_alert_desc == 48);
    CHECK(oc.res.cert_refused);
    CHECK(oc.res.error != NULL &&
          strcmp(oc.res.error, "client_alert_unknown_ca") == 0);
    CHECK(!oc.res.alert_sent);          /* nobody answers a fatal alert */
    outcome_free(&oc);
}

static void
test_gnutls(struct crypto_tls_server *srv)
{
    struct tcase ok = {
        .name = "gnutls-insecure",
        .kind = GNUTLS,
        .args = {"--insecure"},
        .min_version = CRYPTO_TLS_V10,
        .max_version = CRYPTO_TLS_V12,
    };
    struct tcase verify = {
        .name = "gnutls-verify",
        .kind = GNUTLS,
        .args = {"--sni-hostname", "tlsready.test"},
        .min_version = CRYPTO_TLS_V10,
        .max_version = CRYPTO_TLS_V12,
    };
    struct outcome oc;

    if (!have_tool("gnutls-cli")) {
        printf("# gnutls-cli missing: gnutls cases skipped\n");
        return;
    }
    CHECK(run_case(srv, &ok, &oc));
    CHECK(oc.step == CT_DONE);
    CHECK(oc.res.version == CRYPTO_TLS_V12);
    CHECK(client_said(&oc, "Handshake was completed"));
    CHECK(client_said(&oc, "(TLS1.2-"));
    outcome_free(&oc);

    CHECK(run_case(srv, &verify, &oc));
    CHECK(oc.step == CT_FAILED);
    CHECK(oc.res.server_hello_sent);
    CHECK(oc.res.client_alert && oc.res.client_alert_level == 2);
    CHECK(oc.res.cert_refused);
    outcome_free(&oc);
}

/* ---- no sockets ------------------------------------------------------- */

static void
test_memory_only(struct crypto_tls_server *srv)
{
    static const char http[] = "GET / HTTP/1.0\r\n\r\n";
    struct crypto_tls_conn *c;
    const struct crypto_tls_result *r;
    struct bbuf out;
    uint8_t *junk;

    bbuf_init(&out, 64 * 1024);
    crypto_tls_conn_free(NULL);
    crypto_tls_server_free(NULL);
    CHECK(strcmp(crypto_tls_alert_name(48), "unknown_ca") == 0);
    CHECK(strcmp(crypto_tls_alert_name(70), "protocol_version") == 0);
    CHECK(strcmp(crypto_tls_alert_name(255), "unknown") == 0);
    CHECK(strcmp(crypto_tls_step_str(CT_DONE), "done") == 0);

    /* Clamping: SSL 3.0 .. "TLS 1.4" is narrowed to what the build has. */
    c = crypto_tls_conn_new(srv, 0x0300, 0x0305);
    CHECK(c != NULL);
    r = crypto_tls_conn_result(c);
    CHECK(r->clamped);
    CHECK(r->min_version == crypto_tls_min_version());
    CHECK(r->max_version == crypto_tls_max_version());
    /* Nothing fed yet: the engine waits and writes nothing. */
    CHECK(crypto_tls_conn_step(c, &out) == CT_WANT_INPUT);
    CHECK(out.len == 0);
    /* Not TLS at all: a clean failure, never a crash. */
    crypto_tls_conn_input(c, (const uint8_t *)http, strlen(http));
    CHECK(crypto_tls_conn_step(c, &out) == CT_FAILED);
    CHECK(r->error != NULL);
    CHECK(!r->server_hello_sent);
    printf("# plaintext-http: error=%s sent %zu bytes", r->error, out.len);
    for (size_t i = 0; i < out.len && i < 16; i++) {
        printf(" %02x", out.data[i]);
    }
    printf("\n");
    CHECK(crypto_tls_conn_step(c, &out) == CT_FAILED);   /* sticky */
    CHECK(!crypto_tls_conn_write(c, (const uint8_t *)"x", 1, &out));
    crypto_tls_conn_free(c);

    /* Input cap: more than CRYPTO_TLS_MAX_INPUT unread bytes fails. */
    c = crypto_tls_conn_new(srv, CRYPTO_TLS_V12, CRYPTO_TLS_V12);
    CHECK(c != NULL);
    junk = calloc(1, CRYPTO_TLS_MAX_INPUT + 1);
    CHECK(junk != NULL);
    if (junk != NULL) {
        crypto_tls_conn_input(c, junk, CRYPTO_TLS_MAX_INPUT + 1);
    }
    bbuf_reset(&out);
    CHECK(crypto_tls_conn_step(c, &out) == CT_FAILED);
    CHECK(strcmp(crypto_tls_conn_result(c)->error, "input_limit") == 0);
    free(junk);
    crypto_tls_conn_free(c);

    /* EOF before any byte: "client_closed", no alert. */
    c = crypto_tls_conn_new(srv, CRYPTO_TLS_V12, CRYPTO_TLS_V12);
    CHECK(c != NULL);
    crypto_tls_conn_input_eof(c);
    bbuf_reset(&out);
    CHECK(crypto_tls_conn_step(c, &out) == CT_FAILED);
    CHECK(strcmp(crypto_tls_conn_result(c)->error, "client_closed") == 0);
    CHECK(out.len == 0);
    crypto_tls_conn_free(c);
    bbuf_cleanup(&out);
}

static void
test_server_opts(void)
{
    struct crypto_tls_server_opts o;
    struct crypto_tls_server *s;
    char err[256];

    memset(&o, 0, sizeof(o));
    o.hostname = "bad name,CN=x";
    s = crypto_tls_server_new(&o, err, sizeof(err));
    CHECK(s == NULL && err[0] != '\0');
    o.hostname = NULL;
    o.cert_file = "/nonexistent/cert.pem";
    s = crypto_tls_server_new(&o, err, sizeof(err));
    CHECK(s == NULL && err[0] != '\0');
    o.key_file = "/nonexistent/key.pem";
    s = crypto_tls_server_new(&o, err, sizeof(err));
    CHECK(s == NULL && strstr(err, "/nonexistent/cert.pem") != NULL);
}

int
main(void)
{
    struct crypto_tls_server_opts o;
    struct crypto_tls_server_info info;
    struct crypto_tls_server *srv;
    char certpath[] = "/tmp/test_crypto_tls_cert.XXXXXX";
    char err[256];
    struct stat st;
    struct timespec t0, t1;
    int fd;

    signal(SIGPIPE, SIG_IGN);
    if (!have_tool("openssl")) {
        printf("openssl not found: skipped\n");
        return 77;
    }
    fd = mkstemp(certpath);
    CHECK(fd >= 0);
    if (fd >= 0) {
        close(fd);
    }
    memset(&o, 0, sizeof(o));
    o.hostname = "tlsready.test";
    o.save_cert_path = certpath;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    srv = crypto_tls_server_new(&o, err, sizeof(err));
    clock_gettime(CLOCK_MONOTONIC, &t1);
    if (srv == NULL) {
        fprintf(stderr, "server: %s\n", err);
        CHECK(srv != NULL);
        return tl_done("test_crypto_tls");
    }
    printf("# server context (EC P-256 + RSA-2048) in %.0f ms\n",
           (double)(t1.tv_sec - t0.tv_sec) * 1e3 +
               (double)(t1.tv_nsec - t0.tv_nsec) / 1e6);
    crypto_tls_server_info(srv, &info);
    CHECK(info.has_ec && info.has_rsa && !info.from_file);
    CHECK(strcmp(info.subject, "CN=tlsready.test") == 0);
    printf("# cert %s valid %s .. %s\n", info.subject, info.not_before,
           info.not_after);
    CHECK(stat(certpath, &st) == 0 && st.st_size > 400);

    /* The saved PEM loads back with its key? Only the cert is saved. */
    printf("# mbedTLS legacy TLS 1.0/1.1: %s; versions 0x%04x..0x%04x\n",
           crypto_tls_can_legacy() ? "yes" : "no", crypto_tls_min_version(),
           crypto_tls_max_version());

    test_server_opts();
    test_memory_only(srv);
    test_tls12(srv, false);
    test_tls12(srv, true);
    test_app_data_unread(srv);
    test_legacy(srv, "-tls1", CRYPTO_TLS_V10, "Protocol  : TLSv1\n");
    test_legacy(srv, "-tls1_1", CRYPTO_TLS_V11, "Protocol  : TLSv1.1");
    test_rsa_only(srv, "AES128-SHA:@SECLEVEL=0", 0x002f);
    test_rsa_only(srv, "ECDHE-RSA-AES256-SHA:@SECLEVEL=0", 0xc014);
    test_too_old(srv, "-tls1", 0x01);
    test_too_old(srv, "-tls1_1", 0x02);
    test_no_shared_cipher(srv);
    test_verify_refuses(srv);
    test_gnutls(srv);

    crypto_tls_server_free(srv);
    unlink(certpath);
    return tl_done("test_crypto_tls");
}
