/*
 * summary: Kerberos 5 KDC exchange parser (RFC 4120 sections 5.4.1, 5.4.2, 5.9.1, 7.2.1-7.2.2)
 */
#ifndef VIGIL_PROTO_KRB_H
#define VIGIL_PROTO_KRB_H

#include <stddef.h>
#include <stdint.h>

#define KRB_NAME_MAX 256   /* principal or realm text kept, bytes incl. NUL */
#define KRB_REQ_ETYPES_MAX 16 /* requested encryption types kept per request */

/*
 * The body of an EV_KERBEROS event: one per request/response pair (or per
 * lone request or response), as a line of Zeek's kerberos.log. Strings are
 * NUL-terminated, "" when absent; other fields have a has_ flag.
 */
struct krb_event {
    const char *request_type;    /* "AS" or "TGS"; NULL if only a response was seen */
    char client[KRB_NAME_MAX];   /* "cname@realm", e.g. "choppydog@PICKLESWORTH" */
    char service[KRB_NAME_MAX];  /* sname components joined by '/', e.g. "krbtgt/PICKLESWORTH" */
    char realm[KRB_NAME_MAX];    /* the realm of the request (the server's), or the error's */
    int has_success;
    int success;                 /* 1 on AS-REP/TGS-REP, 0 on KRB-ERROR */
    int has_error;
    int32_t error_code;          /* KRB-ERROR error-code, e.g. 24 */
    const char *error_msg;       /* its name, e.g. "KDC_ERR_PREAUTH_FAILED"; static */
    int has_cipher;
    int32_t cipher;              /* etype of the ticket returned, e.g. 18 */
    int has_from;
    int64_t from;                /* requested start time, microseconds since the epoch */
    int has_till;
    int64_t till;                /* requested expiry time, microseconds since the epoch */
    int has_options;
    int forwardable, renewable;  /* KDC options of the request */
    int has_preauth;
    int preauth;                 /* AS-REQ carried PA-ENC-TIMESTAMP */
    size_t n_req_etypes;
    int32_t req_etypes[KRB_REQ_ETYPES_MAX]; /* etypes the client asked for, in its order */
};

/* The name of a Kerberos encryption type ("aes256-cts-hmac-sha1-96"), or NULL if unknown. */
const char *krb_etype_name(int32_t etype);
/* The name of a KRB-ERROR code ("KDC_ERR_PREAUTH_FAILED"), or NULL if unknown. */
const char *krb_error_name(int32_t code);

/*
 * Finds a Kerberos AP-REQ in a GSS-API token (RFC 4121 section 4.1: the
 * krb5 mechanism OID, token id 01 00, then the AP-REQ), e.g. inside the
 * SPNEGO blob of an SMB session setup, and copies its ticket's service
 * principal ("cifs/host.example.com") and realm, NUL-terminated and
 * truncated to the caps. blob is borrowed. Returns 0 if found, -1 if not.
 */
int krb_gss_ap_req(const uint8_t *blob, size_t len, char *service, size_t service_cap,
                   char *realm, size_t realm_cap) __attribute__((warn_unused_result));

#endif
