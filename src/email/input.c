/*
 * summary: the messages named by PATHs: .eml files, mbox files (mboxo,
 * split on "From " lines), Maildir folders (cur/, new/) and directories of
 * message files, recursively; listed, then ordered by Date (stable)
 *
 * Reference: RFC 4155 (the mbox format). An mbox is read with a bounded
 * line buffer; only offsets are kept, and a message is read again when it is
 * judged, so memory does not grow with the size of the mailbox.
 */
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "email/input.h"
#include "util/log.h"

void email_input_init(struct email_input *in)
{
    memset(in, 0, sizeof(*in));
}

void email_input_release(struct email_input *in)
{
    for (size_t i = 0; i < in->n_paths; i++)
        free(in->paths[i]);
    free(in->paths);
    free(in->items);
    memset(in, 0, sizeof(*in));
}

static size_t add_path(struct email_input *in, const char *p)
{
    if (in->n_paths == in->cap_paths) {
        in->cap_paths = in->cap_paths ? in->cap_paths * 2 : 64;
        in->paths = xrealloc(in->paths, in->cap_paths * sizeof(char *));
    }
    in->paths[in->n_paths] = xstrdup(p);
    return in->n_paths++;
}

static void add_item(struct email_input *in, size_t path, long idx, long off, long len)
{
    if (in->n_items == in->cap_items) {
        in->cap_items = in->cap_items ? in->cap_items * 2 : 256;
        in->items = xrealloc(in->items, in->cap_items * sizeof(*in->items));
    }
    struct email_item *it = &in->items[in->n_items];
    it->path = path;
    it->mbox_index = idx;
    it->off = off;
    it->len = len;
    it->seq = in->n_items;
    it->date = 0;
    in->n_items++;
}

/* Splits an mbox into items at "From " lines that follow an empty line (or start the file). */
static int scan_mbox(struct email_input *in, const char *path, FILE *f)
{
    size_t pi = add_path(in, path);
    char line[8192];
    long off = 0, start = -1, idx = 0;
    int prev_blank = 1, at_line_start = 1;
    while (fgets(line, sizeof(line), f)) {
        size_t n = strlen(line);
        int complete = n && line[n - 1] == '\n';
        if (at_line_start && prev_blank && !strncmp(line, "From ", 5)) {
            if (start >= 0)
                add_item(in, pi, idx++, start, off - start);
            start = off + (long)n; /* the message starts after the separator line */
            if (!complete)
                start = -2; /* separator longer than the buffer: skip to its end */
        } else if (start == -2 && at_line_start == 0 && complete) {
            start = off + (long)n;
        }
        if (at_line_start)
            prev_blank = (n == 1 && line[0] == '\n') || (n == 2 && line[0] == '\r');
        at_line_start = complete;
        off += (long)n;
    }
    if (start >= 0 && off > start)
        add_item(in, pi, idx, start, off - start);
    return ferror(f) ? -1 : 0;
}

static int add_file(struct email_input *in, const char *path)
{
    FILE *f = fopen(path, "rb");
    if (!f) {
        vigil_error(path, "cannot open");
        return -1;
    }
    char head[5];
    size_t n = fread(head, 1, 5, f);
    int rc = 0;
    if (n == 5 && !memcmp(head, "From ", 5)) {
        rewind(f);
        rc = scan_mbox(in, path, f);
        if (rc < 0)
            vigil_error(path, "read error");
    } else {
        add_item(in, add_path(in, path), -1, 0, -1);
    }
    fclose(f);
    return rc;
}

static int cmp_name(const void *a, const void *b)
{
    return strcmp(*(char *const *)a, *(char *const *)b);
}

static int add_dir(struct email_input *in, const char *path, int depth)
{
    if (depth > 32)
        return 0;
    DIR *d = opendir(path);
    if (!d) {
        vigil_error(path, "cannot open the directory");
        return -1;
    }
    char **names = NULL;
    size_t n = 0, cap = 0;
    struct dirent *de;
    while ((de = readdir(d)) != NULL) {
        if (de->d_name[0] == '.')
            continue; /* ., .., and hidden files (Maildir's tmp is skipped below) */
        if (n == cap) {
            cap = cap ? cap * 2 : 64;
            names = xrealloc(names, cap * sizeof(char *));
        }
        names[n++] = xstrdup(de->d_name);
    }
    closedir(d);
    if (n > 1)
        qsort(names, n, sizeof(char *), cmp_name);
    int rc = 0;
    for (size_t i = 0; i < n; i++) {
        size_t pl = strlen(path) + strlen(names[i]) + 2;
        char *p = xmalloc(pl);
        snprintf(p, pl, "%s/%s", path, names[i]);
        struct stat st;
        if (stat(p, &st) == 0) {
            if (S_ISDIR(st.st_mode)) {
                if (strcmp(names[i], "tmp") != 0 && add_dir(in, p, depth + 1) < 0)
                    rc = -1;
            } else if (S_ISREG(st.st_mode) && st.st_size > 0) {
                if (add_file(in, p) < 0)
                    rc = -1;
            }
        }
        free(p);
        free(names[i]);
    }
    free(names);
    return rc;
}

int email_input_add(struct email_input *in, const char *path)
{
    struct stat st;
    if (stat(path, &st) != 0) {
        vigil_error(path, "no such file or directory");
        return -1;
    }
    if (S_ISDIR(st.st_mode))
        return add_dir(in, path, 0);
    return add_file(in, path);
}

char *email_input_read(const struct email_input *in, const struct email_item *it, size_t *len)
{
    FILE *f = fopen(in->paths[it->path], "rb");
    if (!f)
        return NULL;
    long want = it->len;
    if (want < 0) {
        if (fseek(f, 0, SEEK_END) != 0 || (want = ftell(f)) < 0) {
            fclose(f);
            return NULL;
        }
    }
    if ((unsigned long)want > EMAIL_MAX_BYTES)
        want = (long)EMAIL_MAX_BYTES;
    char *buf = xmalloc((size_t)want + 1);
    size_t got = 0;
    if (fseek(f, it->len < 0 ? 0 : it->off, SEEK_SET) == 0)
        got = fread(buf, 1, (size_t)want, f);
    fclose(f);
    buf[got] = '\0';
    *len = got;
    return buf;
}

static int cmp_item(const void *a, const void *b)
{
    const struct email_item *x = a, *y = b;
    if (x->date != y->date)
        return x->date < y->date ? -1 : 1;
    return x->seq < y->seq ? -1 : x->seq > y->seq;
}

void email_input_sort(struct email_input *in)
{
    for (size_t i = 0; i < in->n_items; i++) {
        size_t len;
        struct email_item *it = &in->items[i];
        /* only the header is needed: read at most 64 KiB */
        long save = it->len;
        if (save < 0 || save > 65536) {
            FILE *f = fopen(in->paths[it->path], "rb");
            if (!f)
                continue;
            char *buf = xmalloc(65537);
            size_t got = 0;
            if (fseek(f, save < 0 ? 0 : it->off, SEEK_SET) == 0)
                got = fread(buf, 1, 65536, f);
            fclose(f);
            it->date = email_peek_date(buf, got);
            free(buf);
            continue;
        }
        char *buf = email_input_read(in, it, &len);
        if (buf)
            it->date = email_peek_date(buf, len);
        free(buf);
    }
    if (in->n_items > 1)
        qsort(in->items, in->n_items, sizeof(*in->items), cmp_item);
}
