/*
 * summary: what an attachment really is: true type (libmagic), SHA-256,
 * Office macros (OLE2 VBA storages via libgsf, OOXML vbaProject.bin via
 * libarchive), archives holding executables or scripts, encrypted archives
 *
 * References: [MS-CFB] (compound files), [MS-OVBA] §2.2 (the VBA storage),
 * ECMA-376 Part 2 (OPC packages). Archives are listed, never extracted to
 * disk; at most ARCH_MAX_ENTRIES members are looked at, one level deep.
 */
#include <archive.h>
#include <archive_entry.h>
#include <ctype.h>
#include <gsf/gsf.h>
#include <magic.h>
#include <openssl/evp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "email/email_int.h"
#include "util/log.h"

#define ARCH_MAX_ENTRIES 256

static magic_t magic_handle;

void attach_global_init(void)
{
    static int done;
    if (done)
        return;
    done = 1;
    gsf_init();
    magic_handle = magic_open(MAGIC_MIME_TYPE | MAGIC_NO_CHECK_COMPRESS);
    if (magic_handle && magic_load(magic_handle, NULL) != 0) {
        magic_close(magic_handle);
        magic_handle = NULL;
    }
}

/* Is name (a file or member name) an executable or script by its extension? */
static int exec_name(const char *name)
{
    static const char *const ext[] = {"exe", "scr", "com", "pif", "bat", "cmd", "vbs", "vbe",
                                      "js",  "jse", "wsf", "wsh", "hta", "ps1", "msi", "dll",
                                      "lnk", "jar", "cpl", "reg", "iso", "img", "vhd", "msc"};
    const char *dot = strrchr(name, '.');
    if (!dot)
        return 0;
    for (size_t i = 0; i < sizeof(ext) / sizeof(ext[0]); i++)
        if (!strcasecmp(dot + 1, ext[i]))
            return 1;
    return 0;
}

/* Does an OLE2 storage hold a VBA project (a "VBA" or "_VBA_PROJECT*" child, any depth)? */
static int ole_has_vba(GsfInfile *d, int depth)
{
    int n = gsf_infile_num_children(d);
    if (depth > 6 || n <= 0)
        return 0;
    for (int i = 0; i < n && i < 512; i++) {
        const char *nm = gsf_infile_name_by_index(d, i);
        if (nm && (!strcasecmp(nm, "VBA") || !strncasecmp(nm, "_VBA_PROJECT", 12) ||
                   !strcasecmp(nm, "Macros")))
            return 1;
        GsfInput *c = gsf_infile_child_by_index(d, i);
        if (!c)
            continue;
        int hit = GSF_IS_INFILE(c) && ole_has_vba(GSF_INFILE(c), depth + 1);
        g_object_unref(c);
        if (hit)
            return 1;
    }
    return 0;
}

static int ole_macro(const unsigned char *p, size_t n)
{
    static const unsigned char sig[8] = {0xd0, 0xcf, 0x11, 0xe0, 0xa1, 0xb1, 0x1a, 0xe1};
    if (n < 512 || memcmp(p, sig, 8) != 0)
        return 0;
    GsfInput *in = gsf_input_memory_new(p, (gsf_off_t)n, FALSE);
    if (!in)
        return 0;
    GError *err = NULL;
    GsfInfile *ole = gsf_infile_msole_new(in, &err);
    int r = 0;
    if (ole) {
        r = ole_has_vba(ole, 0);
        g_object_unref(ole);
    }
    if (err)
        g_error_free(err);
    g_object_unref(in);
    return r;
}

/* Lists an archive: OOXML macros, executable members, encryption. */
static void archive_inspect(struct msg_att *a, const unsigned char *p, size_t n)
{
    struct archive *ar = archive_read_new();
    if (!ar)
        return;
    archive_read_support_filter_all(ar);
    archive_read_support_format_zip(ar);
    archive_read_support_format_rar(ar);
    archive_read_support_format_rar5(ar);
    archive_read_support_format_7zip(ar);
    archive_read_support_format_tar(ar);
    archive_read_support_format_cab(ar);
    archive_read_support_format_iso9660(ar);
    if (archive_read_open_memory(ar, p, n) != ARCHIVE_OK)
        goto out;
    struct archive_entry *ent;
    for (int i = 0; i < ARCH_MAX_ENTRIES; i++) {
        int rc = archive_read_next_header(ar, &ent);
        if (rc != ARCHIVE_OK && rc != ARCHIVE_WARN)
            break;
        const char *nm = archive_entry_pathname(ent);
        if (archive_entry_is_encrypted(ent))
            a->archive_encrypted = 1;
        if (!nm)
            continue;
        const char *base = strrchr(nm, '/');
        base = base ? base + 1 : nm;
        if (!strcasecmp(base, "vbaProject.bin"))
            a->macro = 1;
        if (exec_name(nm) && !a->archive_exec) {
            a->archive_exec = 1;
            a->archive_member = xstrdup(nm);
        }
    }
out:
    archive_read_free(ar);
}

void attach_inspect(struct msg_att *a, const unsigned char *p, size_t n)
{
    a->size = n;
    unsigned char md[32];
    unsigned int mdlen = 0;
    if (EVP_Digest(p, n, md, &mdlen, EVP_sha256(), NULL) == 1 && mdlen == 32)
        for (int i = 0; i < 32; i++)
            snprintf(a->sha256 + 2 * i, 3, "%02x", md[i]);
    const char *tt = magic_handle && n ? magic_buffer(magic_handle, p, n) : NULL;
    a->true_type = xstrdup(tt ? tt : (n ? "application/octet-stream" : "application/x-empty"));
    if (ole_macro(p, n))
        a->macro = 1;
    if (strstr(a->true_type, "zip") || strstr(a->true_type, "rar") ||
        strstr(a->true_type, "7z") || strstr(a->true_type, "x-tar") ||
        strstr(a->true_type, "gzip") || strstr(a->true_type, "cab") ||
        strstr(a->true_type, "iso9660") || strstr(a->true_type, "openxmlformats") ||
        strstr(a->true_type, "ms-word") || strstr(a->true_type, "ms-excel"))
        archive_inspect(a, p, n);
}
