/*
 * summary: HTTP/1.x parser and file analysis tests: real captures against tshark, malformed input
 *
 * The capture tests run the real pipeline (capture -> sensor -> reassembly
 * -> parser -> events) on $SHARED/pcap and compare with tshark 4.0.17; every
 * expected value comes from the tshark command quoted above it, never from
 * vigil. The synthetic tests drive the parser directly with hand-written
 * messages (RFC 9112 syntax, readable in the source) cut, lied about and
 * garbled in every way that matters: no crash, no over-read, no wrong hash.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <openssl/evp.h>
#include <zlib.h>

#include "proto_run.h"
#include "test.h"

#include "capture/capture.h"
#include "event/event.h"
#include "flow/flow.h"
#include "proto/files.h"
#include "proto/http.h"
#include "proto/names.h"
#include "proto/proto.h"
#include "sensor/sensor.h"
#include "util/json.h"

/* ---- recording sink ---- */

struct rec {
    enum event_type type;
    char *json;
    unsigned orig_p;
    /* http */
    char method[32], host[256], uri[1024], ua[512];
    int have_ua;
    unsigned status, info;
    char uri_filename[256], resp_cd[256], resp_ct[128], resp_mime[128], resp_ext[16];
    int mismatch;
    uint64_t req_len, resp_len;
    /* files */
    char sha256[65], mime[128], ext[16];
    uint64_t seen, total, missing, overflow;
    int have_total, complete, is_orig, decode_error;
};

struct recs {
    struct rec *v;
    size_t n, cap;
    struct jbuf jb;
};

static void cpy(char *dst, size_t cap, const char *s, size_t n)
{
    if (!s) {
        dst[0] = '\0';
        return;
    }
    snprintf(dst, cap, "%.*s", (int)n, s);
}

static void rec_emit(void *ctx, const struct event *ev)
{
    struct recs *R = ctx;
    if (ev->type != EV_HTTP && ev->type != EV_FILES)
        return;
    if (R->n == R->cap) {
        R->cap = R->cap ? 2 * R->cap : 64;
        R->v = realloc(R->v, R->cap * sizeof(*R->v));
        if (!R->v)
            abort();
    }
    struct rec *r = &R->v[R->n++];
    memset(r, 0, sizeof(*r));
    r->type = ev->type;
    r->orig_p = ev->flow ? ev->flow->orig_p : 0;
    jb_reset(&R->jb);
    event_to_json(ev, &R->jb);
    r->json = strndup(R->jb.buf, R->jb.len);
    if (ev->type == EV_HTTP) {
        const struct http_event *e = ev->body;
        cpy(r->method, sizeof(r->method), e->method.s, e->method.n);
        cpy(r->host, sizeof(r->host), e->host.s, e->host.n);
        cpy(r->uri, sizeof(r->uri), e->uri.s, e->uri.n);
        cpy(r->ua, sizeof(r->ua), e->user_agent.s, e->user_agent.n);
        r->have_ua = e->user_agent.s != NULL;
        r->status = e->status_code;
        r->info = e->info_code;
        cpy(r->uri_filename, sizeof(r->uri_filename), e->uri_filename.s, e->uri_filename.n);
        cpy(r->resp_cd, sizeof(r->resp_cd), e->resp_cd_filename.s, e->resp_cd_filename.n);
        cpy(r->resp_ct, sizeof(r->resp_ct), e->resp_content_type.s, e->resp_content_type.n);
        const char *m = e->resp_file.type.mime, *x = e->resp_file.type.extension;
        cpy(r->resp_mime, sizeof(r->resp_mime), m, m ? strlen(m) : 0);
        cpy(r->resp_ext, sizeof(r->resp_ext), x, x ? strlen(x) : 0);
        r->mismatch = e->true_type_mismatch;
        r->req_len = e->request_body_len;
        r->resp_len = e->response_body_len;
    } else {
        const struct files_event *e = ev->body;
        memcpy(r->sha256, e->sha256, sizeof(r->sha256));
        const char *m = e->type.mime, *x = e->type.extension;
        cpy(r->mime, sizeof(r->mime), m, m ? strlen(m) : 0);
        cpy(r->ext, sizeof(r->ext), x, x ? strlen(x) : 0);
        r->seen = e->seen_bytes;
        r->total = e->total_bytes;
        r->have_total = e->have_total;
        r->missing = e->missing_bytes;
        r->overflow = e->overflow_bytes;
        r->complete = e->complete;
        r->is_orig = e->is_orig;
        r->decode_error = e->decode_error;
    }
}

static void recs_init(struct recs *R)
{
    memset(R, 0, sizeof(*R));
    jb_init(&R->jb);
}

static void recs_release(struct recs *R)
{
    for (size_t i = 0; i < R->n; i++)
        free(R->v[i].json);
    free(R->v);
    jb_release(&R->jb);
    memset(R, 0, sizeof(*R));
}

static size_t count_type(const struct recs *R, enum event_type t)
{
    size_t n = 0;
    for (size_t i = 0; i < R->n; i++)
        n += R->v[i].type == t;
    return n;
}

/* The first http record whose uri is uri (and orig_p, if nonzero). */
static const struct rec *find_http(const struct recs *R, const char *uri, unsigned orig_p)
{
    for (size_t i = 0; i < R->n; i++)
        if (R->v[i].type == EV_HTTP && strcmp(R->v[i].uri, uri) == 0 &&
            (!orig_p || R->v[i].orig_p == orig_p))
            return &R->v[i];
    return NULL;
}

static const struct rec *find_file_orig_p(const struct recs *R, unsigned orig_p, int is_orig)
{
    for (size_t i = 0; i < R->n; i++)
        if (R->v[i].type == EV_FILES && R->v[i].orig_p == orig_p && R->v[i].is_orig == is_orig)
            return &R->v[i];
    return NULL;
}

/* ---- the real pipeline on a shared capture ---- */

static int run_capture(const char *rel, struct recs *R)
{
    char path[1024];
    shared_pcap(path, sizeof(path), rel);
    int rc = run_pipeline(path, rec_emit, R);
    return rc;
}

/*
 * Every HTTP request over TCP in the shared captures, as tshark sees it:
 *   tshark -r F -Y 'http.request and tcp' -T fields -E occurrence=l \
 *     -e frame.number -e tcp.srcport -e http.request.method -e http.host \
 *     -e http.request.uri -e http.user_agent
 * and the status of its response (0: none), joined on frame number:
 *   tshark -r F -Y 'http.response and tcp' -T fields -e http.request_in -e http.response.code
 *   (also with -o http.desegment_body:FALSE, for responses whose body the capture cuts)
 * ("" host/user agent: the header was absent.)
 */
struct exp_req {
    const char *pcap;
    unsigned orig_p;
    const char *method, *host, *uri, *ua;
    unsigned status;
};

static const struct exp_req exp_reqs[] = {
    {"benign/elcab-ad-host-signin.pcap", 49169, "GET", "www.msftncsi.com", "/ncsi.txt", "Microsoft NCSI", 200},
    {"benign/elcab-ad-host-signin.pcap", 49176, "GET", "www.msftncsi.com", "/ncsi.txt", "Microsoft NCSI", 200},
    {"benign/elcab-normal-smb-share-traversal.pcap", 49837, "POST", "192.168.1.46:5357", "/143b0898-3ffa-4e5b-baa7-d58c4371935e/", "WSDAPI", 200},
    {"benign/unit42-workshop-part-02-02-web-browsing.pcap", 50100, "GET", "fusa.be", "/", "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/90.0.4430.85 Safari/537.36 Edg/90.0.818.49", 200},
    {"benign/unit42-workshop-part-02-02-web-browsing.pcap", 50100, "GET", "fusa.be", "/cdn-cgi/scripts/5c5dd728/cloudflare-static/email-decode.min.js", "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/90.0.4430.85 Safari/537.36 Edg/90.0.818.49", 200},
    {"benign/unit42-workshop-part-02-web-browsing.pcap", 49691, "GET", "richmondcc.edu", "/academics/degrees/it-cyber-security-technician-certificate-c25590a1", "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/88.0.4324.96 Safari/537.36 Edg/88.0.705.53", 200},
    {"benign/unit42-workshop-part-02-web-browsing.pcap", 49691, "GET", "richmondcc.edu", "/modules/system/system.base.css?qjyouf", "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/88.0.4324.96 Safari/537.36 Edg/88.0.705.53", 200},
    {"benign/unit42-workshop-part-02-web-browsing.pcap", 49691, "GET", "richmondcc.edu", "/modules/system/system.menus.css?qjyouf", "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/88.0.4324.96 Safari/537.36 Edg/88.0.705.53", 200},
    {"benign/unit42-workshop-part-02-web-browsing.pcap", 49692, "GET", "richmondcc.edu", "/modules/system/system.messages.css?qjyouf", "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/88.0.4324.96 Safari/537.36 Edg/88.0.705.53", 200},
    {"benign/unit42-workshop-part-02-web-browsing.pcap", 49696, "GET", "richmondcc.edu", "/modules/system/system.theme.css?qjyouf", "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/88.0.4324.96 Safari/537.36 Edg/88.0.705.53", 200},
    {"benign/unit42-workshop-part-02-web-browsing.pcap", 49693, "GET", "richmondcc.edu", "/modules/book/book.css?qjyouf", "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/88.0.4324.96 Safari/537.36 Edg/88.0.705.53", 200},
    {"benign/unit42-workshop-part-02-web-browsing.pcap", 49694, "GET", "richmondcc.edu", "/sites/all/modules/calendar/css/calendar_multiday.css?qjyouf", "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/88.0.4324.96 Safari/537.36 Edg/88.0.705.53", 200},
    {"benign/unit42-workshop-part-02-web-browsing.pcap", 49695, "GET", "richmondcc.edu", "/sites/all/modules/date/date_api/date.css?qjyouf", "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/88.0.4324.96 Safari/537.36 Edg/88.0.705.53", 200},
    {"benign/unit42-workshop-part-02-web-browsing.pcap", 49691, "GET", "richmondcc.edu", "/modules/field/theme/field.css?qjyouf", "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/88.0.4324.96 Safari/537.36 Edg/88.0.705.53", 200},
    {"benign/unit42-workshop-part-02-web-browsing.pcap", 49696, "GET", "richmondcc.edu", "/modules/node/node.css?qjyouf", "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/88.0.4324.96 Safari/537.36 Edg/88.0.705.53", 200},
    {"benign/unit42-workshop-part-02-web-browsing.pcap", 49692, "GET", "richmondcc.edu", "/sites/all/modules/quiz/quiz.css?qjyouf", "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/88.0.4324.96 Safari/537.36 Edg/88.0.705.53", 200},
    {"benign/unit42-workshop-part-02-web-browsing.pcap", 49693, "GET", "richmondcc.edu", "/modules/search/search.css?qjyouf", "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/88.0.4324.96 Safari/537.36 Edg/88.0.705.53", 200},
    {"benign/unit42-workshop-part-02-web-browsing.pcap", 49694, "GET", "richmondcc.edu", "/modules/user/user.css?qjyouf", "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/88.0.4324.96 Safari/537.36 Edg/88.0.705.53", 200},
    {"benign/unit42-workshop-part-02-web-browsing.pcap", 49691, "GET", "richmondcc.edu", "/sites/all/modules/views/css/views.css?qjyouf", "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/88.0.4324.96 Safari/537.36 Edg/88.0.705.53", 200},
    {"benign/unit42-workshop-part-02-web-browsing.pcap", 49695, "GET", "richmondcc.edu", "/sites/all/modules/ckeditor/css/ckeditor.css?qjyouf", "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/88.0.4324.96 Safari/537.36 Edg/88.0.705.53", 200},
    {"benign/unit42-workshop-part-02-web-browsing.pcap", 49698, "GET", "w.sharethis.com", "/button/buttons.js", "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/88.0.4324.96 Safari/537.36 Edg/88.0.705.53", 200},
    {"benign/unit42-workshop-part-02-web-browsing.pcap", 49692, "GET", "richmondcc.edu", "/sites/all/modules/ctools/css/ctools.css?qjyouf", "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/88.0.4324.96 Safari/537.36 Edg/88.0.705.53", 200},
    {"benign/unit42-workshop-part-02-web-browsing.pcap", 49694, "GET", "richmondcc.edu", "/sites/all/modules/compact_forms/compact_forms.css?qjyouf", "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/88.0.4324.96 Safari/537.36 Edg/88.0.705.53", 200},
    {"benign/unit42-workshop-part-02-web-browsing.pcap", 49693, "GET", "richmondcc.edu", "/sites/all/themes/richmond/css/richmond.styles.css?qjyouf", "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/88.0.4324.96 Safari/537.36 Edg/88.0.705.53", 200},
    {"benign/unit42-workshop-part-02-web-browsing.pcap", 49691, "GET", "richmondcc.edu", "/misc/jquery.js?v=1.4.4", "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/88.0.4324.96 Safari/537.36 Edg/88.0.705.53", 200},
    {"benign/unit42-workshop-part-02-web-browsing.pcap", 49695, "GET", "richmondcc.edu", "/misc/jquery.once.js?v=1.2", "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/88.0.4324.96 Safari/537.36 Edg/88.0.705.53", 200},
    {"benign/unit42-workshop-part-02-web-browsing.pcap", 49692, "GET", "richmondcc.edu", "/misc/drupal.js?qjyouf", "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/88.0.4324.96 Safari/537.36 Edg/88.0.705.53", 200},
    {"benign/unit42-workshop-part-02-web-browsing.pcap", 49694, "GET", "richmondcc.edu", "/sites/all/modules/ctools/js/jump-menu.js?qjyouf", "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/88.0.4324.96 Safari/537.36 Edg/88.0.705.53", 200},
    {"benign/unit42-workshop-part-02-web-browsing.pcap", 49691, "GET", "richmondcc.edu", "/sites/all/modules/compact_forms/compact_forms.js?qjyouf", "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/88.0.4324.96 Safari/537.36 Edg/88.0.705.53", 200},
    {"benign/unit42-workshop-part-02-web-browsing.pcap", 49695, "GET", "richmondcc.edu", "/sites/all/modules/google_analytics/googleanalytics.js?qjyouf", "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/88.0.4324.96 Safari/537.36 Edg/88.0.705.53", 200},
    {"benign/unit42-workshop-part-02-web-browsing.pcap", 49692, "GET", "richmondcc.edu", "/sites/all/themes/richmond/scripts/jquery.initialize.min.js?qjyouf", "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/88.0.4324.96 Safari/537.36 Edg/88.0.705.53", 200},
    {"benign/unit42-workshop-part-02-web-browsing.pcap", 49693, "GET", "richmondcc.edu", "/sites/all/themes/richmond/scripts/isotope.min.js?qjyouf", "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/88.0.4324.96 Safari/537.36 Edg/88.0.705.53", 200},
    {"benign/unit42-workshop-part-02-web-browsing.pcap", 49691, "GET", "richmondcc.edu", "/sites/all/themes/richmond/scripts/richmond.js?qjyouf", "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/88.0.4324.96 Safari/537.36 Edg/88.0.705.53", 200},
    {"benign/unit42-workshop-part-02-web-browsing.pcap", 49694, "GET", "richmondcc.edu", "/sites/all/themes/richmond/scripts/search.js?qjyouf", "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/88.0.4324.96 Safari/537.36 Edg/88.0.705.53", 200},
    {"benign/unit42-workshop-part-02-web-browsing.pcap", 49691, "GET", "richmondcc.edu", "/sites/default/files/footer-logo.png", "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/88.0.4324.96 Safari/537.36 Edg/88.0.705.53", 200},
    {"benign/unit42-workshop-part-02-web-browsing.pcap", 49691, "GET", "richmondcc.edu", "/sites/all/themes/richmond/images/logo-new.png", "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/88.0.4324.96 Safari/537.36 Edg/88.0.705.53", 200},
    {"benign/unit42-workshop-part-02-web-browsing.pcap", 49696, "GET", "richmondcc.edu", "/sites/all/themes/richmond/images/dropdown.png", "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/88.0.4324.96 Safari/537.36 Edg/88.0.705.53", 200},
    {"benign/unit42-workshop-part-02-web-browsing.pcap", 49694, "GET", "richmondcc.edu", "/sites/all/themes/richmond/images/b-g-flame@2x.png", "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/88.0.4324.96 Safari/537.36 Edg/88.0.705.53", 200},
    {"benign/unit42-workshop-part-02-web-browsing.pcap", 49693, "GET", "richmondcc.edu", "/sites/all/themes/richmond/images/gear-b-g@2x.png", "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/88.0.4324.96 Safari/537.36 Edg/88.0.705.53", 200},
    {"benign/zeek-wikipedia.pcap", 35634, "GET", "www.wikipedia.org", "/", "Mozilla/5.0 (X11; U; Linux x86_64; en-US; rv:1.9.2.15) Gecko/20110303 Ubuntu/10.04 (lucid) Firefox/3.6.15", 304},
    {"benign/zeek-wikipedia.pcap", 48649, "GET", "bits.wikimedia.org", "/skins-1.5/monobook/main.css", "Mozilla/5.0 (X11; U; Linux x86_64; en-US; rv:1.9.2.15) Gecko/20110303 Ubuntu/10.04 (lucid) Firefox/3.6.15", 304},
    {"benign/zeek-wikipedia.pcap", 49997, "GET", "upload.wikimedia.org", "/wikipedia/commons/6/63/Wikipedia-logo.png", "Mozilla/5.0 (X11; U; Linux x86_64; en-US; rv:1.9.2.15) Gecko/20110303 Ubuntu/10.04 (lucid) Firefox/3.6.15", 304},
    {"benign/zeek-wikipedia.pcap", 49996, "GET", "upload.wikimedia.org", "/wikipedia/commons/thumb/b/bb/Wikipedia_wordmark.svg/174px-Wikipedia_wordmark.svg.png", "Mozilla/5.0 (X11; U; Linux x86_64; en-US; rv:1.9.2.15) Gecko/20110303 Ubuntu/10.04 (lucid) Firefox/3.6.15", 304},
    {"benign/zeek-wikipedia.pcap", 49998, "GET", "upload.wikimedia.org", "/wikipedia/commons/b/bd/Bookshelf-40x201_6.png", "Mozilla/5.0 (X11; U; Linux x86_64; en-US; rv:1.9.2.15) Gecko/20110303 Ubuntu/10.04 (lucid) Firefox/3.6.15", 304},
    {"benign/zeek-wikipedia.pcap", 49999, "GET", "upload.wikimedia.org", "/wikipedia/commons/4/4a/Wiktionary-logo-en-35px.png", "Mozilla/5.0 (X11; U; Linux x86_64; en-US; rv:1.9.2.15) Gecko/20110303 Ubuntu/10.04 (lucid) Firefox/3.6.15", 304},
    {"benign/zeek-wikipedia.pcap", 50000, "GET", "upload.wikimedia.org", "/wikipedia/commons/thumb/8/8a/Wikinews-logo.png/35px-Wikinews-logo.png", "Mozilla/5.0 (X11; U; Linux x86_64; en-US; rv:1.9.2.15) Gecko/20110303 Ubuntu/10.04 (lucid) Firefox/3.6.15", 304},
    {"benign/zeek-wikipedia.pcap", 50001, "GET", "upload.wikimedia.org", "/wikipedia/commons/thumb/f/fa/Wikiquote-logo.svg/35px-Wikiquote-logo.svg.png", "Mozilla/5.0 (X11; U; Linux x86_64; en-US; rv:1.9.2.15) Gecko/20110303 Ubuntu/10.04 (lucid) Firefox/3.6.15", 304},
    {"benign/zeek-wikipedia.pcap", 35642, "GET", "meta.wikimedia.org", "/images/wikimedia-button.png", "Mozilla/5.0 (X11; U; Linux x86_64; en-US; rv:1.9.2.15) Gecko/20110303 Ubuntu/10.04 (lucid) Firefox/3.6.15", 304},
    {"benign/zeek-wikipedia.pcap", 49997, "GET", "upload.wikimedia.org", "/wikipedia/commons/thumb/f/fa/Wikibooks-logo.svg/35px-Wikibooks-logo.svg.png", "Mozilla/5.0 (X11; U; Linux x86_64; en-US; rv:1.9.2.15) Gecko/20110303 Ubuntu/10.04 (lucid) Firefox/3.6.15", 304},
    {"benign/zeek-wikipedia.pcap", 49996, "GET", "upload.wikimedia.org", "/wikipedia/commons/thumb/d/df/Wikispecies-logo.svg/35px-Wikispecies-logo.svg.png", "Mozilla/5.0 (X11; U; Linux x86_64; en-US; rv:1.9.2.15) Gecko/20110303 Ubuntu/10.04 (lucid) Firefox/3.6.15", 304},
    {"benign/zeek-wikipedia.pcap", 49998, "GET", "upload.wikimedia.org", "/wikipedia/commons/thumb/4/4c/Wikisource-logo.svg/35px-Wikisource-logo.svg.png", "Mozilla/5.0 (X11; U; Linux x86_64; en-US; rv:1.9.2.15) Gecko/20110303 Ubuntu/10.04 (lucid) Firefox/3.6.15", 304},
    {"benign/zeek-wikipedia.pcap", 49999, "GET", "upload.wikimedia.org", "/wikipedia/commons/thumb/9/91/Wikiversity-logo.svg/35px-Wikiversity-logo.svg.png", "Mozilla/5.0 (X11; U; Linux x86_64; en-US; rv:1.9.2.15) Gecko/20110303 Ubuntu/10.04 (lucid) Firefox/3.6.15", 304},
    {"benign/zeek-wikipedia.pcap", 50000, "GET", "upload.wikimedia.org", "/wikipedia/commons/thumb/4/4a/Commons-logo.svg/35px-Commons-logo.svg.png", "Mozilla/5.0 (X11; U; Linux x86_64; en-US; rv:1.9.2.15) Gecko/20110303 Ubuntu/10.04 (lucid) Firefox/3.6.15", 304},
    {"benign/zeek-wikipedia.pcap", 50001, "GET", "upload.wikimedia.org", "/wikipedia/commons/thumb/7/75/Wikimedia_Community_Logo.svg/35px-Wikimedia_Community_Logo.svg.png", "Mozilla/5.0 (X11; U; Linux x86_64; en-US; rv:1.9.2.15) Gecko/20110303 Ubuntu/10.04 (lucid) Firefox/3.6.15", 304},
    {"benign/zeek-workshop_2011_browse.pcap", 49282, "GET", "bro-ids.org", "/", "Mozilla/5.0 (X11; Linux i686) AppleWebKit/535.2 (KHTML, like Gecko) Chrome/15.0.874.106 Safari/535.2", 304},
    {"benign/zeek-workshop_2011_browse.pcap", 49282, "GET", "bro-ids.org", "/css/pygments.css", "Mozilla/5.0 (X11; Linux i686) AppleWebKit/535.2 (KHTML, like Gecko) Chrome/15.0.874.106 Safari/535.2", 304},
    {"benign/zeek-workshop_2011_browse.pcap", 49284, "GET", "bro-ids.org", "/css/960.css", "Mozilla/5.0 (X11; Linux i686) AppleWebKit/535.2 (KHTML, like Gecko) Chrome/15.0.874.106 Safari/535.2", 304},
    {"benign/zeek-workshop_2011_browse.pcap", 49283, "GET", "bro-ids.org", "/css/bro-ids.css", "Mozilla/5.0 (X11; Linux i686) AppleWebKit/535.2 (KHTML, like Gecko) Chrome/15.0.874.106 Safari/535.2", 304},
    {"benign/zeek-workshop_2011_browse.pcap", 49287, "GET", "bro-ids.org", "/js/jquery.cycle.all.min.js", "Mozilla/5.0 (X11; Linux i686) AppleWebKit/535.2 (KHTML, like Gecko) Chrome/15.0.874.106 Safari/535.2", 304},
    {"benign/zeek-workshop_2011_browse.pcap", 49286, "GET", "bro-ids.org", "/js/jquery.fancybox-1.3.4.pack.js", "Mozilla/5.0 (X11; Linux i686) AppleWebKit/535.2 (KHTML, like Gecko) Chrome/15.0.874.106 Safari/535.2", 304},
    {"benign/zeek-workshop_2011_browse.pcap", 49285, "GET", "bro-ids.org", "/js/jquery.tweet.js", "Mozilla/5.0 (X11; Linux i686) AppleWebKit/535.2 (KHTML, like Gecko) Chrome/15.0.874.106 Safari/535.2", 304},
    {"benign/zeek-workshop_2011_browse.pcap", 49282, "GET", "bro-ids.org", "/js/jquery.zrssfeed.js", "Mozilla/5.0 (X11; Linux i686) AppleWebKit/535.2 (KHTML, like Gecko) Chrome/15.0.874.106 Safari/535.2", 304},
    {"benign/zeek-workshop_2011_browse.pcap", 49282, "GET", "bro-ids.org", "/js/jquery.tableofcontents.js", "Mozilla/5.0 (X11; Linux i686) AppleWebKit/535.2 (KHTML, like Gecko) Chrome/15.0.874.106 Safari/535.2", 304},
    {"benign/zeek-workshop_2011_browse.pcap", 49284, "GET", "bro-ids.org", "/js/superfish.js", "Mozilla/5.0 (X11; Linux i686) AppleWebKit/535.2 (KHTML, like Gecko) Chrome/15.0.874.106 Safari/535.2", 304},
    {"benign/zeek-workshop_2011_browse.pcap", 49287, "GET", "bro-ids.org", "/js/hoverIntent.js", "Mozilla/5.0 (X11; Linux i686) AppleWebKit/535.2 (KHTML, like Gecko) Chrome/15.0.874.106 Safari/535.2", 304},
    {"benign/zeek-workshop_2011_browse.pcap", 49285, "GET", "bro-ids.org", "/js/general.js", "Mozilla/5.0 (X11; Linux i686) AppleWebKit/535.2 (KHTML, like Gecko) Chrome/15.0.874.106 Safari/535.2", 304},
    {"benign/zeek-workshop_2011_browse.pcap", 49286, "GET", "bro-ids.org", "/js/jquery.collapse.js", "Mozilla/5.0 (X11; Linux i686) AppleWebKit/535.2 (KHTML, like Gecko) Chrome/15.0.874.106 Safari/535.2", 304},
    {"benign/zeek-workshop_2011_browse.pcap", 49286, "GET", "bro-ids.org", "/css/print.css", "Mozilla/5.0 (X11; Linux i686) AppleWebKit/535.2 (KHTML, like Gecko) Chrome/15.0.874.106 Safari/535.2", 304},
    {"benign/zeek-workshop_2011_browse.pcap", 49286, "GET", "bro-ids.org", "/documentation/index.html", "Mozilla/5.0 (X11; Linux i686) AppleWebKit/535.2 (KHTML, like Gecko) Chrome/15.0.874.106 Safari/535.2", 304},
    {"benign/zeek-workshop_2011_browse.pcap", 49286, "GET", "bro-ids.org", "/js/breadcrumbs.js", "Mozilla/5.0 (X11; Linux i686) AppleWebKit/535.2 (KHTML, like Gecko) Chrome/15.0.874.106 Safari/535.2", 304},
    {"benign/zeek-workshop_2011_browse.pcap", 49286, "GET", "bro-ids.org", "/documentation/reporting-problems.html", "Mozilla/5.0 (X11; Linux i686) AppleWebKit/535.2 (KHTML, like Gecko) Chrome/15.0.874.106 Safari/535.2", 304},
    {"malware/2021-03-15-IcedID-infection-traffic.pcap", 50436, "GET", "188.127.254.114", "/44270.7145450231.dat", "Mozilla/4.0 (compatible; MSIE 7.0; Windows NT 10.0; WOW64; Trident/7.0; .NET4.0C; .NET4.0E; .NET CLR 2.0.50727; .NET CLR 3.0.30729; .NET CLR 3.5.30729)", 200},
    {"malware/2021-03-15-IcedID-infection-traffic.pcap", 50437, "GET", "185.82.219.160", "/44270.7145450231.dat", "Mozilla/4.0 (compatible; MSIE 7.0; Windows NT 10.0; WOW64; Trident/7.0; .NET4.0C; .NET4.0E; .NET CLR 2.0.50727; .NET CLR 3.0.30729; .NET CLR 3.5.30729)", 200},
    {"malware/2021-03-15-IcedID-infection-traffic.pcap", 50438, "GET", "45.140.146.34", "/44270.7145450231.dat", "Mozilla/4.0 (compatible; MSIE 7.0; Windows NT 10.0; WOW64; Trident/7.0; .NET4.0C; .NET4.0E; .NET CLR 2.0.50727; .NET CLR 3.0.30729; .NET CLR 3.5.30729)", 200},
    {"malware/2021-03-15-IcedID-infection-traffic.pcap", 50440, "GET", "apoxiolazio55.space", "/", "", 200},
    {"malware/2021-03-15-IcedID-infection-traffic.pcap", 50443, "GET", "apoxiolazio55.space", "/", "", 200},
    {"malware/2021-03-15-IcedID-infection-traffic.pcap", 50445, "GET", "apoxiolazio55.space", "/", "", 200},
    {"malware/ndpi-emotet-epoch4-extract.pcap", 56309, "GET", "fkl.co.ke", "/wp-content/Elw3kPvOsZxM5/", "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/99.0.4844.74 Safari/537.36 Edg/99.0.1150.55", 200},
    {"malware/ndpi-emotet-epoch4-extract.pcap", 54319, "GET", "gandhitoday.org", "/video/6JvA8/", "Mozilla/5.0 (Windows NT 10.0; Win64; x64; Trident/7.0; rv:11.0) like Gecko", 200},
    {"malware/ndpi-emotet-epoch4-extract.pcap", 49797, "GET", "filmmogzivota.rs", "/SpryAssets/gDR/", "vBKbaQgjyvRRbcgfvlsc", 200},
    {"malware/ndpi-trickbot-named-emotet-style-c2.pcap", 61318, "POST", "82.118.225.196:7080", "/OK21pqJAtyyGBEo00sk", "Mozilla/4.0 (compatible; MSIE 7.0; Windows NT 10.0; WOW64; Trident/7.0; .NET4.0C; .NET4.0E)", 200},
    {"protocol/ndpi-bot.pcap", 64768, "GET", "atlanteditorino.it", "/quartieri/img/S.Donato_M.Vittoria1930_B.jpg", "Mozilla/5.0 (compatible; bingbot/2.0; +http://www.bing.com/bingbot.htm)", 200},
    {"protocol/ndpi-exe_download.pcap", 49165, "GET", "144.91.69.195", "/solar.php", "pwtyyEKzNtGatwnJjmCcBLbOveCVpc", 200},
    {"protocol/ndpi-exe_download_as_png.pcap", 49197, "GET", "185.98.87.185", "/tablone.png", "WinHTTP loader/1.0", 200},
    {"protocol/ndpi-tls_certificate_too_long.pcap", 53912, "GET", "www.microsoft.com", "/pki/certs/MicRooCerAut2011_2011_03_22.crt", "com.apple.trustd/2.0", 200},
    {"protocol/ndpi-tls_certificate_too_long.pcap", 53913, "GET", "www.microsoft.com", "/pkiops/certs/MicSecSerCA2011_2011-10-18.crt", "com.apple.trustd/2.0", 200},
    {"protocol/ndpi-windowsupdate_over_http.pcap", 49815, "GET", "151.99.72.125", "/data/0783dedfb62fa709/msedge.b.tlu.dl.delivery.mp.microsoft.com/filestreamingservice/files/d1d060c0-7ece-4b96-9558-4bd0f2326040?P1=1652084683&P2=404&P3=2&P4=GtXnDMvssaTVZE%2bliGRNZPdTCGZcdK3lsfQhBycGI5on2dyQK7mRzg%2fAP%2fOuVTebtfWU%2bfL%2bVpkQ9bwhNwUDPA%3d%3d", "Microsoft-Delivery-Optimization/10.0", 206},
    {"protocol/zeek-http-qinq-0.pcap", 59856, "GET", "bro.org", "/download/CHANGES.bro-aux.txt", "Wget/1.14 (darwin12.2.0)", 200},
    {"protocol/zeek-http-vlan-0.pcap", 59856, "GET", "bro.org", "/download/CHANGES.bro-aux.txt", "Wget/1.14 (darwin12.2.0)", 200},
    {"protocol/zeek-http_ctu-62604-80.pcap", 62604, "POST", "45.9.74.78", "/c2sock", "TeslaBrowser/5.5", 200},
    {"protocol/zeek-mixed-vlan-mpls.pcap", 56730, "GET", "www.icir.org", "/", "Wget/1.10", 200},
    {"protocol/zeek-mixed-vlan-mpls.pcap", 50343, "GET", "", "/", "", 0},
    {"protocol/zeek-tls_ocsp-revoked.pcap", 41812, "POST", "", "/", "", 200},
    {"protocol/zeek-tls_ocsp-revoked.pcap", 41813, "POST", "", "/", "", 200},
    {"protocol/zeek-tls_ocsp-revoked.pcap", 41814, "POST", "", "/", "", 200},
    {"protocol/zeek-tls_ocsp-revoked.pcap", 41815, "POST", "", "/", "", 200},
    {"protocol/zeek-vlan-qinqinq.pcap", 59856, "GET", "bro.org", "/download/CHANGES.bro-aux.txt", "Wget/1.14 (darwin12.2.0)", 200},
    {"protocol/zeek-web.pcap", 56730, "GET", "www.icir.org", "/", "Wget/1.10", 200},
};

/*
 * The bodies tshark exports, by SHA-256 (tshark de-chunks and decompresses
 * gzip/deflate before exporting; checked on unit42-workshop-part-02-02 whose
 * two chunked+gzip responses export as 10364 and 1239 decoded bytes):
 *   tshark -r F -q --export-objects http,DIR && sha256sum DIR/ *
 * with how many objects have that hash. vigil must report exactly these
 * hashes (as many times) over all `files` events of the capture.
 */
struct exp_file {
    const char *pcap;
    const char *sha256;
    unsigned count;
};

static const struct exp_file exp_files[] = {
    {"benign/elcab-ad-host-signin.pcap", "6137f8db2192e638e13610f75e73b9247c05f4706f0afd1fdb132d86de6b4012", 2},
    {"benign/elcab-normal-smb-share-traversal.pcap", "8a60a82cadb8a18711faec875dc84b3a8a8a447d746d0cba8a88a2dd8f85e351", 1},
    {"benign/elcab-normal-smb-share-traversal.pcap", "fa82951a9c89541408db5eaf07d290e27c825d27f15a30e7117152cbf709f1e2", 1},
    {"benign/unit42-workshop-part-02-02-web-browsing.pcap", "22baf89382f916351889ffde545d4455382d2ddb09657214753636fa0de53dad", 1},
    {"benign/unit42-workshop-part-02-02-web-browsing.pcap", "2595496fe48df6fcf9b1bc57c29a744c121eb4dd11566466bc13d2e52e6bbcc8", 1},
    {"benign/unit42-workshop-part-02-web-browsing.pcap", "0dd53ceca07de8b1b2c16d9fee7a1d33dc90bc462a24abd38b2b9da7b8d27bc2", 1},
    {"benign/unit42-workshop-part-02-web-browsing.pcap", "0f594d1e02fed617fc33e1822f9e84016440df5a5a469d75ab3f8da81c5073a8", 1},
    {"benign/unit42-workshop-part-02-web-browsing.pcap", "1430f42c0d760ba8e05bb3762480502e541f654fec5739ee40625ab22dc38c4f", 1},
    {"benign/unit42-workshop-part-02-web-browsing.pcap", "1dbc835b3f505cbcddf95fc329ba74416a6247867c722a8c083d47641a64a0f4", 1},
    {"benign/unit42-workshop-part-02-web-browsing.pcap", "261ae472fa0cbf27c80c9200a1599a60fde581a0e652eee4bf41def8cb61f2d0", 1},
    {"benign/unit42-workshop-part-02-web-browsing.pcap", "34703effb8b1ac1abf179e71658899eed219a5b311426de248913d905e2c2017", 1},
    {"benign/unit42-workshop-part-02-web-browsing.pcap", "3e69d04827ff144a43fac17559e58819fa7ff5b5c145780a97088911cc81f17f", 1},
    {"benign/unit42-workshop-part-02-web-browsing.pcap", "4569fbfef2a73b2369d1e070a2ce3511f5a8c6a22a7cd6d61baf4982e75a21ee", 1},
    {"benign/unit42-workshop-part-02-web-browsing.pcap", "50f8d8e45f6742713a156c9fcf1b20d7c8c2dbddc7c649b76ee377775c6c4b83", 1},
    {"benign/unit42-workshop-part-02-web-browsing.pcap", "566961ba4a59d0ac0605387ca2d612e9a31da7b46b629f308a125de779acac8f", 1},
    {"benign/unit42-workshop-part-02-web-browsing.pcap", "5968e6fd2bb447f04cfccd4629a337a9668e8ca1731bf03eefd2ed9840d9a43d", 1},
    {"benign/unit42-workshop-part-02-web-browsing.pcap", "596cb5efcea1a31463ea879d1830c58058ecb10823d09b03ff6e72722593c6d1", 1},
    {"benign/unit42-workshop-part-02-web-browsing.pcap", "635d74c1974cf349501b95289f5197792ce1fc02880c968c3a04bd75c730b2bf", 1},
    {"benign/unit42-workshop-part-02-web-browsing.pcap", "63eeb9baf46a801bccb55ef3c1a60610e820d57f90814480a393a0ec8edb36a3", 1},
    {"benign/unit42-workshop-part-02-web-browsing.pcap", "6898d8e72d4a7564ca06f53e08e32c4731317bf561201fe270b82ca9e649a78b", 1},
    {"benign/unit42-workshop-part-02-web-browsing.pcap", "69d45aefcd55d8b7f4aaded96b3e2d36e4b8f768d195751e2dae3bd76d2268cf", 1},
    {"benign/unit42-workshop-part-02-web-browsing.pcap", "6dae33c3155f0cb584db893e14089252565a348d7048bbd180a0e2cb3c85dfab", 1},
    {"benign/unit42-workshop-part-02-web-browsing.pcap", "6dec22b1adbe847663cb00853ff9e72b1a3c79d8f5b07d75da889eb6d6f35589", 1},
    {"benign/unit42-workshop-part-02-web-browsing.pcap", "6ecb90da3f6af61bf05c9def8114bce2f7a24d325be543947a768835b2a2e4bb", 1},
    {"benign/unit42-workshop-part-02-web-browsing.pcap", "71c901ac6cae115e5d392e46f21a860483f59056a3f8cf21db1ef718bea09c1e", 1},
    {"benign/unit42-workshop-part-02-web-browsing.pcap", "7b9d50be48c795d757999505a93297da9d7af582700938a767e1b1127081620f", 1},
    {"benign/unit42-workshop-part-02-web-browsing.pcap", "8291d90064b5798ef60f472ed40dfbd9cbf22842ff3e66576fcf39ee446c9160", 1},
    {"benign/unit42-workshop-part-02-web-browsing.pcap", "8ddd16e82813d3b21156531806bf2621098f1315544b9dd93386b42fea3b6633", 1},
    {"benign/unit42-workshop-part-02-web-browsing.pcap", "8e154d0daa8b806b015170a5ad71ed908d0c844fd84af8706ae478aa42a1655a", 1},
    {"benign/unit42-workshop-part-02-web-browsing.pcap", "9d1d36a95b8f815f5dc240084e2edcee7de36a98fc1f9010ce5c008186445abd", 1},
    {"benign/unit42-workshop-part-02-web-browsing.pcap", "aab4f199738a974b98cd6d4bc5996adbeb789f0a99f47c050038c1a84f563589", 1},
    {"benign/unit42-workshop-part-02-web-browsing.pcap", "b895b71aeb9546efe0b35751e9ddb50bceaf2bea293f6aa09da7a530251783d3", 1},
    {"benign/unit42-workshop-part-02-web-browsing.pcap", "bf6028e15a460586c16adb0210d268374501f60ecf36f11e554e2ffd089c636b", 1},
    {"benign/unit42-workshop-part-02-web-browsing.pcap", "d0bbad771a8a5ac5f9446791109693aeca1d676d44ced48f8514857f7d3e6fd0", 1},
    {"benign/unit42-workshop-part-02-web-browsing.pcap", "e2738752027db44cc8c1aa1281939f350c804aef145b58583d519a62d3a0e23c", 1},
    {"benign/unit42-workshop-part-02-web-browsing.pcap", "e3ad317a103b4271c6d00cb97957c0d8e0f5bfd6cdc74976d022dd526963ecdf", 1},
    {"benign/unit42-workshop-part-02-web-browsing.pcap", "f03072617bc81e6ce27c70fb8a0f439d287ac3d8d48869a80f94ca4df7dd3f76", 1},
    {"benign/unit42-workshop-part-02-web-browsing.pcap", "f2470640af17a4eb9988eed14e1110ae897fc6314340d0df1bf050d2c8d38ea6", 1},
    {"benign/unit42-workshop-part-02-web-browsing.pcap", "ff7750952a601dbf03688b01a2eced6e5671a8335393eb063201bb732f12c99a", 1},
    {"malware/2021-03-15-IcedID-infection-traffic.pcap", "9c407c580d98bdf4187a6fb264cde46cc3e169b0a20427c997b4ae64ee393042", 2},
    {"malware/2021-03-15-IcedID-infection-traffic.pcap", "f175d5883a0958f8ce10c387fef6c6750d26089e7413bf7b9a3767b655e61417", 3},
    {"malware/ndpi-emotet-epoch4-extract.pcap", "7d9789843f1fe63ad355311ebd8e2c5e48521c3dc642a7585066d580bdc84be2", 1},
    {"malware/ndpi-trickbot-named-emotet-style-c2.pcap", "7f3ed2d877ca54fbcad1d231e2cfa0c860679e82cd41bf881493362a488f5f4d", 1},
    {"malware/ndpi-trickbot-named-emotet-style-c2.pcap", "e650cbb86cdc8055a77ce7f43c7d2a97393047d798a8d6049ef93c41ca23e2dc", 1},
    {"protocol/ndpi-bot.pcap", "1757423a7101e5dfae60123428c529217a4e1232f2b97078cea735fb0100f299", 1},
    {"protocol/ndpi-tls_certificate_too_long.pcap", "83688f2aef71386e0936c4b3013b07e8e0c796d8427716dd48b2a63d79509129", 1},
    {"protocol/ndpi-tls_certificate_too_long.pcap", "847df6a78497943f27fc72eb93f9a637320a02b561d0a91b09e87a7807ed7c61", 1},
    {"protocol/zeek-http-qinq-0.pcap", "4e7c7ef0984119447e743e3ec77e1de52713e345cde03fe7df753a35849bed18", 1},
    {"protocol/zeek-http-vlan-0.pcap", "4e7c7ef0984119447e743e3ec77e1de52713e345cde03fe7df753a35849bed18", 1},
    {"protocol/zeek-http_ctu-62604-80.pcap", "7c54cc9b146da85986e89541f052e2ec83395959e56213726675db7d73c9234b", 1},
    {"protocol/zeek-http_ctu-62604-80.pcap", "ab87a8ba25decd2a5e377cde16884c747c34c6d297e9c2a492b1b2762484a74a", 1},
    /* HTTP/0.9 answers until close: one stream ends without FIN (body may go on: no hash), one
     * answer precedes its request in capture order (not parsed): 2 of tshark's 4 */
    {"protocol/zeek-ipv6-http-atomic-frag.pcap", "0b1a593f5af649e0fa4f94b003d93300b75349223b0a3f4ffedd4066bea7ad29", 2},
    {"protocol/zeek-mixed-vlan-mpls.pcap", "5b591c3d5d5d81fcd599741dd0a1cc589437ccc47eb27065eb35e69cc270c965", 1},
    /* tshark exports the HTTP/0.9 answer as three per-segment objects (%2f(1) 1428 B,
     * %2f(2) 1428 B, %2f(3) 573 B); vigil hashes the whole answer, which is their
     * concatenation: cat '%2f(1)' '%2f(2)' '%2f(3)' | sha256sum */
    {"protocol/zeek-mixed-vlan-mpls.pcap", "6dba786ee9cafbeceed20d97b5cb9741b823180744d2e5a8c657d3ef5f8e52cc", 1},
    {"protocol/zeek-tls_ocsp-revoked.pcap", "325898974de550322460ab3d18f78bb3cc9d0f23558d455c984f914df0457bab", 1},
    {"protocol/zeek-tls_ocsp-revoked.pcap", "356b8579cb71ae11c975c9fbc36c79a666dacb4cf203b880de3e5e4215de1905", 1},
    {"protocol/zeek-tls_ocsp-revoked.pcap", "53ec0ca48c723990e6b85942929ea845e2d7c18a947b13aab70b3501d89f7e7e", 1},
    {"protocol/zeek-tls_ocsp-revoked.pcap", "8aaf762b58822b5efabac16e35025f22ddf20ddfb8a0dc1d30b2d10dda049531", 1},
    {"protocol/zeek-tls_ocsp-revoked.pcap", "ad42aab21c5f129544d1581695e0159509eca028affac5c8f594038589406df7", 1},
    {"protocol/zeek-tls_ocsp-revoked.pcap", "e566d694d7225ab4fda31b888564b3b75441fa735dd2c08c94f7f63a8deb8ba2", 1},
    {"protocol/zeek-tls_ocsp-revoked.pcap", "ea41ea05f446f6154464f5effbcda88f0ada5cadc907ac77febd7f803bc95902", 1},
    {"protocol/zeek-tls_ocsp-revoked.pcap", "fd61b84c63a1c75a8ab7fd992ce72b01d105d381f435fb06787d81e807f79f2a", 1},
    {"protocol/zeek-vlan-qinqinq.pcap", "4e7c7ef0984119447e743e3ec77e1de52713e345cde03fe7df753a35849bed18", 1},
    {"protocol/zeek-web.pcap", "5b591c3d5d5d81fcd599741dd0a1cc589437ccc47eb27065eb35e69cc270c965", 1},
};

static void test_captures_vs_tshark(void)
{
    const char *done[64];
    size_t ndone = 0, nreq = 0, nfile = 0;
    for (size_t i = 0; i < sizeof(exp_reqs) / sizeof(exp_reqs[0]) + sizeof(exp_files) /
                                                                   sizeof(exp_files[0]); i++) {
        const char *pcap = i < sizeof(exp_reqs) / sizeof(exp_reqs[0])
                               ? exp_reqs[i].pcap
                               : exp_files[i - sizeof(exp_reqs) / sizeof(exp_reqs[0])].pcap;
        int seen = 0;
        for (size_t j = 0; j < ndone; j++)
            seen |= strcmp(done[j], pcap) == 0;
        if (seen || ndone == 64)
            continue;
        done[ndone++] = pcap;
        struct recs R;
        recs_init(&R);
        CHECK(run_capture(pcap, &R) == 0);
        /* requests: each expected one matched by a distinct vigil http event */
        char *used = calloc(R.n ? R.n : 1, 1);
        size_t want = 0, got = 0;
        for (size_t k = 0; k < sizeof(exp_reqs) / sizeof(exp_reqs[0]); k++) {
            const struct exp_req *x = &exp_reqs[k];
            if (strcmp(x->pcap, pcap) != 0)
                continue;
            want++;
            for (size_t j = 0; j < R.n; j++) {
                const struct rec *r = &R.v[j];
                if (used[j] || r->type != EV_HTTP || r->orig_p != x->orig_p ||
                    strcmp(r->method, x->method) || strcmp(r->host, x->host) ||
                    strcmp(r->uri, x->uri) || strcmp(r->ua, x->ua) || r->status != x->status)
                    continue;
                used[j] = 1;
                got++;
                break;
            }
            if (got != want)
                fprintf(stderr, "%s: no vigil event for %s %s %s (port %u)\n", pcap, x->method,
                        x->host, x->uri, x->orig_p);
        }
        CHECK_EQ_U(got, want);
        nreq += got;
        /* files: the multiset of hashes */
        size_t want_f = 0, got_f = 0, hashed = 0;
        for (size_t j = 0; j < R.n; j++)
            hashed += R.v[j].type == EV_FILES && R.v[j].complete;
        for (size_t k = 0; k < sizeof(exp_files) / sizeof(exp_files[0]); k++) {
            const struct exp_file *x = &exp_files[k];
            if (strcmp(x->pcap, pcap) != 0)
                continue;
            want_f += x->count;
            unsigned c = 0;
            for (size_t j = 0; j < R.n; j++)
                c += R.v[j].type == EV_FILES && strcmp(R.v[j].sha256, x->sha256) == 0;
            if (c != x->count)
                fprintf(stderr, "%s: sha256 %.16s: vigil %u, expected %u\n", pcap, x->sha256, c,
                        x->count);
            CHECK_EQ_U(c, x->count);
            got_f += c;
        }
        CHECK_EQ_U(hashed, want_f); /* and no hash that tshark does not have */
        nfile += got_f;
        free(used);
        recs_release(&R);
    }
    printf("captures: %zu, requests equal to tshark: %zu, file hashes equal to tshark: %zu\n",
           ndone, nreq, nfile);
}

/*
 * The PE downloads of the shared captures are all cut short by the capture
 * (tshark exports no object for them), so their type comes from the first
 * bytes. Expected types from `file` on the received part of each body
 * (tshark -r F -Y 'tcp.stream==N && tcp.srcport==80' -T fields -e tcp.payload,
 * headers stripped): exe_download 13296 B "PE32 executable (GUI) Intel 80386";
 * exe_download_as_png 88417 B "PE32 executable (GUI) Intel 80386"; emotet
 * streams 2 and 3: 7806 B and 9388 B "PE32+ executable (DLL) (GUI) x86-64";
 * IcedID 44270.7145450231.dat (whole, exported): "PE32+ executable (DLL)".
 */
static void test_pe_downloads(void)
{
    struct recs R;
    const struct rec *h, *f;

    /* tshark -r ndpi-exe_download.pcap -Y http -T fields -e http.host -e http.request.uri
     *   -e http.user_agent -e http.content_type -e http.content_length_header
     *   -o http.desegment_body:FALSE
     * -> 144.91.69.195 /solar.php pwtyyEKzNtGatwnJjmCcBLbOveCVpc; application/octet-stream 679008 */
    recs_init(&R);
    CHECK(run_capture("protocol/ndpi-exe_download.pcap", &R) == 0);
    h = find_http(&R, "/solar.php", 0);
    CHECK(h != NULL);
    if (h) {
        CHECK_STR(h->ua, "pwtyyEKzNtGatwnJjmCcBLbOveCVpc");
        CHECK_STR(h->resp_ext, "exe");
        CHECK_STR(h->resp_mime, "application/x-dosexec");
        CHECK_STR(h->uri_filename, "solar.php");
        CHECK(!h->mismatch); /* octet-stream is no lie */
    }
    f = find_file_orig_p(&R, 49165, 0);
    CHECK(f != NULL);
    if (f) {
        CHECK_EQ_U(f->seen, 13296);
        CHECK(f->have_total);
        CHECK_EQ_U(f->total, 679008);
        CHECK(!f->complete);
        CHECK_STR(f->sha256, "");
        CHECK(strstr(f->json, "\"sha256\"") == NULL);
    }
    recs_release(&R);

    /* tshark -r ndpi-exe_download_as_png.pcap ... -> 185.98.87.185 /tablone.png
     *   "WinHTTP loader/1.0"; Content-Type image/png, Content-Length 249906 */
    recs_init(&R);
    CHECK(run_capture("protocol/ndpi-exe_download_as_png.pcap", &R) == 0);
    h = find_http(&R, "/tablone.png", 0);
    CHECK(h != NULL);
    if (h) {
        CHECK_STR(h->ua, "WinHTTP loader/1.0");
        CHECK_STR(h->resp_ct, "image/png");
        CHECK_STR(h->resp_mime, "application/x-dosexec");
        CHECK_STR(h->resp_ext, "exe");
        CHECK_STR(h->uri_filename, "tablone.png");
        CHECK(h->mismatch); /* an exe sent as image/png */
        CHECK(strstr(h->json, "\"true_type_mismatch\":true") != NULL);
    }
    f = find_file_orig_p(&R, 49197, 0);
    CHECK(f != NULL);
    if (f) {
        CHECK_EQ_U(f->seen, 88417);
        CHECK_EQ_U(f->total, 249906);
        CHECK(!f->complete);
    }
    recs_release(&R);

    /* Emotet epoch 4: tshark -r ndpi-emotet-epoch4-extract.pcap -Y http.response
     *   -o http.desegment_body:FALSE -T fields -e tcp.stream -e http.response.line
     * -> stream 2: Content-Disposition: attachment; filename="EGh7x6aKN3ILP.dll",
     *    Content-Type application/x-msdownload, Content-Length 802816;
     *    stream 3: filename="TfBXbg6gEAqeHioMEKOtCAAn73.dll", Content-Length 543744,
     *    request UA vBKbaQgjyvRRbcgfvlsc. The URIs (/video/6JvA8/, /SpryAssets/gDR/)
     *    end in '/': the random DLL names come from Content-Disposition only. */
    recs_init(&R);
    CHECK(run_capture("malware/ndpi-emotet-epoch4-extract.pcap", &R) == 0);
    h = find_http(&R, "/SpryAssets/gDR/", 0);
    CHECK(h != NULL);
    if (h) {
        CHECK_STR(h->host, "filmmogzivota.rs");
        CHECK_STR(h->ua, "vBKbaQgjyvRRbcgfvlsc");
        CHECK_STR(h->resp_cd, "TfBXbg6gEAqeHioMEKOtCAAn73.dll");
        CHECK_STR(h->resp_ext, "dll");
        CHECK_STR(h->resp_mime, "application/x-dosexec");
        CHECK_STR(h->uri_filename, "");
        CHECK(!h->mismatch);
        CHECK(strstr(h->json, "\"resp_filenames\":[\"TfBXbg6gEAqeHioMEKOtCAAn73.dll\"]") != NULL);
    }
    h = find_http(&R, "/video/6JvA8/", 0);
    CHECK(h != NULL);
    if (h) {
        CHECK_STR(h->resp_cd, "EGh7x6aKN3ILP.dll");
        CHECK_STR(h->resp_ext, "dll");
    }
    f = find_file_orig_p(&R, 49797, 0);
    CHECK(f != NULL);
    if (f) {
        CHECK_EQ_U(f->seen, 9388);
        CHECK_EQ_U(f->total, 543744);
        CHECK(!f->complete);
        CHECK_STR(f->ext, "dll");
    }
    /* the gzip-coded HTML: Content-Length 46144 on the wire, tshark exports 72117 bytes */
    h = find_http(&R, "/wp-content/Elw3kPvOsZxM5/", 0);
    CHECK(h != NULL);
    if (h) {
        CHECK_EQ_U(h->resp_len, 72117);
        CHECK_STR(h->resp_mime, "text/html");
        CHECK(!h->mismatch);
    }
    recs_release(&R);

    /* IcedID: three whole downloads of the installer DLL (application/octet-stream, 44544 B) */
    recs_init(&R);
    CHECK(run_capture("malware/2021-03-15-IcedID-infection-traffic.pcap", &R) == 0);
    unsigned dlls = 0;
    for (size_t i = 0; i < R.n; i++)
        if (R.v[i].type == EV_FILES && strcmp(R.v[i].ext, "dll") == 0 && R.v[i].complete &&
            R.v[i].seen == 44544)
            dlls++;
    CHECK_EQ_U(dlls, 3);
    /* the first gzip-loader answer lost 36088 bytes to the capture: counted, no hash */
    f = find_file_orig_p(&R, 50440, 0);
    CHECK(f != NULL);
    if (f) {
        CHECK(!f->complete);
        CHECK(f->missing > 0);
        CHECK_STR(f->ext, "gzip");
    }
    /* tshark: GET / to apoxiolazio55.space has no User-Agent: logged as "" */
    h = find_http(&R, "/", 50443);
    CHECK(h != NULL);
    if (h) {
        CHECK(!h->have_ua);
        CHECK(strstr(h->json, "\"user_agent\":\"\"") != NULL);
    }
    recs_release(&R);
}

/* Other capture facts: port 7080 POST, 304s, HTTP/0.9, chunked+gzip, VLAN. */
static void test_capture_details(void)
{
    struct recs R;
    const struct rec *h;

    /* tshark -r ndpi-trickbot-named-emotet-style-c2.pcap -Y http -T fields -e tcp.dstport
     *   -e http.request.method -e http.content_length_header -e http.response.code
     * -> 7080 POST 928; 200 (56532) */
    recs_init(&R);
    CHECK(run_capture("malware/ndpi-trickbot-named-emotet-style-c2.pcap", &R) == 0);
    h = find_http(&R, "/OK21pqJAtyyGBEo00sk", 0);
    CHECK(h != NULL);
    if (h) {
        CHECK_EQ_U(h->req_len, 928);
        CHECK_EQ_U(h->resp_len, 56532);
        CHECK(strstr(h->json, "\"post_body_len\":928") != NULL);
        CHECK(strstr(h->json, "\"id.resp_p\":7080") != NULL);
    }
    recs_release(&R);

    /* tshark -r zeek-wikipedia.pcap -Y http.response -T fields -e http.response.code
     * -> 15 x 304, no body: no files */
    recs_init(&R);
    CHECK(run_capture("benign/zeek-wikipedia.pcap", &R) == 0);
    CHECK_EQ_U(count_type(&R, EV_HTTP), 15);
    CHECK_EQ_U(count_type(&R, EV_FILES), 0);
    recs_release(&R);

    /* HTTP/0.9: tshark -r zeek-mixed-vlan-mpls.pcap -Y 'tcp.port==50343' shows "GET /"
     * and a 3429-byte answer without status line */
    recs_init(&R);
    CHECK(run_capture("protocol/zeek-mixed-vlan-mpls.pcap", &R) == 0);
    h = find_http(&R, "/", 50343);
    CHECK(h != NULL);
    if (h) {
        CHECK_EQ_U(h->resp_len, 3429);
        CHECK_EQ_U(h->status, 0);
        CHECK(strstr(h->json, "\"version\":\"0.9\"") != NULL);
    }
    recs_release(&R);

    /* chunked + gzip: tshark -r unit42-workshop-part-02-02-web-browsing.pcap -Y http.response
     *   -T fields -e http.transfer_encoding -e http.content_encoding -> chunked gzip (x2) */
    recs_init(&R);
    CHECK(run_capture("benign/unit42-workshop-part-02-02-web-browsing.pcap", &R) == 0);
    unsigned gz = 0;
    for (size_t i = 0; i < R.n; i++)
        if (R.v[i].type == EV_FILES && R.v[i].complete &&
            strstr(R.v[i].json, "\"content_encoding\":\"gzip\"") &&
            (R.v[i].seen == 10364 || R.v[i].seen == 1239))
            gz++;
    CHECK_EQ_U(gz, 2);
    recs_release(&R);
}

/* ---- the parser driven directly ---- */

struct drv {
    struct recs R;
    struct event_bus bus;
    struct sensor s;
    struct flow f;
    struct app_ctx ctx;
    const struct proto_ops *ops;
    void *st;
    int want[2];
    int last_rc;
    int64_t step; /* added to ts after each call */
};

static void drv_init(struct drv *d)
{
    memset(d, 0, sizeof(*d));
    recs_init(&d->R);
    event_bus_init(&d->bus);
    struct event_sink sink = {rec_emit, &d->R};
    if (event_bus_add(&d->bus, sink) < 0)
        abort();
    d->s.bus = &d->bus;
    static struct names *names; /* app_emit looks the responder's name up */
    if (!names)
        names = names_new();
    d->s.names = names;
    snprintf(d->f.uid, sizeof(d->f.uid), "CTestHttp000000000");
    d->f.proto = 6;
    d->f.orig_p = 49152;
    d->f.resp_p = 80;
    d->ctx.flow = &d->f;
    d->ctx.sensor = &d->s;
    d->ctx.ts = 1000000000LL * 1000000;
    d->ops = proto_by_id(PROTO_HTTP);
    d->st = d->ops->state_new(&d->ctx);
    d->want[0] = d->want[1] = 1;
}

/* Feeds as app.c would, honouring the parser's answers. */
static void drv_feed(struct drv *d, int dir, const void *p, size_t n)
{
    if (!d->st || !d->want[dir] || !n)
        return;
    d->f.dir[dir].payload_bytes += n;
    int rc = d->ops->data(d->st, &d->ctx, dir, p, n);
    d->ctx.ts += d->step;
    d->last_rc = rc;
    if (rc == PROTO_DONE_DIR)
        d->want[dir] = 0;
    else if (rc == PROTO_DONE)
        d->want[0] = d->want[1] = 0;
    else if (rc == PROTO_TO_TLS) {
        d->ops->end(d->st, &d->ctx);
        d->st = NULL;
    }
}

static void drv_gap(struct drv *d, int dir, uint64_t n)
{
    if (d->st && d->want[dir])
        d->ops->gap(d->st, &d->ctx, dir, n);
}

static void drv_end(struct drv *d)
{
    if (d->st)
        d->ops->end(d->st, &d->ctx);
    d->st = NULL;
}

static void drv_release(struct drv *d)
{
    drv_end(d);
    recs_release(&d->R);
}

static void feed_str(struct drv *d, int dir, const char *s)
{
    drv_feed(d, dir, s, strlen(s));
}

/* All events' JSON joined, for comparing runs. */
static char *joined(const struct recs *R)
{
    size_t n = 1;
    for (size_t i = 0; i < R->n; i++)
        n += strlen(R->v[i].json) + 1;
    char *s = malloc(n);
    if (!s)
        abort();
    size_t k = 0;
    for (size_t i = 0; i < R->n; i++) {
        size_t m = strlen(R->v[i].json);
        memcpy(s + k, R->v[i].json, m);
        s[k + m] = '\n';
        k += m + 1;
    }
    s[k] = '\0';
    return s;
}

static void sha256_hex(const void *p, size_t n, char *out)
{
    uint8_t md[32];
    unsigned len = 0;
    EVP_Digest(p, n, md, &len, EVP_sha256(), NULL);
    for (unsigned i = 0; i < len; i++)
        snprintf(out + 2 * i, 3, "%02x", md[i]);
}

/* gzip (wbits 31) or zlib (15) or raw deflate (-15) of src into a malloc'd buffer. */
static uint8_t *zpack(const void *src, size_t n, int wbits, size_t *out_n)
{
    z_stream z;
    memset(&z, 0, sizeof(z));
    if (deflateInit2(&z, 9, Z_DEFLATED, wbits, 8, Z_DEFAULT_STRATEGY) != Z_OK)
        abort();
    size_t cap = deflateBound(&z, (uLong)n) + 64;
    uint8_t *out = malloc(cap);
    z.next_in = (Bytef *)(uintptr_t)src;
    z.avail_in = (uInt)n;
    z.next_out = out;
    z.avail_out = (uInt)cap;
    if (deflate(&z, Z_FINISH) != Z_STREAM_END)
        abort();
    *out_n = z.total_out;
    deflateEnd(&z);
    return out;
}

struct script {
    int dir;
    const uint8_t *p;
    size_t n;
};

/* Runs a script with every message split at byte `cut` of the concatenated stream (0: whole). */
static char *run_script(const struct script *sc, size_t nsc, size_t cut, size_t stop, int bytewise)
{
    struct drv d;
    drv_init(&d);
    size_t pos = 0;
    for (size_t i = 0; i < nsc; i++) {
        const uint8_t *p = sc[i].p;
        size_t n = sc[i].n;
        if (stop && pos >= stop)
            break;
        if (stop && pos + n > stop)
            n = stop - pos;
        if (bytewise) {
            for (size_t k = 0; k < n; k++)
                drv_feed(&d, sc[i].dir, p + k, 1);
        } else if (cut > pos && cut < pos + n) {
            drv_feed(&d, sc[i].dir, p, cut - pos);
            drv_feed(&d, sc[i].dir, p + (cut - pos), n - (cut - pos));
        } else {
            drv_feed(&d, sc[i].dir, p, n);
        }
        pos += sc[i].n;
    }
    drv_end(&d);
    char *s = joined(&d.R);
    recs_release(&d.R);
    return s;
}

#define S(x) (const uint8_t *)(x), sizeof(x) - 1

/* A keep-alive exchange: chunked+gzip answer, Content-Length answer, 304; parsed the same
 * whichever way the bytes are cut; truncated anywhere without a wrong hash. */
static void test_split_invariance(void)
{
    static const char body[] = "<html><body>hello, vigil! hello, vigil! hello, vigil!</body></html>\n";
    size_t gzn;
    uint8_t *gz = zpack(body, sizeof(body) - 1, 31, &gzn);
    /* chunked: the gzip bytes in two chunks */
    char chunked[1024];
    size_t half = gzn / 2, cn = 0;
    cn += (size_t)snprintf(chunked + cn, sizeof(chunked) - cn, "%zx\r\n", half);
    memcpy(chunked + cn, gz, half);
    cn += half;
    cn += (size_t)snprintf(chunked + cn, sizeof(chunked) - cn, "\r\n%zx;ext=1\r\n", gzn - half);
    memcpy(chunked + cn, gz + half, gzn - half);
    cn += gzn - half;
    cn += (size_t)snprintf(chunked + cn, sizeof(chunked) - cn, "\r\n0\r\nX-Trailer: 1\r\n\r\n");
    static const char req1[] = "GET /a/b%20c.dll?x=1 HTTP/1.1\r\nHost: example.com\r\n"
                               "User-Agent: ua/1\r\nAuthorization: Basic dXNlcjpwYXNz\r\n\r\n";
    static const char resp1[] = "HTTP/1.1 200 OK\r\nContent-Type: text/html\r\n"
                                "Transfer-Encoding: chunked\r\nContent-Encoding: gzip\r\n\r\n";
    static const char req2[] = "POST /up HTTP/1.1\r\nHost: example.com\r\nContent-Length: 5\r\n"
                               "Content-Disposition: attachment; filename=\"in.txt\"\r\n\r\nhello";
    static const char resp2[] = "HTTP/1.1 200 OK\r\nContent-Length: 11\r\nContent-Disposition: "
                                "attachment; filename=\"a.txt\"; filename*=UTF-8''b%20%C3%A9.txt\r\n"
                                "\r\nhello world";
    static const char req3[] = "GET /c HTTP/1.1\r\nHost: example.com\r\n\r\n";
    static const char resp3[] = "HTTP/1.1 304 Not Modified\r\nContent-Length: 99\r\n\r\n";
    struct script sc[] = {
        {0, S(req1)}, {1, S(resp1)}, {1, (const uint8_t *)chunked, cn},
        {0, S(req2)}, {1, S(resp2)}, {0, S(req3)}, {1, S(resp3)},
    };
    size_t nsc = sizeof(sc) / sizeof(sc[0]), total = 0;
    for (size_t i = 0; i < nsc; i++)
        total += sc[i].n;
    char *whole = run_script(sc, nsc, 0, 0, 0);
    /* expectations from the bytes above */
    char h[65];
    sha256_hex(body, sizeof(body) - 1, h);
    CHECK(strstr(whole, h) != NULL);                 /* the decoded body's hash */
    CHECK(strstr(whole, "\"uri_filename\":\"b c.dll\"") != NULL);
    CHECK(strstr(whole, "\"username\":\"user\"") != NULL);
    CHECK(strstr(whole, "pass") == NULL);
    CHECK(strstr(whole, "\"resp_content_disposition_filename\":\"b \xc3\xa9.txt\"") != NULL);
    CHECK(strstr(whole, "\"orig_filenames\":[\"in.txt\"]") != NULL);
    CHECK(strstr(whole, "\"post_body_len\":5") != NULL);
    CHECK(strstr(whole, "\"status_code\":304") != NULL);
    CHECK(strstr(whole, "\"user_agent\":\"\"") != NULL); /* req2 and req3 have none */
    char r_len[64];
    snprintf(r_len, sizeof(r_len), "\"response_body_len\":%zu", sizeof(body) - 1);
    CHECK(strstr(whole, r_len) != NULL);
    /* three http events, three files (gzip answer, POST body, a.txt answer) */
    unsigned nh = 0, nf = 0;
    for (const char *p = whole; (p = strstr(p, "{\"type\":\"http\"")); p++)
        nh++;
    for (const char *p = whole; (p = strstr(p, "{\"type\":\"files\"")); p++)
        nf++;
    CHECK_EQ_U(nh, 3);
    CHECK_EQ_U(nf, 3);
    int same = 1;
    for (size_t cut = 1; cut < total; cut++) {
        char *s = run_script(sc, nsc, cut, 0, 0);
        if (strcmp(s, whole) != 0) {
            fprintf(stderr, "split at %zu differs\n", cut);
            same = 0;
        }
        free(s);
    }
    CHECK(same);
    char *bw = run_script(sc, nsc, 0, 0, 1);
    CHECK_STR(bw, whole);
    free(bw);
    /* truncated at every point: never a hash of anything but the true bodies */
    char h2[65], h3[65], h4[65];
    sha256_hex("hello", 5, h2);
    sha256_hex("hello world", 11, h3);
    int wrong = 0;
    for (size_t stop = 1; stop < total; stop++) {
        char *s = run_script(sc, nsc, 0, stop, 0);
        for (const char *p = s; (p = strstr(p, "\"sha256\":\"")); p++) {
            memcpy(h4, p + 10, 64);
            h4[64] = '\0';
            if (strcmp(h4, h) && strcmp(h4, h2) && strcmp(h4, h3))
                wrong++;
        }
        free(s);
    }
    CHECK_EQ_U(wrong, 0);
    free(whole);
    free(gz);
}

/* Pipelining: three requests, then three answers, matched in order. */
static void test_pipelining(void)
{
    struct drv d;
    drv_init(&d);
    feed_str(&d, 0, "GET /1 HTTP/1.1\r\nHost: h\r\n\r\nGET /2 HTTP/1.1\r\nHost: h\r\n\r\n"
                    "HEAD /3 HTTP/1.1\r\nHost: h\r\n\r\n");
    feed_str(&d, 1, "HTTP/1.1 200 OK\r\nContent-Length: 1\r\n\r\nA"
                    "HTTP/1.1 404 Not Found\r\nContent-Length: 2\r\n\r\nBB"
                    "HTTP/1.1 200 OK\r\nContent-Length: 1000\r\n\r\n"); /* HEAD: no body */
    feed_str(&d, 0, "GET /4 HTTP/1.1\r\nHost: h\r\n\r\n");
    feed_str(&d, 1, "HTTP/1.1 500 Oops\r\nContent-Length: 0\r\n\r\n");
    drv_end(&d);
    const struct rec *r;
    CHECK((r = find_http(&d.R, "/1", 0)) && r->status == 200 && r->resp_len == 1);
    CHECK((r = find_http(&d.R, "/2", 0)) && r->status == 404 && r->resp_len == 2);
    CHECK((r = find_http(&d.R, "/3", 0)) && r->status == 200 && r->resp_len == 0);
    CHECK((r = find_http(&d.R, "/4", 0)) && r->status == 500);
    CHECK_EQ_U(count_type(&d.R, EV_HTTP), 4);
    drv_release(&d);

    /* more than HTTP_PENDING_MAX unanswered: all reported, none lost, bounded */
    drv_init(&d);
    for (int i = 0; i < HTTP_PENDING_MAX + 10; i++) {
        char req[64];
        snprintf(req, sizeof(req), "GET /p%d HTTP/1.1\r\n\r\n", i);
        feed_str(&d, 0, req);
    }
    drv_end(&d);
    CHECK_EQ_U(count_type(&d.R, EV_HTTP), HTTP_PENDING_MAX + 10);
    drv_release(&d);

    /* long URIs: the FIFO stops at HTTP_PENDING_BYTES; the rest is reported, unmatched */
    drv_init(&d);
    char *req = malloc(HTTP_LINE_MAX + 64);
    for (int i = 0; i < 40; i++) {
        int k = snprintf(req, 32, "GET /%02d", i);
        memset(req + k, 'x', HTTP_LINE_MAX - 64);
        memcpy(req + k + HTTP_LINE_MAX - 64, " HTTP/1.1\r\n\r\n", 13);
        drv_feed(&d, 0, req, (size_t)k + HTTP_LINE_MAX - 64 + 13);
    }
    free(req);
    for (int i = 0; i < 40; i++)
        feed_str(&d, 1, "HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n");
    drv_end(&d);
    unsigned answered = 0, n40 = 0;
    for (size_t i = 0; i < d.R.n; i++) {
        n40 += d.R.v[i].type == EV_HTTP && d.R.v[i].uri[0] == '/';
        answered += d.R.v[i].type == EV_HTTP && d.R.v[i].uri[0] == '/' && d.R.v[i].status == 200;
    }
    CHECK_EQ_U(n40, 40);
    /* each holds its URI and the same bytes again as uri_filename: 2 lines' worth */
    CHECK(answered >= HTTP_PENDING_BYTES / (2 * HTTP_LINE_MAX) && answered < 40);
    drv_release(&d);

    /* a header value longer than HTTP_VALUE_MAX is cut there */
    drv_init(&d);
    char ua[HTTP_VALUE_MAX * 2 + 64];
    int k = snprintf(ua, 64, "GET /ua HTTP/1.1\r\nUser-Agent: ");
    memset(ua + k, 'U', HTTP_VALUE_MAX * 2);
    memcpy(ua + k + HTTP_VALUE_MAX * 2, "\r\n\r\n", 4);
    drv_feed(&d, 0, ua, (size_t)k + HTTP_VALUE_MAX * 2 + 4);
    drv_end(&d);
    const struct rec *u = find_http(&d.R, "/ua", 0);
    CHECK(u && strlen(u->ua) == sizeof(u->ua) - 1); /* the record's copy is the smaller cap */
    CHECK(u && strstr(u->json, "UUUU\"") && strlen(strstr(u->json, "\"user_agent\":\"")) >
                                                  HTTP_VALUE_MAX);
    drv_release(&d);
}

/* 100 Continue, 204, CONNECT, 101, body until close, HTTP/0.9. */
static void test_message_kinds(void)
{
    struct drv d;
    const struct rec *r;
    drv_init(&d);
    feed_str(&d, 0, "PUT /f HTTP/1.1\r\nExpect: 100-continue\r\nContent-Length: 3\r\n\r\n");
    feed_str(&d, 1, "HTTP/1.1 100 Continue\r\n\r\n");
    feed_str(&d, 0, "abc");
    feed_str(&d, 1, "HTTP/1.1 201 Created\r\nContent-Length: 0\r\n\r\n");
    feed_str(&d, 0, "DELETE /f HTTP/1.1\r\n\r\n");
    feed_str(&d, 1, "HTTP/1.1 204 No Content\r\nContent-Length: 7\r\n\r\n");
    drv_end(&d);
    CHECK((r = find_http(&d.R, "/f", 0)) && r->info == 100 && r->status == 201 && r->req_len == 3);
    CHECK_EQ_U(count_type(&d.R, EV_HTTP), 2);
    drv_release(&d);

    drv_init(&d);
    feed_str(&d, 0, "CONNECT example.com:443 HTTP/1.1\r\nHost: example.com:443\r\n\r\n");
    feed_str(&d, 1, "HTTP/1.1 200 Connection established\r\n\r\n");
    CHECK_EQ_I(d.last_rc, PROTO_TO_TLS);
    CHECK((r = find_http(&d.R, "example.com:443", 0)) && r->status == 200);
    drv_release(&d);

    drv_init(&d);
    feed_str(&d, 0, "GET /ws HTTP/1.1\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\r\n");
    feed_str(&d, 1, "HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\n\r\n\x81\x05hello");
    CHECK_EQ_I(d.last_rc, PROTO_DONE);
    drv_end(&d);
    CHECK((r = find_http(&d.R, "/ws", 0)) && r->info == 101 && r->status == 101);
    drv_release(&d);

    /* until close: whole only if the server's FIN came after all its bytes */
    for (int fin = 0; fin < 2; fin++) {
        drv_init(&d);
        feed_str(&d, 0, "GET /close HTTP/1.0\r\n\r\n");
        feed_str(&d, 1, "HTTP/1.0 200 OK\r\nContent-Type: text/plain\r\n\r\nsome text");
        d.f.dir[1].fin_seen = (uint8_t)fin;
        drv_end(&d);
        CHECK((r = find_file_orig_p(&d.R, 49152, 0)) && r->complete == fin && r->seen == 9);
        drv_release(&d);
    }

    drv_init(&d);
    feed_str(&d, 0, "GET /\r\n");
    feed_str(&d, 1, "<html>old</html>");
    d.f.dir[1].fin_seen = 1;
    drv_end(&d);
    CHECK((r = find_http(&d.R, "/", 0)) && r->resp_len == 16 && strcmp(r->resp_mime, "text/html") == 0);
    drv_release(&d);
}

/* Lies, oversize, garbage, gaps. */
static void test_malformed(void)
{
    struct drv d;
    const struct rec *r;

    /* Content-Length larger than the body: the connection ends first */
    drv_init(&d);
    feed_str(&d, 0, "GET /lie HTTP/1.1\r\n\r\n");
    feed_str(&d, 1, "HTTP/1.1 200 OK\r\nContent-Length: 1000000\r\n\r\nMZshort");
    drv_end(&d);
    CHECK((r = find_file_orig_p(&d.R, 49152, 0)) && !r->complete && r->seen == 7 &&
          r->total == 1000000);
    drv_release(&d);

    /* Content-Length smaller than the body: the rest is skipped to the next status line */
    drv_init(&d);
    feed_str(&d, 0, "GET /a HTTP/1.1\r\n\r\nGET /b HTTP/1.1\r\n\r\n");
    feed_str(&d, 1, "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nAAAAAAAA\r\nmore junk\r\n"
                    "HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\n\r\n");
    drv_end(&d);
    CHECK((r = find_http(&d.R, "/a", 0)) && r->status == 200 && r->resp_len == 2);
    CHECK((r = find_http(&d.R, "/b", 0)) && r->status == 404);
    drv_release(&d);

    /* bad Content-Length values: counted, no body assumed for a request */
    static const char *const bad_cl[] = {"-1", "abc", "99999999999999999999", "1 2", ""};
    for (size_t i = 0; i < sizeof(bad_cl) / sizeof(bad_cl[0]); i++) {
        char req[128];
        drv_init(&d);
        snprintf(req, sizeof(req), "POST /cl HTTP/1.1\r\nContent-Length: %s\r\n\r\n", bad_cl[i]);
        feed_str(&d, 0, req);
        feed_str(&d, 0, "GET /next HTTP/1.1\r\n\r\n");
        drv_end(&d);
        CHECK(find_http(&d.R, "/next", 0) != NULL);
        CHECK((r = find_http(&d.R, "/cl", 0)) && strstr(r->json, "\"malformed_lines\":1"));
        drv_release(&d);
    }

    /* an oversized header line and too many headers: counted and skipped */
    drv_init(&d);
    size_t big = 3 * HTTP_LINE_MAX;
    char *req = malloc(big + 4096);
    size_t n = (size_t)snprintf(req, 64, "GET /big HTTP/1.1\r\nX-Big: ");
    memset(req + n, 'a', big);
    n += big;
    n += (size_t)snprintf(req + n, 64, "\r\nUser-Agent: after\r\n");
    for (int i = 0; i < HTTP_HEADERS_MAX + 5; i++)
        n += (size_t)snprintf(req + n, 32, "X-%d: y\r\n", i);
    n += (size_t)snprintf(req + n, 8, "\r\n");
    drv_feed(&d, 0, req, n);
    drv_end(&d);
    CHECK((r = find_http(&d.R, "/big", 0)) && strcmp(r->ua, "after") == 0 &&
          strstr(r->json, "\"malformed_lines\":7"));
    drv_release(&d);
    free(req);

    /* an oversized request line: the URI is kept up to the cap */
    drv_init(&d);
    req = malloc(2 * HTTP_LINE_MAX + 64);
    n = (size_t)snprintf(req, 16, "GET /");
    memset(req + n, 'u', 2 * HTTP_LINE_MAX);
    n += 2 * HTTP_LINE_MAX;
    n += (size_t)snprintf(req + n, 32, " HTTP/1.1\r\n\r\n");
    drv_feed(&d, 0, req, n);
    drv_end(&d);
    CHECK_EQ_U(count_type(&d.R, EV_HTTP), 1);
    CHECK(d.R.n == 1 && strlen(d.R.v[0].uri) == sizeof(d.R.v[0].uri) - 1);
    drv_release(&d);
    free(req);

    /* not HTTP after all: both sides garbage: the parser gives up */
    drv_init(&d);
    drv_feed(&d, 0, S("\x16\x03\x01\x02\x00garbage\r\n"));
    drv_feed(&d, 1, S("\x00\x01\x02 more garbage\r\n"));
    CHECK_EQ_I(d.last_rc, PROTO_DONE);
    drv_end(&d);
    CHECK_EQ_U(count_type(&d.R, EV_HTTP), 0);
    drv_release(&d);

    /* binary junk after a valid request line: resync gives up after HTTP_RESYNC_MAX */
    drv_init(&d);
    feed_str(&d, 0, "GET / HTTP/1.1\r\n");
    uint8_t junk[4096];
    for (size_t i = 0; i < sizeof(junk); i++)
        junk[i] = (uint8_t)(i * 7 + 3);
    for (int i = 0; i < 200 && d.want[0]; i++)
        drv_feed(&d, 0, junk, sizeof(junk));
    CHECK(!d.want[0]);
    drv_end(&d);
    CHECK_EQ_U(count_type(&d.R, EV_HTTP), 1);
    drv_release(&d);

    /* bad chunk sizes */
    static const char *const bad_chunk[] = {"zz", "fffffffffffffffffff", "", "-1", "1x"};
    for (size_t i = 0; i < sizeof(bad_chunk) / sizeof(bad_chunk[0]); i++) {
        char resp[256];
        drv_init(&d);
        feed_str(&d, 0, "GET /ch HTTP/1.1\r\n\r\nGET /ok HTTP/1.1\r\n\r\n");
        snprintf(resp, sizeof(resp),
                 "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n%s\r\nabc\r\n0\r\n\r\n"
                 "HTTP/1.1 204 No Content\r\n\r\n",
                 bad_chunk[i]);
        feed_str(&d, 1, resp);
        drv_end(&d);
        CHECK((r = find_http(&d.R, "/ok", 0)) && r->status == 204);
        drv_release(&d);
    }

    /* a gap inside a body of known length: counted as missing, no hash, next message fine */
    drv_init(&d);
    feed_str(&d, 0, "GET /g HTTP/1.1\r\n\r\nGET /h HTTP/1.1\r\n\r\n");
    feed_str(&d, 1, "HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nabc");
    drv_gap(&d, 1, 4);
    feed_str(&d, 1, "def");
    feed_str(&d, 1, "HTTP/1.1 200 OK\r\nContent-Length: 1\r\n\r\nZ");
    drv_end(&d);
    CHECK((r = find_file_orig_p(&d.R, 49152, 0)) && r->missing == 4 && !r->complete);
    CHECK((r = find_http(&d.R, "/g", 0)) && r->resp_len == 10);
    CHECK((r = find_http(&d.R, "/h", 0)) && r->status == 200 && r->resp_len == 1);
    drv_release(&d);

    /* a gap in the headers: resynchronise on the next status line */
    drv_init(&d);
    feed_str(&d, 0, "GET /i HTTP/1.1\r\n\r\nGET /j HTTP/1.1\r\n\r\n");
    feed_str(&d, 1, "HTTP/1.1 200 OK\r\nContent-Le");
    drv_gap(&d, 1, 100);
    feed_str(&d, 1, "xx\r\nyyy\r\nHTTP/1.1 302 Found\r\nContent-Length: 0\r\n\r\n");
    drv_end(&d);
    CHECK((r = find_http(&d.R, "/j", 0)) && r->status == 302);
    drv_release(&d);

    /* a decompression bomb: stops at FILE_DECODED_MAX, no hash */
    size_t bomb_n = (size_t)FILE_DECODED_MAX + 1024 * 1024;
    uint8_t *zeros = calloc(1, bomb_n);
    size_t gzn;
    uint8_t *gz = zpack(zeros, bomb_n, 31, &gzn);
    free(zeros);
    drv_init(&d);
    feed_str(&d, 0, "GET /bomb HTTP/1.1\r\n\r\n");
    char hdr[128];
    snprintf(hdr, sizeof(hdr), "HTTP/1.1 200 OK\r\nContent-Encoding: gzip\r\nContent-Length: %zu\r\n\r\n",
             gzn);
    feed_str(&d, 1, hdr);
    drv_feed(&d, 1, gz, gzn);
    drv_end(&d);
    CHECK((r = find_file_orig_p(&d.R, 49152, 0)) && !r->complete && r->seen == FILE_DECODED_MAX &&
          r->overflow > 0);
    drv_release(&d);
    free(gz);

    /* deflate, zlib-wrapped and raw; a corrupt gzip body */
    static const char txt[] = "{\"a\": [1, 2, 3], \"b\": \"deflated json\"}";
    char want_h[65];
    sha256_hex(txt, sizeof(txt) - 1, want_h);
    for (int k = 0; k < 3; k++) {
        size_t zn;
        uint8_t *z = zpack(txt, sizeof(txt) - 1, k == 0 ? 15 : k == 1 ? -15 : 31, &zn);
        if (k == 2)
            z[zn / 2] ^= 0xff;
        drv_init(&d);
        feed_str(&d, 0, "GET /z HTTP/1.1\r\n\r\n");
        snprintf(hdr, sizeof(hdr), "HTTP/1.1 200 OK\r\nContent-Type: text/html\r\n"
                                   "Content-Encoding: %s\r\nContent-Length: %zu\r\n\r\n",
                 k == 2 ? "gzip" : "deflate", zn);
        feed_str(&d, 1, hdr);
        drv_feed(&d, 1, z, zn);
        drv_end(&d);
        r = find_file_orig_p(&d.R, 49152, 0);
        if (k < 2)
            CHECK(r && r->complete && strcmp(r->sha256, want_h) == 0 &&
                  strcmp(r->mime, "application/json") == 0);
        else
            CHECK(r && !r->complete && r->decode_error);
        r = find_http(&d.R, "/z", 0);
        CHECK(r && !r->mismatch); /* json declared as html: both text */
        drv_release(&d);
        free(z);
    }
}

static void test_probe(void)
{
    const struct proto_ops *p = proto_by_id(PROTO_HTTP);
    static const struct {
        const char *s;
        enum probe_result want;
    } cases[] = {
        {"GET / HTTP/1.1\r\n", PROBE_YES},
        {"POST /OK21pqJAtyyGBEo00sk HTTP/1.1\r\n", PROBE_YES},
        {"\r\nGET / HTTP/1.0\r\n", PROBE_YES},
        {"HTTP/1.1 200 OK\r\n", PROBE_YES},
        {"HTTP/1.0 404", PROBE_YES},
        {"GET /\r\n", PROBE_YES},
        {"PROPFIND /x HTTP/1.1\r\n", PROBE_YES},
        {"GE", PROBE_MORE},
        {"GET /abc", PROBE_MORE},
        {"GET /abc HTT", PROBE_MORE},
        {"HTTP/1", PROBE_MORE},
        {"HTTP/1.", PROBE_MORE},
        {"HTTP/2 200\r\n", PROBE_NO},
        {"PRI * HTTP/2.0\r\n", PROBE_NO},
        {"SSH-2.0-OpenSSH\r\n", PROBE_NO},
        {"220 mail ESMTP\r\n", PROBE_NO},
        {"EHLO example.com\r\n", PROBE_NO},
        {"INVITE sip:a@b SIP/2.0\r\n", PROBE_NO},
        {"OPTIONS rtsp://x RTSP/1.0\r\n", PROBE_NO},
        {"\x16\x03\x01\x00\x50", PROBE_NO},
        {"GET  HTTP/1.1", PROBE_MORE}, /* "HTTP/1.1" may be the target, the version to come */
        {"POST /x\r\n", PROBE_NO},
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        enum probe_result got = p->probe((const uint8_t *)cases[i].s, strlen(cases[i].s), 0);
        if (got != cases[i].want)
            fprintf(stderr, "probe '%s': %d, want %d\n", cases[i].s, got, cases[i].want);
        CHECK_EQ_I(got, cases[i].want);
    }
    /* a known method with a target longer than the probe buffer */
    char buf[600];
    memcpy(buf, "GET /", 5);
    memset(buf + 5, 'q', sizeof(buf) - 5);
    CHECK_EQ_I(p->probe((const uint8_t *)buf, 512, 0), PROBE_YES);
    memcpy(buf, "FOO /", 5);
    CHECK_EQ_I(p->probe((const uint8_t *)buf, 512, 0), PROBE_MORE);
}

static void test_sniff(void)
{
    /* minimal PE: MZ, e_lfanew 0x40, "PE\0\0", COFF with Characteristics (offset +22) */
    uint8_t pe[0x60];
    memset(pe, 0, sizeof(pe));
    memcpy(pe, "MZ", 2);
    pe[0x3c] = 0x40;
    memcpy(pe + 0x40, "PE\0\0", 4);
    pe[0x40 + 22] = 0x02;
    pe[0x40 + 23] = 0x21; /* 0x2102: EXECUTABLE_IMAGE | 32BIT_MACHINE | DLL */
    struct file_type t = file_sniff(pe, sizeof(pe));
    CHECK_STR(t.extension, "dll");
    CHECK_STR(t.mime, "application/x-dosexec");
    pe[0x40 + 23] = 0x01;
    CHECK_STR(file_sniff(pe, sizeof(pe)).extension, "exe");
    CHECK_STR(file_sniff(pe, 0x50).extension, "exe");  /* PE header cut: still MZ */
    pe[0x3c] = 0xff;
    pe[0x3d] = 0xff;
    pe[0x3e] = 0xff;
    pe[0x3f] = 0xff; /* e_lfanew lying far past the end */
    CHECK_STR(file_sniff(pe, sizeof(pe)).extension, "exe");
    static const struct {
        const char *bytes;
        size_t n;
        const char *ext;
    } m[] = {
        {"PK\x03\x04\x14\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\0\x13\0\0\0[Content_Types].xmlword/", 54, "docx"},
        {"PK\x03\x04", 4, "zip"},
        {"\x1f\x8b\x08\0", 4, "gzip"},
        {"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1", 8, "ole"},
        {"%PDF-1.7\n", 9, "pdf"},
        {"Rar!\x1a\x07\x01\0", 8, "rar"},
        {"7z\xbc\xaf\x27\x1c", 6, "7z"},
        {"\x7f" "ELF\x02\x01", 6, "elf"},
        {"MSCF\0\0\0\0", 8, "cab"},
        {"\x89PNG\r\n\x1a\n", 8, "png"},
        {"\xff\xd8\xff\xe0", 4, "jpg"},
        {"GIF89a", 6, "gif"},
        {"\xef\xbb\xbf  <!DOCTYPE html><html>", 26, "html"},
        {"{\"k\": 1}", 8, "json"},
        {"plain words\n", 12, "txt"},
        {"{\\rtf1\\ansi", 11, "rtf"},
    };
    for (size_t i = 0; i < sizeof(m) / sizeof(m[0]); i++)
        CHECK_STR(file_sniff((const uint8_t *)m[i].bytes, m[i].n).extension, m[i].ext);
    CHECK(file_sniff((const uint8_t *)"\x00\x01\x02\x03\xfe", 5).mime == NULL);
    CHECK(file_sniff(NULL, 0).mime == NULL);
    /* declared vs sniffed */
    CHECK(file_type_mismatch((const uint8_t *)"image/png", 9, "application/x-dosexec"));
    CHECK(file_type_mismatch((const uint8_t *)"text/html; charset=UTF-8", 24, "application/zip"));
    CHECK(!file_type_mismatch((const uint8_t *)"application/octet-stream", 24, "application/x-dosexec"));
    CHECK(!file_type_mismatch((const uint8_t *)"application/x-msdownload", 24, "application/x-dosexec"));
    CHECK(!file_type_mismatch((const uint8_t *)"image/jpeg", 10, "image/png"));
    CHECK(!file_type_mismatch((const uint8_t *)"text/css", 8, "text/plain"));
    CHECK(!file_type_mismatch((const uint8_t *)"application/ocsp-response", 25, "text/plain"));
    CHECK(!file_type_mismatch((const uint8_t *)"IMAGE/PNG", 9, "image/png"));
    CHECK(!file_type_mismatch((const uint8_t *)"image/png", 9, NULL));
}

int main(void)
{
    test_probe();
    test_sniff();
    test_split_invariance();
    test_pipelining();
    test_message_kinds();
    test_malformed();
    test_captures_vs_tshark();
    test_pe_downloads();
    test_capture_details();
    return test_done();
}
