/*
 * summary: SSH banner and key-exchange parser (RFC 4253 sections 4.2 and 7.1)
 */
#ifndef VIGIL_PROTO_SSH_H
#define VIGIL_PROTO_SSH_H

#include <stdint.h>

#define SSH_BANNER_MAX 255
#define SSH_ALG_MAX 64

/* The body of an EV_SSH event: one per connection, at its end. */
struct ssh_event {
    char client[SSH_BANNER_MAX + 1]; /* "SSH-2.0-OpenSSH_9.2p1 Debian-2" */
    char server[SSH_BANNER_MAX + 1];
    int version;                     /* 2, 1, or 0 if unknown */
    /* negotiated algorithms (first client choice the server also offers); "" if unseen */
    char kex_alg[SSH_ALG_MAX];
    char host_key_alg[SSH_ALG_MAX];
    char cipher_alg[SSH_ALG_MAX];
    char mac_alg[SSH_ALG_MAX];
    char compression_alg[SSH_ALG_MAX];
};

#endif
