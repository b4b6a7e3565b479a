/*
 * summary: HTTP/1.x parser: request/response pairs and their bodies (RFC 9110, RFC 9112)
 *
 * Bounds (per connection): a header or start line of at most HTTP_LINE_MAX
 * bytes is kept per direction (longer lines are cut there and counted), at
 * most HTTP_HEADERS_MAX header lines per message are looked at, a kept
 * header value is cut at HTTP_VALUE_MAX bytes (the URI at HTTP_LINE_MAX), and
 * at most HTTP_PENDING_MAX requests holding at most HTTP_PENDING_BYTES wait
 * for their responses (pipelining; beyond that a request is reported on its
 * own, unanswered). Bodies are never buffered: they stream through
 * proto/files.c (at most one open file per direction). Worst case about
 * 330 KiB per connection; a typical keep-alive connection holds 1-2 KiB.
 */
#ifndef VIGIL_PROTO_HTTP_H
#define VIGIL_PROTO_HTTP_H

#include <stddef.h>
#include <stdint.h>

#include "proto/files.h"

#define HTTP_LINE_MAX (8u * 1024)
#define HTTP_HEADERS_MAX 100
#define HTTP_PENDING_MAX 64
#define HTTP_PENDING_BYTES (128u * 1024)
#define HTTP_VALUE_MAX 2048
#define HTTP_RESYNC_MAX (256u * 1024) /* bytes searched for a start line after a gap */
#define HTTP_USERNAME_MAX 128

/* A string copied from the wire: s is NUL-terminated (n excludes it) or NULL if absent. */
struct http_str {
    char *s;
    size_t n;
};

/* One transferred body of a transaction, as the http event reports it. */
struct http_body_file {
    char fuid[FILE_FUID_LEN + 1]; /* "" if the message had no body */
    struct file_type type;        /* sniffed */
    int complete;                 /* the whole body was seen and hashed */
};

/*
 * The body of an EV_HTTP event: one request/response pair (either side may
 * be missing: a request never answered, a response whose request was not
 * seen). Strings are owned by the parser and valid during the emit.
 */
struct http_event {
    unsigned trans_depth;      /* 1-based position of the request in the connection */
    int have_request, have_response;
    struct http_str method, host, uri, referrer, version, user_agent, origin, username;
    struct http_str req_content_type;
    uint64_t request_body_len;  /* decoded (de-chunked, decompressed) body bytes, gaps included */
    uint64_t response_body_len;
    unsigned status_code;       /* last status (the final one, else a 1xx), 0 if no response */
    struct http_str status_msg;
    unsigned info_code;         /* last 1xx interim status (100 Continue, 101 Switching), or 0 */
    struct http_str info_msg;
    struct http_str resp_content_type;    /* Content-Type as sent */
    struct http_str resp_cd_filename;     /* Content-Disposition filename (RFC 6266) */
    struct http_str req_cd_filename;
    struct http_str uri_filename;         /* last path segment of the URI, percent-decoded */
    uint64_t resp_content_length;         /* when have_resp_content_length */
    int have_resp_content_length;
    int true_type_mismatch;               /* resp_content_type disagrees with the sniffed type */
    struct http_body_file orig_file, resp_file;
    unsigned malformed;                   /* malformed lines skipped in this transaction */
};

#endif
