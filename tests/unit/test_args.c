/* Unit tests of proto/args: the script-argument builder and the command it makes. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>

#include <cmocka.h>
#include <hiredis/hiredis.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "a24unit.h"
#include "args.h"

/* The command `a` makes, read back by hiredis' own protocol reader as an array. */
static redisReply *parse(const a24_args_t *a, const char *verb, const char *fn)
{
    size_t len;
    char *cmd = a24_args_command(a, verb, fn, &len);
    assert_non_null(cmd);
    assert_int_equal(len > 0, 1);
    redisReader *rd = redisReaderCreate();
    assert_int_equal(redisReaderFeed(rd, cmd, len), REDIS_OK);
    void *r = NULL;
    assert_int_equal(redisReaderGetReply(rd, &r), REDIS_OK);
    assert_non_null(r);
    redisReaderFree(rd);
    free(cmd);
    return r;
}

static void assert_element(const redisReply *r, size_t i, const char *want, size_t wantlen)
{
    assert_true(i < r->elements);
    assert_int_equal(r->element[i]->type, REDIS_REPLY_STRING);
    assert_int_equal(r->element[i]->len, wantlen);
    assert_memory_equal(r->element[i]->str, want, wantlen);
}

static void args_keys_go_before_arguments(void **state)
{
    (void)state;
    a24_args_t a;
    a24_args_init(&a);
    a24_args_str(&a, "t1");
    a24_args_keyf(&a, "a24:t:%s", "t1");
    a24_args_int(&a, -42);
    a24_args_key(&a, "a24:schedule");
    a24_args_bool(&a, true);
    a24_args_str(&a, NULL);
    a24_args_bin(&a, "a\0b", 3);
    assert_int_equal(a24_args_nkeys(&a), 2);
    assert_int_equal(a24_args_nargs(&a), 5);
    redisReply *r = parse(&a, "FCALL", "a24_claim");
    assert_int_equal(r->type, REDIS_REPLY_ARRAY);
    assert_int_equal(r->elements, 3 + 2 + 5);
    assert_element(r, 0, "FCALL", 5);
    assert_element(r, 1, "a24_claim", 9);
    assert_element(r, 2, "2", 1);
    assert_element(r, 3, "a24:t:t1", 8);
    assert_element(r, 4, "a24:schedule", 12);
    assert_element(r, 5, "t1", 2);
    assert_element(r, 6, "-42", 3);
    assert_element(r, 7, "1", 1);
    assert_element(r, 8, "", 0);
    assert_element(r, 9, "a\0b", 3); /* binary safe */
    freeReplyObject(r);
    a24_args_dispose(&a);
}

static void args_same_bytes_as_hiredis(void **state)
{
    (void)state;
    a24_args_t a;
    a24_args_init(&a);
    a24_args_key(&a, "k1");
    a24_args_str(&a, "hello");
    a24_args_int(&a, 1234567890123LL);
    size_t len;
    char *mine = a24_args_command(&a, "FCALL_RO", "a24_user_list", &len);
    const char *argv[] = {"FCALL_RO", "a24_user_list", "1", "k1", "hello", "1234567890123"};
    char *theirs = NULL;
    int tl = redisFormatCommandArgv(&theirs, 6, argv, NULL);
    assert_int_equal(len, (size_t)tl);
    assert_memory_equal(mine, theirs, len);
    free(mine);
    redisFreeCommand(theirs);
    a24_args_dispose(&a);
}

static void args_grow_past_the_inline_buffer(void **state)
{
    (void)state;
    size_t big = 3 * A24_ARGS_INLINE + 7;
    char *text = malloc(big);
    assert_non_null(text);
    for (size_t i = 0; i < big; i++)
        text[i] = (char)('a' + i % 26);
    a24_args_t a;
    a24_args_init(&a);
    for (int i = 0; i < 100; i++)
        a24_args_keyf(&a, "a24:key:%d", i);
    a24_args_bin(&a, text, big);
    a24_args_str(&a, "after");
    redisReply *r = parse(&a, "FCALL", "a24_submit");
    assert_int_equal(r->elements, 3 + 100 + 2);
    assert_element(r, 2, "100", 3);
    assert_element(r, 3, "a24:key:0", 9);
    assert_element(r, 102, "a24:key:99", 10);
    assert_element(r, 103, text, big);
    assert_element(r, 104, "after", 5);
    freeReplyObject(r);
    a24_args_dispose(&a); /* ASan: the heap buffers go */
    /* Usable again after dispose, and empty. */
    assert_int_equal(a24_args_nkeys(&a), 0);
    assert_int_equal(a24_args_nargs(&a), 0);
    r = parse(&a, "FCALL", "a24_version");
    assert_int_equal(r->elements, 3);
    assert_element(r, 2, "0", 1);
    freeReplyObject(r);
    a24_args_dispose(&a);
    free(text);
}

static void args_failed_key_refuses_the_call(void **state)
{
    (void)state;
    char huge[600];
    memset(huge, 'x', sizeof huge - 1);
    huge[sizeof huge - 1] = '\0';
    a24_args_t a;
    a24_args_init(&a);
    a24_args_keyf(&a, "a24:t:%s", huge); /* longer than a key may be */
    a24_args_str(&a, "ignored");
    size_t len = 99;
    assert_null(a24_args_command(&a, "FCALL", "a24_claim", &len));
    assert_int_equal(len, 0);
    a24_args_dispose(&a);
}

A24_UNIT_MAIN(cmocka_unit_test(args_keys_go_before_arguments),
              cmocka_unit_test(args_same_bytes_as_hiredis),
              cmocka_unit_test(args_grow_past_the_inline_buffer),
              cmocka_unit_test(args_failed_key_refuses_the_call))
