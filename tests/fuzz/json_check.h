/*
 * summary: a strict RFC 8259 validator for one line of JSON, the fuzzers' output oracle
 *
 * Every line vigil writes must be one JSON object whose strings are valid
 * UTF-8 with no raw control characters (json.h). The fuzzers run each line
 * through json_check_line() and abort on the first line that is not, so an
 * escaping bug anywhere in the pipeline is a crash with a saved input.
 */
#ifndef VIGIL_FUZZ_JSON_CHECK_H
#define VIGIL_FUZZ_JSON_CHECK_H

#include <stddef.h>
#include <stdint.h>

struct jc {
    const unsigned char *p, *end;
    int depth;
};

static int jc_value(struct jc *c);

static void jc_ws(struct jc *c)
{
    while (c->p < c->end && (*c->p == ' ' || *c->p == '\t' || *c->p == '\n' || *c->p == '\r'))
        c->p++;
}

static int jc_lit(struct jc *c, const char *s)
{
    for (; *s; s++, c->p++)
        if (c->p >= c->end || *c->p != (unsigned char)*s)
            return 0;
    return 1;
}

static int jc_hex(unsigned char h)
{
    return (h >= '0' && h <= '9') || (h >= 'a' && h <= 'f') || (h >= 'A' && h <= 'F');
}

/* One UTF-8 sequence at c->p (RFC 3629): shortest form, no surrogates, <= U+10FFFF. */
static int jc_utf8(struct jc *c)
{
    unsigned b = *c->p;
    size_t n;
    unsigned cp, min;
    if (b >= 0xc2 && b <= 0xdf) {
        n = 2;
        min = 0x80;
    } else if (b >= 0xe0 && b <= 0xef) {
        n = 3;
        min = 0x800;
    } else if (b >= 0xf0 && b <= 0xf4) {
        n = 4;
        min = 0x10000;
    } else {
        return 0;
    }
    if ((size_t)(c->end - c->p) < n)
        return 0;
    cp = b & (0x7fu >> n);
    for (size_t i = 1; i < n; i++) {
        if ((c->p[i] & 0xc0) != 0x80)
            return 0;
        cp = cp << 6 | (c->p[i] & 0x3fu);
    }
    if (cp < min || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff))
        return 0;
    c->p += n;
    return 1;
}

static int jc_string(struct jc *c)
{
    if (c->p >= c->end || *c->p != '"')
        return 0;
    c->p++;
    while (c->p < c->end) {
        unsigned char b = *c->p;
        if (b == '"') {
            c->p++;
            return 1;
        }
        if (b < 0x20)
            return 0; /* raw control character */
        if (b == '\\') {
            c->p++;
            if (c->p >= c->end)
                return 0;
            unsigned char e = *c->p++;
            if (e == 'u') {
                for (int i = 0; i < 4; i++, c->p++)
                    if (c->p >= c->end || !jc_hex(*c->p))
                        return 0;
            } else if (!(e == '"' || e == '\\' || e == '/' || e == 'b' || e == 'f' || e == 'n' ||
                         e == 'r' || e == 't')) {
                return 0;
            }
            continue;
        }
        if (b < 0x80) {
            c->p++;
            continue;
        }
        if (!jc_utf8(c))
            return 0;
    }
    return 0;
}

static int jc_digits(struct jc *c)
{
    const unsigned char *s = c->p;
    while (c->p < c->end && *c->p >= '0' && *c->p <= '9')
        c->p++;
    return c->p > s;
}

static int jc_number(struct jc *c)
{
    if (c->p < c->end && *c->p == '-')
        c->p++;
    if (c->p < c->end && *c->p == '0')
        c->p++;
    else if (!jc_digits(c))
        return 0;
    if (c->p < c->end && *c->p == '.') {
        c->p++;
        if (!jc_digits(c))
            return 0;
    }
    if (c->p < c->end && (*c->p == 'e' || *c->p == 'E')) {
        c->p++;
        if (c->p < c->end && (*c->p == '+' || *c->p == '-'))
            c->p++;
        if (!jc_digits(c))
            return 0;
    }
    return 1;
}

static int jc_container(struct jc *c, unsigned char close, int object)
{
    if (++c->depth > 64)
        return 0;
    c->p++;
    jc_ws(c);
    if (c->p < c->end && *c->p == close) {
        c->p++;
        c->depth--;
        return 1;
    }
    for (;;) {
        jc_ws(c);
        if (object) {
            if (!jc_string(c))
                return 0;
            jc_ws(c);
            if (c->p >= c->end || *c->p != ':')
                return 0;
            c->p++;
            jc_ws(c);
        }
        if (!jc_value(c))
            return 0;
        jc_ws(c);
        if (c->p >= c->end)
            return 0;
        if (*c->p == ',') {
            c->p++;
            continue;
        }
        if (*c->p == close) {
            c->p++;
            c->depth--;
            return 1;
        }
        return 0;
    }
}

static int jc_value(struct jc *c)
{
    if (c->p >= c->end)
        return 0;
    switch (*c->p) {
    case '{': return jc_container(c, '}', 1);
    case '[': return jc_container(c, ']', 0);
    case '"': return jc_string(c);
    case 't': return jc_lit(c, "true");
    case 'f': return jc_lit(c, "false");
    case 'n': return jc_lit(c, "null");
    default: return jc_number(c);
    }
}

/* 1 if s[0..n) is exactly one JSON object (no newline inside), else 0. */
static inline int json_check_line(const char *s, size_t n)
{
    struct jc c = {(const unsigned char *)s, (const unsigned char *)s + n, 0};
    if (n == 0 || s[0] != '{')
        return 0;
    if (!jc_value(&c))
        return 0;
    return c.p == c.end;
}

#endif
