/*
 * summary: the small expression language of model definitions
 *
 *   expr := or ; or := and {"or" and} ; and := not {"and" not}
 *   not  := "not" not | cmp ; cmp := sum [("=="|"!="|"<"|"<="|">"|">=") sum]
 *   sum  := prod {("+"|"-") prod} ; prod := unary {("*"|"/") unary}
 *   unary := "-" unary | primary
 *   primary := NUMBER [s|m|h|d] | STRING | true | false | NAME | NAME "(" [expr {"," expr}] ")"
 *            | "(" expr ")"
 *
 * NAMEs are resolved when a model is loaded, through a resolver the model
 * engine provides (event fields, pattern-of-life facts, …); functions are
 * a fixed table (expr.c). A value is a number, a string, a boolean, or
 * missing (a field the event does not have): comparisons with a missing
 * value are false and arithmetic on it stays missing, so a model never
 * fires on absent evidence. Regular expressions (matches()) are compiled
 * at load time, so a bad one is refused with its file and line.
 */
#ifndef VIGIL_MODELS_EXPR_H
#define VIGIL_MODELS_EXPR_H

#include <stddef.h>
#include <stdint.h>

enum val_type { V_MISSING, V_NUM, V_STR, V_BOOL };

struct value {
    enum val_type t;
    double num;    /* V_NUM; V_BOOL as 0/1 */
    const char *s; /* V_STR: NUL-terminated, borrowed */
    size_t n;
};

/* A name resolved at load time: an id the resolver chose. */
struct expr_ref {
    int ns;         /* namespace chosen by the resolver */
    int id;         /* index within it */
    const char *name;
    uint32_t hash;  /* for the resolver's use (e.g. a field name's hash) */
};

struct expr_resolver {
    /* Resolves name into ref; returns 0, or -1 with a message in err. */
    int (*resolve)(void *ctx, const char *name, struct expr_ref *ref, char *err, size_t errlen);
    /* Evaluates a resolved name for the current event. */
    struct value (*get)(void *ctx, const struct expr_ref *ref);
    /*
     * Optional: how dear a name is to evaluate (1 for a field; more for what
     * must be computed, e.g. a beacon score). The operands of "and" and "or"
     * are then evaluated cheapest first; the result is the same, as no
     * operand has side effects.
     */
    int (*cost)(void *ctx, const struct expr_ref *ref);
    void *ctx;
};

struct expr;

/*
 * Parses text; on error returns NULL and writes "what is wrong" (with the
 * column) into err. The returned tree is owned by the caller (expr_free).
 */
struct expr *expr_parse(const char *text, const struct expr_resolver *r, char *err, size_t errlen);
void expr_free(struct expr *e);

/* Evaluates e with r->get supplying names. Strings returned may point into scratch. */
struct value expr_eval(const struct expr *e, const struct expr_resolver *r);

/* 1 if v is true: a true boolean, a non-zero number, a non-empty string. */
int value_truthy(struct value v);

/* Calls fn for every name e refers to (to list a breach's metrics). */
void expr_walk_refs(const struct expr *e, void (*fn)(void *ctx, const struct expr_ref *ref),
                    void *ctx);

/* Helpers also used by the engine. */
double str_entropy(const char *s, size_t n);
double str_randomness(const char *s, size_t n);

#endif
