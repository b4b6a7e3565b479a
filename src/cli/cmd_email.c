/*
 * summary: `vigil email`: one JSON verdict per message, judged against the
 * learned correspondence and then learned (docs/email.md)
 */
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "cli/cli.h"
#include "email/email.h"
#include "email/input.h"
#include "life/life.h"
#include "util/json.h"
#include "util/log.h"
#include "web/web.h"

int cmd_email(int argc, char **argv);

static const char email_usage[] =
    "usage: vigil email [OPTIONS] PATH...\n"
    "\n"
    "Reads mail (PATH: an .eml file, an mbox file, a Maildir or a directory of\n"
    "message files, recursively), orders the messages by their Date, and judges\n"
    "each against what the organisation's mail (and, with --state, its network)\n"
    "showed before it, then learns it. Prints one JSON verdict per message: score\n"
    "0-100, tags, recommended actions and every indicator in plain words.\n"
    "\n"
    "options:\n"
    "  --state DB                  SQLite state shared with vigil analyze (created if\n"
    "                              missing); without it, learning lasts this run only\n"
    "  --internal-domains D[,D...] the organisation's own mail domains; mail from\n"
    "                              them is outbound (default: every sender is outside)\n"
    "  --brands B[,B...]           brand names a display name must not borrow\n"
    "  --inducement FILE           inducement keywords (default: models/email-inducement.txt)\n"
    "  --policy FILE               the actions to recommend for scores and tags (default:\n"
    "                              built in, the same as models/email-policy.txt); a bad\n"
    "                              file is refused with FILE:LINE (exit 2)\n"
    "  --geoip-db FILE             libloc database for the origin country/AS of mail\n"
    "                              (default: " EMAIL_GEOIP_DB ");\n"
    "                              if unreadable: a warning, origins are not judged\n"
    "  --config FILE               read options from FILE (\"key = value\" lines;\n"
    "                              e.g. policy = FILE, geoip_db = FILE)\n"
    "  -v, --verbose               print counters and messages/s at the end\n"
    "  -h, --help                  show this help\n"
    "\n"
    "Exit status: 0 success, 1 a file or the state could not be read or written,\n"
    "2 usage error.\n";

enum {
    OPT_STATE = 300,
    OPT_INTERNAL_DOMAINS,
    OPT_BRANDS,
    OPT_INDUCEMENT,
    OPT_CONFIG,
    OPT_POLICY,
    OPT_GEOIP_DB
};

/* Splits a comma list in place into out (borrowed pointers into s). */
static size_t split_list(char *s, const char **out, size_t max)
{
    size_t n = 0;
    for (char *p = s; p && *p && n < max;) {
        char *c = strchr(p, ',');
        if (c)
            *c = '\0';
        for (char *q = p; *q; q++)
            if (*q >= 'A' && *q <= 'Z')
                *q = (char)(*q + 32);
        if (*p)
            out[n++] = p;
        p = c ? c + 1 : NULL;
    }
    return n;
}

int cmd_email(int argc, char **argv)
{
    static const struct option opts[] = {
        {"state", required_argument, NULL, OPT_STATE},
        {"internal-domains", required_argument, NULL, OPT_INTERNAL_DOMAINS},
        {"brands", required_argument, NULL, OPT_BRANDS},
        {"inducement", required_argument, NULL, OPT_INDUCEMENT},
        {"config", required_argument, NULL, OPT_CONFIG},
        {"policy", required_argument, NULL, OPT_POLICY},
        {"geoip-db", required_argument, NULL, OPT_GEOIP_DB},
        {"geoip_db", required_argument, NULL, OPT_GEOIP_DB}, /* the config file's spelling */
        {"verbose", no_argument, NULL, 'v'},
        {"help", no_argument, NULL, 'h'},
        {NULL, 0, NULL, 0},
    };
    if (cli_apply_config(&argc, &argv, opts) < 0)
        return EXIT_USAGE;
    struct email_config ec;
    email_config_default(&ec);
    const char *state = NULL, *policy = NULL;
    char *internal = NULL, *brands = NULL;
    int c, verbose = 0, status = 0;
    optind = 1;
    while ((c = getopt_long(argc, argv, "+vh", opts, NULL)) != -1) {
        switch (c) {
        case OPT_STATE:
            state = optarg;
            break;
        case OPT_INTERNAL_DOMAINS:
            free(internal);
            internal = xstrdup(optarg);
            break;
        case OPT_BRANDS:
            free(brands);
            brands = xstrdup(optarg);
            break;
        case OPT_INDUCEMENT:
            ec.inducement_path = optarg;
            break;
        case OPT_POLICY:
            policy = optarg;
            break;
        case OPT_GEOIP_DB:
            ec.geoip_db = optarg;
            break;
        case OPT_CONFIG:
            vigil_error("--config", "given more than once");
            status = EXIT_USAGE;
            goto out_opts;
        case 'v':
            verbose = 1;
            break;
        case 'h':
            fputs(email_usage, stdout);
            goto out_opts;
        default:
            fputs(email_usage, stderr);
            status = EXIT_USAGE;
            goto out_opts;
        }
    }
    if (optind >= argc) {
        vigil_error("email", "no mail given (see 'vigil email --help')");
        status = EXIT_USAGE;
        goto out_opts;
    }
    if (policy) {
        char perr[512];
        if (email_policy_load(&ec.policy, policy, perr, sizeof(perr)) < 0) {
            vigil_error(NULL, "%s", perr);
            status = EXIT_USAGE;
            goto out_opts;
        }
    }
    ec.n_internal = split_list(internal, ec.internal, EMAIL_MAX_LIST);
    ec.n_brands = split_list(brands, ec.brands, EMAIL_MAX_LIST);

    struct life_config lc;
    life_config_default(&lc);
    struct life *life = life_new(&lc);
    char err[512] = "";
    if (state && life_load(life, state, err, sizeof(err)) < 0) {
        vigil_error(state, "cannot load state: %s", err);
        status = 1;
        goto out_life;
    }
    struct email *e = email_new(&ec, life, err, sizeof(err));
    if (!e) {
        vigil_error(NULL, "%s", err);
        status = 1;
        goto out_life;
    }
    if (state && email_load(e, state, err, sizeof(err)) < 0) {
        vigil_error(state, "cannot load the email state: %s", err);
        status = 1;
        goto out_email;
    }
    struct email_input in;
    email_input_init(&in);
    for (int i = optind; i < argc; i++)
        if (email_input_add(&in, argv[i]) < 0)
            status = 1;
    struct timespec t0, t1;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    email_input_sort(&in);
    struct jbuf jb;
    jb_init(&jb);
    /* with --state, every verdict also goes to the mail log the web UI shows */
    struct web_verdicts *mlog = state ? web_verdicts_open(state, err, sizeof(err)) : NULL;
    if (state && !mlog) {
        vigil_error(state, "cannot keep the mail log: %s", err);
        status = 1;
    }
    for (size_t i = 0; i < in.n_items; i++) {
        const struct email_item *it = &in.items[i];
        size_t len = 0;
        char *raw = email_input_read(&in, it, &len);
        if (!raw) {
            vigil_error(in.paths[it->path], "cannot read");
            status = 1;
            continue;
        }
        email_judge(e, raw, len, in.paths[it->path], it->mbox_index, &jb);
        free(raw);
        if (mlog && jb.len && web_verdicts_add(mlog, jb.buf, jb.len) < 0) {
            vigil_error(state, "cannot add to the mail log");
            status = 1;
        }
        if (jb_flush_line(&jb, stdout) < 0) {
            vigil_error("stdout", "cannot write");
            status = 1;
            break;
        }
    }
    jb_release(&jb);
    if (web_verdicts_close(mlog, err, sizeof(err)) < 0) {
        vigil_error(state, "cannot save the mail log: %s", err);
        status = 1;
    }
    clock_gettime(CLOCK_MONOTONIC, &t1);
    if (state && (life_save(life, state, err, sizeof(err)) < 0 ||
                  email_save(e, state, err, sizeof(err)) < 0)) {
        vigil_error(state, "cannot save state: %s", err);
        status = 1;
    }
    if (verbose) {
        struct email_stats st;
        email_get_stats(e, &st);
        double s = (double)(t1.tv_sec - t0.tv_sec) + (double)(t1.tv_nsec - t0.tv_nsec) / 1e9;
        fprintf(stderr, "%-20s %llu\n%-20s %llu\n%-20s %llu\n%-20s %llu\n%-20s %.1f\n",
                "messages", (unsigned long long)st.messages, "unparsed",
                (unsigned long long)st.unparsed, "facts", (unsigned long long)st.facts,
                "topic_profiles", (unsigned long long)st.topic_profiles, "messages_per_s",
                s > 0 ? (double)st.messages / s : 0.0);
    }
    email_input_release(&in);
out_email:
    email_free(e);
out_life:
    life_free(life);
out_opts:
    free(internal);
    free(brands);
    return status;
}
