/*
 * summary: SMB1/SMB2/SMB3 over NetBIOS or direct TCP: dialect, logons (NTLMSSP), shares, file opens
 *
 * References: RFC 1002 section 4.3 (NetBIOS session service: type, flags,
 * length; 0x00 session message, 0x81 session request, 0x82/0x83 positive/
 * negative response, 0x85 keepalive); [MS-SMB2] 2.2.1 (header), 2.2.3-4
 * (NEGOTIATE), 2.2.5-6 (SESSION_SETUP), 2.2.9-10 (TREE_CONNECT), 2.2.13-14
 * (CREATE), 2.2.15 (CLOSE), 2.2.39 (SET_INFO), 2.2.41 (TRANSFORM_HEADER),
 * 3.2.4.1.4 (compounded requests: NextCommand); [MS-CIFS]/[MS-SMB] 2.2.3.1
 * (SMB1 header), 2.2.4.52 (NEGOTIATE), 2.2.4.53 (SESSION_SETUP_ANDX, word
 * counts 10, 12, 13), 2.2.4.55 (TREE_CONNECT_ANDX), 2.2.4.64 (NT_CREATE_ANDX),
 * 2.2.4.7 (DELETE); [MS-NLMP] 2.2.1.2 (CHALLENGE_MESSAGE), 2.2.1.3
 * (AUTHENTICATE_MESSAGE), 2.2.2.1 (AV_PAIR); [MS-ERREF] 2.3 (NTSTATUS).
 *
 * Framing: each direction is a sequence of 4-byte NetBIOS headers (type,
 * 24-bit length; port 445 uses the same header with type 0) each followed
 * by one message. A message is parsed in place when a chunk holds it whole;
 * otherwise its first SMB_PEEK bytes are buffered, and from its header the
 * parser decides how much to keep: commands whose bodies are read here
 * (negotiate, session setup, tree connect, create, set info, SMB1
 * equivalents, compounds) are kept whole up to SMB_MSG_MAX, everything else
 * (READ/WRITE data, directory listings, IOCTLs) only to SMB_PEEK, and the
 * rest is skipped unbuffered. A capture gap inside skipped bytes keeps
 * sync; any other gap resynchronises on the next "\xfeSMB"/"\xffSMB"/
 * "\xfdSMB" after a type-0 NetBIOS header.
 *
 * Bounds (per connection): SMB_MSG_MAX bytes buffered per direction (128 KiB,
 * grown as bytes arrive, freed after the message if over SMB_BUF_IDLE);
 * SMB_PENDING_MAX requests awaiting a response (the oldest is dropped);
 * SMB_TREES_MAX tree ids and SMB_FILES_MAX open file ids remembered (oldest
 * replaced); SMB_SUMMARY_USERS distinct user names; at most SMB_COMPOUND_MAX
 * compounded or AndX-chained commands per message; names truncated to
 * SMB_NAME_MAX / SMB_USER_MAX bytes of UTF-8. The state itself is about
 * 7 KB; the worst case with every table full of longest names and both
 * buffers full is about 330 KB.
 *
 * Events: "smb" events, one per notable action, with an "action" field:
 *   negotiate      dialect ("SMB 2.0.2", "SMB 2.1", "SMB 3.0", "SMB 3.0.2",
 *                  "SMB 3.1.1", SMB1: the dialect string chosen, "NT LM 0.12");
 *                  version (1 or 2). Not emitted for the SMB 2.??? (0x02FF)
 *                  answer to a multi-protocol SMB1 negotiate: the real
 *                  SMB2 negotiate that follows is.
 *   session_setup  one per SESSION_SETUP(_ANDX) response: status ("0xc000006d",
 *                  as Zeek's/tshark's NT status), status_name
 *                  ("STATUS_LOGON_FAILURE"), success (only on final responses,
 *                  i.e. not STATUS_MORE_PROCESSING_REQUIRED), auth ("ntlm",
 *                  "kerberos", "anonymous"), username, domain, hostname (from
 *                  the NTLMSSP AUTHENTICATE message or the SMB1 clear-text
 *                  account fields; Zeek ntlm.log: username, domainname,
 *                  hostname), server_nb_computer_name, server_dns_computer_name,
 *                  server_tree_name (NTLM CHALLENGE target info, as Zeek's
 *                  ntlm.log), guest (server granted a guest session),
 *                  krb_service, krb_realm (Kerberos: the ticket's service
 *                  principal and realm)
 *   tree_connect   path ("\\\\SERVER\\IPC$"), share_type ("DISK", "PIPE",
 *                  "PRINT"), status, status_name, success (Zeek smb_mapping.log:
 *                  path, share_type)
 *   file_open      name (relative to the tree), path (the tree's), share_type,
 *                  status, status_name, success, file_action ("SMB::FILE_OPEN",
 *                  or "SMB::FILE_DELETE" when opened delete-on-close),
 *                  disposition ("FILE_OPEN", "FILE_CREATE", "FILE_OVERWRITE_IF",
 *                  ...), size (end of file) (Zeek smb_files.log: action, path,
 *                  name, size)
 *   file_delete    name, path, share_type, status, status_name, success,
 *                  file_action "SMB::FILE_DELETE": SET_INFO FileDisposition
 *                  with DeletePending set, or SMB1 DELETE
 *   summary        at the end of the connection: version, dialect, encrypted
 *                  (bool: SMB3 transform seen), messages, malformed,
 *                  encrypted_messages, session_setup_successes,
 *                  session_setup_failures, session_setup_rounds
 *                  (MORE_PROCESSING_REQUIRED), usernames (distinct, first
 *                  SMB_SUMMARY_USERS), trees, tree_failures, files_opened,
 *                  file_open_failures, files_deleted (no Zeek equivalent)
 * Encrypted SMB3 messages are counted, not parsed. An SMB1 server that
 * answers with DOS error codes (no NT-status flag) has status
 * (code << 16 | class), e.g. "0x00020001" for ERRSRV/ERRerror, and no
 * status_name.
 */
#include "proto/smb.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "proto/krb.h"
#include "proto/proto.h"
#include "util/json.h"
#include "util/log.h"
#include "util/rd.h"

#define SMB_MSG_MAX (128u * 1024) /* largest message buffered whole */
#define SMB_PEEK 256u             /* bytes kept of messages whose bodies are not read */
#define SMB_BUF_IDLE (16u * 1024) /* a direction's buffer larger than this is freed after use */
#define SMB_PENDING_MAX 32        /* requests awaiting a response */
#define SMB_TREES_MAX 32          /* tree ids remembered */
#define SMB_FILES_MAX 64          /* file ids remembered (for deletes by handle) */
#define SMB_COMPOUND_MAX 32       /* commands per message (SMB2 compound, SMB1 AndX chain) */
#define SMB1_DIALECTS_MAX 16      /* SMB1 dialect strings remembered from a negotiate */
#define SMB1_DIALECT_LEN 32
#define SMB_AV_MAX 64             /* NTLM AV pairs walked */

#define SMB2_HDR_LEN 64
#define SMB1_HDR_LEN 32

/* SMB2 commands ([MS-SMB2] 2.2.1) */
enum {
    SMB2_NEGOTIATE = 0x00,
    SMB2_SESSION_SETUP = 0x01,
    SMB2_TREE_CONNECT = 0x03,
    SMB2_CREATE = 0x05,
    SMB2_CLOSE = 0x06,
    SMB2_SET_INFO = 0x11,
};
#define SMB2_FLAGS_RESPONSE 0x1u
#define SMB2_FLAGS_ASYNC 0x2u
#define SMB2_FLAGS_RELATED 0x4u

/* SMB1 commands ([MS-CIFS] 2.2.2.1) */
enum {
    SMB1_DELETE = 0x06,
    SMB1_NEGOTIATE = 0x72,
    SMB1_SESSION_SETUP_ANDX = 0x73,
    SMB1_TREE_CONNECT_ANDX = 0x75,
    SMB1_NT_CREATE_ANDX = 0xa2,
    SMB1_NO_ANDX = 0xff,
};
#define SMB1_FLAGS_REPLY 0x80u
#define SMB1_FLAGS2_NT_STATUS 0x4000u
#define SMB1_FLAGS2_UNICODE 0x8000u

#define STATUS_SUCCESS 0x00000000u
#define STATUS_PENDING 0x00000103u
#define STATUS_MORE_PROCESSING_REQUIRED 0xc0000016u

#define FILE_DELETE_ON_CLOSE 0x00001000u

/* NetBIOS session service message types (RFC 1002 4.3.1) */
enum {
    NB_SESSION_MESSAGE = 0x00,
    NB_SESSION_REQUEST = 0x81,
    NB_POSITIVE_RESPONSE = 0x82,
    NB_NEGATIVE_RESPONSE = 0x83,
    NB_RETARGET_RESPONSE = 0x84,
    NB_KEEPALIVE = 0x85,
};

/* ---- names ---- */

struct status_name {
    uint32_t code;
    const char *name;
};

/* [MS-ERREF] 2.3.1: the statuses SMB servers commonly return; sorted by code for bsearch. */
static const struct status_name status_names[] = {
    {0x00000000, "STATUS_SUCCESS"},
    {0x00000103, "STATUS_PENDING"},
    {0x00000104, "STATUS_REPARSE"},
    {0x0000010b, "STATUS_NOTIFY_CLEANUP"},
    {0x0000010c, "STATUS_NOTIFY_ENUM_DIR"},
    {0x80000005, "STATUS_BUFFER_OVERFLOW"},
    {0x80000006, "STATUS_NO_MORE_FILES"},
    {0x8000001a, "STATUS_NO_MORE_ENTRIES"},
    {0xc0000001, "STATUS_UNSUCCESSFUL"},
    {0xc0000002, "STATUS_NOT_IMPLEMENTED"},
    {0xc0000003, "STATUS_INVALID_INFO_CLASS"},
    {0xc0000004, "STATUS_INFO_LENGTH_MISMATCH"},
    {0xc0000008, "STATUS_INVALID_HANDLE"},
    {0xc000000d, "STATUS_INVALID_PARAMETER"},
    {0xc000000e, "STATUS_NO_SUCH_DEVICE"},
    {0xc000000f, "STATUS_NO_SUCH_FILE"},
    {0xc0000010, "STATUS_INVALID_DEVICE_REQUEST"},
    {0xc0000011, "STATUS_END_OF_FILE"},
    {0xc0000016, "STATUS_MORE_PROCESSING_REQUIRED"},
    {0xc0000017, "STATUS_NO_MEMORY"},
    {0xc0000022, "STATUS_ACCESS_DENIED"},
    {0xc0000023, "STATUS_BUFFER_TOO_SMALL"},
    {0xc0000024, "STATUS_OBJECT_TYPE_MISMATCH"},
    {0xc0000033, "STATUS_OBJECT_NAME_INVALID"},
    {0xc0000034, "STATUS_OBJECT_NAME_NOT_FOUND"},
    {0xc0000035, "STATUS_OBJECT_NAME_COLLISION"},
    {0xc0000039, "STATUS_OBJECT_PATH_INVALID"},
    {0xc000003a, "STATUS_OBJECT_PATH_NOT_FOUND"},
    {0xc000003b, "STATUS_OBJECT_PATH_SYNTAX_BAD"},
    {0xc0000043, "STATUS_SHARING_VIOLATION"},
    {0xc0000044, "STATUS_QUOTA_EXCEEDED"},
    {0xc0000054, "STATUS_FILE_LOCK_CONFLICT"},
    {0xc0000055, "STATUS_LOCK_NOT_GRANTED"},
    {0xc0000056, "STATUS_DELETE_PENDING"},
    {0xc000005e, "STATUS_NO_LOGON_SERVERS"},
    {0xc0000061, "STATUS_PRIVILEGE_NOT_HELD"},
    {0xc0000064, "STATUS_NO_SUCH_USER"},
    {0xc000006a, "STATUS_WRONG_PASSWORD"},
    {0xc000006c, "STATUS_PASSWORD_RESTRICTION"},
    {0xc000006d, "STATUS_LOGON_FAILURE"},
    {0xc000006e, "STATUS_ACCOUNT_RESTRICTION"},
    {0xc000006f, "STATUS_INVALID_LOGON_HOURS"},
    {0xc0000070, "STATUS_INVALID_WORKSTATION"},
    {0xc0000071, "STATUS_PASSWORD_EXPIRED"},
    {0xc0000072, "STATUS_ACCOUNT_DISABLED"},
    {0xc0000073, "STATUS_NONE_MAPPED"},
    {0xc000007f, "STATUS_DISK_FULL"},
    {0xc000009a, "STATUS_INSUFFICIENT_RESOURCES"},
    {0xc00000ac, "STATUS_PIPE_NOT_AVAILABLE"},
    {0xc00000ad, "STATUS_INVALID_PIPE_STATE"},
    {0xc00000ae, "STATUS_PIPE_BUSY"},
    {0xc00000b0, "STATUS_PIPE_DISCONNECTED"},
    {0xc00000b1, "STATUS_PIPE_CLOSING"},
    {0xc00000b5, "STATUS_IO_TIMEOUT"},
    {0xc00000ba, "STATUS_FILE_IS_A_DIRECTORY"},
    {0xc00000bb, "STATUS_NOT_SUPPORTED"},
    {0xc00000be, "STATUS_BAD_NETWORK_PATH"},
    {0xc00000c3, "STATUS_INVALID_NETWORK_RESPONSE"},
    {0xc00000c9, "STATUS_NETWORK_NAME_DELETED"},
    {0xc00000ca, "STATUS_NETWORK_ACCESS_DENIED"},
    {0xc00000cc, "STATUS_BAD_NETWORK_NAME"},
    {0xc00000d0, "STATUS_REQUEST_NOT_ACCEPTED"},
    {0xc00000d4, "STATUS_NOT_SAME_DEVICE"},
    {0xc00000e5, "STATUS_INTERNAL_ERROR"},
    {0xc00000fb, "STATUS_REDIRECTOR_NOT_STARTED"},
    {0xc0000101, "STATUS_DIRECTORY_NOT_EMPTY"},
    {0xc0000103, "STATUS_NOT_A_DIRECTORY"},
    {0xc0000120, "STATUS_CANCELLED"},
    {0xc0000121, "STATUS_CANNOT_DELETE"},
    {0xc0000128, "STATUS_FILE_CLOSED"},
    {0xc0000148, "STATUS_INVALID_LEVEL"},
    {0xc000015b, "STATUS_LOGON_TYPE_NOT_GRANTED"},
    {0xc0000184, "STATUS_INVALID_DEVICE_STATE"},
    {0xc000018b, "STATUS_NO_TRUST_SAM_ACCOUNT"},
    {0xc000018d, "STATUS_TRUSTED_RELATIONSHIP_FAILURE"},
    {0xc0000190, "STATUS_TRUST_FAILURE"},
    {0xc0000192, "STATUS_NETLOGON_NOT_STARTED"},
    {0xc0000193, "STATUS_ACCOUNT_EXPIRED"},
    {0xc0000199, "STATUS_NOLOGON_WORKSTATION_TRUST_ACCOUNT"},
    {0xc000019c, "STATUS_FS_DRIVER_REQUIRED"},
    {0xc0000203, "STATUS_USER_SESSION_DELETED"},
    {0xc0000205, "STATUS_INSUFF_SERVER_RESOURCES"},
    {0xc000020c, "STATUS_CONNECTION_DISCONNECTED"},
    {0xc0000224, "STATUS_PASSWORD_MUST_CHANGE"},
    {0xc0000225, "STATUS_NOT_FOUND"},
    {0xc0000234, "STATUS_ACCOUNT_LOCKED_OUT"},
    {0xc0000257, "STATUS_PATH_NOT_COVERED"},
    {0xc000035c, "STATUS_NETWORK_SESSION_EXPIRED"},
    {0xc0000388, "STATUS_DOWNGRADE_DETECTED"},
    {0xc000a000, "STATUS_INVALID_SIGNATURE"},
};

static int status_cmp(const void *k, const void *e)
{
    uint32_t a = *(const uint32_t *)k, b = ((const struct status_name *)e)->code;
    return a < b ? -1 : a > b;
}

/* The NTSTATUS name of code, or NULL if it is not in the table. */
static const char *status_name(uint32_t code)
{
    const struct status_name *s = bsearch(&code, status_names,
                                          sizeof(status_names) / sizeof(status_names[0]),
                                          sizeof(status_names[0]), status_cmp);
    return s ? s->name : NULL;
}

static const char *smb2_dialect_name(uint16_t d)
{
    switch (d) {
    case 0x0202: return "SMB 2.0.2";
    case 0x0210: return "SMB 2.1";
    case 0x0222: return "SMB 2.2.2";
    case 0x0224: return "SMB 2.2.4";
    case 0x02ff: return "SMB 2.???";
    case 0x0300: return "SMB 3.0";
    case 0x0302: return "SMB 3.0.2";
    case 0x0310: return "SMB 3.1.0";
    case 0x0311: return "SMB 3.1.1";
    default: return "SMB2 unknown";
    }
}

/* [MS-SMB2] 2.2.13 CreateDisposition */
static const char *disposition_name(uint32_t d)
{
    static const char *const n[] = {"FILE_SUPERSEDE", "FILE_OPEN",      "FILE_CREATE",
                                    "FILE_OPEN_IF",   "FILE_OVERWRITE", "FILE_OVERWRITE_IF"};
    return d < sizeof(n) / sizeof(n[0]) ? n[d] : NULL;
}

/* ---- strings ---- */

/* Appends the UTF-8 encoding of code point c to out (cap incl. NUL) at *at, if it fits whole. */
static void utf8_put(char *out, size_t cap, size_t *at, uint32_t c)
{
    char b[4];
    size_t n;
    if (c < 0x80) {
        b[0] = (char)c;
        n = 1;
    } else if (c < 0x800) {
        b[0] = (char)(0xc0 | c >> 6);
        b[1] = (char)(0x80 | (c & 0x3f));
        n = 2;
    } else if (c < 0x10000) {
        b[0] = (char)(0xe0 | c >> 12);
        b[1] = (char)(0x80 | (c >> 6 & 0x3f));
        b[2] = (char)(0x80 | (c & 0x3f));
        n = 3;
    } else {
        b[0] = (char)(0xf0 | c >> 18);
        b[1] = (char)(0x80 | (c >> 12 & 0x3f));
        b[2] = (char)(0x80 | (c >> 6 & 0x3f));
        b[3] = (char)(0x80 | (c & 0x3f));
        n = 4;
    }
    if (*at + n >= cap)
        return;
    memcpy(out + *at, b, n);
    *at += n;
    out[*at] = '\0';
}

/*
 * UTF-16LE text in r (all of it, or up to a NUL code unit, which is
 * consumed) into UTF-8 in out (cap bytes incl. NUL), truncating whole
 * characters. Unpaired surrogates become U+FFFD.
 */
static void utf16_to_utf8(struct rd *r, char *out, size_t cap)
{
    size_t at = 0;
    out[0] = '\0';
    while (rd_left(r) >= 2) {
        uint32_t c = rd_le16(r);
        if (c == 0)
            break;
        if (c >= 0xd800 && c < 0xdc00) {
            struct rd save = *r;
            uint32_t lo = rd_le16(r);
            if (rd_ok(r) && lo >= 0xdc00 && lo < 0xe000) {
                c = 0x10000 + ((c - 0xd800) << 10) + (lo - 0xdc00);
            } else {
                *r = save;
                r->err = 0;
                c = 0xfffd;
            }
        } else if (c >= 0xdc00 && c < 0xe000) {
            c = 0xfffd;
        }
        utf8_put(out, cap, &at, c);
    }
    if (rd_left(r) == 1)
        rd_skip(r, 1); /* odd trailing byte */
}

/* OEM (8-bit) text in r, up to a NUL (consumed), as Latin-1 into UTF-8. */
static void oem_to_utf8(struct rd *r, char *out, size_t cap)
{
    size_t at = 0;
    out[0] = '\0';
    while (rd_left(r)) {
        uint8_t c = rd_u8(r);
        if (c == 0)
            break;
        utf8_put(out, cap, &at, c);
    }
}

/* A string of n bytes at offset off of the buffer [base, base+len), UTF-16LE or OEM. */
static void str_at(const uint8_t *base, size_t len, size_t off, size_t n, int unicode, char *out,
                   size_t cap)
{
    struct rd r = rd_make(base, len);
    out[0] = '\0';
    rd_skip(&r, off);
    struct rd s = rd_sub(&r, n);
    if (!rd_ok(&s))
        return;
    if (unicode)
        utf16_to_utf8(&s, out, cap);
    else
        oem_to_utf8(&s, out, cap);
}

/* ---- state ---- */

enum smb_dir_state {
    SD_HDR,    /* collecting the 4-byte NetBIOS header */
    SD_BODY,   /* collecting the kept part of a message */
    SD_SKIP,   /* discarding the rest of a message */
    SD_RESYNC, /* after a gap: looking for the next message header */
    SD_DEAD,   /* not SMB: ignore the rest */
};

struct smb_dir {
    enum smb_dir_state state;
    uint8_t hdr[4];
    size_t hdr_len;
    uint8_t nb_type;
    size_t msg_len;  /* length of the current message */
    size_t keep;     /* bytes of it to buffer and parse (<= SMB_MSG_MAX) */
    int decided;     /* keep has been decided from the message's header */
    size_t len;      /* bytes buffered */
    size_t skip;     /* bytes still to discard */
    uint8_t *buf;    /* owned; grows to SMB_MSG_MAX at most */
    size_t cap;
    uint64_t bad_run; /* consecutive messages that were not SMB */
};

/* A request awaiting its response. */
struct smb_pending {
    uint64_t key;     /* SMB2 MessageId, or SMB1 MID | PID << 16 | 1 << 63 */
    uint8_t cmd;
    uint8_t used;
    uint32_t tree_id;
    uint32_t disposition;
    uint32_t options;
    uint64_t seq;     /* age, for replacing the oldest */
    char *name;       /* owned: file name or tree path; may be NULL */
};

struct smb_tree {
    uint32_t id;
    uint8_t used;
    const char *share_type;
    uint64_t seq;
    char *path; /* owned */
};

struct smb_file {
    uint8_t id[16]; /* SMB2 FileId; SMB1 FID in the first 2 bytes */
    uint8_t used;
    uint32_t tree_id;
    uint64_t seq;
    char *name; /* owned */
};

/* The authentication exchange in progress (SMB setups run one at a time). */
struct smb_auth {
    const char *kind; /* "ntlm", "kerberos", "anonymous" */
    int have_user;
    char username[SMB_USER_MAX];
    char domain[SMB_USER_MAX];
    char hostname[SMB_USER_MAX];
    char server_nb[SMB_USER_MAX];
    char server_dns[SMB_USER_MAX];
    char server_tree[SMB_USER_MAX];
    char krb_service[SMB_USER_MAX];
    char krb_realm[SMB_USER_MAX];
};

struct smb_state {
    struct smb_dir d[2];
    struct smb_counts c;
    int version;
    uint16_t dialect_id;
    const char *dialect;          /* static, or smb1_chosen */
    char smb1_chosen[SMB1_DIALECT_LEN];
    char (*smb1_dialects)[SMB1_DIALECT_LEN]; /* owned, SMB1_DIALECTS_MAX, from the last negotiate */
    size_t n_smb1_dialects;
    int encrypted;
    uint64_t seq;
    struct smb_auth auth;
    char *usernames[SMB_SUMMARY_USERS]; /* owned */
    struct smb_pending pend[SMB_PENDING_MAX];
    struct smb_tree trees[SMB_TREES_MAX];
    struct smb_file files[SMB_FILES_MAX];
};

/* ---- event output ---- */

static void kstr_if(struct jbuf *jb, const char *k, const char *v)
{
    if (v && v[0])
        jb_kstr(jb, k, v);
}

static void smb_fields_json(const struct event *ev, struct jbuf *jb)
{
    static const char *const actions[] = {
        [SMB_EV_NEGOTIATE] = "negotiate",       [SMB_EV_SESSION_SETUP] = "session_setup",
        [SMB_EV_TREE_CONNECT] = "tree_connect", [SMB_EV_FILE_OPEN] = "file_open",
        [SMB_EV_FILE_DELETE] = "file_delete",   [SMB_EV_SUMMARY] = "summary",
    };
    const struct smb_event *e = ev->body;
    jb_kstr(jb, "action", actions[e->action]);
    if (e->action == SMB_EV_NEGOTIATE || e->action == SMB_EV_SUMMARY) {
        if (e->version)
            jb_ku64(jb, "version", (uint64_t)e->version);
        kstr_if(jb, "dialect", e->dialect);
    }
    if (e->has_status) {
        char hex[16];
        snprintf(hex, sizeof(hex), "0x%08x", e->status);
        jb_kstr(jb, "status", hex);
        kstr_if(jb, "status_name", e->status_name);
    }
    if (e->has_success)
        jb_kbool(jb, "success", e->success);
    kstr_if(jb, "auth", e->auth);
    kstr_if(jb, "username", e->username);
    kstr_if(jb, "domain", e->domain);
    kstr_if(jb, "hostname", e->hostname);
    kstr_if(jb, "server_nb_computer_name", e->server_nb_computer_name);
    kstr_if(jb, "server_dns_computer_name", e->server_dns_computer_name);
    kstr_if(jb, "server_tree_name", e->server_tree_name);
    kstr_if(jb, "krb_service", e->krb_service);
    kstr_if(jb, "krb_realm", e->krb_realm);
    if (e->guest)
        jb_kbool(jb, "guest", 1);
    kstr_if(jb, "path", e->path);
    kstr_if(jb, "share_type", e->share_type);
    kstr_if(jb, "name", e->name);
    kstr_if(jb, "file_action", e->file_action);
    kstr_if(jb, "disposition", e->disposition);
    if (e->has_size)
        jb_ku64(jb, "size", e->size);
    if (e->action == SMB_EV_SUMMARY && e->counts) {
        const struct smb_counts *c = e->counts;
        jb_kbool(jb, "encrypted", c->encrypted > 0);
        jb_ku64(jb, "messages", c->messages);
        jb_ku64(jb, "malformed", c->malformed);
        jb_ku64(jb, "encrypted_messages", c->encrypted);
        jb_ku64(jb, "session_setup_successes", c->session_setup_successes);
        jb_ku64(jb, "session_setup_failures", c->session_setup_failures);
        jb_ku64(jb, "session_setup_rounds", c->session_setup_rounds);
        jb_key(jb, "usernames");
        jb_arr_open(jb);
        for (size_t i = 0; i < c->n_usernames; i++)
            jb_str(jb, c->usernames[i]);
        jb_arr_close(jb);
        jb_ku64(jb, "trees", c->trees);
        jb_ku64(jb, "tree_failures", c->tree_failures);
        jb_ku64(jb, "files_opened", c->files_opened);
        jb_ku64(jb, "file_open_failures", c->file_open_failures);
        jb_ku64(jb, "files_deleted", c->files_deleted);
    }
}

/* A zeroed event of the given action; large, so callers keep one on their stack. */
static void ev_init(struct smb_event *e, enum smb_action a, int version)
{
    memset(e, 0, sizeof(*e));
    e->action = a;
    e->version = version;
}

static void ev_status(struct smb_event *e, uint32_t status, int final)
{
    e->has_status = 1;
    e->status = status;
    e->status_name = status_name(status);
    if (final) {
        e->has_success = 1;
        e->success = status == STATUS_SUCCESS;
    }
}

static void ev_copy(char *dst, size_t cap, const char *src)
{
    if (!src) {
        dst[0] = '\0';
        return;
    }
    size_t n = strnlen(src, cap - 1);
    memcpy(dst, src, n);
    dst[n] = '\0';
}

static void smb_emit(struct app_ctx *ctx, const struct smb_event *e)
{
    app_emit(ctx, EV_SMB, e, smb_fields_json);
}

/* ---- tables ---- */

static struct smb_pending *pend_add(struct smb_state *st, uint64_t key, uint8_t cmd)
{
    struct smb_pending *slot = NULL;
    for (size_t i = 0; i < SMB_PENDING_MAX; i++) {
        struct smb_pending *p = &st->pend[i];
        if (p->used && p->key == key && p->cmd == cmd) { /* a retransmitted request */
            slot = p;
            break;
        }
        if (!p->used) {
            if (!slot || slot->used)
                slot = p;
        } else if (!slot || (slot->used && p->seq < slot->seq)) {
            slot = p;
        }
    }
    free(slot->name);
    memset(slot, 0, sizeof(*slot));
    slot->used = 1;
    slot->key = key;
    slot->cmd = cmd;
    slot->seq = ++st->seq;
    return slot;
}

static struct smb_pending *pend_find(struct smb_state *st, uint64_t key, uint8_t cmd)
{
    for (size_t i = 0; i < SMB_PENDING_MAX; i++)
        if (st->pend[i].used && st->pend[i].key == key && st->pend[i].cmd == cmd)
            return &st->pend[i];
    return NULL;
}

static void pend_done(struct smb_pending *p)
{
    free(p->name);
    memset(p, 0, sizeof(*p));
}

static void tree_set(struct smb_state *st, uint32_t id, const char *path, const char *share_type)
{
    struct smb_tree *slot = &st->trees[0];
    for (size_t i = 0; i < SMB_TREES_MAX; i++) {
        struct smb_tree *t = &st->trees[i];
        if (t->used && t->id == id) {
            slot = t;
            break;
        }
        if (!t->used && slot->used)
            slot = t;
        else if (t->used && slot->used && t->seq < slot->seq)
            slot = t;
    }
    free(slot->path);
    slot->used = 1;
    slot->id = id;
    slot->share_type = share_type;
    slot->seq = ++st->seq;
    slot->path = xstrdup(path);
}

static const struct smb_tree *tree_get(const struct smb_state *st, uint32_t id)
{
    for (size_t i = 0; i < SMB_TREES_MAX; i++)
        if (st->trees[i].used && st->trees[i].id == id)
            return &st->trees[i];
    return NULL;
}

static void file_set(struct smb_state *st, const uint8_t id[16], uint32_t tree_id, const char *name)
{
    struct smb_file *slot = &st->files[0];
    for (size_t i = 0; i < SMB_FILES_MAX; i++) {
        struct smb_file *f = &st->files[i];
        if (f->used && memcmp(f->id, id, 16) == 0) {
            slot = f;
            break;
        }
        if (!f->used && slot->used)
            slot = f;
        else if (f->used && slot->used && f->seq < slot->seq)
            slot = f;
    }
    free(slot->name);
    slot->used = 1;
    memcpy(slot->id, id, 16);
    slot->tree_id = tree_id;
    slot->seq = ++st->seq;
    slot->name = xstrdup(name);
}

static struct smb_file *file_get(struct smb_state *st, const uint8_t id[16])
{
    for (size_t i = 0; i < SMB_FILES_MAX; i++)
        if (st->files[i].used && memcmp(st->files[i].id, id, 16) == 0)
            return &st->files[i];
    return NULL;
}

static void file_forget(struct smb_state *st, const uint8_t id[16])
{
    struct smb_file *f = file_get(st, id);
    if (f) {
        free(f->name);
        memset(f, 0, sizeof(*f));
    }
}

static void username_note(struct smb_state *st, const char *user)
{
    if (!user[0])
        return;
    for (size_t i = 0; i < st->c.n_usernames; i++)
        if (strcmp(st->usernames[i], user) == 0)
            return;
    if (st->c.n_usernames >= SMB_SUMMARY_USERS)
        return;
    st->usernames[st->c.n_usernames] = xstrdup(user);
    st->c.usernames[st->c.n_usernames] = st->usernames[st->c.n_usernames];
    st->c.n_usernames++;
}

/* ---- GSS-API / SPNEGO / NTLMSSP ---- */

/* Reads an NTLM "fields" triple (Len, MaxLen, Offset) and extracts its string. */
static void ntlm_field(const uint8_t *msg, size_t len, struct rd *r, int unicode, char *out,
                       size_t cap)
{
    uint16_t n = rd_le16(r);
    rd_skip(r, 2);
    uint32_t off = rd_le32(r);
    out[0] = '\0';
    if (rd_ok(r) && n)
        str_at(msg, len, off, n, unicode, out, cap);
}

/* CHALLENGE_MESSAGE target info AV pairs ([MS-NLMP] 2.2.1.2, 2.2.2.1). */
static void ntlm_challenge(struct smb_auth *a, const uint8_t *msg, size_t len)
{
    struct rd r = rd_make(msg, len);
    rd_skip(&r, 12 + 8); /* signature, type, TargetNameFields */
    uint32_t flags = rd_le32(&r);
    rd_skip(&r, 8 + 8); /* ServerChallenge, Reserved */
    uint16_t ti_len = rd_le16(&r);
    rd_skip(&r, 2);
    uint32_t ti_off = rd_le32(&r);
    if (!rd_ok(&r) || !(flags & 0x00800000u)) /* NTLMSSP_NEGOTIATE_TARGET_INFO */
        return;
    struct rd all = rd_make(msg, len);
    rd_skip(&all, ti_off);
    struct rd ti = rd_sub(&all, ti_len);
    for (int i = 0; i < SMB_AV_MAX && rd_ok(&ti) && rd_left(&ti) >= 4; i++) {
        uint16_t id = rd_le16(&ti);
        uint16_t n = rd_le16(&ti);
        struct rd v = rd_sub(&ti, n);
        if (!rd_ok(&v) || id == 0) /* MsvAvEOL */
            break;
        if (id == 1) /* MsvAvNbComputerName */
            utf16_to_utf8(&v, a->server_nb, sizeof(a->server_nb));
        else if (id == 3) /* MsvAvDnsComputerName */
            utf16_to_utf8(&v, a->server_dns, sizeof(a->server_dns));
        else if (id == 5) /* MsvAvDnsTreeName */
            utf16_to_utf8(&v, a->server_tree, sizeof(a->server_tree));
    }
}

/* AUTHENTICATE_MESSAGE ([MS-NLMP] 2.2.1.3): user, domain, workstation. */
static void ntlm_authenticate(struct smb_auth *a, const uint8_t *msg, size_t len)
{
    struct rd r = rd_make(msg, len);
    rd_skip(&r, 12);
    uint16_t lm_len = rd_le16(&r);
    rd_skip(&r, 6);
    uint16_t nt_len = rd_le16(&r);
    rd_skip(&r, 6);
    struct rd fields = r; /* Domain, User, Workstation fields */
    rd_skip(&r, 3 * 8 + 8); /* them and EncryptedRandomSessionKeyFields */
    uint32_t flags = rd_le32(&r);
    if (!rd_ok(&r))
        return;
    int unicode = flags & 0x1; /* NTLMSSP_NEGOTIATE_UNICODE, else OEM */
    ntlm_field(msg, len, &fields, unicode, a->domain, sizeof(a->domain));
    ntlm_field(msg, len, &fields, unicode, a->username, sizeof(a->username));
    ntlm_field(msg, len, &fields, unicode, a->hostname, sizeof(a->hostname));
    a->have_user = 1;
    /* [MS-NLMP] 3.2.5.1.2: anonymous = empty user, empty NT response, LM empty or one zero byte */
    if (!a->username[0] && nt_len == 0 && lm_len <= 1)
        a->kind = "anonymous";
    else
        a->kind = "ntlm";
}

/* Finds "NTLMSSP\0" in the security blob (borrowed); its offset, or -1. */
static long ntlm_find(const uint8_t *blob, size_t len)
{
    static const uint8_t sig[8] = {'N', 'T', 'L', 'M', 'S', 'S', 'P', 0};
    struct rd r = rd_make(blob, len);
    while (rd_left(&r) >= sizeof(sig)) {
        /* memchr stays inside the rd_left() bytes the cursor vouches for */
        const uint8_t *n = memchr(r.p, 'N', rd_left(&r) - sizeof(sig) + 1);
        if (!n)
            break;
        rd_skip(&r, (size_t)(n - r.p));
        if (memcmp(r.p, sig, sizeof(sig)) == 0)
            return (long)(r.p - blob);
        rd_skip(&r, 1);
    }
    return -1;
}

/* A session setup security blob (borrowed): NTLMSSP (any type) or a Kerberos AP-REQ. */
static void gss_blob(struct smb_state *st, const uint8_t *blob, size_t len, int response)
{
    struct smb_auth *a = &st->auth;
    long off = ntlm_find(blob, len);
    if (off >= 0) {
        const uint8_t *m = blob + off;
        size_t mlen = len - (size_t)off;
        struct rd r = rd_make(m, mlen);
        rd_skip(&r, 8);
        uint32_t type = rd_le32(&r);
        if (!rd_ok(&r))
            return;
        if (!a->kind)
            a->kind = "ntlm";
        if (type == 2 && response)
            ntlm_challenge(a, m, mlen);
        else if (type == 3 && !response)
            ntlm_authenticate(a, m, mlen);
        return;
    }
    if (!response && krb_gss_ap_req(blob, len, a->krb_service, sizeof(a->krb_service),
                                    a->krb_realm, sizeof(a->krb_realm)) == 0)
        a->kind = "kerberos";
}

/* Emits a session setup result and the auth it concerns; clears the auth when final. */
static void session_result(struct smb_state *st, struct app_ctx *ctx, int version,
                           uint32_t status, int guest)
{
    int final = status != STATUS_MORE_PROCESSING_REQUIRED;
    struct smb_event e;
    ev_init(&e, SMB_EV_SESSION_SETUP, version);
    ev_status(&e, status, final);
    struct smb_auth *a = &st->auth;
    e.auth = a->kind;
    e.guest = guest;
    ev_copy(e.username, sizeof(e.username), a->username);
    ev_copy(e.domain, sizeof(e.domain), a->domain);
    ev_copy(e.hostname, sizeof(e.hostname), a->hostname);
    ev_copy(e.server_nb_computer_name, sizeof(e.server_nb_computer_name), a->server_nb);
    ev_copy(e.server_dns_computer_name, sizeof(e.server_dns_computer_name), a->server_dns);
    ev_copy(e.server_tree_name, sizeof(e.server_tree_name), a->server_tree);
    ev_copy(e.krb_service, sizeof(e.krb_service), a->krb_service);
    ev_copy(e.krb_realm, sizeof(e.krb_realm), a->krb_realm);
    smb_emit(ctx, &e);
    if (!final) {
        st->c.session_setup_rounds++;
        return;
    }
    if (status == STATUS_SUCCESS)
        st->c.session_setup_successes++;
    else
        st->c.session_setup_failures++;
    username_note(st, a->username);
    memset(a, 0, sizeof(*a));
}

/* ---- SMB2 ---- */

struct smb2_hdr {
    uint32_t status;
    uint16_t cmd;
    uint32_t flags;
    uint32_t next;
    uint64_t msg_id;
    uint32_t tree_id;
};

/* The body of element el (header at offset 0) from SMB2_HDR_LEN on. */
static struct rd smb2_body(const uint8_t *el, size_t len)
{
    struct rd r = rd_make(el, len);
    rd_skip(&r, SMB2_HDR_LEN);
    return r;
}

/* A (offset from the header, length) buffer of element el; NULL if out of bounds. */
static const uint8_t *smb2_buf(const uint8_t *el, size_t len, size_t off, size_t n)
{
    struct rd r = rd_make(el, len);
    rd_skip(&r, off);
    return rd_bytes(&r, n);
}

static void smb2_negotiate(struct smb_state *st, struct app_ctx *ctx, const uint8_t *el,
                           size_t len)
{
    struct rd b = smb2_body(el, len);
    rd_skip(&b, 4); /* StructureSize, SecurityMode */
    uint16_t d = rd_le16(&b);
    if (!rd_ok(&b)) {
        st->c.malformed++;
        return;
    }
    st->version = 2;
    st->dialect_id = d;
    st->dialect = smb2_dialect_name(d);
    if (d == 0x02ff)
        return; /* wildcard answer to an SMB1 multi-protocol negotiate: an SMB2 one follows */
    struct smb_event e;
    ev_init(&e, SMB_EV_NEGOTIATE, 2);
    e.dialect_id = d;
    e.dialect = st->dialect;
    smb_emit(ctx, &e);
}

static void smb2_session_setup_req(struct smb_state *st, const uint8_t *el, size_t len)
{
    struct rd b = smb2_body(el, len);
    rd_skip(&b, 12); /* StructureSize, Flags, SecurityMode, Capabilities, Channel */
    uint16_t off = rd_le16(&b), n = rd_le16(&b);
    const uint8_t *blob = smb2_buf(el, len, off, n);
    if (!rd_ok(&b) || !blob) {
        st->c.malformed++;
        return;
    }
    gss_blob(st, blob, n, 0);
}

static void smb2_session_setup_rsp(struct smb_state *st, struct app_ctx *ctx, const uint8_t *el,
                                   size_t len, uint32_t status)
{
    struct rd b = smb2_body(el, len);
    rd_skip(&b, 2);
    uint16_t flags = rd_le16(&b);
    uint16_t off = rd_le16(&b), n = rd_le16(&b);
    if (rd_ok(&b) && n) {
        const uint8_t *blob = smb2_buf(el, len, off, n);
        if (blob)
            gss_blob(st, blob, n, 1);
    }
    /* error responses carry the 9-byte ERROR body: SessionFlags only on success paths */
    int guest = rd_ok(&b) && (status == STATUS_SUCCESS) && (flags & 0x1);
    session_result(st, ctx, 2, status, guest);
}

static void smb2_tree_connect_req(struct smb_state *st, const struct smb2_hdr *h,
                                  const uint8_t *el, size_t len)
{
    struct rd b = smb2_body(el, len);
    rd_skip(&b, 4);
    uint16_t off = rd_le16(&b), n = rd_le16(&b);
    if (!rd_ok(&b)) {
        st->c.malformed++;
        return;
    }
    char path[SMB_NAME_MAX];
    str_at(el, len, off, n, 1, path, sizeof(path));
    struct smb_pending *p = pend_add(st, h->msg_id, SMB2_TREE_CONNECT);
    p->name = xstrdup(path);
}

static const char *smb2_share_type(uint8_t t)
{
    switch (t) {
    case 1: return "DISK";
    case 2: return "PIPE";
    case 3: return "PRINT";
    default: return NULL;
    }
}

static void tree_result(struct smb_state *st, struct app_ctx *ctx, int version, const char *path,
                        uint32_t status, uint32_t tree_id, const char *share_type)
{
    struct smb_event e;
    ev_init(&e, SMB_EV_TREE_CONNECT, version);
    ev_status(&e, status, 1);
    ev_copy(e.path, sizeof(e.path), path);
    e.share_type = share_type;
    smb_emit(ctx, &e);
    if (status == STATUS_SUCCESS) {
        st->c.trees++;
        tree_set(st, tree_id, path ? path : "", share_type);
    } else {
        st->c.tree_failures++;
    }
}

static void smb2_tree_connect_rsp(struct smb_state *st, struct app_ctx *ctx,
                                  const struct smb2_hdr *h, const uint8_t *el, size_t len)
{
    struct smb_pending *p = pend_find(st, h->msg_id, SMB2_TREE_CONNECT);
    struct rd b = smb2_body(el, len);
    rd_skip(&b, 2);
    uint8_t type = rd_u8(&b);
    const char *share = h->status == STATUS_SUCCESS && rd_ok(&b) ? smb2_share_type(type) : NULL;
    tree_result(st, ctx, 2, p ? p->name : NULL, h->status, h->tree_id, share);
    if (p)
        pend_done(p);
}

/* The name of the CREATE in the current compound, for related SET_INFO/CLOSE ("" if none). */
struct compound_ctx {
    char name[SMB_NAME_MAX];
    uint32_t tree_id;
    int have_create;
};

static void smb2_create_req(struct smb_state *st, const struct smb2_hdr *h, const uint8_t *el,
                            size_t len, struct compound_ctx *cc)
{
    struct rd b = smb2_body(el, len);
    rd_skip(&b, 36);
    uint32_t disposition = rd_le32(&b);
    uint32_t options = rd_le32(&b);
    uint16_t off = rd_le16(&b), n = rd_le16(&b);
    if (!rd_ok(&b)) {
        st->c.malformed++;
        return;
    }
    str_at(el, len, off, n, 1, cc->name, sizeof(cc->name));
    cc->tree_id = h->tree_id;
    cc->have_create = 1;
    struct smb_pending *p = pend_add(st, h->msg_id, SMB2_CREATE);
    p->tree_id = h->tree_id;
    p->disposition = disposition;
    p->options = options;
    p->name = xstrdup(cc->name);
}

static void file_event(struct smb_state *st, struct app_ctx *ctx, enum smb_action a, int version,
                       uint32_t status, const char *name, uint32_t tree_id, const char *file_action)
{
    struct smb_event e;
    ev_init(&e, a, version);
    ev_status(&e, status, 1);
    ev_copy(e.name, sizeof(e.name), name);
    const struct smb_tree *t = tree_get(st, tree_id);
    if (t) {
        ev_copy(e.path, sizeof(e.path), t->path);
        e.share_type = t->share_type;
    }
    e.file_action = file_action;
    smb_emit(ctx, &e);
}

static void smb2_create_rsp(struct smb_state *st, struct app_ctx *ctx, const struct smb2_hdr *h,
                            const uint8_t *el, size_t len)
{
    if (h->status == STATUS_PENDING && (h->flags & SMB2_FLAGS_ASYNC))
        return; /* interim response: the final one follows */
    struct smb_pending *p = pend_find(st, h->msg_id, SMB2_CREATE);
    if (!p)
        return;
    struct smb_event e;
    ev_init(&e, SMB_EV_FILE_OPEN, 2);
    ev_status(&e, h->status, 1);
    ev_copy(e.name, sizeof(e.name), p->name);
    const struct smb_tree *t = tree_get(st, p->tree_id);
    if (t) {
        ev_copy(e.path, sizeof(e.path), t->path);
        e.share_type = t->share_type;
    }
    int del = !!(p->options & FILE_DELETE_ON_CLOSE);
    e.file_action = del ? "SMB::FILE_DELETE" : "SMB::FILE_OPEN";
    e.disposition = disposition_name(p->disposition);
    if (h->status == STATUS_SUCCESS) {
        struct rd b = smb2_body(el, len);
        rd_skip(&b, 48);
        uint64_t eof = rd_le64(&b);
        rd_skip(&b, 8);
        const uint8_t *fid = rd_bytes(&b, 16);
        if (rd_ok(&b)) {
            e.has_size = 1;
            e.size = eof;
            file_set(st, fid, p->tree_id, p->name ? p->name : "");
        }
        st->c.files_opened++;
        if (del)
            st->c.files_deleted++;
    } else {
        st->c.file_open_failures++;
    }
    smb_emit(ctx, &e);
    pend_done(p);
}

static void smb2_set_info_req(struct smb_state *st, const struct smb2_hdr *h, const uint8_t *el,
                              size_t len, const struct compound_ctx *cc)
{
    struct rd b = smb2_body(el, len);
    rd_skip(&b, 2);
    uint8_t info_type = rd_u8(&b), cls = rd_u8(&b);
    uint32_t blen = rd_le32(&b);
    uint16_t boff = rd_le16(&b);
    rd_skip(&b, 6);
    const uint8_t *fid = rd_bytes(&b, 16);
    if (!rd_ok(&b)) {
        st->c.malformed++;
        return;
    }
    /* SMB2_0_INFO_FILE: FileDispositionInformation (13) or ...Ex (64) */
    if (info_type != 1 || (cls != 13 && cls != 64))
        return;
    const uint8_t *buf = smb2_buf(el, len, boff, blen);
    if (!buf)
        return;
    struct rd v = rd_make(buf, blen);
    int del = cls == 13 ? (rd_u8(&v) & 1) : (rd_le32(&v) & 1); /* DeletePending / FILE_DISPOSITION_DELETE */
    if (!rd_ok(&v) || !del)
        return;
    const char *name = NULL;
    uint32_t tree_id = h->tree_id;
    static const uint8_t any[16] = {0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff,
                                    0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff};
    if ((h->flags & SMB2_FLAGS_RELATED) && memcmp(fid, any, 16) == 0 && cc->have_create) {
        name = cc->name;
        tree_id = cc->tree_id;
    } else {
        struct smb_file *f = file_get(st, fid);
        if (f) {
            name = f->name;
            tree_id = f->tree_id;
        }
    }
    struct smb_pending *p = pend_add(st, h->msg_id, SMB2_SET_INFO);
    p->tree_id = tree_id;
    p->name = xstrdup(name ? name : "");
}

static void smb2_set_info_rsp(struct smb_state *st, struct app_ctx *ctx, const struct smb2_hdr *h)
{
    struct smb_pending *p = pend_find(st, h->msg_id, SMB2_SET_INFO);
    if (!p)
        return;
    file_event(st, ctx, SMB_EV_FILE_DELETE, 2, h->status, p->name, p->tree_id, "SMB::FILE_DELETE");
    if (h->status == STATUS_SUCCESS)
        st->c.files_deleted++;
    pend_done(p);
}

static void smb2_close_req(struct smb_state *st, const uint8_t *el, size_t len)
{
    struct rd b = smb2_body(el, len);
    rd_skip(&b, 8);
    const uint8_t *fid = rd_bytes(&b, 16);
    if (rd_ok(&b))
        file_forget(st, fid);
}

/* One SMB2 message (possibly a compound): kept bytes of it (borrowed). */
static void smb2_message(struct smb_state *st, struct app_ctx *ctx, const uint8_t *msg,
                         size_t kept)
{
    struct compound_ctx cc;
    cc.name[0] = '\0';
    cc.have_create = 0;
    cc.tree_id = 0;
    struct rd m = rd_make(msg, kept);
    for (int i = 0; i < SMB_COMPOUND_MAX && rd_left(&m) >= SMB2_HDR_LEN; i++) {
        struct rd hr = m;
        struct smb2_hdr h;
        rd_skip(&hr, 4); /* ProtocolId */
        uint16_t size = rd_le16(&hr);
        rd_skip(&hr, 2);
        h.status = rd_le32(&hr);
        h.cmd = rd_le16(&hr);
        rd_skip(&hr, 2);
        h.flags = rd_le32(&hr);
        h.next = rd_le32(&hr);
        h.msg_id = rd_le64(&hr);
        rd_skip(&hr, 4);
        h.tree_id = rd_le32(&hr);
        if (!rd_ok(&hr) || size != SMB2_HDR_LEN || rd_peek(&m, 0) != 0xfe) {
            st->c.malformed++;
            return;
        }
        size_t el_len = h.next ? h.next : rd_left(&m);
        if (h.next && (h.next < SMB2_HDR_LEN || h.next > rd_left(&m) || (h.next & 7))) {
            if (h.next > rd_left(&m))
                el_len = rd_left(&m); /* the rest was not kept: parse what there is */
            else {
                st->c.malformed++;
                return;
            }
        }
        const uint8_t *el = rd_bytes(&m, el_len);
        st->c.messages++;
        st->version = 2;
        int rsp = !!(h.flags & SMB2_FLAGS_RESPONSE);
        switch (h.cmd) {
        case SMB2_NEGOTIATE:
            if (rsp)
                smb2_negotiate(st, ctx, el, el_len);
            break;
        case SMB2_SESSION_SETUP:
            if (rsp)
                smb2_session_setup_rsp(st, ctx, el, el_len, h.status);
            else
                smb2_session_setup_req(st, el, el_len);
            break;
        case SMB2_TREE_CONNECT:
            if (rsp)
                smb2_tree_connect_rsp(st, ctx, &h, el, el_len);
            else
                smb2_tree_connect_req(st, &h, el, el_len);
            break;
        case SMB2_CREATE:
            if (rsp)
                smb2_create_rsp(st, ctx, &h, el, el_len);
            else
                smb2_create_req(st, &h, el, el_len, &cc);
            break;
        case SMB2_SET_INFO:
            if (rsp)
                smb2_set_info_rsp(st, ctx, &h);
            else
                smb2_set_info_req(st, &h, el, el_len, &cc);
            break;
        case SMB2_CLOSE:
            if (!rsp)
                smb2_close_req(st, el, el_len);
            break;
        default:
            break;
        }
        if (!h.next || el_len < h.next)
            break;
    }
}

/* ---- SMB1 ---- */

struct smb1_hdr {
    uint8_t cmd;
    uint32_t status;
    uint8_t flags;
    uint16_t flags2;
    uint16_t tid, pid, uid, mid;
    int unicode;
    int reply;
};

/*
 * A NUL-terminated SMB1 string from r (UTF-16LE, 2-aligned relative to the
 * SMB header at msg, or OEM). Consumes the terminator.
 */
static void smb1_str(struct rd *r, const uint8_t *msg, int unicode, char *out, size_t cap)
{
    if (unicode && ((size_t)(r->p - msg) & 1))
        rd_skip(r, 1);
    if (unicode)
        utf16_to_utf8(r, out, cap);
    else
        oem_to_utf8(r, out, cap);
}

static uint64_t smb1_key(const struct smb1_hdr *h)
{
    return (uint64_t)1 << 63 | (uint64_t)h->pid << 16 | h->mid;
}

static void smb1_negotiate_req(struct smb_state *st, struct rd bytes)
{
    if (!st->smb1_dialects)
        st->smb1_dialects = xcalloc(SMB1_DIALECTS_MAX, SMB1_DIALECT_LEN);
    st->n_smb1_dialects = 0;
    while (rd_left(&bytes) && st->n_smb1_dialects < SMB1_DIALECTS_MAX) {
        if (rd_u8(&bytes) != 0x02) /* BufferFormat: dialect */
            break;
        oem_to_utf8(&bytes, st->smb1_dialects[st->n_smb1_dialects], SMB1_DIALECT_LEN);
        st->n_smb1_dialects++;
    }
}

static void smb1_negotiate_rsp(struct smb_state *st, struct app_ctx *ctx, struct rd words)
{
    uint16_t idx = rd_le16(&words);
    if (!rd_ok(&words) || idx == 0xffff || idx >= st->n_smb1_dialects)
        return;
    ev_copy(st->smb1_chosen, sizeof(st->smb1_chosen), st->smb1_dialects[idx]);
    st->version = 1;
    st->dialect_id = 0;
    st->dialect = st->smb1_chosen;
    struct smb_event e;
    ev_init(&e, SMB_EV_NEGOTIATE, 1);
    e.dialect = st->dialect;
    smb_emit(ctx, &e);
}

static void smb1_session_setup_req(struct smb_state *st, const struct smb1_hdr *h,
                                   const uint8_t *msg, uint8_t wc, struct rd words,
                                   struct rd bytes)
{
    struct smb_auth *a = &st->auth;
    if (wc == 12) { /* extended security: a GSS-API blob */
        rd_skip(&words, 14);
        uint16_t n = rd_le16(&words);
        const uint8_t *blob = rd_bytes(&bytes, n);
        if (rd_ok(&words) && blob)
            gss_blob(st, blob, n, 0);
        return;
    }
    size_t pw1 = 0, pw2 = 0;
    if (wc == 13) {
        rd_skip(&words, 14);
        pw1 = rd_le16(&words);
        pw2 = rd_le16(&words);
    } else if (wc == 10) {
        rd_skip(&words, 14);
        pw1 = rd_le16(&words);
    } else {
        return;
    }
    rd_skip(&bytes, pw1 + pw2);
    if (!rd_ok(&words) || !rd_ok(&bytes))
        return;
    smb1_str(&bytes, msg, h->unicode, a->username, sizeof(a->username));
    smb1_str(&bytes, msg, h->unicode, a->domain, sizeof(a->domain));
    a->have_user = 1;
    a->kind = (!a->username[0] && pw1 <= 1 && pw2 == 0) ? "anonymous" : "ntlm";
}

static void smb1_session_setup_rsp(struct smb_state *st, struct app_ctx *ctx,
                                   const struct smb1_hdr *h, uint8_t wc, struct rd words,
                                   struct rd bytes)
{
    uint16_t action = 0;
    if (wc == 4 || wc == 3) {
        rd_skip(&words, 4);
        action = rd_le16(&words);
        if (wc == 4) {
            uint16_t n = rd_le16(&words);
            const uint8_t *blob = rd_bytes(&bytes, n);
            if (rd_ok(&words) && blob)
                gss_blob(st, blob, n, 1);
        }
    }
    int guest = rd_ok(&words) && h->status == STATUS_SUCCESS && (action & 0x1);
    session_result(st, ctx, 1, h->status, guest);
}

static void smb1_tree_connect_req(struct smb_state *st, const struct smb1_hdr *h,
                                  const uint8_t *msg, struct rd words, struct rd bytes)
{
    rd_skip(&words, 6);
    uint16_t pwlen = rd_le16(&words);
    rd_skip(&bytes, pwlen);
    if (!rd_ok(&words) || !rd_ok(&bytes)) {
        st->c.malformed++;
        return;
    }
    char path[SMB_NAME_MAX];
    smb1_str(&bytes, msg, h->unicode, path, sizeof(path));
    struct smb_pending *p = pend_add(st, smb1_key(h), SMB1_TREE_CONNECT_ANDX);
    p->name = xstrdup(path);
}

static const char *smb1_share_type(const char *service)
{
    if (strcmp(service, "A:") == 0)
        return "DISK";
    if (strcmp(service, "IPC") == 0)
        return "PIPE";
    if (strcmp(service, "LPT1:") == 0)
        return "PRINT";
    if (strcmp(service, "COMM") == 0)
        return "COMM";
    return NULL;
}

static void smb1_tree_connect_rsp(struct smb_state *st, struct app_ctx *ctx,
                                  const struct smb1_hdr *h, uint8_t wc, struct rd bytes)
{
    struct smb_pending *p = pend_find(st, smb1_key(h), SMB1_TREE_CONNECT_ANDX);
    const char *share = NULL;
    if (h->status == STATUS_SUCCESS && wc >= 3) {
        char service[16];
        oem_to_utf8(&bytes, service, sizeof(service)); /* Service is always OEM */
        share = smb1_share_type(service);
    }
    tree_result(st, ctx, 1, p ? p->name : NULL, h->status, h->tid, share);
    if (p)
        pend_done(p);
}

static void smb1_nt_create_req(struct smb_state *st, const struct smb1_hdr *h, const uint8_t *msg,
                               struct rd words, struct rd bytes)
{
    rd_skip(&words, 5);
    uint16_t nlen = rd_le16(&words);
    rd_skip(&words, 4 + 4 + 4 + 8 + 4 + 4);
    uint32_t disposition = rd_le32(&words);
    uint32_t options = rd_le32(&words);
    if (!rd_ok(&words)) {
        st->c.malformed++;
        return;
    }
    if (h->unicode && ((size_t)(bytes.p - msg) & 1))
        rd_skip(&bytes, 1);
    struct rd name = rd_sub(&bytes, nlen);
    if (!rd_ok(&name)) /* some clients understate or overstate NameLength: take the rest */
        name = bytes;
    char buf[SMB_NAME_MAX];
    if (h->unicode)
        utf16_to_utf8(&name, buf, sizeof(buf));
    else
        oem_to_utf8(&name, buf, sizeof(buf));
    struct smb_pending *p = pend_add(st, smb1_key(h), SMB1_NT_CREATE_ANDX);
    p->tree_id = h->tid;
    p->disposition = disposition;
    p->options = options;
    p->name = xstrdup(buf);
}

static void smb1_nt_create_rsp(struct smb_state *st, struct app_ctx *ctx, const struct smb1_hdr *h,
                               uint8_t wc, struct rd words)
{
    struct smb_pending *p = pend_find(st, smb1_key(h), SMB1_NT_CREATE_ANDX);
    if (!p)
        return;
    uint32_t status = h->status;
    struct smb_event e;
    ev_init(&e, SMB_EV_FILE_OPEN, 1);
    ev_status(&e, status, 1);
    ev_copy(e.name, sizeof(e.name), p->name);
    const struct smb_tree *t = tree_get(st, p->tree_id);
    if (t) {
        ev_copy(e.path, sizeof(e.path), t->path);
        e.share_type = t->share_type;
    }
    int del = !!(p->options & FILE_DELETE_ON_CLOSE);
    e.file_action = del ? "SMB::FILE_DELETE" : "SMB::FILE_OPEN";
    e.disposition = disposition_name(p->disposition);
    if (status == STATUS_SUCCESS) {
        if (wc >= 34) {
            rd_skip(&words, 4 + 1);
            uint16_t fid = rd_le16(&words);
            rd_skip(&words, 4 + 32 + 4 + 8);
            uint64_t eof = rd_le64(&words);
            if (rd_ok(&words)) {
                uint8_t id[16] = {0};
                id[0] = (uint8_t)fid;
                id[1] = (uint8_t)(fid >> 8);
                id[15] = 1; /* SMB1 FIDs never collide with SMB2 FileIds in the table */
                file_set(st, id, p->tree_id, p->name ? p->name : "");
                e.has_size = 1;
                e.size = eof;
            }
        }
        st->c.files_opened++;
        if (del)
            st->c.files_deleted++;
    } else {
        st->c.file_open_failures++;
    }
    smb_emit(ctx, &e);
    pend_done(p);
}

static void smb1_delete_req(struct smb_state *st, const struct smb1_hdr *h, const uint8_t *msg,
                            struct rd bytes)
{
    if (rd_u8(&bytes) != 0x04) /* BufferFormat: ASCII/Unicode string */
        return;
    char buf[SMB_NAME_MAX];
    smb1_str(&bytes, msg, h->unicode, buf, sizeof(buf));
    struct smb_pending *p = pend_add(st, smb1_key(h), SMB1_DELETE);
    p->tree_id = h->tid;
    p->name = xstrdup(buf);
}

static void smb1_delete_rsp(struct smb_state *st, struct app_ctx *ctx, const struct smb1_hdr *h)
{
    struct smb_pending *p = pend_find(st, smb1_key(h), SMB1_DELETE);
    if (!p)
        return;
    file_event(st, ctx, SMB_EV_FILE_DELETE, 1, h->status, p->name, p->tree_id,
               "SMB::FILE_DELETE");
    if (h->status == STATUS_SUCCESS)
        st->c.files_deleted++;
    pend_done(p);
}

/* Does SMB1 command cmd carry an AndX chain (first word: AndXCommand, reserved, AndXOffset)? */
static int smb1_is_andx(uint8_t cmd)
{
    switch (cmd) {
    case SMB1_SESSION_SETUP_ANDX:
    case SMB1_TREE_CONNECT_ANDX:
    case SMB1_NT_CREATE_ANDX:
    case 0x24: /* LOCKING_ANDX */
    case 0x2d: /* OPEN_ANDX */
    case 0x2e: /* READ_ANDX */
    case 0x2f: /* WRITE_ANDX */
    case 0x74: /* LOGOFF_ANDX */
        return 1;
    default:
        return 0;
    }
}

/* One SMB1 message: kept bytes of it (borrowed). */
static void smb1_message(struct smb_state *st, struct app_ctx *ctx, const uint8_t *msg,
                         size_t kept)
{
    struct rd r = rd_make(msg, kept);
    struct smb1_hdr h;
    rd_skip(&r, 4);
    h.cmd = rd_u8(&r);
    h.status = rd_le32(&r);
    h.flags = rd_u8(&r);
    h.flags2 = rd_le16(&r);
    uint16_t pid_high = rd_le16(&r);
    rd_skip(&r, 8 + 2);
    h.tid = rd_le16(&r);
    h.pid = rd_le16(&r);
    h.uid = rd_le16(&r);
    h.mid = rd_le16(&r);
    (void)pid_high;
    if (!rd_ok(&r)) {
        st->c.malformed++;
        return;
    }
    h.unicode = !!(h.flags2 & SMB1_FLAGS2_UNICODE);
    h.reply = !!(h.flags & SMB1_FLAGS_REPLY);
    if (!(h.flags2 & SMB1_FLAGS2_NT_STATUS)) {
        /* DOS error: class (1), reserved (1), code (2) -> (code << 16 | class) */
        struct rd s = rd_make(msg, kept);
        rd_skip(&s, 5);
        uint8_t cls = rd_u8(&s);
        rd_skip(&s, 1);
        uint16_t code = rd_le16(&s);
        h.status = (uint32_t)code << 16 | cls;
    }
    st->c.messages++;
    st->version = st->version ? st->version : 1;
    uint8_t cmd = h.cmd;
    /* the parameter block of the first command follows the header; AndX chains go on */
    for (int i = 0; i < SMB_COMPOUND_MAX && cmd != SMB1_NO_ANDX; i++) {
        uint8_t wc = rd_u8(&r);
        struct rd words = rd_sub(&r, (size_t)wc * 2);
        uint16_t bc = rd_le16(&r);
        struct rd bytes = rd_sub(&r, bc);
        if (!rd_ok(&r)) {
            if (i == 0 && wc == 0 && h.reply && h.status != STATUS_SUCCESS) {
                /* error replies may omit the parameter block entirely */
                words = rd_make(msg, 0);
                bytes = rd_make(msg, 0);
            } else if (!rd_ok(&words)) {
                st->c.malformed++;
                return;
            } else {
                bytes = rd_make(msg, 0); /* byte block cut (not kept): parse the words */
            }
        }
        switch (cmd) {
        case SMB1_NEGOTIATE:
            if (h.reply)
                smb1_negotiate_rsp(st, ctx, words);
            else
                smb1_negotiate_req(st, bytes);
            break;
        case SMB1_SESSION_SETUP_ANDX:
            if (h.reply)
                smb1_session_setup_rsp(st, ctx, &h, wc, words, bytes);
            else
                smb1_session_setup_req(st, &h, msg, wc, words, bytes);
            break;
        case SMB1_TREE_CONNECT_ANDX:
            if (h.reply)
                smb1_tree_connect_rsp(st, ctx, &h, wc, bytes);
            else
                smb1_tree_connect_req(st, &h, msg, words, bytes);
            break;
        case SMB1_NT_CREATE_ANDX:
            if (h.reply)
                smb1_nt_create_rsp(st, ctx, &h, wc, words);
            else
                smb1_nt_create_req(st, &h, msg, words, bytes);
            break;
        case SMB1_DELETE:
            if (h.reply)
                smb1_delete_rsp(st, ctx, &h);
            else
                smb1_delete_req(st, &h, msg, bytes);
            break;
        default:
            break;
        }
        if (!smb1_is_andx(cmd) || wc < 2 || !rd_ok(&r))
            break;
        struct rd w0 = words; /* the handler read a copy: AndXCommand, reserved, AndXOffset */
        cmd = rd_u8(&w0);
        rd_skip(&w0, 1);
        uint16_t next = rd_le16(&w0);
        /* the next block must lie after this one: no loops */
        size_t here = (size_t)(r.p - msg);
        if (cmd == SMB1_NO_ANDX || next < here || next >= kept)
            break;
        r = rd_make(msg, kept);
        rd_skip(&r, next);
    }
}

/* ---- framing ---- */

/* How many bytes of a message whose first n bytes are at p to keep (p: borrowed). */
static size_t keep_len(const uint8_t *p, size_t n, size_t msg_len)
{
    size_t whole = msg_len < SMB_MSG_MAX ? msg_len : SMB_MSG_MAX;
    size_t peek = msg_len < SMB_PEEK ? msg_len : SMB_PEEK;
    struct rd r = rd_make(p, n);
    uint8_t m0 = rd_u8(&r), m1 = rd_u8(&r), m2 = rd_u8(&r), m3 = rd_u8(&r);
    if (!rd_ok(&r) || m1 != 'S' || m2 != 'M' || m3 != 'B')
        return peek;
    if (m0 == 0xfe) {
        rd_skip(&r, 8);
        uint16_t cmd = rd_le16(&r);
        rd_skip(&r, 6);
        uint32_t next = rd_le32(&r);
        if (!rd_ok(&r))
            return peek;
        if (next)
            return whole;
        switch (cmd) {
        case SMB2_NEGOTIATE:
        case SMB2_SESSION_SETUP:
        case SMB2_TREE_CONNECT:
        case SMB2_CREATE:
        case SMB2_SET_INFO:
            return whole;
        default:
            return peek;
        }
    }
    if (m0 == 0xff) {
        uint8_t cmd = rd_u8(&r);
        if (!rd_ok(&r))
            return peek;
        switch (cmd) {
        case SMB1_NEGOTIATE:
        case SMB1_SESSION_SETUP_ANDX:
        case SMB1_TREE_CONNECT_ANDX:
        case SMB1_NT_CREATE_ANDX:
        case SMB1_DELETE:
            return whole;
        default:
            return peek;
        }
    }
    return peek; /* 0xfd transform, 0xfc compression: only the header matters */
}

/* One message (its first kept bytes, borrowed) of NetBIOS type nb_type. */
static void smb_message(struct smb_state *st, struct app_ctx *ctx, struct smb_dir *d,
                        uint8_t nb_type, const uint8_t *p, size_t kept)
{
    if (nb_type != NB_SESSION_MESSAGE)
        return; /* session request/response, keepalive: nothing to report */
    struct rd r = rd_make(p, kept);
    uint8_t m0 = rd_u8(&r), m1 = rd_u8(&r), m2 = rd_u8(&r), m3 = rd_u8(&r);
    if (!rd_ok(&r) || m1 != 'S' || m2 != 'M' || m3 != 'B') {
        st->c.malformed++;
        d->bad_run++;
        return;
    }
    d->bad_run = 0;
    switch (m0) {
    case 0xfe:
        smb2_message(st, ctx, p, kept);
        break;
    case 0xff:
        smb1_message(st, ctx, p, kept);
        break;
    case 0xfd: /* TRANSFORM_HEADER: encrypted SMB3 */
    case 0xfc: /* COMPRESSION_TRANSFORM_HEADER */
        st->c.messages++;
        st->c.encrypted += m0 == 0xfd;
        st->encrypted |= m0 == 0xfd;
        st->version = 2;
        break;
    default:
        st->c.malformed++;
        d->bad_run++;
        break;
    }
}

static int nb_type_ok(uint8_t t)
{
    return t == NB_SESSION_MESSAGE || (t >= NB_SESSION_REQUEST && t <= NB_KEEPALIVE);
}

/* Scans r for a type-0 NetBIOS header followed by an SMB magic; positions r on it. */
static int resync(struct rd *r)
{
    while (rd_left(r) >= 8) {
        /* jump to the next 'S' that could be the one of "SMB" (memchr within rd_left()) */
        const uint8_t *sp = memchr(r->p + 5, 'S', rd_left(r) - 7);
        if (!sp)
            break;
        rd_skip(r, (size_t)(sp - r->p) - 5);
        if (rd_peek(r, 6) == 'M' && rd_peek(r, 7) == 'B' && rd_peek(r, 0) == 0 &&
            rd_peek(r, 1) < 0x80) {
            uint8_t m = rd_peek(r, 4);
            if (m == 0xfe || m == 0xff || m == 0xfd || m == 0xfc)
                return 1;
        }
        rd_skip(r, 1);
    }
    return 0;
}

static void buf_reserve(struct smb_dir *d, size_t need)
{
    if (need <= d->cap)
        return;
    size_t cap = d->cap ? d->cap : 1024;
    while (cap < need)
        cap *= 2;
    if (cap > SMB_MSG_MAX)
        cap = SMB_MSG_MAX;
    d->buf = xrealloc(d->buf, cap);
    d->cap = cap;
}

/* Finishes the current message: parses the kept bytes at p and sets up the skip. */
static void msg_done(struct smb_state *st, struct app_ctx *ctx, struct smb_dir *d,
                     const uint8_t *p, size_t kept)
{
    smb_message(st, ctx, d, d->nb_type, p, kept);
    if (d->cap > SMB_BUF_IDLE) { /* a big message went by: do not hold its buffer */
        free(d->buf);
        d->buf = NULL;
        d->cap = 0;
    }
    d->len = 0;
    d->hdr_len = 0;
    d->skip = d->msg_len - kept;
    d->state = d->skip ? SD_SKIP : SD_HDR;
    if (d->bad_run >= 3)
        d->state = SD_DEAD; /* three non-SMB messages in a row: this is not SMB */
}

static int smb_data(void *vst, struct app_ctx *ctx, int dir, const uint8_t *data, size_t len)
{
    struct smb_state *st = vst;
    struct smb_dir *d = &st->d[dir];
    struct rd r = rd_make(data, len);
    while (rd_left(&r) && d->state != SD_DEAD) {
        switch (d->state) {
        case SD_RESYNC:
            if (!resync(&r)) {
                rd_skip(&r, rd_left(&r));
                break;
            }
            d->state = SD_HDR;
            d->hdr_len = 0;
            break;
        case SD_SKIP: {
            size_t k = d->skip < rd_left(&r) ? d->skip : rd_left(&r);
            rd_skip(&r, k);
            d->skip -= k;
            if (!d->skip)
                d->state = SD_HDR;
            break;
        }
        case SD_HDR:
            d->hdr[d->hdr_len++] = rd_u8(&r);
            if (d->hdr_len < 4)
                break;
            {
                struct rd h = rd_make(d->hdr, 4);
                d->nb_type = rd_u8(&h);
                d->msg_len = rd_be24(&h);
            }
            d->hdr_len = 0;
            if (!nb_type_ok(d->nb_type)) {
                st->c.malformed++;
                d->state = SD_RESYNC;
                break;
            }
            d->len = 0;
            d->decided = 0;
            d->keep = d->msg_len < SMB_PEEK ? d->msg_len : SMB_PEEK;
            d->state = SD_BODY;
            if (d->msg_len == 0)
                msg_done(st, ctx, d, d->hdr, 0);
            break;
        case SD_BODY: {
            /* whole message here and nothing buffered: parse in place */
            if (d->len == 0 && rd_left(&r) >= d->msg_len) {
                const uint8_t *p = rd_bytes(&r, d->msg_len);
                msg_done(st, ctx, d, p, d->msg_len);
                break;
            }
            /* enough here to decide how much to keep, nothing buffered: maybe no copy needed */
            if (d->len == 0 && !d->decided && rd_left(&r) >= d->keep) {
                d->keep = keep_len(r.p, rd_left(&r), d->msg_len);
                d->decided = 1;
                if (rd_left(&r) >= d->keep) {
                    const uint8_t *p = rd_bytes(&r, d->keep);
                    msg_done(st, ctx, d, p, d->keep);
                    break;
                }
            }
            size_t k = d->keep - d->len;
            if (k > rd_left(&r))
                k = rd_left(&r);
            buf_reserve(d, d->len + k); /* grows with what arrived, not with what is announced */
            memcpy(d->buf + d->len, rd_bytes(&r, k), k);
            d->len += k;
            if (d->len < d->keep)
                break;
            if (!d->decided) {
                d->decided = 1;
                d->keep = keep_len(d->buf, d->len, d->msg_len);
                if (d->keep > d->len)
                    break;
            }
            msg_done(st, ctx, d, d->buf, d->keep);
            break;
        }
        case SD_DEAD:
            break;
        }
    }
    return d->state == SD_DEAD ? PROTO_DONE_DIR : PROTO_CONTINUE;
}

static void smb_gap(void *vst, struct app_ctx *ctx, int dir, uint64_t len)
{
    (void)ctx;
    struct smb_state *st = vst;
    struct smb_dir *d = &st->d[dir];
    if (d->state == SD_DEAD)
        return;
    if (d->state == SD_SKIP && len <= d->skip) {
        d->skip -= (size_t)len; /* lost bytes of a payload we skip anyway: still in sync */
        if (!d->skip)
            d->state = SD_HDR;
        return;
    }
    d->state = SD_RESYNC;
    d->len = 0;
    d->hdr_len = 0;
}

/* ---- probe, lifecycle ---- */

/*
 * A NetBIOS session message (type 0) whose payload starts with an SMB magic
 * (0xff, 0xfe, 0xfd or 0xfc, then "SMB"), or a NetBIOS session request
 * (type 0x81) whose called name has the encoded-name length 32.
 */
static enum probe_result smb_probe(const uint8_t *data, size_t len, int dir)
{
    struct rd r = rd_make(data, len);
    uint8_t t = rd_u8(&r);
    if (!rd_ok(&r))
        return PROBE_MORE;
    if (t == NB_SESSION_REQUEST) {
        if (dir != 0)
            return PROBE_NO;
        uint8_t flags = rd_u8(&r);
        uint16_t n = rd_be16(&r);
        uint8_t first = rd_u8(&r);
        if (!rd_ok(&r))
            return PROBE_MORE;
        return (flags == 0 && n >= 34 && n <= 256 && first == 0x20) ? PROBE_YES : PROBE_NO;
    }
    if (t != NB_SESSION_MESSAGE)
        return PROBE_NO;
    uint32_t n = rd_be24(&r);
    uint8_t m0 = rd_u8(&r), m1 = rd_u8(&r), m2 = rd_u8(&r), m3 = rd_u8(&r);
    if (!rd_ok(&r))
        return PROBE_MORE;
    if (m1 != 'S' || m2 != 'M' || m3 != 'B' || n < 32)
        return PROBE_NO;
    return (m0 == 0xfe || m0 == 0xff || m0 == 0xfd || m0 == 0xfc) ? PROBE_YES : PROBE_NO;
}

static void *smb_new(struct app_ctx *ctx)
{
    (void)ctx;
    return xcalloc(1, sizeof(struct smb_state));
}

static void smb_end(void *vst, struct app_ctx *ctx)
{
    struct smb_state *st = vst;
    if (st->c.messages) {
        struct smb_event e;
        ev_init(&e, SMB_EV_SUMMARY, st->version);
        e.dialect = st->dialect;
        e.dialect_id = st->dialect_id;
        e.counts = &st->c;
        smb_emit(ctx, &e);
    }
    for (int i = 0; i < 2; i++)
        free(st->d[i].buf);
    for (size_t i = 0; i < SMB_PENDING_MAX; i++)
        free(st->pend[i].name);
    for (size_t i = 0; i < SMB_TREES_MAX; i++)
        free(st->trees[i].path);
    for (size_t i = 0; i < SMB_FILES_MAX; i++)
        free(st->files[i].name);
    for (size_t i = 0; i < st->c.n_usernames; i++)
        free(st->usernames[i]);
    free(st->smb1_dialects);
    free(st);
}

static const uint16_t smb_ports[] = {139, 445, 0};

const struct proto_ops smb_proto = {
    .name = "smb",
    .id = PROTO_SMB,
    .transports = PT_TCP,
    .ports = smb_ports,
    .probe = smb_probe,
    .state_new = smb_new,
    .data = smb_data,
    .gap = smb_gap,
    .end = smb_end,
};
