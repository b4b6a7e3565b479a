/*
 * summary: locked links: HMAC-SHA256 tokens over a link's real destination, with a per-state
 * secret; the double-lock click record
 *
 * A locked link is /lock?m=MODE&d=BASE64URL(DEST)&t=BASE64URL(HMAC(secret, "vigil-lock\0"
 * MODE "\0" DEST)). The mode is signed with the destination, so a Lock Link cannot be turned
 * into a bare redirect nor a Double Lock Link into a Lock Link. The secret is 32 bytes from
 * RAND_bytes, made once per state and kept in its table web_secret.
 */
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/rand.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <time.h>

#include "web/web.h"
#include "web/web_int.h"

static sqlite3 *open_rw(const char *state, char *err, size_t errlen)
{
    sqlite3 *db = NULL;
    if (sqlite3_open_v2(state, &db, SQLITE_OPEN_READWRITE, NULL) != SQLITE_OK) {
        snprintf(err, errlen, "cannot open state: %s", sqlite3_errmsg(db));
        sqlite3_close(db);
        return NULL;
    }
    sqlite3_busy_timeout(db, 5000);
    return db;
}

int lock_secret(const char *state, unsigned char secret[WEB_SECRET_LEN], char *err, size_t errlen)
{
    sqlite3 *db = open_rw(state, err, errlen);
    if (!db)
        return -1;
    int rc = -1;
    unsigned char fresh[WEB_SECRET_LEN];
    sqlite3_stmt *st = NULL;
    if (RAND_bytes(fresh, sizeof(fresh)) != 1) {
        snprintf(err, errlen, "no random bytes for the link secret");
        goto out;
    }
    if (sqlite3_exec(db,
                     "CREATE TABLE IF NOT EXISTS web_secret(id INTEGER PRIMARY KEY CHECK(id = 1),"
                     " key BLOB NOT NULL);"
                     "CREATE TABLE IF NOT EXISTS web_clicks(ts INTEGER, mode INTEGER,"
                     " dest TEXT, user_agent TEXT);",
                     NULL, NULL, NULL) != SQLITE_OK ||
        sqlite3_prepare_v2(db, "INSERT OR IGNORE INTO web_secret VALUES(1, ?)", -1, &st, NULL) !=
            SQLITE_OK) {
        snprintf(err, errlen, "cannot keep the link secret: %s", sqlite3_errmsg(db));
        goto out;
    }
    sqlite3_bind_blob(st, 1, fresh, sizeof(fresh), SQLITE_STATIC);
    int step = sqlite3_step(st);
    sqlite3_finalize(st);
    st = NULL;
    if (step != SQLITE_DONE ||
        sqlite3_prepare_v2(db, "SELECT key FROM web_secret WHERE id = 1", -1, &st, NULL) !=
            SQLITE_OK ||
        sqlite3_step(st) != SQLITE_ROW || sqlite3_column_bytes(st, 0) != WEB_SECRET_LEN) {
        snprintf(err, errlen, "cannot read the link secret: %s", sqlite3_errmsg(db));
        goto out;
    }
    memcpy(secret, sqlite3_column_blob(st, 0), WEB_SECRET_LEN);
    rc = 0;
out:
    OPENSSL_cleanse(fresh, sizeof(fresh));
    sqlite3_finalize(st);
    sqlite3_close(db);
    return rc;
}

void b64url(const unsigned char *in, size_t n, char *out, size_t outlen)
{
    static const char al[] =
        "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
    size_t o = 0;
    for (size_t i = 0; i < n && o + 5 < outlen; i += 3) {
        uint32_t v = (uint32_t)in[i] << 16;
        if (i + 1 < n)
            v |= (uint32_t)in[i + 1] << 8;
        if (i + 2 < n)
            v |= in[i + 2];
        out[o++] = al[v >> 18 & 63];
        out[o++] = al[v >> 12 & 63];
        if (i + 1 < n)
            out[o++] = al[v >> 6 & 63];
        if (i + 2 < n)
            out[o++] = al[v & 63];
    }
    out[o] = '\0';
}

static int b64val(char c)
{
    if (c >= 'A' && c <= 'Z')
        return c - 'A';
    if (c >= 'a' && c <= 'z')
        return c - 'a' + 26;
    if (c >= '0' && c <= '9')
        return c - '0' + 52;
    if (c == '-')
        return 62;
    if (c == '_')
        return 63;
    return -1;
}

long b64url_dec(const char *in, char *out, size_t outlen)
{
    size_t o = 0, bits = 0;
    uint32_t acc = 0;
    for (const char *p = in; *p; p++) {
        int v = b64val(*p);
        if (v < 0)
            return -1;
        acc = acc << 6 | (uint32_t)v;
        bits += 6;
        if (bits >= 8) {
            bits -= 8;
            if (o + 1 >= outlen)
                return -1;
            out[o++] = (char)(acc >> bits & 0xff);
        }
    }
    if (memchr(out, '\0', o))
        return -1; /* a destination never holds NUL */
    out[o] = '\0';
    return (long)o;
}

static void mac_raw(const unsigned char *secret, const char *label, int mode, const char *data,
                    unsigned char md[32])
{
    struct hbuf msg = {0};
    hb_putn(&msg, label, strlen(label) + 1);
    hb_printf(&msg, "%d", mode);
    hb_putn(&msg, "", 1);
    hb_put(&msg, data);
    unsigned int mdlen = 0;
    if (!HMAC(EVP_sha256(), secret, WEB_SECRET_LEN, (const unsigned char *)msg.p, msg.len, md,
              &mdlen) ||
        mdlen != 32)
        BUG("HMAC-SHA256 failed");
    hb_release(&msg);
}

void lock_mac(const unsigned char *secret, int mode, const char *dest, char *out, size_t outlen)
{
    unsigned char md[32];
    mac_raw(secret, "vigil-lock", mode, dest, md);
    b64url(md, sizeof(md), out, outlen);
}

int lock_verify(const unsigned char *secret, int mode, const char *dest, const char *mac)
{
    char want[64];
    lock_mac(secret, mode, dest, want, sizeof(want));
    size_t n = strlen(want);
    if (strlen(mac) != n)
        return 0;
    return CRYPTO_memcmp(want, mac, n) == 0;
}

void lock_csrf(const unsigned char *secret, const char *mac, char *out, size_t outlen)
{
    unsigned char md[32];
    mac_raw(secret, "vigil-csrf", 0, mac, md);
    b64url(md, sizeof(md), out, outlen);
}

int lock_dest_ok(const char *dest)
{
    if (strncasecmp(dest, "https://", 8) != 0 && strncasecmp(dest, "http://", 7) != 0)
        return 0;
    for (const unsigned char *p = (const unsigned char *)dest; *p; p++)
        if (*p < 0x20 || *p == 0x7f)
            return 0;
    return strlen(dest) < 4096;
}

int lock_record_click(const char *state, const char *dest, int mode, const char *ua)
{
    char err[128];
    sqlite3 *db = open_rw(state, err, sizeof(err));
    if (!db)
        return -1;
    sqlite3_stmt *st;
    int rc = -1;
    if (sqlite3_prepare_v2(db, "INSERT INTO web_clicks VALUES(?, ?, ?, ?)", -1, &st, NULL) ==
        SQLITE_OK) {
        sqlite3_bind_int64(st, 1, (sqlite3_int64)time(NULL));
        sqlite3_bind_int(st, 2, mode);
        sqlite3_bind_text(st, 3, dest, -1, SQLITE_STATIC);
        sqlite3_bind_text(st, 4, ua ? ua : "", -1, SQLITE_STATIC);
        rc = sqlite3_step(st) == SQLITE_DONE ? 0 : -1;
        sqlite3_finalize(st);
    }
    sqlite3_close(db);
    return rc;
}

int web_lock_sign(const char *state, const char *dest, int mode, char *out, size_t outlen,
                  char *err, size_t errlen)
{
    unsigned char secret[WEB_SECRET_LEN];
    if (mode != WEB_LOCK && mode != WEB_DOUBLE_LOCK) {
        snprintf(err, errlen, "lock mode must be 1 or 2");
        return -1;
    }
    if (!lock_dest_ok(dest)) {
        snprintf(err, errlen, "'%s' is not an http or https URL", dest);
        return -1;
    }
    if (lock_secret(state, secret, err, errlen) < 0)
        return -1;
    char mac[64];
    lock_mac(secret, mode, dest, mac, sizeof(mac));
    OPENSSL_cleanse(secret, sizeof(secret));
    size_t dl = strlen(dest);
    char *d = xmalloc(dl * 4 / 3 + 8);
    b64url((const unsigned char *)dest, dl, d, dl * 4 / 3 + 8);
    int n = snprintf(out, outlen, "/lock?m=%d&d=%s&t=%s", mode, d, mac);
    free(d);
    if (n < 0 || (size_t)n >= outlen) {
        snprintf(err, errlen, "locked link too long");
        return -1;
    }
    return 0;
}
