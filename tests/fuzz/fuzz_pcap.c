/*
 * summary: libFuzzer harness for a whole capture file through the sensor pipeline
 *
 * Input: a complete pcap or pcapng file. It runs through the very code of
 * `vigil events`: capture_file() (src/capture/capture.c) opens it with
 * libpcap and feeds every frame to a sensor (decode, flow table,
 * application parsers, events), whose JSON lines go to a memory stream.
 * The bytes reach libpcap through a memfd, so capture_file()'s own code
 * (stat, timestamp conversion, the read loop, error paths) is fuzzed too;
 * an fmemopen() + pcap_fopen_offline() shortcut would skip it.
 * Each output line must be a single valid JSON object (json_check.h);
 * anything else aborts, so escaping bugs are crashes too.
 *
 * Differences from `vigil events`, on purpose: the flow table holds at most
 * FUZZ_MAX_FLOWS flows (the eviction path then runs on ordinary inputs and
 * each input stays cheap), and output goes to memory, not a file. Error
 * lines for unreadable inputs go to stderr: run.sh passes -close_fd_mask=2
 * (sanitizer reports still show). xmalloc() dies on OOM by design, so run
 * with -rss_limit_mb=2048.
 */
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "capture/capture.h"
#include "event/event.h"
#include "json_check.h"
#include "output/jsonl.h"
#include "sensor/sensor.h"
#include "util/addr.h"

#define FUZZ_MAX_FLOWS 256

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* Every line of buf[0..n) must be one JSON object. */
static void check_lines(const char *buf, size_t n)
{
    size_t start = 0;
    for (size_t i = 0; i < n; i++) {
        if (buf[i] != '\n')
            continue;
        if (!json_check_line(buf + start, i - start)) {
            fprintf(stderr, "fuzz_pcap: invalid JSON line: %.*s\n", (int)(i - start),
                    buf + start);
            abort();
        }
        start = i + 1;
    }
    if (start != n) {
        fprintf(stderr, "fuzz_pcap: output does not end with a newline\n");
        abort();
    }
}

static int memfd = -1;
static char memfd_path[64];

/* Puts the input in the memfd; returns 0 or -1. */
static int load(const uint8_t *data, size_t size)
{
    if (memfd < 0) {
        memfd = memfd_create("fuzz_pcap", 0);
        if (memfd < 0)
            return -1;
        snprintf(memfd_path, sizeof(memfd_path), "/proc/self/fd/%d", memfd);
    }
    if (ftruncate(memfd, 0) < 0)
        return -1;
    size_t done = 0;
    while (done < size) {
        ssize_t n = pwrite(memfd, data + done, size - done, (off_t)done);
        if (n <= 0)
            return -1;
        done += (size_t)n;
    }
    return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size == 0 || load(data, size) < 0)
        return 0;

    char *out = NULL;
    size_t outlen = 0;
    FILE *mem = open_memstream(&out, &outlen);
    if (!mem)
        abort();
    struct event_bus bus;
    struct jsonl_sink js;
    event_bus_init(&bus);
    jsonl_sink_init(&js, mem);
    if (event_bus_add(&bus, jsonl_sink_as_sink(&js)) < 0)
        abort();

    struct sensor_config cfg;
    memset(&cfg, 0, sizeof(cfg));
    flow_config_default(&cfg.flow);
    cfg.flow.max_flows = FUZZ_MAX_FLOWS;
    cidr_set_default_internal(&cfg.internal);
    struct sensor s;
    if (sensor_init(&s, &cfg, &bus) < 0)
        abort();

    if (capture_file(memfd_path, &s, NULL) < 0) {
        /* unreadable, unsupported or cut short: reported, and what was read still counts */
    }
    sensor_finish(&s);

    if (fflush(mem) != 0)
        abort();
    check_lines(out, outlen);
    fclose(mem);
    free(out);
    sensor_release(&s);
    jsonl_sink_release(&js);
    cidr_set_release(&cfg.internal);
    return 0;
}
