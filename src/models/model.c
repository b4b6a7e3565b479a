/*
 * summary: reading model definition files into struct model
 */
#include "models/model.h"

#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "util/log.h"

#define MODEL_LINE_MAX 8192
#define MODEL_FILE_MAX (1024 * 1024)

static const char *const stage_names[STAGE__COUNT] = {
    [STAGE_NONE] = "none",   [STAGE_DELIVERY] = "delivery", [STAGE_EXPLOIT] = "exploit",
    [STAGE_C2] = "c2",       [STAGE_RECON] = "recon",       [STAGE_LATERAL] = "lateral",
    [STAGE_SPAM] = "spam",   [STAGE_EXFIL] = "exfil",
};

const char *model_stage_name(enum model_stage s)
{
    return (unsigned)s < STAGE__COUNT ? stage_names[s] : "?";
}

static void model_free(struct model *m)
{
    if (!m)
        return;
    free(m->name);
    free(m->description);
    free(m->file);
    free(m->reason);
    expr_free(m->where);
    expr_free(m->score);
    expr_free(m->distinct_expr);
    for (int i = 0; i < m->ngroup; i++)
        expr_free(m->group[i]);
    for (int i = 0; i < m->nmetrics; i++)
        expr_free(m->metrics[i]);
    free(m);
}

void model_set_release(struct model_set *set)
{
    for (size_t i = 0; i < set->n; i++)
        model_free(set->v[i]);
    free(set->v);
    set->v = NULL;
    set->n = 0;
}

struct loader {
    const char *file;
    int line;
    char *err;
    size_t errlen;
    const struct expr_resolver *r;
    struct model_set *set;
    struct model *cur;
    char *where_text; /* where clauses joined with "and" */
};

static int lerr(struct loader *ld, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static int lerr(struct loader *ld, const char *fmt, ...)
{
    char msg[600];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(msg, sizeof(msg), fmt, ap);
    va_end(ap);
    snprintf(ld->err, ld->errlen, "%s:%d: %s", ld->file, ld->line, msg);
    return -1;
}

/* Parses a quoted string; returns a malloc'd copy or NULL. */
static char *quoted(const char *s)
{
    while (isspace((unsigned char)*s))
        s++;
    if (*s != '"')
        return NULL;
    s++;
    size_t n = strlen(s);
    while (n && isspace((unsigned char)s[n - 1]))
        n--;
    if (!n || s[n - 1] != '"')
        return NULL;
    n--;
    char *out = xmalloc(n + 1);
    size_t o = 0;
    for (size_t i = 0; i < n; i++) {
        if (s[i] == '\\' && i + 1 < n)
            i++;
        out[o++] = s[i];
    }
    out[o] = '\0';
    return out;
}

static struct expr *parse_expr(struct loader *ld, const char *text)
{
    char e[400];
    struct expr *x = expr_parse(text, ld->r, e, sizeof(e));
    if (!x)
        lerr(ld, "%s", e);
    return x;
}

static int parse_duration(const char *s, double *out)
{
    char *end;
    double v = strtod(s, &end);
    if (end == s || v < 0)
        return -1;
    switch (*end) {
    case 's': end++; break;
    case 'm': v *= 60; end++; break;
    case 'h': v *= 3600; end++; break;
    case 'd': v *= 86400; end++; break;
    case '\0': break;
    default: return -1;
    }
    while (isspace((unsigned char)*end))
        end++;
    if (*end)
        return -1;
    *out = v;
    return 0;
}

static int event_type_of(const char *s)
{
    if (strcmp(s, "breach") == 0)
        return MODEL_ON_BREACH;
    for (int t = 0; t < EV__COUNT; t++)
        if (strcmp(s, event_type_name((enum event_type)t)) == 0)
            return t;
    return -1;
}

/* Ends the model being read: checks it is complete and builds its where clause. */
static int finish_model(struct loader *ld)
{
    struct model *m = ld->cur;
    if (!m)
        return 0;
    int rc = 0;
    if (m->on < 0)
        rc = lerr(ld, "model \"%s\" has no 'on' line", m->name);
    else if (!m->score)
        rc = lerr(ld, "model \"%s\" has no 'score' line", m->name);
    else if (!m->reason)
        rc = lerr(ld, "model \"%s\" has no 'reason' line", m->name);
    else if (ld->where_text) {
        m->where = parse_expr(ld, ld->where_text);
        if (!m->where)
            rc = -1;
    }
    free(ld->where_text);
    ld->where_text = NULL;
    if (rc < 0) {
        model_free(m);
        ld->cur = NULL;
        return -1;
    }
    for (size_t i = 0; i < ld->set->n; i++)
        if (strcmp(ld->set->v[i]->name, m->name) == 0) {
            model_free(m);
            ld->cur = NULL;
            return lerr(ld, "a model named \"%s\" is defined twice", ld->set->v[i]->name);
        }
    m->id = (int)ld->set->n;
    ld->set->v = xrealloc(ld->set->v, (ld->set->n + 1) * sizeof(*ld->set->v));
    ld->set->v[ld->set->n++] = m;
    ld->cur = NULL;
    return 0;
}

/* Splits "a, b, c" at top-level commas and parses each as an expression. */
static int parse_list(struct loader *ld, const char *text, struct expr **out, int max, int *n)
{
    char buf[MODEL_LINE_MAX];
    snprintf(buf, sizeof(buf), "%s", text);
    char *p = buf;
    int depth = 0, inq = 0;
    char *start = p;
    for (;; p++) {
        if (*p == '"' && (p == buf || p[-1] != '\\'))
            inq = !inq;
        if (!inq && *p == '(')
            depth++;
        if (!inq && *p == ')')
            depth--;
        if (*p == '\0' || (!inq && depth == 0 && *p == ',')) {
            char save = *p;
            *p = '\0';
            if (*n >= max)
                return lerr(ld, "more than %d entries", max);
            struct expr *x = parse_expr(ld, start);
            if (!x)
                return -1;
            out[(*n)++] = x;
            if (!save)
                break;
            start = p + 1;
        }
    }
    return 0;
}

static int directive(struct loader *ld, const char *key, const char *val)
{
    struct model *m = ld->cur;
    if (strcmp(key, "model") == 0) {
        if (finish_model(ld) < 0)
            return -1;
        char *name = quoted(val);
        if (!name || !*name) {
            free(name);
            return lerr(ld, "model wants a quoted name");
        }
        m = ld->cur = xcalloc(1, sizeof(*m));
        m->name = name;
        m->file = xstrdup(ld->file);
        m->line = ld->line;
        m->on = -1;
        m->cooldown_s = 3600;
        return 0;
    }
    if (!m)
        return lerr(ld, "'%s' before any 'model' line", key);
    if (strcmp(key, "description") == 0) {
        free(m->description);
        if (!(m->description = quoted(val)))
            return lerr(ld, "description wants a quoted string");
    } else if (strcmp(key, "on") == 0) {
        m->on = event_type_of(val);
        if (m->on < 0)
            return lerr(ld, "unknown event type '%s'", val);
    } else if (strcmp(key, "where") == 0) {
        /* several where lines all must hold: "(a) and (b)" */
        size_t a = ld->where_text ? strlen(ld->where_text) : 0, b = strlen(val);
        ld->where_text = xrealloc(ld->where_text, a + b + 8);
        snprintf(ld->where_text + a, b + 8, "%s(%s)", a ? " and " : "", val);
    } else if (strcmp(key, "score") == 0) {
        expr_free(m->score);
        if (!(m->score = parse_expr(ld, val)))
            return -1;
    } else if (strcmp(key, "reason") == 0) {
        free(m->reason);
        if (!(m->reason = quoted(val)))
            return lerr(ld, "reason wants a quoted template");
    } else if (strcmp(key, "cooldown") == 0) {
        if (parse_duration(val, &m->cooldown_s) < 0)
            return lerr(ld, "bad duration '%s' (use 30s, 10m, 6h, 2d)", val);
    } else if (strcmp(key, "min_score") == 0) {
        char *end;
        m->min_score = strtod(val, &end);
        if (end == val || *end || m->min_score < 0 || m->min_score > 100)
            return lerr(ld, "min_score wants a number from 0 to 100: '%s'", val);
    } else if (strcmp(key, "stage") == 0) {
        int s;
        for (s = 0; s < STAGE__COUNT; s++)
            if (strcmp(val, stage_names[s]) == 0)
                break;
        if (s == STAGE__COUNT)
            return lerr(ld, "unknown stage '%s'", val);
        m->stage = (enum model_stage)s;
    } else if (strcmp(key, "count") == 0) {
        /* count N within DUR [distinct EXPR] */
        char dur[64];
        int n, used = 0;
        if (sscanf(val, "%d within %63s%n", &n, dur, &used) < 2 || n < 1 || n > 10000)
            return lerr(ld, "count wants 'N within DURATION [distinct EXPR]': '%s'", val);
        if (parse_duration(dur, &m->within_s) < 0 || m->within_s <= 0)
            return lerr(ld, "bad duration '%s'", dur);
        m->count_n = n;
        const char *rest = val + used;
        while (isspace((unsigned char)*rest))
            rest++;
        if (*rest) {
            if (strncmp(rest, "distinct", 8) != 0 || !isspace((unsigned char)rest[8]))
                return lerr(ld, "unexpected '%s' after the count", rest);
            if (!(m->distinct_expr = parse_expr(ld, rest + 9)))
                return -1;
        }
    } else if (strcmp(key, "group") == 0) {
        if (parse_list(ld, val, m->group, MODEL_MAX_GROUP, &m->ngroup) < 0)
            return -1;
    } else if (strcmp(key, "metrics") == 0) {
        if (parse_list(ld, val, m->metrics, MODEL_MAX_METRICS, &m->nmetrics) < 0)
            return -1;
    } else {
        return lerr(ld, "unknown directive '%s'", key);
    }
    return 0;
}

static int load_file(struct loader *ld, const char *path)
{
    FILE *f = fopen(path, "r");
    if (!f) {
        snprintf(ld->err, ld->errlen, "%s: cannot open: %s", path, strerror(errno));
        return -1;
    }
    ld->file = path;
    ld->line = 0;
    char line[MODEL_LINE_MAX];
    char key[64] = "";
    char *val = NULL;
    size_t vlen = 0;
    int rc = 0, key_line = 0;
    while (rc == 0) {
        char *got = fgets(line, sizeof(line), f);
        if (got) {
            ld->line++;
            size_t n = strlen(line);
            if (n == sizeof(line) - 1 && line[n - 1] != '\n') {
                rc = lerr(ld, "line longer than %d bytes", MODEL_LINE_MAX - 1);
                break;
            }
        }
        /* strip comments outside quotes, and the newline */
        if (got) {
            int inq = 0;
            for (char *p = line; *p; p++) {
                if (*p == '"' && (p == line || p[-1] != '\\'))
                    inq = !inq;
                if (*p == '#' && !inq) {
                    *p = '\0';
                    break;
                }
            }
            line[strcspn(line, "\r\n")] = '\0';
        }
        int blank = got ? line[strspn(line, " \t")] == '\0' : 1;
        int cont = got && !blank && (line[0] == ' ' || line[0] == '\t');
        if (cont) {
            if (!key[0]) {
                rc = lerr(ld, "continuation line without a directive");
                break;
            }
            size_t add = strlen(line);
            val = xrealloc(val, vlen + add + 2);
            val[vlen++] = ' ';
            memcpy(val + vlen, line + strspn(line, " \t"), add - strspn(line, " \t") + 1);
            vlen = strlen(val);
            continue;
        }
        /* a new directive (or the end): finish the pending one */
        if (key[0]) {
            int saved = ld->line;
            ld->line = key_line;
            rc = directive(ld, key, val ? val : "");
            ld->line = saved;
            key[0] = '\0';
            free(val);
            val = NULL;
            vlen = 0;
            if (rc < 0)
                break;
        }
        if (!got)
            break;
        if (blank)
            continue;
        char *p = line;
        size_t k = strcspn(p, " \t");
        if (k >= sizeof(key)) {
            rc = lerr(ld, "unknown directive");
            break;
        }
        memcpy(key, p, k);
        key[k] = '\0';
        p += k;
        p += strspn(p, " \t");
        val = xstrdup(p);
        vlen = strlen(val);
        key_line = ld->line;
    }
    free(val);
    fclose(f);
    if (rc == 0) {
        ld->line++;
        rc = finish_model(ld);
    } else {
        model_free(ld->cur);
        ld->cur = NULL;
        free(ld->where_text);
        ld->where_text = NULL;
    }
    return rc;
}

static int cmp_str(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

int model_set_load(struct model_set *set, const char *path, const struct expr_resolver *r,
                   char *err, size_t errlen)
{
    struct loader ld = {.err = err, .errlen = errlen, .r = r, .set = set};
    set->v = NULL;
    set->n = 0;
    struct stat st;
    if (stat(path, &st) < 0) {
        snprintf(err, errlen, "%s: cannot open: %s", path, strerror(errno));
        return -1;
    }
    if (!S_ISDIR(st.st_mode)) {
        if (load_file(&ld, path) < 0) {
            model_set_release(set);
            return -1;
        }
        return 0;
    }
    DIR *d = opendir(path);
    if (!d) {
        snprintf(err, errlen, "%s: cannot open: %s", path, strerror(errno));
        return -1;
    }
    char **names = NULL;
    size_t n = 0;
    struct dirent *de;
    while ((de = readdir(d))) {
        size_t len = strlen(de->d_name);
        if (len < 7 || strcmp(de->d_name + len - 6, ".model") != 0)
            continue;
        names = xrealloc(names, (n + 1) * sizeof(*names));
        size_t pl = strlen(path) + len + 2;
        names[n] = xmalloc(pl);
        snprintf(names[n], pl, "%s/%s", path, de->d_name);
        n++;
    }
    closedir(d);
    if (n > 1)
        qsort(names, n, sizeof(*names), cmp_str);
    int rc = 0;
    for (size_t i = 0; i < n && rc == 0; i++)
        rc = load_file(&ld, names[i]);
    for (size_t i = 0; i < n; i++)
        free(names[i]);
    free(names);
    if (rc == 0 && set->n == 0) {
        snprintf(err, errlen, "%s: no models found (*.model)", path);
        rc = -1;
    }
    if (rc < 0)
        model_set_release(set);
    return rc;
}
