/*
 * summary: the one logger, user-facing error lines, and BUG()/die_oom()
 *
 * log_msg() is for diagnostics (level-filtered before formatting).
 * vigil_error() prints the one-line error format fixed by design.md:
 *   vigil: FILE: what is wrong
 * Messages are lowercase, without a final period, with subjects in quotes.
 */
#ifndef VIGIL_UTIL_LOG_H
#define VIGIL_UTIL_LOG_H

#include <stdarg.h>

enum log_level { LOG_ERR = 0, LOG_WARN = 1, LOG_INFO = 2, LOG_DEBUG = 3 };

extern int log_level;

#define VIGIL_PRINTF(f, a) __attribute__((format(printf, f, a)))
#define VIGIL_NORETURN __attribute__((noreturn))
#define WARN_UNUSED __attribute__((warn_unused_result))

void log_impl(enum log_level lvl, const char *module, const char *fmt, ...) VIGIL_PRINTF(3, 4);
#define log_msg(lvl, module, ...)                                                                  \
    do {                                                                                           \
        if ((int)(lvl) <= log_level)                                                               \
            log_impl((lvl), (module), __VA_ARGS__);                                                \
    } while (0)

/* "vigil: SUBJECT: message" on stderr; subject may be NULL ("vigil: message"). */
void vigil_error(const char *subject, const char *fmt, ...) VIGIL_PRINTF(2, 3);

/* Programmer error: prints file:line and aborts. Never for bad input. */
#define BUG(...) bug_at(__FILE__, __LINE__, __VA_ARGS__)
void bug_at(const char *file, int line, const char *fmt, ...) VIGIL_PRINTF(3, 4) VIGIL_NORETURN;

/* Out of memory: one line, exit status 1. */
void die_oom(void) VIGIL_NORETURN;

/* malloc/calloc/realloc/strdup that never return NULL (they die_oom). */
void *xmalloc(unsigned long n);
void *xcalloc(unsigned long n, unsigned long size);
void *xrealloc(void *p, unsigned long n);
char *xstrdup(const char *s);

#endif
