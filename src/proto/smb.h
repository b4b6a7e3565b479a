/*
 * summary: SMB1/SMB2/SMB3 parser with NTLMSSP ([MS-SMB], [MS-SMB2], [MS-NLMP], RFC 1002)
 */
#ifndef VIGIL_PROTO_SMB_H
#define VIGIL_PROTO_SMB_H

#include <stddef.h>
#include <stdint.h>

#define SMB_NAME_MAX 512  /* UTF-8 bytes kept of a file name or tree path, incl. NUL */
#define SMB_USER_MAX 128  /* UTF-8 bytes kept of a user, domain or host name, incl. NUL */
#define SMB_SUMMARY_USERS 16 /* distinct user names remembered per connection */

enum smb_action {
    SMB_EV_NEGOTIATE,     /* "negotiate": the dialect the server chose */
    SMB_EV_SESSION_SETUP, /* "session_setup": one SESSION_SETUP response */
    SMB_EV_TREE_CONNECT,  /* "tree_connect": one TREE_CONNECT response */
    SMB_EV_FILE_OPEN,     /* "file_open": one CREATE / NT_CREATE_ANDX response */
    SMB_EV_FILE_DELETE,   /* "file_delete": a delete by SET_INFO disposition or SMB1 DELETE */
    SMB_EV_SUMMARY,       /* "summary": per-connection counts, at its end */
};

/* Per-connection counts, in the summary event. */
struct smb_counts {
    uint64_t messages;                 /* SMB messages seen (both directions) */
    uint64_t malformed;                /* messages that were not SMB or failed to parse */
    uint64_t encrypted;                /* SMB3 transform (encrypted) messages */
    uint64_t session_setup_successes;  /* final SESSION_SETUP responses with STATUS_SUCCESS */
    uint64_t session_setup_failures;   /* final responses with an error status */
    uint64_t session_setup_rounds;     /* STATUS_MORE_PROCESSING_REQUIRED responses */
    uint64_t trees;                    /* successful tree connects */
    uint64_t tree_failures;
    uint64_t files_opened;             /* successful creates/opens */
    uint64_t file_open_failures;
    uint64_t files_deleted;            /* successful deletes (delete-on-close, disposition, DELETE) */
    size_t n_usernames;                /* distinct user names in usernames[] (capped) */
    const char *usernames[SMB_SUMMARY_USERS]; /* as sent in authentication, borrowed */
};

/*
 * The body of an EV_SMB event. Which fields are set depends on action;
 * strings are NUL-terminated and "" (or NULL for the const char *) when
 * absent. See the "Events" block at the top of smb.c for the JSON names.
 */
struct smb_event {
    enum smb_action action;
    int version;               /* 1: SMB1, 2: SMB2/SMB3; 0 if no SMB message parsed */
    uint16_t dialect_id;       /* SMB2 DialectRevision (0x0311), 0 for SMB1 */
    const char *dialect;       /* "SMB 3.1.1", "NT LM 0.12", ... (static or state-owned) */
    int has_status;
    uint32_t status;           /* NTSTATUS of the response */
    const char *status_name;   /* "STATUS_LOGON_FAILURE", or NULL if not in our table */
    int has_success;
    int success;               /* status is STATUS_SUCCESS (final responses only) */
    /* session_setup */
    const char *auth;          /* "ntlm", "kerberos", "anonymous", or NULL */
    int guest;                 /* the server made it a guest session */
    char username[SMB_USER_MAX];
    char domain[SMB_USER_MAX];
    char hostname[SMB_USER_MAX];      /* client workstation */
    char server_nb_computer_name[SMB_USER_MAX];  /* from the NTLM CHALLENGE */
    char server_dns_computer_name[SMB_USER_MAX];
    char server_tree_name[SMB_USER_MAX];
    char krb_service[SMB_USER_MAX];   /* Kerberos: service principal of the ticket */
    char krb_realm[SMB_USER_MAX];
    /* tree_connect, file_open, file_delete */
    char path[SMB_NAME_MAX];   /* tree path "\\\\SERVER\\IPC$" */
    const char *share_type;    /* "DISK", "PIPE", "PRINT", or NULL */
    /* file_open, file_delete */
    char name[SMB_NAME_MAX];   /* file name relative to the tree */
    const char *file_action;   /* "SMB::FILE_OPEN", "SMB::FILE_DELETE" */
    const char *disposition;   /* "FILE_OPEN", "FILE_CREATE", "FILE_OVERWRITE_IF", ... */
    int has_size;
    uint64_t size;             /* end of file reported by the server */
    /* summary */
    const struct smb_counts *counts;
};

#endif
