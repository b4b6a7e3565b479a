/*
 * summary: JSON-lines event output
 */
#include "output/jsonl.h"

static void jsonl_emit(void *ctx, const struct event *ev)
{
    struct jsonl_sink *js = ctx;
    event_to_json(ev, &js->jb);
    if (jb_flush_line(&js->jb, js->out) < 0)
        js->write_error = 1;
}

void jsonl_sink_init(struct jsonl_sink *js, FILE *out)
{
    js->out = out;
    js->write_error = 0;
    jb_init(&js->jb);
}

void jsonl_sink_release(struct jsonl_sink *js)
{
    jb_release(&js->jb);
}

struct event_sink jsonl_sink_as_sink(struct jsonl_sink *js)
{
    struct event_sink s = {.emit = jsonl_emit, .ctx = js};
    return s;
}
