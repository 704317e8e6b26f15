/*
 * replay_main.c - a main() for fuzz targets built without libFuzzer: it
 * walks the files and directories given and runs LLVMFuzzerTestOneInput on
 * each file, so every checked-in corpus replays as an ordinary test under
 * any compiler (the idea of mbedTLS programs/fuzz/onefile.c).
 */
#include <dirent.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static int replayed;

static int
replay_file(const char *path)
{
    FILE *f = fopen(path, "rb");
    uint8_t *buf;
    long n;

    if (f == NULL) {
        perror(path);
        return -1;
    }
    if (fseek(f, 0, SEEK_END) != 0 || (n = ftell(f)) < 0 ||
        fseek(f, 0, SEEK_SET) != 0) {
        fclose(f);
        return -1;
    }
    buf = malloc(n > 0 ? (size_t)n : 1);
    if (buf == NULL || fread(buf, 1, (size_t)n, f) != (size_t)n) {
        free(buf);
        fclose(f);
        return -1;
    }
    fclose(f);
    /* Copy to an exact-size allocation so sanitizers see over-reads. */
    uint8_t *exact = malloc(n > 0 ? (size_t)n : 1);
    if (exact == NULL) {
        free(buf);
        return -1;
    }
    memcpy(exact, buf, (size_t)n);
    free(buf);
    LLVMFuzzerTestOneInput(exact, (size_t)n);
    free(exact);
    replayed++;
    return 0;
}

static int
replay_path(const char *path)
{
    struct stat st;

    if (stat(path, &st) != 0) {
        perror(path);
        return -1;
    }
    if (!S_ISDIR(st.st_mode)) {
        return replay_file(path);
    }
    DIR *d = opendir(path);
    if (d == NULL) {
        perror(path);
        return -1;
    }
    struct dirent *e;
    int rc = 0;
    while ((e = readdir(d)) != NULL) {
        if (e->d_name[0] == '.') {
            continue;
        }
        char sub[4096];
        int k = snprintf(sub, sizeof(sub), "%s/%s", path, e->d_name);
        if (k < 0 || (size_t)k >= sizeof(sub)) {
            continue;
        }
        if (replay_path(sub) != 0) {
            rc = -1;
        }
    }
    closedir(d);
    return rc;
}

int
main(int argc, char **argv)
{
    int rc = 0;

    for (int i = 1; i < argc; i++) {
        if (replay_path(argv[i]) != 0) {
            rc = 1;
        }
    }
    printf("replayed %d inputs\n", replayed);
    if (replayed == 0) {
        fprintf(stderr, "no corpus inputs found\n");
        return 1;
    }
    return rc;
}
