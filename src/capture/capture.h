/*
 * summary: frames from pcap/pcapng files and live interfaces, through libpcap
 *
 * Files are read in the order given, each into the same sensor, so flows
 * continue across files. A file that libpcap cannot open, whose link type
 * vigil does not decode, or that ends mid-record is reported as one error
 * line (after everything readable in it was processed).
 */
#ifndef VIGIL_CAPTURE_CAPTURE_H
#define VIGIL_CAPTURE_CAPTURE_H

#include <signal.h>
#include <stdio.h>
#include <stdint.h>

struct sensor;

struct capture_progress {
    int enabled;          /* print progress lines on stderr */
    uint64_t total_bytes; /* size of all files, for "x of y" */
    uint64_t done_bytes;  /* bytes of files already finished */
    double start_wall;
    double last_print;
    uint64_t packets;
};

/* Sums the sizes of the files (0 where unknown) and starts the clock. */
void capture_progress_init(struct capture_progress *pr, int enabled, char **paths, int n);
/* Clears the progress line, if one was printed. */
void capture_progress_done(struct capture_progress *pr);

/*
 * Feeds every frame of the file at path ("-" is standard input) to s.
 * Returns 0, or -1 after printing "vigil: PATH: what is wrong".
 */
int capture_file(const char *path, struct sensor *s, struct capture_progress *pr)
    __attribute__((warn_unused_result));

/*
 * Opens path ("-" is standard input) once, for a capture or for JSON lines
 * of events, and says which (*is_json) without losing a byte of a pipe.
 * Returns the stream, or NULL after printing the error line.
 */
FILE *capture_open(const char *path, int *is_json);

/* capture_file() on a stream from capture_open(); the stream is closed (stdin is not). */
int capture_stream(FILE *f, const char *path, struct sensor *s, struct capture_progress *pr)
    __attribute__((warn_unused_result));

struct live_options {
    const char *iface;
    const char *filter; /* BPF expression, or NULL */
    int snaplen;
    int promisc;
    volatile sig_atomic_t *stop; /* set by a signal handler to end the capture */
};

/* Captures from an interface until *stop is set. Returns 0 or -1 (error printed). */
int capture_live(const struct live_options *opt, struct sensor *s)
    __attribute__((warn_unused_result));

#endif
