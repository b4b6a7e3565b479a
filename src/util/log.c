/*
 * summary: logging, error lines and checked allocation
 */
#include "util/log.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int log_level = LOG_WARN;

static const char *const level_names[] = {"error", "warning", "info", "debug"};

void log_impl(enum log_level lvl, const char *module, const char *fmt, ...)
{
    va_list ap;
    fprintf(stderr, "vigil: %s: %s: ", level_names[lvl], module);
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fputc('\n', stderr);
}

void vigil_error(const char *subject, const char *fmt, ...)
{
    va_list ap;
    if (subject)
        fprintf(stderr, "vigil: %s: ", subject);
    else
        fputs("vigil: ", stderr);
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fputc('\n', stderr);
}

void bug_at(const char *file, int line, const char *fmt, ...)
{
    va_list ap;
    fprintf(stderr, "vigil: BUG at %s:%d: ", file, line);
    va_start(ap, fmt);
    vfprintf(stderr, fmt, ap);
    va_end(ap);
    fputc('\n', stderr);
    abort();
}

void die_oom(void)
{
    fputs("vigil: out of memory\n", stderr);
    exit(1);
}

void *xmalloc(unsigned long n)
{
    void *p = malloc(n ? n : 1);
    if (!p)
        die_oom();
    return p;
}

void *xcalloc(unsigned long n, unsigned long size)
{
    void *p = calloc(n ? n : 1, size ? size : 1);
    if (!p)
        die_oom();
    return p;
}

void *xrealloc(void *p, unsigned long n)
{
    void *q = realloc(p, n ? n : 1);
    if (!q)
        die_oom();
    return q;
}

char *xstrdup(const char *s)
{
    size_t n = strlen(s) + 1;
    char *p = xmalloc(n);
    memcpy(p, s, n);
    return p;
}
