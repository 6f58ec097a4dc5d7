/*
 * keys: `answer24ctl keys rotate|list`, the text keys of proto/keyring.h.
 *
 * rotate adds a key that seals every new text from the next second on, then drops the
 * keys whose successor is older than privacy.retention, so that old backups of Redis
 * become unreadable with what is left on the host. A key is kept while any ticket
 * created before its successor is still in Redis (it may hold texts the key sealed):
 * the oldest ticket's `created` is read once (SCAN) before anything is dropped.
 * `answer24ctl purge` drops the same way, without adding a key.
 *
 * Must never: drop a key a living ticket may need, or print a key.
 */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "clock.h"
#include "ctl.h"
#include "keyring.h"
#include "keys.h"

/* Texts sealed this long after a rotation may still use the old key (programs look once a
 * second); tickets created within it count as older. */
#define RELOAD_MARGIN_MS 5000

/* Finds the creation time of the oldest ticket in Redis (INT64_MAX: none); -1 on error. */
static int oldest_ticket(redisContext *c, int64_t *oldest)
{
    *oldest = INT64_MAX;
    char cursor[32] = "0";
    size_t idlen = strlen(A24_PREFIX_TICKET) + 16;
    do {
        redisReply *r = redisCommand(c, "SCAN %s MATCH %s* COUNT 1000", cursor, A24_PREFIX_TICKET);
        if (r == NULL || r->type != REDIS_REPLY_ARRAY || r->elements != 2) {
            fprintf(stderr, "answer24ctl: cannot list tickets: %s\n",
                    r != NULL && r->type == REDIS_REPLY_ERROR ? r->str : c->errstr);
            freeReplyObject(r);
            return -1;
        }
        snprintf(cursor, sizeof cursor, "%s", r->element[0]->str);
        const redisReply *keys = r->element[1];
        size_t sent = 0;
        for (size_t i = 0; i < keys->elements; i++)
            if (keys->element[i]->len == idlen &&
                redisAppendCommand(c, "HGET %s created", keys->element[i]->str) == REDIS_OK)
                sent++;
        for (size_t i = 0; i < sent; i++) {
            redisReply *h = NULL;
            if (redisGetReply(c, (void **)&h) != REDIS_OK) {
                fprintf(stderr, "answer24ctl: Redis connection failed: %s\n", c->errstr);
                freeReplyObject(r);
                return -1;
            }
            if (h != NULL && h->type == REDIS_REPLY_STRING) {
                long long created = strtoll(h->str, NULL, 10);
                if (created < *oldest)
                    *oldest = created;
            }
            freeReplyObject(h);
        }
        freeReplyObject(r);
    } while (strcmp(cursor, "0") != 0);
    return 0;
}

/* a24_keyring_drop's question: may texts sealed before `successor_created` remain? */
static bool tickets_before(int64_t successor_created, void *arg)
{
    const int64_t *oldest = arg;
    return *oldest < successor_created + RELOAD_MARGIN_MS;
}

/* Prints "dropped key 1, key 0 (retired)" style lines. */
static void print_dropped(const uint32_t *dropped, size_t n)
{
    for (size_t i = 0; i < n; i++)
        if (dropped[i] == 0)
            printf("retired key 0 (texts sealed before the first rotation no longer open)\n");
        else
            printf("dropped key %" PRIu32 "\n", dropped[i]);
}

int a24_ctl_keys_update(const a24_config_t *cfg, redisContext *c, bool add)
{
    a24_keyring_t ring;
    char path[4096], err[600] = "";
    int64_t oldest;
    uint32_t dropped[A24_KEYRING_MAX + 1];
    a24_keyring_path(cfg->secrets.key_file, path, sizeof path);
    if (a24_keyring_read(&ring, path, err, sizeof err) != 0 || oldest_ticket(c, &oldest) != 0) {
        if (err[0] != '\0')
            fprintf(stderr, "answer24ctl: %s\n", err);
        a24_keyring_wipe(&ring);
        return A24_CTL_USAGE;
    }
    int64_t now = a24_clock_now();
    err[0] = '\0';
    if (add && a24_keyring_add(&ring, now, err, sizeof err) != 0)
        goto fail;
    size_t n =
        a24_keyring_drop(&ring, now - cfg->privacy.retention, tickets_before, &oldest, dropped);
    if ((add || n > 0) && a24_keyring_write(&ring, err, sizeof err) != 0)
        goto fail;
    if (add)
        printf("key %" PRIu32 " seals new texts from now on\n", a24_keyring_current(&ring)->id);
    print_dropped(dropped, n);
    a24_keyring_wipe(&ring);
    return A24_CTL_OK;
fail:
    fprintf(stderr, "answer24ctl: %s\n", err);
    a24_keyring_wipe(&ring);
    return A24_CTL_USAGE;
}

/* `keys list`: every key, when it was made, and what it does now. */
static int keys_list(const a24_config_t *cfg)
{
    a24_keyring_t ring;
    char path[4096], err[600], when[A24_RFC3339_LEN];
    a24_keyring_path(cfg->secrets.key_file, path, sizeof path);
    if (a24_keyring_read(&ring, path, err, sizeof err) != 0) {
        fprintf(stderr, "answer24ctl: %s\n", err);
        return A24_CTL_USAGE;
    }
    printf("%-6s %-26s %s\n", "key", "created", "state");
    printf("%-6s %-26s %s\n", "0", "(from the master key)",
           ring.key0_retired != 0 ? "retired"
           : ring.n == 0          ? "seals"
                                  : "opens old texts");
    for (size_t i = 0; i < ring.n; i++) {
        a24_clock_format(ring.keys[i].created, when);
        printf("%-6" PRIu32 " %-26s %s\n", ring.keys[i].id, when,
               i + 1 == ring.n ? "seals" : "opens old texts");
    }
    a24_keyring_wipe(&ring);
    return A24_CTL_OK;
}

int a24_ctl_keys(const a24_config_t *cfg, int argc, char **argv)
{
    if (argc == 2 && strcmp(argv[1], "list") == 0)
        return keys_list(cfg);
    redisContext *c = a24_ctl_connect_for(cfg, argc == 2 && strcmp(argv[1], "rotate") == 0,
                                          "keys rotate | keys list");
    if (c == NULL)
        return A24_CTL_USAGE;
    int status = a24_ctl_keys_update(cfg, c, true);
    redisFree(c);
    return status;
}
