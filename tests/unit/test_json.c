/*
 * summary: unit tests of the JSON writer (src/util/json.c, RFC 8259 section 7)
 *
 * Every expectation is the exact text the writer must produce. In the C
 * literals below a JSON backslash is written "\\", so the JSON text \\xff
 * (an escaped backslash, then "xff": how an invalid byte is shown) is the C
 * literal "\\\\xff".
 */
#include "util/json.h"

#include <math.h>
#include <signal.h>
#include <stdint.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <unistd.h>

#include "test.h"

static char text[1 << 17];

/* The buffer's content as a C string (jbuf is not NUL-terminated). */
static const char *S(const struct jbuf *jb)
{
    size_t n = jb->len < sizeof(text) - 1 ? jb->len : sizeof(text) - 1;
    memcpy(text, jb->buf, n);
    text[n] = '\0';
    return text;
}

/* The JSON string that jb_strn writes for n raw bytes. */
static const char *esc(const void *s, size_t n)
{
    static struct jbuf jb;
    jb_reset(&jb);
    jb_strn(&jb, s, n);
    return S(&jb);
}

#define ESC(lit) esc(lit, sizeof(lit) - 1)

static void test_plain_and_specials(void)
{
    CHECK_STR(ESC(""), "\"\"");
    CHECK_STR(ESC("abc XYZ 019 ~!@#$%^&*()"), "\"abc XYZ 019 ~!@#$%^&*()\"");
    /* a"b\c  ->  "a\"b\\c" */
    CHECK_STR(ESC("a\"b\\c"), "\"a\\\"b\\\\c\"");
    /* the short escapes of RFC 8259 */
    CHECK_STR(ESC("\n\r\t\b\f"), "\"\\n\\r\\t\\b\\f\"");
    /* '/' needs no escape */
    CHECK_STR(ESC("a/b"), "\"a/b\"");
}

static void test_control(void)
{
    /* 00 01 1f 7f: \u00XX, lowercase hex */
    CHECK_STR(esc("\x00", 1), "\"\\u0000\"");
    CHECK_STR(ESC("\x01"), "\"\\u0001\"");
    CHECK_STR(ESC("\x1f"), "\"\\u001f\"");
    CHECK_STR(ESC("\x1b[31m"), "\"\\u001b[31m\""); /* ANSI escape cannot reach a terminal */
    CHECK_STR(ESC("\x7f"), "\"\\u007f\"");
    CHECK_STR(ESC("\x0b"), "\"\\u000b\""); /* vertical tab has no short form */
    /* an embedded NUL does not end the string */
    CHECK_STR(esc("a\0b", 3), "\"a\\u0000b\"");
    /* every byte 0x00..0x1f */
    for (unsigned c = 0; c < 0x20; c++) {
        unsigned char b = (unsigned char)c;
        const char *o = esc(&b, 1);
        CHECK(o[0] == '"' && o[1] == '\\' && o[strlen(o) - 1] == '"');
        CHECK(strlen(o) == 4 || strlen(o) == 8); /* "\n" or "\u00XX" */
    }
}

static void test_utf8_valid(void)
{
    /* boundaries of each sequence length pass through unchanged */
    CHECK_STR(ESC("\xc2\x80"), "\"\xc2\x80\"");                 /* U+0080 */
    CHECK_STR(ESC("\xc3\xa9t\xc3\xa9"), "\"\xc3\xa9t\xc3\xa9\""); /* "été" */
    CHECK_STR(ESC("\xdf\xbf"), "\"\xdf\xbf\"");                 /* U+07FF */
    CHECK_STR(ESC("\xe0\xa0\x80"), "\"\xe0\xa0\x80\"");         /* U+0800 */
    CHECK_STR(ESC("\xe2\x82\xac"), "\"\xe2\x82\xac\"");         /* U+20AC euro */
    CHECK_STR(ESC("\xed\x9f\xbf"), "\"\xed\x9f\xbf\"");         /* U+D7FF, below surrogates */
    CHECK_STR(ESC("\xee\x80\x80"), "\"\xee\x80\x80\"");         /* U+E000, above surrogates */
    CHECK_STR(ESC("\xef\xbf\xbf"), "\"\xef\xbf\xbf\"");         /* U+FFFF */
    CHECK_STR(ESC("\xf0\x90\x80\x80"), "\"\xf0\x90\x80\x80\""); /* U+10000 */
    CHECK_STR(ESC("\xf0\x9f\x98\x80"), "\"\xf0\x9f\x98\x80\""); /* U+1F600 */
    CHECK_STR(ESC("\xf4\x8f\xbf\xbf"), "\"\xf4\x8f\xbf\xbf\""); /* U+10FFFF, the last */
}

static void test_utf8_invalid(void)
{
    /* a lone continuation byte */
    CHECK_STR(ESC("\x80"), "\"\\\\x80\"");
    CHECK_STR(ESC("a\xff" "b"), "\"a\\\\xffb\"");
    /* overlong 2-byte forms of '/' and of NUL: c0 af, c0 80, c1 bf */
    CHECK_STR(ESC("\xc0\xaf"), "\"\\\\xc0\\\\xaf\"");
    CHECK_STR(ESC("\xc0\x80"), "\"\\\\xc0\\\\x80\"");
    CHECK_STR(ESC("\xc1\xbf"), "\"\\\\xc1\\\\xbf\"");
    /* overlong 3-byte (U+007F as e0 81 bf) and 4-byte (U+FFFF as f0 8f bf bf) */
    CHECK_STR(ESC("\xe0\x81\xbf"), "\"\\\\xe0\\\\x81\\\\xbf\"");
    CHECK_STR(ESC("\xf0\x8f\xbf\xbf"), "\"\\\\xf0\\\\x8f\\\\xbf\\\\xbf\"");
    /* UTF-16 surrogates encoded in UTF-8 (CESU): ed a0 80 = U+D800, ed bf bf = U+DFFF */
    CHECK_STR(ESC("\xed\xa0\x80"), "\"\\\\xed\\\\xa0\\\\x80\"");
    CHECK_STR(ESC("\xed\xbf\xbf"), "\"\\\\xed\\\\xbf\\\\xbf\"");
    /* above U+10FFFF: f4 90 80 80 */
    CHECK_STR(ESC("\xf4\x90\x80\x80"), "\"\\\\xf4\\\\x90\\\\x80\\\\x80\"");
    /* lead bytes that never occur: f5, f8, fe, ff */
    CHECK_STR(ESC("\xf5\x80\x80\x80"), "\"\\\\xf5\\\\x80\\\\x80\\\\x80\"");
    CHECK_STR(ESC("\xf8"), "\"\\\\xf8\"");
    CHECK_STR(ESC("\xfe\xff"), "\"\\\\xfe\\\\xff\"");
    /* truncated sequence at the end of the input (no read past n) */
    CHECK_STR(ESC("\xe2\x82"), "\"\\\\xe2\\\\x82\"");
    CHECK_STR(ESC("\xf0\x9f\x98"), "\"\\\\xf0\\\\x9f\\\\x98\"");
    /* truncated sequence followed by ASCII: the ASCII survives */
    CHECK_STR(ESC("\xe2\x82" "A"), "\"\\\\xe2\\\\x82A\"");
    /* a lead byte followed by a quote: the quote is still escaped */
    CHECK_STR(ESC("\xc3\""), "\"\\\\xc3\\\"\"");
    /* valid after invalid */
    CHECK_STR(ESC("\xff\xc3\xa9"), "\"\\\\xff\xc3\xa9\"");

    /* the sequence is judged on the n bytes given, not past them */
    static const char euro[] = "\xe2\x82\xac";
    CHECK_STR(esc(euro, 2), "\"\\\\xe2\\\\x82\"");
}

static void test_worst_case_growth(void)
{
    /* 5000 control bytes -> 6 chars each, 5000 invalid bytes -> 5 chars each */
    static unsigned char in[10000];
    memset(in, 0x01, 5000);
    memset(in + 5000, 0xff, 5000);
    struct jbuf jb;
    jb_init(&jb);
    jb_strn(&jb, in, sizeof(in));
    CHECK_EQ_U(jb.len, 2 + 5000 * 6 + 5000 * 5);
    CHECK(jb.len <= jb.cap);
    CHECK(memcmp(jb.buf, "\"\\u0001\\u0001", 13) == 0);
    CHECK(memcmp(jb.buf + jb.len - 11, "\\\\xff\\\\xff\"", 11) == 0);
    jb_release(&jb);
}

static void test_nesting_commas(void)
{
    struct jbuf jb;
    jb_init(&jb);
    jb_obj_open(&jb);
    jb_ku64(&jb, "a", 1);
    jb_key(&jb, "b");
    jb_arr_open(&jb);
    jb_u64(&jb, 1);
    jb_i64(&jb, -2);
    jb_obj_open(&jb);
    jb_kbool(&jb, "c", 1);
    jb_obj_close(&jb);
    jb_str(&jb, "s");
    jb_arr_close(&jb);
    jb_key(&jb, "d");
    jb_obj_open(&jb);
    jb_obj_close(&jb);
    jb_key(&jb, "e");
    jb_arr_open(&jb);
    jb_arr_close(&jb);
    jb_key(&jb, "f");
    jb_null(&jb);
    jb_kbool(&jb, "g", 0);
    jb_kstr(&jb, "h", "x\ty");
    jb_kstrn(&jb, "i", "\x00\xff", 2);
    jb_ki64(&jb, "j", -7);
    jb_key(&jb, "k");
    jb_raw(&jb, "[1,2]", 5);
    jb_kts(&jb, "ts", 1500000);
    jb_obj_close(&jb);
    CHECK_STR(S(&jb), "{\"a\":1,\"b\":[1,-2,{\"c\":true},\"s\"],\"d\":{},\"e\":[],\"f\":null,"
                      "\"g\":false,\"h\":\"x\\ty\",\"i\":\"\\u0000\\\\xff\",\"j\":-7,"
                      "\"k\":[1,2],\"ts\":1.500000}");
    CHECK_EQ_I(jb.depth, 0);

    /* arrays of arrays and negative numbers as elements */
    jb_reset(&jb);
    jb_arr_open(&jb);
    jb_arr_open(&jb);
    jb_i64(&jb, -1);
    jb_i64(&jb, -2);
    jb_arr_close(&jb);
    jb_arr_open(&jb);
    jb_arr_close(&jb);
    jb_fixed(&jb, 0.5, 1);
    jb_ts(&jb, -1);
    jb_bool(&jb, 1);
    jb_arr_close(&jb);
    CHECK_STR(S(&jb), "[[-1,-2],[],0.5,-0.000001,true]");

    /* reset forgets the pending comma: the next object starts clean */
    jb_reset(&jb);
    jb_obj_open(&jb);
    jb_ku64(&jb, "x", 0);
    jb_obj_close(&jb);
    jb_reset(&jb);
    jb_obj_open(&jb);
    jb_ku64(&jb, "y", 0);
    jb_obj_close(&jb);
    CHECK_STR(S(&jb), "{\"y\":0}");

    /* nesting to the limit (JB_MAX_DEPTH - 1 levels) works */
    jb_reset(&jb);
    for (int i = 0; i < JB_MAX_DEPTH - 1; i++)
        jb_arr_open(&jb);
    jb_u64(&jb, 9);
    for (int i = 0; i < JB_MAX_DEPTH - 1; i++)
        jb_arr_close(&jb);
    CHECK_STR(S(&jb), "[[[[[[[[[[[[[[[9]]]]]]]]]]]]]]]");
    jb_release(&jb);
}

static void test_numbers(void)
{
    struct jbuf jb;
    jb_init(&jb);
#define NUM(call, want)                                                                            \
    do {                                                                                           \
        jb_reset(&jb);                                                                             \
        call;                                                                                      \
        CHECK_STR(S(&jb), want);                                                                   \
    } while (0)
    NUM(jb_u64(&jb, 0), "0");
    NUM(jb_u64(&jb, 7), "7");
    NUM(jb_u64(&jb, 10), "10");
    NUM(jb_u64(&jb, 4294967296ull), "4294967296");
    NUM(jb_u64(&jb, UINT64_MAX), "18446744073709551615");
    NUM(jb_i64(&jb, 0), "0");
    NUM(jb_i64(&jb, -1), "-1");
    NUM(jb_i64(&jb, INT64_MAX), "9223372036854775807");
    NUM(jb_i64(&jb, INT64_MIN), "-9223372036854775808");
    NUM(jb_fixed(&jb, 1.5, 3), "1.500");
    NUM(jb_fixed(&jb, 0.1234567, 3), "0.123");
    NUM(jb_fixed(&jb, -2.75, 1), "-2.8"); /* -2.75 is exact; 2.75 -> 2.8 (tie to even) */
    NUM(jb_fixed(&jb, 12.0, 0), "12");
    NUM(jb_fixed(&jb, 3.14159, -5), "3");          /* decimals clamped to 0 */
    NUM(jb_fixed(&jb, 0.5, 20), "0.500000000");    /* decimals clamped to 9 */
    NUM(jb_fixed(&jb, 1e18, 0), "1000000000000000000");
    NUM(jb_fixed(&jb, 2e18, 2), "null");           /* not a plausible number */
    NUM(jb_fixed(&jb, -2e18, 2), "null");
    NUM(jb_fixed(&jb, NAN, 2), "null");
    NUM(jb_fixed(&jb, INFINITY, 2), "null");
    NUM(jb_fixed(&jb, -INFINITY, 2), "null");
#undef NUM
    jb_release(&jb);
}

static void test_ts(void)
{
    struct jbuf jb;
    jb_init(&jb);
#define TS(us, want)                                                                               \
    do {                                                                                           \
        jb_reset(&jb);                                                                             \
        jb_ts(&jb, us);                                                                            \
        CHECK_STR(S(&jb), want);                                                                   \
    } while (0)
    TS(0, "0.000000");
    TS(1, "0.000001");
    TS(999999, "0.999999");
    TS(1000000, "1.000000");
    TS(1647339123123456LL, "1647339123.123456");
    TS(-1, "-0.000001");
    TS(-999999, "-0.999999");
    TS(-1000000, "-1.000000");
    TS(-1500000, "-1.500000");
    TS(-86400000001LL, "-86400.000001");
    TS(INT64_MAX, "9223372036854.775807");
    TS(INT64_MIN, "-9223372036854.775808");
#undef TS
    jb_release(&jb);
}

static void test_flush_line(void)
{
    char *mem = NULL;
    size_t memlen = 0;
    FILE *f = open_memstream(&mem, &memlen);
    CHECK(f != NULL);
    if (!f)
        return;
    struct jbuf jb;
    jb_init(&jb);
    jb_obj_open(&jb);
    jb_kstr(&jb, "type", "conn");
    jb_obj_close(&jb);
    CHECK_EQ_I(jb_flush_line(&jb, f), 0);
    CHECK_EQ_U(jb.len, 0); /* flushed and reset */
    jb_obj_open(&jb);
    jb_ku64(&jb, "n", 2);
    jb_obj_close(&jb);
    CHECK_EQ_I(jb_flush_line(&jb, f), 0);
    fclose(f);
    CHECK_STR(mem, "{\"type\":\"conn\"}\n{\"n\":2}\n");
    free(mem);
    jb_release(&jb);
    CHECK(jb.buf == NULL && jb.len == 0 && jb.cap == 0);
}

/* Runs fn in a child; returns the signal that ended it, or 0 if it exited. */
static int child_signal(void (*fn)(void))
{
    fflush(NULL);
    pid_t pid = fork();
    if (pid < 0)
        return -1;
    if (pid == 0) {
        /* keep the expected BUG line out of the test log */
        if (!freopen("/dev/null", "w", stderr))
            _exit(3);
        fn();
        _exit(0);
    }
    int st = 0;
    if (waitpid(pid, &st, 0) < 0)
        return -1;
    return WIFSIGNALED(st) ? WTERMSIG(st) : 0;
}

static void too_deep(void)
{
    struct jbuf jb;
    jb_init(&jb);
    for (int i = 0; i < JB_MAX_DEPTH; i++)
        jb_arr_open(&jb);
}

static void close_without_open(void)
{
    struct jbuf jb;
    jb_init(&jb);
    jb_obj_close(&jb);
}

static void test_programmer_errors(void)
{
    /* style.md point 12: misuse is a BUG() (abort), never silent bad JSON */
    CHECK_EQ_I(child_signal(too_deep), SIGABRT);
    CHECK_EQ_I(child_signal(close_without_open), SIGABRT);
}

/* Capture mode: fields found by name through the hash index, multi-valued keys chained. */
static void test_capture_index(void)
{
    static struct jfields rec;
    struct jbuf jb;
    jb_init_capture(&jb, &rec);
    jb_obj_open(&jb);
    jb_kstr(&jb, "id.orig_h", "10.0.0.7");
    jb_key(&jb, "rcptto");
    jb_arr_open(&jb);
    jb_str(&jb, "a@example.org");
    jb_str(&jb, "b@example.org");
    jb_str(&jb, "c@example.org");
    jb_arr_close(&jb);
    jb_kbool(&jb, "tls", 1);
    /* 300 more keys: the index never fills, the record stops at JF_MAX_FIELDS */
    char names[300][16];
    for (int i = 0; i < 300; i++) {
        snprintf(names[i], sizeof(names[i]), "k%d", i);
        jb_key(&jb, names[i]);
        jb_u64(&jb, (uint64_t)i);
    }
    jb_obj_close(&jb);
    CHECK_EQ_U(rec.n, JF_MAX_FIELDS);
    const struct jfield *o = jf_get(&rec, "id.orig_h");
    CHECK(o && o->type == JF_STR && strcmp(o->s, "10.0.0.7") == 0 && o->nvals == 1);
    const struct jfield *r = jf_get(&rec, "rcptto");
    CHECK(r && r->nvals == 3 && strcmp(r->s, "a@example.org") == 0);
    const struct jfield *r2 = r && r->next ? &rec.v[r->next - 1] : NULL;
    const struct jfield *r3 = r2 && r2->next ? &rec.v[r2->next - 1] : NULL;
    CHECK(r2 && strcmp(r2->s, "b@example.org") == 0);
    CHECK(r3 && strcmp(r3->s, "c@example.org") == 0 && r3->next == 0);
    const struct jfield *t = jf_get_hashed(&rec, "tls", jf_hash("tls"));
    CHECK(t && t->type == JF_BOOL && t->num == 1);
    const struct jfield *k = jf_get(&rec, "k200");
    CHECK(k && k->type == JF_NUM && k->num == 200);
    CHECK(jf_get(&rec, "k299") == NULL); /* beyond the cap: not recorded */
    CHECK(jf_get(&rec, "id.resp_h") == NULL);
    /* a new capture forgets the old keys */
    jb_init_capture(&jb, &rec);
    jb_obj_open(&jb);
    jb_kstr(&jb, "id.resp_h", "192.0.2.1");
    jb_obj_close(&jb);
    CHECK(jf_get(&rec, "id.orig_h") == NULL);
    CHECK(jf_get(&rec, "id.resp_h") != NULL);
}

int main(void)
{
    test_capture_index();
    test_plain_and_specials();
    test_control();
    test_utf8_valid();
    test_utf8_invalid();
    test_worst_case_growth();
    test_nesting_commas();
    test_numbers();
    test_ts();
    test_flush_line();
    test_programmer_errors();
    return test_done();
}
