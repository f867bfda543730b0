/* metrics_http.c — GET /metrics over HTTP with libmicrohttpd, on the
 * library's own thread: it reads only the snapshot the main thread
 * publishes (metrics.c), never the Lua state or the connection. Any other
 * path is 404; a silent or garbled client is dropped after a timeout
 * without the REPL noticing. */
#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <microhttpd.h>

#include "metrics.h"

static struct MHD_Daemon *daemon_;

static enum MHD_Result reply(struct MHD_Connection *c, unsigned code, char *body, const char *type)
{
    struct MHD_Response *r =
        MHD_create_response_from_buffer(strlen(body), body, MHD_RESPMEM_MUST_FREE);
    if (!r) {
        free(body);
        return MHD_NO;
    }
    MHD_add_response_header(r, MHD_HTTP_HEADER_CONTENT_TYPE, type);
    enum MHD_Result rc = MHD_queue_response(c, code, r);
    MHD_destroy_response(r);
    return rc;
}

static enum MHD_Result handle(void *cls, struct MHD_Connection *c, const char *url,
                              const char *method, const char *version, const char *upload,
                              size_t *upload_size, void **state)
{
    (void)cls, (void)version, (void)upload, (void)state;
    if (*upload_size) { /* a body nobody asked for: ignored */
        *upload_size = 0;
        return MHD_YES;
    }
    static const char *const plain = "text/plain; charset=utf-8";
    if (strcmp(method, "GET") != 0 && strcmp(method, "HEAD") != 0)
        return reply(c, MHD_HTTP_METHOD_NOT_ALLOWED, strdup("only GET\n"), plain);
    if (strcmp(url, "/metrics") != 0)
        return reply(c, MHD_HTTP_NOT_FOUND, strdup("not found: try /metrics\n"), plain);
    char *s = sh_metrics_snapshot();
    if (!s) s = strdup("");
    if (!s) return MHD_NO;
    return reply(c, MHD_HTTP_OK, s, "text/plain; version=0.0.4; charset=utf-8");
}

/* "HOST:PORT" (HOST an IPv4 address, localhost or *) into sa. */
static int parse_listen(const char *s, struct sockaddr_in *sa)
{
    const char *colon = strrchr(s, ':');
    if (!colon || colon == s || !colon[1]) return -1;
    char host[64];
    size_t hn = (size_t)(colon - s);
    if (hn >= sizeof host) return -1;
    memcpy(host, s, hn);
    host[hn] = '\0';
    char *end;
    long port = strtol(colon + 1, &end, 10);
    if (*end || port < 1 || port > 65535) return -1;
    memset(sa, 0, sizeof *sa);
    sa->sin_family = AF_INET;
    sa->sin_port = htons((uint16_t)port);
    if (strcmp(host, "localhost") == 0) strcpy(host, "127.0.0.1");
    if (strcmp(host, "*") == 0) strcpy(host, "0.0.0.0");
    return inet_pton(AF_INET, host, &sa->sin_addr) == 1 ? 0 : -1;
}

int sh_metrics_http_start(const char *listen_at, char *err, size_t n)
{
    struct sockaddr_in sa;
    if (parse_listen(listen_at, &sa) < 0) {
        snprintf(err, n, "expected HOST:PORT such as 127.0.0.1:9464 (got '%s')", listen_at);
        return -1;
    }
    int fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    int one = 1;
    if (fd < 0 || setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one) < 0 ||
        bind(fd, (struct sockaddr *)&sa, sizeof sa) < 0 || listen(fd, 16) < 0) {
        snprintf(err, n, "cannot listen on %s: %s", listen_at, strerror(errno));
        if (fd >= 0) close(fd);
        return -1;
    }
    daemon_ =
        MHD_start_daemon(MHD_USE_INTERNAL_POLLING_THREAD, 0, NULL, NULL, handle, NULL,
                         MHD_OPTION_LISTEN_SOCKET, fd, MHD_OPTION_CONNECTION_TIMEOUT, (unsigned)5,
                         MHD_OPTION_CONNECTION_LIMIT, (unsigned)32, MHD_OPTION_END);
    if (!daemon_) {
        close(fd);
        snprintf(err, n, "cannot start the HTTP server on %s", listen_at);
        return -1;
    }
    return 0;
}

void sh_metrics_http_stop(void)
{
    if (!daemon_) return;
    int fd = MHD_quiesce_daemon(daemon_);
    MHD_stop_daemon(daemon_);
    if (fd >= 0) close(fd);
    daemon_ = NULL;
}
