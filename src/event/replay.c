/*
 * summary: replaying JSON-lines events through jansson
 */
#include "event/replay.h"

#include <errno.h>
#include <jansson.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util/json.h"
#include "util/log.h"

#define REPLAY_LINE_MAX (1024 * 1024)

/* Writes one JSON value through the jbuf calls the live events use. */
static void replay_value(struct jbuf *jb, json_t *v)
{
    switch (json_typeof(v)) {
    case JSON_STRING:
        jb_strn(jb, json_string_value(v), json_string_length(v));
        break;
    case JSON_INTEGER:
        jb_i64(jb, (int64_t)json_integer_value(v));
        break;
    case JSON_REAL:
        jb_fixed(jb, json_real_value(v), 6);
        break;
    case JSON_TRUE:
    case JSON_FALSE:
        jb_bool(jb, json_is_true(v));
        break;
    case JSON_ARRAY: {
        jb_arr_open(jb);
        size_t i;
        json_t *x;
        json_array_foreach(v, i, x) replay_value(jb, x);
        jb_arr_close(jb);
        break;
    }
    default:
        jb_null(jb);
        break;
    }
}

static void replay_fields(const struct event *ev, struct jbuf *jb)
{
    json_t *obj = (json_t *)(uintptr_t)ev->body;
    const char *k;
    json_t *v;
    json_object_foreach(obj, k, v) {
        if (!strcmp(k, "type") || !strcmp(k, "ts") || json_is_object(v))
            continue;
        jb_key(jb, k);
        replay_value(jb, v);
    }
}

int replay_file(const char *path, const struct event_bus *bus, unsigned long *skipped)
{
    FILE *f = strcmp(path, "-") ? fopen(path, "r") : stdin;
    if (!f) {
        vigil_error(path, "cannot open: %s", strerror(errno));
        return -1;
    }
    return replay_stream(f, path, bus, skipped);
}

int replay_stream(FILE *f, const char *path, const struct event_bus *bus, unsigned long *skipped)
{
    char *line = xmalloc(REPLAY_LINE_MAX);
    int rc = 0;
    unsigned long lineno = 0;
    while (fgets(line, REPLAY_LINE_MAX, f)) {
        lineno++;
        size_t n = strlen(line);
        if (n == REPLAY_LINE_MAX - 1 && line[n - 1] != '\n') {
            vigil_error(path, "line %lu is longer than %d bytes", lineno, REPLAY_LINE_MAX - 1);
            rc = -1;
            break;
        }
        if (line[strspn(line, " \t\r\n")] == '\0')
            continue;
        json_error_t err;
        json_t *obj = json_loadb(line, n, 0, &err);
        const char *type = obj ? json_string_value(json_object_get(obj, "type")) : NULL;
        json_t *ts = obj ? json_object_get(obj, "ts") : NULL;
        int t = -1;
        for (int i = 0; type && i < EV__COUNT; i++)
            if (strcmp(type, event_type_name((enum event_type)i)) == 0)
                t = i;
        if (!json_is_object(obj) || t < 0 || !json_is_number(ts)) {
            (*skipped)++;
            json_decref(obj);
            continue;
        }
        struct event ev = {
            .type = (enum event_type)t,
            .ts = (int64_t)llround(json_number_value(ts) * 1e6),
            .flow = NULL,
            .body = obj,
            .fields_json = replay_fields,
            .resp_name = NULL,
        };
        event_emit(bus, &ev);
        json_decref(obj);
    }
    if (rc == 0 && ferror(f)) {
        vigil_error(path, "read failed: %s", strerror(errno));
        rc = -1;
    }
    free(line);
    if (f != stdin)
        fclose(f);
    return rc;
}
