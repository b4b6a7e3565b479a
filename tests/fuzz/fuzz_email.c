/*
 * summary: libFuzzer harness for the email path: one input is one raw message, parsed with
 * GMime, judged, learned; also split as an mbox-like pair so learning feeds judging
 *
 * Checked beyond the sanitizers: every verdict is one valid JSON object and
 * the score stays within 0..100. One judge lives for the whole run, so the
 * learned facts grow across inputs as in a long real run: origin
 * histograms per sender domain and topic profiles per org.example
 * recipient fill up and start judging. The Received chain (origin.c) is
 * reached through email_judge, with the libloc database when installed
 * (EMAIL_GEOIP_DB; without it the lookup is off, the parsing is not).
 * Every fourth input is also read as a policy file (policy.c).
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "email/email.h"
#include "json_check.h"
#include "util/json.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static struct email *judge;
static struct jbuf jb;

static void setup(void)
{
    struct email_config cfg;
    email_config_default(&cfg);
    static const char *internal[] = {"org.example"};
    static const char *brands[] = {"bank"};
    cfg.internal[0] = internal[0];
    cfg.n_internal = 1;
    cfg.brands[0] = brands[0];
    cfg.n_brands = 1;
    static char path[4096];
    snprintf(path, sizeof(path), "%s", __FILE__);
    char *slash = strrchr(path, '/');
    if (slash) {
        snprintf(slash, sizeof(path) - (size_t)(slash - path), "/../../models/email-inducement.txt");
        cfg.inducement_path = path;
    }
    char err[256];
    judge = email_new(&cfg, NULL, err, sizeof(err));
    if (!judge) {
        cfg.inducement_path = "/dev/null";
        judge = email_new(&cfg, NULL, err, sizeof(err));
    }
    if (!judge)
        abort();
    jb_init(&jb);
}

static void one(const uint8_t *p, size_t n)
{
    jb_reset(&jb);
    int score = email_judge(judge, (const char *)p, n, "fuzz", -1, &jb);
    if (score < 0 || score > 100)
        abort();
    if (!json_check_line(jb.buf, jb.len))
        abort();
}

/* The input as a policy file: refused or accepted, never a crash; a loaded policy is used. */
static void policy(const uint8_t *p, size_t n)
{
    static char path[64];
    if (!path[0])
        snprintf(path, sizeof(path), "/tmp/fuzz_email_policy.%ld", (long)getpid());
    FILE *f = fopen(path, "wb");
    if (!f)
        return;
    fwrite(p, 1, n, f);
    fclose(f);
    struct email_policy pol;
    char err[512];
    if (email_policy_load(&pol, path, err, sizeof(err)) == 0) {
        if (pol.n > EMAIL_POLICY_MAX)
            abort();
        unsigned acts = email_policy_actions(&pol, 50, 31);
        if (acts >> EMAIL_ACT__N)
            abort();
    } else if (!err[0]) {
        abort(); /* a refusal always says why */
    }
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static unsigned runs;
    if (!judge)
        setup();
    one(data, size);
    if (runs++ % 4 == 0)
        policy(data, size);
    (void)email_peek_date((const char *)data, size);
    /* the same bytes split in two at a "\nFrom " (an mbox pair), each judged */
    const uint8_t *cut = NULL;
    for (size_t i = 0; i + 6 <= size; i++)
        if (!memcmp(data + i, "\nFrom ", 6)) {
            cut = data + i + 1;
            break;
        }
    if (cut) {
        one(data, (size_t)(cut - data));
        one(cut, size - (size_t)(cut - data));
    }
    return 0;
}
