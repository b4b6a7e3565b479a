/*
 * summary: unit tests of the model expression language (src/models/expr.c)
 *
 * Names are resolved by a small table resolver: a..e numbers, s and t strings,
 * "gone" is always missing, "dear" is a name whose evaluation is counted and
 * declared expensive (the engine's beacon.* are). Checked: arithmetic and
 * comparison, missing values (false in conditions, 0 in arithmetic),
 * short-circuit and/or, evaluation of the cheaper operand first without any
 * change of result, if(), the string functions, and parse errors with their
 * column.
 */
#include <math.h>
#include <stdio.h>
#include <string.h>

#include "models/expr.h"
#include "test.h"

enum { N_A, N_B, N_C, N_S, N_T, N_GONE, N_DEAR, N__COUNT };
static const char *const names[N__COUNT] = {"a", "b", "c", "s", "t", "gone", "dear"};
static int dear_calls;
static int dear_value = 1;

static int resolve(void *ctx, const char *name, struct expr_ref *ref, char *err, size_t errlen)
{
    (void)ctx;
    for (int i = 0; i < N__COUNT; i++)
        if (strcmp(name, names[i]) == 0) {
            ref->ns = 0;
            ref->id = i;
            ref->name = name;
            return 0;
        }
    snprintf(err, errlen, "'%s' unknown", name);
    return -1;
}

static struct value get(void *ctx, const struct expr_ref *ref)
{
    (void)ctx;
    struct value v = {0};
    switch (ref->id) {
    case N_A: v.t = V_NUM, v.num = 2; break;
    case N_B: v.t = V_NUM, v.num = 3; break;
    case N_C: v.t = V_NUM, v.num = 0; break;
    case N_S: v.t = V_STR, v.s = "Invoice_0484111.EXE", v.n = strlen(v.s); break;
    case N_T: v.t = V_STR, v.s = "example.com", v.n = strlen(v.s); break;
    case N_DEAR:
        dear_calls++;
        v.t = V_BOOL, v.num = dear_value;
        break;
    default: v.t = V_MISSING; break;
    }
    return v;
}

static int cost(void *ctx, const struct expr_ref *ref)
{
    (void)ctx;
    return ref->id == N_DEAR ? 50 : 1;
}

static struct expr_resolver R = {.resolve = resolve, .get = get, .cost = cost};

/* Evaluates text as a number (booleans as 0/1); NAN when missing or a string. */
static double num_of(const char *text)
{
    char err[200];
    struct expr *e = expr_parse(text, &R, err, sizeof(err));
    if (!e) {
        fprintf(stderr, "parse of '%s' failed: %s\n", text, err);
        return NAN;
    }
    struct value v = expr_eval(e, &R);
    expr_free(e);
    return v.t == V_NUM || v.t == V_BOOL ? v.num : NAN;
}

static void check_str(const char *text, const char *want)
{
    char err[200];
    struct expr *e = expr_parse(text, &R, err, sizeof(err));
    CHECK(e != NULL);
    if (!e)
        return;
    struct value v = expr_eval(e, &R);
    CHECK(v.t == V_STR);
    if (v.t == V_STR)
        CHECK_STR(v.s, want);
    expr_free(e);
}

static void check_error(const char *text, const char *want_part)
{
    char err[200];
    struct expr *e = expr_parse(text, &R, err, sizeof(err));
    CHECK(e == NULL);
    expr_free(e);
    if (!strstr(err, want_part)) {
        fprintf(stderr, "error for '%s' was '%s', wanted '%s'\n", text, err, want_part);
        CHECK(0);
    }
}

static void test_arith_and_missing(void)
{
    CHECK(num_of("a + b * 2") == 8);
    CHECK(num_of("(a + b) * 2") == 10);
    CHECK(num_of("-a + 1") == -1);
    CHECK(num_of("a < b") == 1);
    CHECK(num_of("a >= b") == 0);
    /* conditions on a missing value are false, both ways */
    CHECK(num_of("gone > 1") == 0);
    CHECK(num_of("gone <= 1") == 0);
    CHECK(num_of("not (gone > 1)") == 1);
    /* in arithmetic a missing value counts as 0 */
    CHECK(num_of("10 + 5 * gone") == 10);
    CHECK(num_of("has(gone)") == 0);
    CHECK(num_of("has(a)") == 1);
}

static void test_and_or_cost(void)
{
    /* the expensive name is not evaluated when a cheap operand decides, whatever the order */
    dear_calls = 0;
    CHECK(num_of("dear and c > 0") == 0);
    CHECK_EQ_I(dear_calls, 0);
    CHECK(num_of("dear or a > 0") == 1);
    CHECK_EQ_I(dear_calls, 0);
    /* when it must be asked, the answer is the same as in the written order */
    dear_value = 0;
    CHECK(num_of("dear and a > 0") == 0);
    CHECK(num_of("a > 0 and dear") == 0);
    CHECK(num_of("dear or c > 0") == 0);
    dear_value = 1;
    CHECK(num_of("dear and a > 0") == 1);
    CHECK(num_of("(a > 9 or dear) and (b > 2 or gone > 0)") == 1);
    CHECK(dear_calls >= 4);
}

/* Collects the names an expression refers to, in order. */
static void collect(void *ctx, const struct expr_ref *ref)
{
    char *out = ctx;
    strcat(out, ref->name);
    strcat(out, " ");
}

static void test_walk_order(void)
{
    /* metrics list names in the order written, though evaluation starts with the cheap one */
    char err[200], seen[200] = "";
    struct expr *e = expr_parse("dear and a > 1 and b > 1", &R, err, sizeof(err));
    CHECK(e != NULL);
    expr_walk_refs(e, collect, seen);
    CHECK_STR(seen, "dear a b ");
    expr_free(e);
}

static void test_if_and_strings(void)
{
    dear_calls = 0;
    CHECK(num_of("if(a > 1, 10, dear)") == 10);
    CHECK_EQ_I(dear_calls, 0); /* the branch not taken is not evaluated */
    CHECK(num_of("if(gone, 1, 2)") == 2);
    check_str("if(a > 1, \"yes\", \"no\")", "yes");
    check_str("concat(\"[\", t, \"]\")", "[example.com]");
    check_str("lower(s)", "invoice_0484111.exe");
    check_str("ext(s)", "exe"); /* extensions come lower-case */
    CHECK(num_of("in(ext(lower(s)), \"dll\", \"exe\")") == 1);
    CHECK(num_of("contains(s, \"0484\")") == 1);
    CHECK(num_of("icontains(s, \"invoice\")") == 1);
    CHECK(num_of("ends_with(t, \".com\")") == 1);
    CHECK(num_of("matches(s, \"^[A-Za-z]+_[0-9]+\\\\.EXE$\")") == 1);
    CHECK(num_of("is_ip(t)") == 0);
    CHECK(num_of("is_ip(\"192.0.2.7\")") == 1);
    CHECK(num_of("is_ip(\"2001:db8::1\")") == 1);
    CHECK(num_of("min(a, b) + max(a, b)") == 5);
    CHECK(num_of("clamp(a * 100, 0, 100)") == 100);
    CHECK(num_of("len(t)") == 11);
}

static void test_errors(void)
{
    check_error("a +", "");
    check_error("nosuch > 1", "'nosuch' unknown");
    check_error("if(a, b)", "");
    check_error("a > 1 b", "unexpected text");
    check_error("", "empty expression");
}

int main(void)
{
    test_arith_and_missing();
    test_and_or_cost();
    test_walk_order();
    test_if_and_strings();
    test_errors();
    return test_done();
}
