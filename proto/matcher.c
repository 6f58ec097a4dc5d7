/*
 * matcher: Aho-Corasick over bytes.
 *
 * Owns the trie: while adding, each state's children are a linked list; a24_matcher_build
 * turns them into one sorted edge array per state (searched by binary search, the root
 * by a 256-entry table), and computes in breadth-first order each state's failure link
 * (the longest proper suffix that is also a state) and its output link (the nearest
 * state along the failure chain that ends a pattern). A scan follows edges and failure
 * links, so each byte costs amortised constant work. The states nearest the root, where
 * a scan spends most of its time, also get a full 256-entry row of transitions with the
 * failure links already followed (at most MAX_ROWS of them).
 *
 * Must never: scan before build (it returns -1), or copy the text.
 */
#include "matcher.h"

#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

#include "grow.h"

#define NONE UINT32_MAX
#define MAX_ROWS 1024 /* dense rows: 1 KiB each */
#define HAS_ROW 1u
#define HAS_OUTPUT 2u

struct edge {
    uint8_t byte;
    uint32_t to;
};

struct state {
    uint32_t first_edge, n_edges; /* after build: the state's range in `edges` */
    uint32_t list;                /* while adding: head of the child list in `links` */
    uint32_t fail, output;        /* failure link; nearest state with outputs */
    uint32_t ids;                 /* head of this state's pattern ids in `outs` */
    uint32_t row;                 /* its dense row in `dense`, or NONE */
};

struct link {
    uint8_t byte;
    uint32_t to, next;
};

struct out {
    uint32_t id, next;
};

struct a24_matcher {
    struct state *states;
    size_t n_states, cap_states;
    struct link *links; /* child lists while adding */
    size_t n_links, cap_links;
    struct edge *edges; /* sorted edges after build */
    struct out *outs;
    size_t n_outs, cap_outs;
    uint32_t root_next[256];
    uint32_t *dense; /* rows of 256 transitions, failure links followed */
    size_t n_rows;
    uint8_t *flags; /* per state, HAS_ROW | HAS_OUTPUT: small enough to stay in cache */
    bool built;
};

/* Makes room for one more item after `n` in `*arr` (grow.h). */
static int grow(void *arr, size_t *cap, size_t n, size_t size)
{
    return a24_grow(arr, cap, n, size, 256);
}

/* A new state; NONE when out of memory. */
static uint32_t new_state(a24_matcher_t *m)
{
    if (m->n_states >= NONE - 1 ||
        grow(&m->states, &m->cap_states, m->n_states, sizeof *m->states) != 0)
        return NONE;
    struct state *s = &m->states[m->n_states];
    *s = (struct state){0, 0, NONE, 0, NONE, NONE, NONE};
    return (uint32_t)m->n_states++;
}

/* An empty trie: just the root. */
a24_matcher_t *a24_matcher_create(void)
{
    a24_matcher_t *m = calloc(1, sizeof *m);
    if (m == NULL)
        return NULL;
    if (new_state(m) == NONE) {
        free(m);
        return NULL;
    }
    return m;
}

/* Frees the trie, its tables and the matcher. */
void a24_matcher_destroy(a24_matcher_t *m)
{
    if (m == NULL)
        return;
    free(m->states);
    free(m->links);
    free(m->edges);
    free(m->outs);
    free(m->dense);
    free(m->flags);
    free(m);
}

/* The child of `s` on `b` while adding (list walk); NONE when there is none. */
static uint32_t child_list(const a24_matcher_t *m, uint32_t s, uint8_t b)
{
    for (uint32_t l = m->states[s].list; l != NONE; l = m->links[l].next)
        if (m->links[l].byte == b)
            return m->links[l].to;
    return NONE;
}

/* Walks or extends the trie along the pattern's bytes and hangs `id` on its last state. */
int a24_matcher_add(a24_matcher_t *m, const char *p, size_t len, uint32_t id)
{
    if (m->built || len == 0)
        return -1;
    uint32_t s = 0;
    for (size_t i = 0; i < len; i++) {
        uint8_t b = (uint8_t)p[i];
        uint32_t next = child_list(m, s, b);
        if (next == NONE) {
            if ((next = new_state(m)) == NONE ||
                grow(&m->links, &m->cap_links, m->n_links, sizeof *m->links) != 0)
                return -1;
            m->links[m->n_links] = (struct link){b, next, m->states[s].list};
            m->states[s].list = (uint32_t)m->n_links++;
        }
        s = next;
    }
    if (grow(&m->outs, &m->cap_outs, m->n_outs, sizeof *m->outs) != 0)
        return -1;
    m->outs[m->n_outs] = (struct out){id, m->states[s].ids};
    m->states[s].ids = (uint32_t)m->n_outs++;
    return 0;
}

/* qsort comparator: edges by byte, for the binary search in child(). */
static int by_byte(const void *a, const void *b)
{
    return (int)((const struct edge *)a)->byte - (int)((const struct edge *)b)->byte;
}

/* Turns the child lists into sorted edge ranges and fills the root table. */
static int freeze_edges(a24_matcher_t *m)
{
    m->edges = malloc((m->n_links ? m->n_links : 1) * sizeof *m->edges);
    if (m->edges == NULL)
        return -1;
    uint32_t at = 0;
    for (size_t s = 0; s < m->n_states; s++) {
        struct state *st = &m->states[s];
        st->first_edge = at;
        for (uint32_t l = st->list; l != NONE; l = m->links[l].next)
            m->edges[at++] = (struct edge){m->links[l].byte, m->links[l].to};
        st->n_edges = at - st->first_edge;
        qsort(m->edges + st->first_edge, st->n_edges, sizeof *m->edges, by_byte);
    }
    for (int b = 0; b < 256; b++)
        m->root_next[b] = 0;
    for (uint32_t e = 0; e < m->states[0].n_edges; e++)
        m->root_next[m->edges[e].byte] = m->edges[e].to;
    free(m->links);
    m->links = NULL;
    return 0;
}

/* The child of `s` on `b` after build; NONE when there is none (the root: itself). */
static uint32_t child(const a24_matcher_t *m, uint32_t s, uint8_t b)
{
    if (s == 0)
        return m->root_next[b];
    const struct edge *e = m->edges + m->states[s].first_edge;
    size_t lo = 0, hi = m->states[s].n_edges;
    while (lo < hi) {
        size_t mid = (lo + hi) / 2;
        if (e[mid].byte == b)
            return e[mid].to;
        if (e[mid].byte < b)
            lo = mid + 1;
        else
            hi = mid;
    }
    return NONE;
}

/* The state after reading `b` in state `s`, following failure links as needed. */
static uint32_t step(const a24_matcher_t *m, uint32_t s, uint8_t b)
{
    for (;;) {
        if (m->flags[s] & HAS_ROW)
            return m->dense[(size_t)m->states[s].row * 256 + b];
        uint32_t next = child(m, s, b);
        if (next != NONE)
            return next;
        s = m->states[s].fail;
    }
}

/* Gives the first states of `order` (breadth first) dense rows; their failure states come first. */
static int fill_rows(a24_matcher_t *m, const uint32_t *order, size_t n)
{
    m->n_rows = n < MAX_ROWS ? n : MAX_ROWS;
    m->dense = malloc(m->n_rows * 256 * sizeof *m->dense);
    if (m->dense == NULL)
        return -1;
    for (size_t r = 0; r < m->n_rows; r++) {
        uint32_t s = order[r];
        uint32_t *row = m->dense + r * 256;
        for (int b = 0; b < 256; b++) {
            uint32_t c = s == 0 ? m->root_next[b] : child(m, s, (uint8_t)b);
            row[b] = c != NONE ? c : step(m, m->states[s].fail, (uint8_t)b);
        }
        m->states[s].row = (uint32_t)r;
        m->flags[s] |= HAS_ROW;
    }
    return 0;
}

/* Breadth first, so that every state's failure state is done before it. */
int a24_matcher_build(a24_matcher_t *m)
{
    if (m->built || freeze_edges(m) != 0)
        return -1;
    uint32_t *queue = malloc(m->n_states * sizeof *queue);
    if (queue == NULL)
        return -1;
    size_t head = 0, tail = 0;
    m->states[0].fail = 0;
    queue[tail++] = 0;
    while (head < tail) {
        uint32_t s = queue[head++];
        const struct state *st = &m->states[s];
        for (uint32_t k = 0; k < st->n_edges; k++) {
            const struct edge *e = &m->edges[st->first_edge + k];
            uint32_t f = st->fail;
            if (s == 0) {
                f = 0;
            } else {
                while (f != 0 && child(m, f, e->byte) == NONE)
                    f = m->states[f].fail;
                uint32_t c = child(m, f, e->byte);
                f = (c != NONE && c != e->to) ? c : 0;
            }
            struct state *t = &m->states[e->to];
            t->fail = f;
            t->output = m->states[f].ids != NONE ? f : m->states[f].output;
            queue[tail++] = e->to;
        }
    }
    m->flags = calloc(m->n_states, 1);
    int rc = m->flags != NULL ? fill_rows(m, queue, tail) : -1;
    for (size_t k = 0; rc == 0 && k < m->n_states; k++)
        if (k != 0 && (m->states[k].ids != NONE || m->states[k].output != NONE))
            m->flags[k] |= HAS_OUTPUT;
    free(queue);
    m->built = rc == 0;
    return rc;
}

/* Reports every pattern ending at state `s` and along its output chain. */
static int report(const a24_matcher_t *m, uint32_t s, size_t end, a24_matcher_hit_fn hit, void *ctx)
{
    if (m->states[s].ids == NONE)
        s = m->states[s].output;
    for (; s != NONE && s != 0; s = m->states[s].output)
        for (uint32_t o = m->states[s].ids; o != NONE; o = m->outs[o].next) {
            int rc = hit(ctx, m->outs[o].id, end);
            if (rc != 0)
                return rc;
        }
    return 0;
}

/* One pass: one transition per byte, then what ends here. */
int a24_matcher_scan(const a24_matcher_t *m, const char *text, size_t len, a24_matcher_hit_fn hit,
                     void *ctx)
{
    if (m == NULL || !m->built)
        return -1;
    uint32_t s = 0;
    for (size_t i = 0; i < len; i++) {
        s = step(m, s, (uint8_t)text[i]);
        if (m->flags[s] & HAS_OUTPUT) {
            int rc = report(m, s, i + 1, hit, ctx);
            if (rc != 0)
                return rc;
        }
    }
    return 0;
}

/* The number of trie states. */
size_t a24_matcher_states(const a24_matcher_t *m)
{
    return m != NULL ? m->n_states : 0;
}
