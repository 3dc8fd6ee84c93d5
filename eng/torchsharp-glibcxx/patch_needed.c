/*
 * Makes libLibTorchSharp.so (built with GCC 13) load on a libstdc++ without GLIBCXX_3.4.32.
 *
 *   patch_needed <libLibTorchSharp.so> <shim soname>
 *
 * Two same-size, in-place edits (the ELF never grows, so no section moves):
 *  1. the GLIBCXX_3.4.32 version-need entry gets VER_FLG_WEAK, so a missing version is
 *     no longer fatal at load time;
 *  2. the redundant DT_NEEDED on ld-linux-x86-64.so.2 (the interpreter is always loaded)
 *     is pointed at the shim, whose name is written into .dynstr in the space freed by
 *     trimming DT_RUNPATH to its first entry ($ORIGIN/; the rest are build-machine paths).
 * The shim defines the one missing symbol under that version. Idempotent: exits 0 and
 * prints "already patched" when both edits are present. Writes atomically (tmp + rename).
 */
#include <elf.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define WANT_VERSION "GLIBCXX_3.4.32"
#define REDUNDANT_NEEDED "ld-linux-x86-64.so.2"

static unsigned char *buf;
static size_t len;

static void die(const char *msg, const char *arg)
{
    fprintf(stderr, "patch_needed: %s%s\n", msg, arg ? arg : "");
    exit(2);
}

static void *at(size_t off, size_t size)
{
    if (off > len || size > len - off) die("offset out of range; file truncated?", NULL);
    return buf + off;
}

int main(int argc, char **argv)
{
    if (argc != 3) die("usage: patch_needed <lib.so> <shim soname>", NULL);
    const char *path = argv[1], *shim = argv[2];

    FILE *f = fopen(path, "rb");
    if (!f) die("cannot open ", path);
    fseek(f, 0, SEEK_END); len = (size_t)ftell(f); fseek(f, 0, SEEK_SET);
    buf = malloc(len);
    if (!buf || fread(buf, 1, len, f) != len) die("cannot read ", path);
    fclose(f);

    Elf64_Ehdr *eh = at(0, sizeof *eh);
    if (memcmp(eh->e_ident, ELFMAG, SELFMAG) || eh->e_ident[EI_CLASS] != ELFCLASS64) die("not a 64-bit ELF: ", path);
    Elf64_Shdr *sh = at(eh->e_shoff, (size_t)eh->e_shnum * sizeof *sh);

    Elf64_Shdr *dyn = NULL, *verneed = NULL, *dynsym = NULL;
    for (int i = 0; i < eh->e_shnum; i++) {
        if (sh[i].sh_type == SHT_DYNAMIC) dyn = &sh[i];
        if (sh[i].sh_type == SHT_GNU_verneed) verneed = &sh[i];
        if (sh[i].sh_type == SHT_DYNSYM) dynsym = &sh[i];
    }
    if (!dyn || !verneed || !dynsym) die("missing .dynamic, .gnu.version_r or .dynsym in ", path);
    Elf64_Shdr *strsec = &sh[dyn->sh_link];
    char *str = at(strsec->sh_offset, strsec->sh_size);
    size_t strsize = strsec->sh_size;

    /* 1. the version-need entry */
    Elf64_Vernaux *want = NULL;
    size_t off = verneed->sh_offset;
    for (;;) {
        Elf64_Verneed *vn = at(off, sizeof *vn);
        size_t aoff = off + vn->vn_aux;
        for (int a = 0; a < vn->vn_cnt; a++) {
            Elf64_Vernaux *va = at(aoff, sizeof *va);
            if (va->vna_name < strsize && strcmp(str + va->vna_name, WANT_VERSION) == 0) want = va;
            aoff += va->vna_next;
        }
        if (!vn->vn_next) break;
        off += vn->vn_next;
    }
    if (!want) { printf("no %s version need: nothing to patch\n", WANT_VERSION); return 0; }

    /* 2. the DT_NEEDED entry and the RUNPATH string */
    Elf64_Dyn *d = at(dyn->sh_offset, dyn->sh_size);
    size_t nd = dyn->sh_size / sizeof *d;
    Elf64_Dyn *needed = NULL, *runpath = NULL;
    int has_shim = 0;
    for (size_t i = 0; i < nd && d[i].d_tag != DT_NULL; i++) {
        if (d[i].d_tag == DT_NEEDED && strcmp(str + d[i].d_un.d_val, shim) == 0) has_shim = 1;
        if (d[i].d_tag == DT_NEEDED && strcmp(str + d[i].d_un.d_val, REDUNDANT_NEEDED) == 0) needed = &d[i];
        if (d[i].d_tag == DT_RUNPATH || d[i].d_tag == DT_RPATH) runpath = &d[i];
    }
    if (has_shim && (want->vna_flags & VER_FLG_WEAK)) { printf("already patched: %s\n", path); return 0; }
    if (!needed) die("no DT_NEEDED " REDUNDANT_NEEDED " to repurpose in ", path);
    if (!runpath) die("no DT_RUNPATH in ", path);

    char *rp = str + runpath->d_un.d_val;
    size_t rplen = strlen(rp);
    char *colon = strchr(rp, ':');
    if (strncmp(rp, "$ORIGIN", 7) != 0 || !colon) die("unexpected RUNPATH layout: ", rp);
    size_t keep = (size_t)(colon - rp);               /* "$ORIGIN/" */
    size_t need = keep + 1 + strlen(shim) + 1;
    if (need > rplen) die("RUNPATH too short to hold the shim name: ", rp);

    /* No other string may point into the bytes we overwrite (linkers merge string tails). */
    size_t lo = runpath->d_un.d_val + keep, hi = runpath->d_un.d_val + need;
    Elf64_Sym *syms = at(dynsym->sh_offset, dynsym->sh_size);
    for (size_t i = 0; i < dynsym->sh_size / sizeof *syms; i++)
        if (syms[i].st_name >= lo && syms[i].st_name < hi) die("a symbol name shares RUNPATH bytes; refusing", NULL);
    for (size_t i = 0; i < nd && d[i].d_tag != DT_NULL; i++)
        if ((d[i].d_tag == DT_NEEDED || d[i].d_tag == DT_SONAME) && d[i].d_un.d_val >= lo && d[i].d_un.d_val < hi)
            die("a DT string shares RUNPATH bytes; refusing", NULL);

    size_t shim_off = runpath->d_un.d_val + keep + 1;
    rp[keep] = '\0';
    strcpy(rp + keep + 1, shim);
    needed->d_un.d_val = shim_off;
    want->vna_flags |= VER_FLG_WEAK;

    char tmp[4096];
    snprintf(tmp, sizeof tmp, "%s.patch-tmp", path);
    FILE *o = fopen(tmp, "wb");
    if (!o || fwrite(buf, 1, len, o) != len || fclose(o) != 0) die("cannot write ", tmp);
    if (rename(tmp, path) != 0) die("cannot replace ", path);
    printf("patched %s: %s weak, needs %s\n", path, WANT_VERSION, shim);
    return 0;
}
