/*
 * conn: the accept path, the connection list (least recently used first) and the
 * per-client counts. See conn.h.
 */
#include "conn.h"

#include <errno.h>
#include <jansson.h>
#include <netinet/in.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/resource.h>
#include <sys/socket.h>

#include "clock.h"
#include "log.h"

#define PEER_BUCKETS 4096
#define PEER_KEY_LEN 17    /* family, then 16 address bytes (IPv4: 4, IPv6: the /64) */
#define EVICT_SCAN 64      /* connections looked at per eviction before giving up */
#define MIN_CONNECTIONS 16 /* the smallest global cap ever set */
#define REFUSAL_LOG_MS 10000

typedef struct peer {
    struct peer *next;
    uint8_t key[PEER_KEY_LEN];
    unsigned count;
} peer_t;

typedef struct conn {
    uv_tcp_t tcp; /* first: libuv's close callback gets its address */
    a24_conns_t *owner;
    h2o_linklist_t order; /* in the use order: least recently used first */
    peer_t *peer;         /* NULL: not counted per client */
    int fd;
    bool evicting, h2;
} conn_t;

struct a24_conns {
    uv_loop_t *loop;
    h2o_accept_ctx_t *accept;
    h2o_linklist_t order; /* the open connections, least recently used first */
    conn_t **by_fd;       /* the open connection on each descriptor, for touch */
    size_t nfds;
    size_t count, evicting;
    size_t max, reserve_at, per_client;
    size_t max_evicting; /* evicted connections whose close is still under way, at most */
    uint64_t refused, evicted, refused_logged, evicted_logged;
    a24_ms_t logged_at;
    peer_t *peers[PEER_BUCKETS];
    bool (*exempt)(const void *arg, const struct sockaddr_storage *addr);
    const void *exempt_arg;
};

void a24_conns_exempt(a24_conns_t *cs,
                      bool (*fn)(const void *arg, const struct sockaddr_storage *addr),
                      const void *arg)
{
    cs->exempt = fn;
    cs->exempt_arg = arg;
}

/* ---------------------------------------------------------------- open-file limit */

size_t a24_conns_raise_nofile(void)
{
    struct rlimit rl;
    if (getrlimit(RLIMIT_NOFILE, &rl) != 0)
        return 1024;
    rlim_t was = rl.rlim_cur;
    rlim_t want = rl.rlim_max == RLIM_INFINITY ? (rlim_t)1 << 20 : rl.rlim_max;
    if (want > rl.rlim_cur) {
        struct rlimit next = {want, rl.rlim_max};
        if (setrlimit(RLIMIT_NOFILE, &next) == 0)
            rl.rlim_cur = want;
        else
            a24_log_warn("open_files_not_raised", "{s:s}", "reason", strerror(errno));
    }
    a24_log_info("open_files", "{s:I,s:I,s:I}", "soft_was", (json_int_t)was, "soft",
                 (json_int_t)rl.rlim_cur, "hard",
                 (json_int_t)(rl.rlim_max == RLIM_INFINITY ? -1 : (long long)rl.rlim_max));
    return rl.rlim_cur > ((rlim_t)1 << 20) ? (size_t)1 << 20 : (size_t)rl.rlim_cur;
}

/* ---------------------------------------------------------------- per-client counts */

/* The per-client key of an address; false if it is not counted (loopback, unknown). */
static bool peer_key(const struct sockaddr_storage *ss, uint8_t key[PEER_KEY_LEN])
{
    static const uint8_t mapped[12] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};
    const uint8_t *v4 = NULL;
    memset(key, 0, PEER_KEY_LEN);
    if (ss->ss_family == AF_INET) {
        v4 = (const uint8_t *)&((const struct sockaddr_in *)ss)->sin_addr;
    } else if (ss->ss_family == AF_INET6) {
        const uint8_t *a = ((const struct sockaddr_in6 *)ss)->sin6_addr.s6_addr;
        if (memcmp(a, mapped, sizeof mapped) == 0) {
            v4 = a + 12;
        } else {
            if (IN6_IS_ADDR_LOOPBACK((const struct in6_addr *)a))
                return false;
            key[0] = 6;
            memcpy(key + 1, a, 8);
            return true;
        }
    } else {
        return false;
    }
    if (v4[0] == 127)
        return false;
    key[0] = 4;
    memcpy(key + 1, v4, 4);
    return true;
}

static size_t peer_hash(const uint8_t key[PEER_KEY_LEN])
{
    uint32_t h = 2166136261u; /* FNV-1a */
    for (size_t i = 0; i < PEER_KEY_LEN; i++)
        h = (h ^ key[i]) * 16777619u;
    return h % PEER_BUCKETS;
}

/* The count of `key`, created at zero if absent; NULL if out of memory. */
static peer_t *peer_get(a24_conns_t *cs, const uint8_t key[PEER_KEY_LEN])
{
    peer_t **b = &cs->peers[peer_hash(key)];
    for (peer_t *p = *b; p != NULL; p = p->next)
        if (memcmp(p->key, key, PEER_KEY_LEN) == 0)
            return p;
    peer_t *p = calloc(1, sizeof *p);
    if (p == NULL)
        return NULL;
    memcpy(p->key, key, PEER_KEY_LEN);
    p->next = *b;
    *b = p;
    return p;
}

/* Drops the count of `p` by one, freeing it at zero. */
static void peer_put(a24_conns_t *cs, peer_t *p)
{
    if (--p->count > 0)
        return;
    for (peer_t **b = &cs->peers[peer_hash(p->key)]; *b != NULL; b = &(*b)->next) {
        if (*b == p) {
            *b = p->next;
            break;
        }
    }
    free(p);
}

/* ---------------------------------------------------------------- the use order */

/* Puts `c` last in the use order: the most recently used. */
static void use_conn(a24_conns_t *cs, conn_t *c)
{
    if (h2o_linklist_is_linked(&c->order))
        h2o_linklist_unlink(&c->order);
    h2o_linklist_insert(&cs->order, &c->order);
}

/* True if nothing is under way on `c`: no request read or waiting, nothing written. */
static bool is_idle(const conn_t *c)
{
    h2o_socket_t *sock = c->tcp.data;
    int unread = 0;
    /* HTTP/1 keeps a request's head in the input buffer until its response is done;
     * bytes the kernel holds but h2o has not read yet count as a request too. */
    if (c->evicting || c->h2 || uv_is_closing((const uv_handle_t *)&c->tcp) || sock == NULL ||
        sock->input == NULL) /* h2o is closing it already */
        return false;
    return sock->input->size == 0 && !h2o_socket_is_writing(sock) &&
           ioctl(c->fd, FIONREAD, &unread) == 0 && unread == 0;
}

/*
 * Closes the least recently used idle connection: shutting the socket down makes h2o
 * read the end of the stream and close it as if the client had left. Busy connections
 * met on the way move to the back. Returns true if one was closed.
 */
static bool evict_idle(a24_conns_t *cs)
{
    if (cs->evicting >= cs->max_evicting)
        return false;
    for (size_t scanned = 0; !h2o_linklist_is_empty(&cs->order) && scanned < EVICT_SCAN;
         scanned++) {
        conn_t *c = H2O_STRUCT_FROM_MEMBER(conn_t, order, cs->order.next);
        use_conn(cs, c);
        if (!is_idle(c))
            continue;
        shutdown(c->fd, SHUT_RDWR);
        c->evicting = true;
        cs->evicting++;
        cs->evicted++;
        return true;
    }
    return false;
}

/* ---------------------------------------------------------------- accepting */

/* h2o closed a connection's stream (or it was never handed over). */
static void on_conn_closed(uv_handle_t *h)
{
    conn_t *c = (conn_t *)h;
    a24_conns_t *cs = c->owner;
    h2o_linklist_unlink(&c->order);
    if (c->peer != NULL)
        peer_put(cs, c->peer);
    if (c->fd >= 0 && (size_t)c->fd < cs->nfds && cs->by_fd[c->fd] == c)
        cs->by_fd[c->fd] = NULL;
    if (c->evicting)
        cs->evicting--;
    cs->count--;
    free(c);
}

/* Logs refusals and evictions at most every REFUSAL_LOG_MS. */
static void log_pressure(a24_conns_t *cs)
{
    a24_ms_t now = a24_clock_mono();
    if (now - cs->logged_at < REFUSAL_LOG_MS ||
        (cs->refused == cs->refused_logged && cs->evicted == cs->evicted_logged))
        return;
    a24_log_warn("connections_shed", "{s:I,s:I,s:I,s:I}", "open", (json_int_t)cs->count, "max",
                 (json_int_t)cs->max, "refused", (json_int_t)(cs->refused - cs->refused_logged),
                 "idle_closed", (json_int_t)(cs->evicted - cs->evicted_logged));
    cs->logged_at = now;
    cs->refused_logged = cs->refused;
    cs->evicted_logged = cs->evicted;
}

/* Decides whether `c` may stay; counts it if so. */
static bool admit(a24_conns_t *cs, conn_t *c)
{
    struct sockaddr_storage ss;
    int len = sizeof ss;
    uint8_t key[PEER_KEY_LEN];
    memset(&ss, 0, sizeof ss);
    if (cs->per_client > 0 && uv_tcp_getpeername(&c->tcp, (struct sockaddr *)&ss, &len) == 0 &&
        peer_key(&ss, key) && (cs->exempt == NULL || !cs->exempt(cs->exempt_arg, &ss))) {
        if ((c->peer = peer_get(cs, key)) == NULL)
            return false;
        if (c->peer->count >= cs->per_client) {
            c->peer->count++; /* so peer_put frees it when it was new */
            peer_put(cs, c->peer);
            c->peer = NULL;
            return false;
        }
    }
    size_t live = cs->count - cs->evicting;
    bool room = live < cs->max;
    if (live >= cs->reserve_at && evict_idle(cs))
        room = true;
    if (!room) {
        if (c->peer != NULL) {
            c->peer->count++;
            peer_put(cs, c->peer);
            c->peer = NULL;
        }
        return false;
    }
    if (c->peer != NULL)
        c->peer->count++;
    return true;
}

void a24_conns_on_accept(uv_stream_t *listener, int status)
{
    a24_conns_t *cs = listener->data;
    if (status != 0)
        return;
    conn_t *c = h2o_mem_alloc(sizeof *c);
    memset(c, 0, sizeof *c);
    c->owner = cs;
    c->fd = -1;
    uv_tcp_init(listener->loop, &c->tcp);
    if (uv_accept(listener, (uv_stream_t *)&c->tcp) != 0) {
        uv_close((uv_handle_t *)&c->tcp, (uv_close_cb)free);
        return;
    }
    if (!admit(cs, c)) {
        cs->refused++;
        log_pressure(cs);
        uv_close((uv_handle_t *)&c->tcp, (uv_close_cb)free);
        return;
    }
    uv_os_fd_t fd;
    if (uv_fileno((uv_handle_t *)&c->tcp, &fd) == 0) {
        c->fd = fd;
        if ((size_t)fd < cs->nfds)
            cs->by_fd[fd] = c;
    }
    cs->count++;
    use_conn(cs, c);
    log_pressure(cs);
    h2o_socket_t *sock = h2o_uv_socket_create((uv_stream_t *)&c->tcp, on_conn_closed);
    h2o_accept(cs->accept, sock);
}

/* ---------------------------------------------------------------- the registry */

a24_conns_t *a24_conns_create(uv_loop_t *loop, const a24_config_t *cfg, size_t nofile,
                              h2o_accept_ctx_t *accept, char *err, size_t errlen)
{
    /* Descriptors the process needs besides connections: Redis, the listener, the
     * loop's own, and files being sent. */
    size_t reserve = 64 + nofile / 16;
    size_t limit = nofile > reserve + MIN_CONNECTIONS ? nofile - reserve : MIN_CONNECTIONS;
    size_t max = cfg->http.max_connections > 0 ? (size_t)cfg->http.max_connections : limit;
    if (max > limit) {
        a24_log_warn("max_connections_lowered", "{s:I,s:I,s:I}", "configured", (json_int_t)max,
                     "used", (json_int_t)limit, "open_files", (json_int_t)nofile);
        max = limit;
    }
    a24_conns_t *cs = calloc(1, sizeof *cs);
    if (cs == NULL || (cs->by_fd = calloc(nofile, sizeof *cs->by_fd)) == NULL) {
        free(cs);
        snprintf(err, errlen, "out of memory for the connection table");
        return NULL;
    }
    cs->loop = loop;
    cs->accept = accept;
    h2o_linklist_init_anchor(&cs->order);
    cs->nfds = nofile;
    cs->max = max;
    cs->max_evicting = reserve / 2; /* their descriptors come out of the reserve */
    /* Near the cap (the last sixteenth): every new connection closes an idle one. */
    cs->reserve_at = max - max / 16;
    cs->per_client = (size_t)cfg->http.max_connections_per_client;
    cs->logged_at = a24_clock_mono() - REFUSAL_LOG_MS; /* the first shedding is logged */
    a24_log_info("connection_caps", "{s:I,s:I}", "max_connections", (json_int_t)max,
                 "max_connections_per_client", (json_int_t)cs->per_client);
    return cs;
}

size_t a24_conns_count(const a24_conns_t *cs)
{
    return cs->count;
}

size_t a24_conns_max(const a24_conns_t *cs)
{
    return cs->max;
}

void a24_conns_totals(const a24_conns_t *cs, uint64_t *refused, uint64_t *idle_closed)
{
    *refused = cs != NULL ? cs->refused : 0;
    *idle_closed = cs != NULL ? cs->evicted : 0;
}

void a24_conns_touch(a24_conns_t *cs, h2o_req_t *req)
{
    if (cs == NULL || req->conn->callbacks->get_socket == NULL)
        return;
    h2o_socket_t *sock = req->conn->callbacks->get_socket(req->conn);
    int fd = sock != NULL ? h2o_socket_get_fd(sock) : -1;
    if (fd < 0 || (size_t)fd >= cs->nfds || cs->by_fd[fd] == NULL)
        return;
    conn_t *c = cs->by_fd[fd];
    if (req->version >= 0x200)
        c->h2 = true; /* streams hide behind an empty input buffer: never idle */
    use_conn(cs, c);
}

void a24_conns_destroy(a24_conns_t *cs)
{
    if (cs == NULL)
        return;
    for (size_t i = 0; i < PEER_BUCKETS; i++) {
        while (cs->peers[i] != NULL) {
            peer_t *p = cs->peers[i];
            cs->peers[i] = p->next;
            free(p);
        }
    }
    free(cs->by_fd);
    free(cs);
}
