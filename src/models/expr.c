/*
 * summary: parser and evaluator of model expressions (recursive descent over a token stream)
 */
#include "models/expr.h"

#include <ctype.h>
#include <libpsl.h>
#include <math.h>
#include <regex.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util/log.h"

#define EXPR_MAX_DEPTH 64
#define EXPR_MAX_ARGS 16

enum node_kind { N_NUM, N_STR, N_BOOL, N_REF, N_UNARY, N_BINARY, N_CALL };

enum op {
    OP_OR, OP_AND, OP_NOT, OP_NEG,
    OP_EQ, OP_NE, OP_LT, OP_LE, OP_GT, OP_GE,
    OP_ADD, OP_SUB, OP_MUL, OP_DIV,
};

enum func {
    F_HAS, F_LEN, F_CONTAINS, F_ICONTAINS, F_STARTS, F_ENDS, F_IENDS, F_MATCHES, F_ENTROPY,
    F_RANDOMNESS, F_MIN, F_MAX, F_ABS, F_CLAMP, F_IN, F_EXT, F_DOMAIN, F_IS_IP, F_LOWER,
    F_CONCAT, F_IF,
};

static const struct {
    const char *name;
    enum func f;
    int min_args, max_args;
} funcs[] = {
    {"has", F_HAS, 1, 1},          {"len", F_LEN, 1, 1},
    {"contains", F_CONTAINS, 2, 2}, {"icontains", F_ICONTAINS, 2, 2},
    {"starts_with", F_STARTS, 2, 2}, {"ends_with", F_ENDS, 2, 2},
    {"iends_with", F_IENDS, 2, 2},  {"matches", F_MATCHES, 2, 2},
    {"entropy", F_ENTROPY, 1, 1},   {"randomness", F_RANDOMNESS, 1, 1},
    {"min", F_MIN, 2, 2},           {"max", F_MAX, 2, 2},
    {"abs", F_ABS, 1, 1},           {"clamp", F_CLAMP, 3, 3},
    {"in", F_IN, 2, EXPR_MAX_ARGS}, {"ext", F_EXT, 1, 1},
    {"domain", F_DOMAIN, 1, 1},     {"is_ip", F_IS_IP, 1, 1},
    {"lower", F_LOWER, 1, 1},       {"concat", F_CONCAT, 1, EXPR_MAX_ARGS},
    {"if", F_IF, 3, 3},
};

struct expr {
    enum node_kind kind;
    enum op op;
    enum func fn;
    double num;
    char *str;
    size_t slen;
    struct expr_ref ref;
    struct expr *a, *b;
    int swapped; /* a and b were exchanged to evaluate the cheaper first */
    struct expr *args[EXPR_MAX_ARGS];
    int nargs;
    regex_t *re;
};

/* ---- lexer ---- */

enum tok { T_END, T_NUM, T_STR, T_NAME, T_OP, T_LP, T_RP, T_COMMA, T_ERR };

struct lexer {
    const char *src, *p;
    enum tok t;
    char text[512];
    double num;
    char *err;
    size_t errlen;
    const struct expr_resolver *r;
    int depth;
};

static void lex_error(struct lexer *lx, const char *what)
{
    if (lx->err[0])
        return;
    snprintf(lx->err, lx->errlen, "column %d: %s", (int)(lx->p - lx->src) + 1, what);
    lx->t = T_ERR;
}

static void next(struct lexer *lx)
{
    const char *p = lx->p;
    while (*p == ' ' || *p == '\t' || *p == '\n' || *p == '\r')
        p++;
    lx->p = p;
    lx->text[0] = '\0';
    if (!*p) {
        lx->t = T_END;
        return;
    }
    if (isdigit((unsigned char)*p) || (*p == '.' && isdigit((unsigned char)p[1]))) {
        char *end;
        lx->num = strtod(p, &end);
        /* durations: 30s, 5m, 2h, 7d become seconds */
        if (*end == 's' && !isalnum((unsigned char)end[1]))
            end++;
        else if (*end == 'm' && !isalnum((unsigned char)end[1]))
            lx->num *= 60, end++;
        else if (*end == 'h' && !isalnum((unsigned char)end[1]))
            lx->num *= 3600, end++;
        else if (*end == 'd' && !isalnum((unsigned char)end[1]))
            lx->num *= 86400, end++;
        if (isalpha((unsigned char)*end)) {
            lx->p = end;
            lex_error(lx, "a number runs into letters");
            return;
        }
        lx->p = end;
        lx->t = T_NUM;
        return;
    }
    if (*p == '"') {
        size_t n = 0;
        p++;
        while (*p && *p != '"') {
            char c = *p++;
            if (c == '\\' && *p)
                c = *p++;
            if (n + 1 >= sizeof(lx->text)) {
                lex_error(lx, "string longer than 511 bytes");
                return;
            }
            lx->text[n++] = c;
        }
        if (*p != '"') {
            lex_error(lx, "unterminated string");
            return;
        }
        lx->text[n] = '\0';
        lx->p = p + 1;
        lx->t = T_STR;
        return;
    }
    if (isalpha((unsigned char)*p) || *p == '_') {
        size_t n = 0;
        while (isalnum((unsigned char)*p) || *p == '_' || *p == '.') {
            if (n + 1 >= sizeof(lx->text)) {
                lex_error(lx, "name too long");
                return;
            }
            lx->text[n++] = *p++;
        }
        lx->text[n] = '\0';
        lx->p = p;
        lx->t = T_NAME;
        return;
    }
    if (*p == '(' || *p == ')' || *p == ',') {
        lx->t = *p == '(' ? T_LP : *p == ')' ? T_RP : T_COMMA;
        lx->p = p + 1;
        return;
    }
    static const char *const ops[] = {"==", "!=", "<=", ">=", "<", ">", "+", "-", "*", "/"};
    for (size_t i = 0; i < sizeof(ops) / sizeof(ops[0]); i++) {
        size_t n = strlen(ops[i]);
        if (strncmp(p, ops[i], n) == 0) {
            memcpy(lx->text, ops[i], n + 1);
            lx->p = p + n;
            lx->t = T_OP;
            return;
        }
    }
    lex_error(lx, "unexpected character");
}

static int is_op(const struct lexer *lx, const char *op)
{
    return lx->t == T_OP && strcmp(lx->text, op) == 0;
}

static int is_word(const struct lexer *lx, const char *w)
{
    return lx->t == T_NAME && strcmp(lx->text, w) == 0;
}

/* ---- parser ---- */

static struct expr *node(enum node_kind k)
{
    struct expr *e = xcalloc(1, sizeof(*e));
    e->kind = k;
    return e;
}

static struct expr *parse_or(struct lexer *lx);

static struct expr *binary(enum op op, struct expr *a, struct expr *b)
{
    struct expr *e = node(N_BINARY);
    e->op = op;
    e->a = a;
    e->b = b;
    return e;
}

static struct expr *parse_call(struct lexer *lx, const char *name)
{
    size_t fi;
    for (fi = 0; fi < sizeof(funcs) / sizeof(funcs[0]); fi++)
        if (strcmp(funcs[fi].name, name) == 0)
            break;
    if (fi == sizeof(funcs) / sizeof(funcs[0])) {
        char msg[600];
        snprintf(msg, sizeof(msg), "unknown function '%s'", name);
        lex_error(lx, msg);
        return NULL;
    }
    struct expr *e = node(N_CALL);
    e->fn = funcs[fi].f;
    next(lx); /* past '(' */
    if (lx->t != T_RP) {
        for (;;) {
            if (e->nargs >= EXPR_MAX_ARGS) {
                lex_error(lx, "too many arguments");
                expr_free(e);
                return NULL;
            }
            struct expr *a = parse_or(lx);
            if (!a) {
                expr_free(e);
                return NULL;
            }
            e->args[e->nargs++] = a;
            if (lx->t == T_COMMA) {
                next(lx);
                continue;
            }
            break;
        }
    }
    if (lx->t != T_RP) {
        lex_error(lx, "expected ')' after the arguments");
        expr_free(e);
        return NULL;
    }
    next(lx);
    if (e->nargs < funcs[fi].min_args || e->nargs > funcs[fi].max_args) {
        char msg[128];
        snprintf(msg, sizeof(msg), "%s() takes %d to %d arguments, not %d", funcs[fi].name,
                 funcs[fi].min_args, funcs[fi].max_args, e->nargs);
        lex_error(lx, msg);
        expr_free(e);
        return NULL;
    }
    if (e->fn == F_MATCHES) {
        if (e->args[1]->kind != N_STR) {
            lex_error(lx, "matches() needs a literal regular expression");
            expr_free(e);
            return NULL;
        }
        e->re = xmalloc(sizeof(regex_t));
        int rc = regcomp(e->re, e->args[1]->str, REG_EXTENDED | REG_NOSUB);
        if (rc != 0) {
            char buf[200], msg[260];
            regerror(rc, e->re, buf, sizeof(buf));
            free(e->re);
            e->re = NULL;
            snprintf(msg, sizeof(msg), "bad regular expression: %s", buf);
            lex_error(lx, msg);
            expr_free(e);
            return NULL;
        }
    }
    return e;
}

static struct expr *parse_primary(struct lexer *lx)
{
    if (++lx->depth > EXPR_MAX_DEPTH) {
        lex_error(lx, "expression nested too deeply");
        return NULL;
    }
    struct expr *e = NULL;
    switch (lx->t) {
    case T_NUM:
        e = node(N_NUM);
        e->num = lx->num;
        next(lx);
        break;
    case T_STR:
        e = node(N_STR);
        e->str = xstrdup(lx->text);
        e->slen = strlen(e->str);
        next(lx);
        break;
    case T_LP:
        next(lx);
        e = parse_or(lx);
        if (!e)
            break;
        if (lx->t != T_RP) {
            lex_error(lx, "expected ')'");
            expr_free(e);
            e = NULL;
            break;
        }
        next(lx);
        break;
    case T_NAME: {
        char name[512];
        snprintf(name, sizeof(name), "%s", lx->text);
        if (!strcmp(name, "true") || !strcmp(name, "false")) {
            e = node(N_BOOL);
            e->num = name[0] == 't';
            next(lx);
            break;
        }
        next(lx);
        if (lx->t == T_LP) {
            e = parse_call(lx, name);
            break;
        }
        e = node(N_REF);
        e->str = xstrdup(name);
        char rerr[300] = "";
        if (lx->r->resolve(lx->r->ctx, e->str, &e->ref, rerr, sizeof(rerr)) < 0) {
            char msg[400];
            snprintf(msg, sizeof(msg), "%s", rerr[0] ? rerr : "unknown name");
            lx->p -= 0;
            lex_error(lx, msg);
            expr_free(e);
            e = NULL;
            break;
        }
        e->ref.name = e->str;
        break;
    }
    case T_ERR:
        break;
    default:
        lex_error(lx, "expected a value");
        break;
    }
    lx->depth--;
    return e;
}

static struct expr *parse_unary(struct lexer *lx)
{
    if (is_op(lx, "-")) {
        next(lx);
        struct expr *a = parse_unary(lx);
        if (!a)
            return NULL;
        struct expr *e = node(N_UNARY);
        e->op = OP_NEG;
        e->a = a;
        return e;
    }
    return parse_primary(lx);
}

static struct expr *parse_prod(struct lexer *lx)
{
    struct expr *e = parse_unary(lx);
    while (e && (is_op(lx, "*") || is_op(lx, "/"))) {
        enum op op = is_op(lx, "*") ? OP_MUL : OP_DIV;
        next(lx);
        struct expr *b = parse_unary(lx);
        if (!b) {
            expr_free(e);
            return NULL;
        }
        e = binary(op, e, b);
    }
    return e;
}

static struct expr *parse_sum(struct lexer *lx)
{
    struct expr *e = parse_prod(lx);
    while (e && (is_op(lx, "+") || is_op(lx, "-"))) {
        enum op op = is_op(lx, "+") ? OP_ADD : OP_SUB;
        next(lx);
        struct expr *b = parse_prod(lx);
        if (!b) {
            expr_free(e);
            return NULL;
        }
        e = binary(op, e, b);
    }
    return e;
}

static struct expr *parse_cmp(struct lexer *lx)
{
    struct expr *e = parse_sum(lx);
    if (!e || lx->t != T_OP)
        return e;
    static const struct {
        const char *s;
        enum op op;
    } cmps[] = {{"==", OP_EQ}, {"!=", OP_NE}, {"<", OP_LT},
                {"<=", OP_LE}, {">", OP_GT},  {">=", OP_GE}};
    for (size_t i = 0; i < sizeof(cmps) / sizeof(cmps[0]); i++) {
        if (is_op(lx, cmps[i].s)) {
            next(lx);
            struct expr *b = parse_sum(lx);
            if (!b) {
                expr_free(e);
                return NULL;
            }
            return binary(cmps[i].op, e, b);
        }
    }
    return e;
}

static struct expr *parse_not(struct lexer *lx)
{
    if (is_word(lx, "not")) {
        next(lx);
        struct expr *a = parse_not(lx);
        if (!a)
            return NULL;
        struct expr *e = node(N_UNARY);
        e->op = OP_NOT;
        e->a = a;
        return e;
    }
    return parse_cmp(lx);
}

static struct expr *parse_and(struct lexer *lx)
{
    struct expr *e = parse_not(lx);
    while (e && is_word(lx, "and")) {
        next(lx);
        struct expr *b = parse_not(lx);
        if (!b) {
            expr_free(e);
            return NULL;
        }
        e = binary(OP_AND, e, b);
    }
    return e;
}

static struct expr *parse_or(struct lexer *lx)
{
    struct expr *e = parse_and(lx);
    while (e && is_word(lx, "or")) {
        next(lx);
        struct expr *b = parse_and(lx);
        if (!b) {
            expr_free(e);
            return NULL;
        }
        e = binary(OP_OR, e, b);
    }
    return e;
}

#define COST_MAX 1000000

/* The cost of evaluating e in full; swaps the operands of and/or so the cheaper goes first. */
static int order_by_cost(struct expr *e, const struct expr_resolver *r)
{
    int c = 0;
    switch (e->kind) {
    case N_NUM:
    case N_STR:
    case N_BOOL: return 0;
    case N_REF: return r->cost ? r->cost(r->ctx, &e->ref) : 1;
    case N_CALL:
        c = e->re ? 10 : 2;
        for (int i = 0; i < e->nargs; i++)
            c += order_by_cost(e->args[i], r);
        break;
    case N_UNARY: c = 1 + order_by_cost(e->a, r); break;
    case N_BINARY: {
        int ca = order_by_cost(e->a, r), cb = order_by_cost(e->b, r);
        if ((e->op == OP_AND || e->op == OP_OR) && cb < ca) {
            struct expr *t = e->a;
            e->a = e->b;
            e->b = t;
            e->swapped = 1;
        }
        c = 1 + ca + cb;
        break;
    }
    }
    return c > COST_MAX ? COST_MAX : c;
}

struct expr *expr_parse(const char *text, const struct expr_resolver *r, char *err, size_t errlen)
{
    struct lexer lx = {.src = text, .p = text, .err = err, .errlen = errlen, .r = r};
    err[0] = '\0';
    next(&lx);
    if (lx.t == T_END) {
        snprintf(err, errlen, "empty expression");
        return NULL;
    }
    struct expr *e = parse_or(&lx);
    if (e && lx.t != T_END) {
        lex_error(&lx, "unexpected text after the expression");
        expr_free(e);
        return NULL;
    }
    if (!e && !err[0])
        snprintf(err, errlen, "bad expression");
    if (e)
        order_by_cost(e, r);
    return e;
}

void expr_free(struct expr *e)
{
    if (!e)
        return;
    expr_free(e->a);
    expr_free(e->b);
    for (int i = 0; i < e->nargs; i++)
        expr_free(e->args[i]);
    if (e->re) {
        regfree(e->re);
        free(e->re);
    }
    free(e->str);
    free(e);
}

void expr_walk_refs(const struct expr *e, void (*fn)(void *ctx, const struct expr_ref *ref),
                    void *ctx)
{
    if (!e)
        return;
    if (e->kind == N_REF)
        fn(ctx, &e->ref);
    /* in the order written, whatever order evaluation takes */
    expr_walk_refs(e->swapped ? e->b : e->a, fn, ctx);
    expr_walk_refs(e->swapped ? e->a : e->b, fn, ctx);
    for (int i = 0; i < e->nargs; i++)
        expr_walk_refs(e->args[i], fn, ctx);
}

/* ---- string measures ---- */

double str_entropy(const char *s, size_t n)
{
    if (!n)
        return 0;
    unsigned cnt[256] = {0};
    for (size_t i = 0; i < n; i++)
        cnt[(unsigned char)s[i]]++;
    double h = 0;
    for (int i = 0; i < 256; i++) {
        if (!cnt[i])
            continue;
        double p = (double)cnt[i] / (double)n;
        h -= p * log2(p);
    }
    return h;
}

static int is_vowel(int c)
{
    c = tolower(c);
    return c == 'a' || c == 'e' || c == 'i' || c == 'o' || c == 'u' || c == 'y';
}

/*
 * How machine-generated a name looks, 0..1. Only the last path segment's
 * stem is measured. Signs of a generator, each 0..1:
 *  - short lowercase runs broken by capitals or digits ("TfBXbg6gEAqe"):
 *    words in CamelCase ("WindowsUpdate") have lowercase runs of 3 or more;
 *  - digits wedged between letters with no separator ("g6g", "b0f"), where
 *    people write versions apart ("vlc-3.0.18");
 *  - too few vowels, long consonant runs, high character entropy.
 */
double str_randomness(const char *s, size_t n)
{
    size_t start = 0;
    for (size_t i = 0; i < n; i++)
        if (s[i] == '/' || s[i] == '\\')
            start = i + 1;
    size_t end = n;
    for (size_t i = n; i > start; i--)
        if (s[i - 1] == '.') {
            end = i - 1;
            break;
        }
    if (end <= start)
        end = n;
    char buf[256];
    size_t L = 0, letters = 0, vowels = 0, run = 0, max_run = 0;
    size_t short_lower = 0, wedged = 0;
    size_t lower_run = 0;
    for (size_t i = start; i < end; i++) {
        int c = (unsigned char)s[i];
        int next = i + 1 < end ? (unsigned char)s[i + 1] : 0;
        if (!isalnum(c)) {
            lower_run = 0;
            run = 0;
            continue;
        }
        if (L < sizeof(buf))
            buf[L++] = (char)c;
        if (isalpha(c)) {
            letters++;
            if (is_vowel(c)) {
                vowels++;
                run = 0;
            } else if (++run > max_run) {
                max_run = run;
            }
            if (islower(c)) {
                lower_run++;
                /* a lowercase run of 1-2 cut short by a capital or a digit */
                if (lower_run <= 2 && next && (isupper(next) || isdigit(next)))
                    short_lower++;
            } else {
                lower_run = 0;
            }
        } else {
            run = 0;
            lower_run = 0;
            /* a digit run with a letter right before it and right after it */
            if (i > start && isalpha((unsigned char)s[i - 1])) {
                size_t j = i;
                while (j < end && isdigit((unsigned char)s[j]))
                    j++;
                if (j < end && isalpha((unsigned char)s[j]))
                    wedged++;
            }
        }
    }
    if (L < 5 || letters < 3)
        return 0;
    double h = str_entropy(buf, L);
    double hmax = log2((double)(L < 36 ? L : 36));
    double f_ent = hmax > 0 ? h / hmax : 0;
    double f_case = fmin(1.0, 3.0 * (double)short_lower / (double)letters);
    double f_wedge = fmin(1.0, 0.5 * (double)wedged);
    double vr = (double)vowels / (double)letters;
    double f_vowel = vr < 0.38 ? (0.38 - vr) / 0.38 : 0;
    double f_run = fmin(1.0, (double)max_run / 6.0);
    double r = 0.25 * f_ent + 0.30 * f_case + 0.15 * f_wedge + 0.15 * f_vowel + 0.15 * f_run;
    double len_f = fmin(1.0, (double)L / 8.0);
    return fmax(0, fmin(1, r * len_f));
}

/* ---- evaluation ---- */

#define SCRATCH_N 8
#define SCRATCH_LEN 512

static char *scratch(void)
{
    static char buf[SCRATCH_N][SCRATCH_LEN];
    static int i;
    i = (i + 1) % SCRATCH_N;
    return buf[i];
}

static struct value vnum(double d)
{
    struct value v = {.t = V_NUM, .num = d};
    return v;
}

static struct value vbool(int b)
{
    struct value v = {.t = V_BOOL, .num = b ? 1 : 0};
    return v;
}

static struct value vstr(const char *s, size_t n)
{
    struct value v = {.t = V_STR, .s = s, .n = n};
    return v;
}

static const struct value vmissing = {.t = V_MISSING};

int value_truthy(struct value v)
{
    switch (v.t) {
    case V_BOOL:
    case V_NUM: return v.num != 0;
    case V_STR: return v.n > 0;
    default: return 0;
    }
}

/* Strings compare as strings; numbers and booleans as numbers; a number against a numeric string too. */
static int compare(struct value a, struct value b, int *ok)
{
    *ok = 1;
    if (a.t == V_MISSING || b.t == V_MISSING) {
        *ok = 0;
        return 0;
    }
    if (a.t == V_STR && b.t == V_STR) {
        size_t n = a.n < b.n ? a.n : b.n;
        int c = memcmp(a.s, b.s, n);
        return c ? c : (a.n > b.n) - (a.n < b.n);
    }
    double x, y;
    if (a.t == V_STR) {
        char *end;
        x = strtod(a.s, &end);
        if (end == a.s)
            return *ok = 0, 0;
    } else {
        x = a.num;
    }
    if (b.t == V_STR) {
        char *end;
        y = strtod(b.s, &end);
        if (end == b.s)
            return *ok = 0, 0;
    } else {
        y = b.num;
    }
    return (x > y) - (x < y);
}

static int mem_icase_find(const char *h, size_t hn, const char *n, size_t nn)
{
    if (nn > hn)
        return 0;
    for (size_t i = 0; i + nn <= hn; i++) {
        size_t k = 0;
        while (k < nn && tolower((unsigned char)h[i + k]) == tolower((unsigned char)n[k]))
            k++;
        if (k == nn)
            return 1;
    }
    return 0;
}

__attribute__((noinline)) static struct value call(const struct expr *e,
                                                   const struct expr_resolver *r)
{
    struct value a = e->nargs > 0 ? expr_eval(e->args[0], r) : vmissing;
    switch (e->fn) {
    case F_HAS:
        return vbool(a.t != V_MISSING);
    case F_IF: /* only the branch chosen is evaluated */
        return expr_eval(e->args[value_truthy(a) ? 1 : 2], r);
    case F_LEN:
        return a.t == V_STR ? vnum((double)a.n) : vmissing;
    case F_ENTROPY:
        return a.t == V_STR ? vnum(str_entropy(a.s, a.n)) : vmissing;
    case F_RANDOMNESS:
        return a.t == V_STR ? vnum(str_randomness(a.s, a.n)) : vmissing;
    case F_ABS:
        return a.t == V_NUM ? vnum(fabs(a.num)) : vmissing;
    case F_IS_IP: {
        if (a.t != V_STR || a.n == 0 || a.n > 45)
            return vbool(0);
        int dots = 0, colons = 0, other = 0;
        for (size_t i = 0; i < a.n; i++) {
            char c = a.s[i];
            dots += c == '.';
            colons += c == ':';
            other += !(isxdigit((unsigned char)c) || c == '.' || c == ':');
        }
        int v4 = dots == 3 && !colons;
        for (size_t i = 0; v4 && i < a.n; i++)
            if (!isdigit((unsigned char)a.s[i]) && a.s[i] != '.')
                v4 = 0;
        return vbool(!other && (v4 || colons >= 2));
    }
    case F_LOWER: {
        if (a.t != V_STR)
            return vmissing;
        char *o = scratch();
        size_t n = a.n < SCRATCH_LEN - 1 ? a.n : SCRATCH_LEN - 1;
        for (size_t i = 0; i < n; i++)
            o[i] = (char)tolower((unsigned char)a.s[i]);
        o[n] = '\0';
        return vstr(o, n);
    }
    case F_EXT: {
        if (a.t != V_STR)
            return vmissing;
        size_t dot = a.n;
        for (size_t i = a.n; i > 0; i--) {
            char c = a.s[i - 1];
            if (c == '/' || c == '\\')
                break;
            if (c == '.') {
                dot = i - 1;
                break;
            }
        }
        if (dot >= a.n)
            return vstr("", 0);
        char *o = scratch();
        size_t n = a.n - dot - 1;
        if (n > 16)
            return vstr("", 0); /* not an extension */
        for (size_t i = 0; i < n; i++)
            o[i] = (char)tolower((unsigned char)a.s[dot + 1 + i]);
        o[n] = '\0';
        return vstr(o, n);
    }
    case F_DOMAIN: {
        if (a.t != V_STR || a.n == 0 || a.n >= SCRATCH_LEN)
            return vmissing;
        static const psl_ctx_t *psl;
        if (!psl)
            psl = psl_builtin();
        char *o = scratch();
        memcpy(o, a.s, a.n);
        o[a.n] = '\0';
        const char *d = psl ? psl_registrable_domain(psl, o) : NULL;
        if (!d)
            return vstr(o, a.n);
        return vstr(d, strlen(d));
    }
    default:
        break;
    }
    if (e->fn == F_CONCAT) {
        char *o = scratch();
        size_t n = 0;
        for (int i = 0; i < e->nargs; i++) {
            struct value v = i == 0 ? a : expr_eval(e->args[i], r);
            char tmp[64];
            const char *p = NULL;
            size_t len = 0;
            if (v.t == V_STR) {
                p = v.s;
                len = v.n;
            } else if (v.t == V_NUM) {
                len = (size_t)snprintf(tmp, sizeof(tmp), "%.15g", v.num);
                p = tmp;
            } else {
                return vmissing; /* a missing part makes the whole missing */
            }
            if (len > SCRATCH_LEN - 1 - n)
                len = SCRATCH_LEN - 1 - n;
            memcpy(o + n, p, len);
            n += len;
        }
        o[n] = '\0';
        return vstr(o, n);
    }
    struct value b = e->nargs > 1 ? expr_eval(e->args[1], r) : vmissing;
    switch (e->fn) {
    case F_CONTAINS:
    case F_ICONTAINS:
        if (a.t != V_STR || b.t != V_STR)
            return vmissing;
        if (e->fn == F_ICONTAINS)
            return vbool(mem_icase_find(a.s, a.n, b.s, b.n));
        return vbool(b.n <= a.n && memmem(a.s, a.n, b.s, b.n) != NULL);
    case F_STARTS:
        if (a.t != V_STR || b.t != V_STR)
            return vmissing;
        return vbool(b.n <= a.n && memcmp(a.s, b.s, b.n) == 0);
    case F_ENDS:
    case F_IENDS:
        if (a.t != V_STR || b.t != V_STR)
            return vmissing;
        if (b.n > a.n)
            return vbool(0);
        if (e->fn == F_ENDS)
            return vbool(memcmp(a.s + a.n - b.n, b.s, b.n) == 0);
        return vbool(strncasecmp(a.s + a.n - b.n, b.s, b.n) == 0);
    case F_MATCHES: {
        if (a.t != V_STR)
            return vmissing;
        char tmp[1024];
        size_t n = a.n < sizeof(tmp) - 1 ? a.n : sizeof(tmp) - 1;
        memcpy(tmp, a.s, n);
        tmp[n] = '\0';
        return vbool(regexec(e->re, tmp, 0, NULL, 0) == 0);
    }
    case F_MIN:
    case F_MAX:
        if (a.t == V_MISSING)
            return b;
        if (b.t == V_MISSING)
            return a;
        if (e->fn == F_MIN)
            return vnum(fmin(a.num, b.num));
        return vnum(fmax(a.num, b.num));
    case F_CLAMP: {
        struct value c = expr_eval(e->args[2], r);
        if (a.t != V_NUM || b.t != V_NUM || c.t != V_NUM)
            return vmissing;
        return vnum(fmin(fmax(a.num, b.num), c.num));
    }
    case F_IN: {
        int ok;
        for (int i = 1; i < e->nargs; i++) {
            const struct expr *x_e = e->args[i];
            /* a list of constants (ports, states): compared in place */
            if (x_e->kind == N_NUM && a.t == V_NUM) {
                if (a.num == x_e->num)
                    return vbool(1);
                continue;
            }
            if (x_e->kind == N_STR && a.t == V_STR) {
                if (a.n == x_e->slen && memcmp(a.s, x_e->str, a.n) == 0)
                    return vbool(1);
                continue;
            }
            struct value x = i == 1 ? b : expr_eval(x_e, r);
            if (compare(a, x, &ok) == 0 && ok)
                return vbool(1);
        }
        return vbool(0);
    }
    default:
        return vmissing;
    }
}

struct value expr_eval(const struct expr *e, const struct expr_resolver *r)
{
    switch (e->kind) {
    case N_NUM: return vnum(e->num);
    case N_STR: return vstr(e->str, e->slen);
    case N_BOOL: return vbool(e->num != 0);
    case N_REF: return r->get(r->ctx, &e->ref);
    case N_CALL: return call(e, r);
    case N_UNARY: {
        struct value a = expr_eval(e->a, r);
        if (e->op == OP_NOT)
            return vbool(!value_truthy(a));
        if (a.t != V_NUM)
            return vmissing;
        return vnum(-a.num);
    }
    case N_BINARY: break;
    }
    if (e->op == OP_AND) {
        struct value a = expr_eval(e->a, r);
        if (!value_truthy(a))
            return vbool(0);
        return vbool(value_truthy(expr_eval(e->b, r)));
    }
    if (e->op == OP_OR) {
        struct value a = expr_eval(e->a, r);
        if (value_truthy(a))
            return vbool(1);
        return vbool(value_truthy(expr_eval(e->b, r)));
    }
    int ok, c;
    if (e->op >= OP_EQ && e->op <= OP_GE && e->b->kind == N_NUM) {
        /* the common "name >= 80": no value built for the constant, no compare() */
        struct value a = expr_eval(e->a, r);
        if (a.t == V_MISSING)
            return vbool(0);
        if (a.t != V_STR) {
            double x = a.num, y = e->b->num;
            c = (x > y) - (x < y);
            switch (e->op) {
            case OP_EQ: return vbool(c == 0);
            case OP_NE: return vbool(c != 0);
            case OP_LT: return vbool(c < 0);
            case OP_LE: return vbool(c <= 0);
            case OP_GT: return vbool(c > 0);
            default: return vbool(c >= 0);
            }
        }
        c = compare(a, vnum(e->b->num), &ok);
        switch (e->op) {
        case OP_EQ: return vbool(ok && c == 0);
        case OP_NE: return vbool(ok && c != 0);
        case OP_LT: return vbool(ok && c < 0);
        case OP_LE: return vbool(ok && c <= 0);
        case OP_GT: return vbool(ok && c > 0);
        default: return vbool(ok && c >= 0);
        }
    }
    struct value a = expr_eval(e->a, r), b = expr_eval(e->b, r);
    switch (e->op) {
    case OP_EQ: c = compare(a, b, &ok); return vbool(ok && c == 0);
    case OP_NE: c = compare(a, b, &ok); return vbool(ok && c != 0);
    case OP_LT: c = compare(a, b, &ok); return vbool(ok && c < 0);
    case OP_LE: c = compare(a, b, &ok); return vbool(ok && c <= 0);
    case OP_GT: c = compare(a, b, &ok); return vbool(ok && c > 0);
    case OP_GE: c = compare(a, b, &ok); return vbool(ok && c >= 0);
    default: break;
    }
    /* in arithmetic an absent value counts as 0, so one missing field does
     * not silence a score; conditions (above) stay false on absent values */
    if (a.t == V_MISSING)
        a.num = 0;
    if (b.t == V_MISSING)
        b.num = 0;
    if (a.t == V_BOOL || a.t == V_MISSING)
        a.t = V_NUM;
    if (b.t == V_BOOL || b.t == V_MISSING)
        b.t = V_NUM;
    if (a.t != V_NUM || b.t != V_NUM)
        return vmissing;
    switch (e->op) {
    case OP_ADD: return vnum(a.num + b.num);
    case OP_SUB: return vnum(a.num - b.num);
    case OP_MUL: return vnum(a.num * b.num);
    case OP_DIV: return b.num != 0 ? vnum(a.num / b.num) : vmissing;
    default: return vmissing;
    }
}
