/*
 * screening_report: prints recall and the false-alarm rate per language of the
 * warning-sign patterns on the labelled examples (training and held-out parts), and
 * with --misses the training examples it gets wrong (never the held-out ones: the
 * held-out part is not used to write patterns). For administrators changing the risk patterns:
 *
 *   build/tests/screening_report [--misses] [DATA_DIR]
 *   build/tests/screening_report --check TEXT [DATA_DIR]   (the category and what decided it)
 *
 * DATA_DIR defaults to the source tree's proto/data.
 */
#include <stdio.h>
#include <string.h>

#include "screening.h"
#include "screening_eval.h"

int main(int argc, char **argv)
{
    const char *dir = A24_DEFAULT_DATA_DIR;
    FILE *misses = NULL;
    const char *check = NULL;
    for (int k = 1; k < argc; k++) {
        if (strcmp(argv[k], "--misses") == 0)
            misses = stdout;
        else if (strcmp(argv[k], "--check") == 0 && k + 1 < argc)
            check = argv[++k];
        else if (strcmp(argv[k], "--help") == 0 || argv[k][0] == '-') {
            fprintf(stderr, "usage: %s [--misses | --check TEXT] [DATA_DIR]\n", argv[0]);
            return 2;
        } else
            dir = argv[k];
    }
    char err[512], path[4200];
    a24_screening_t *s = a24_screening_create(dir, err, sizeof err);
    if (s == NULL) {
        fprintf(stderr, "screening_report: %s\n", err);
        return 1;
    }
    if (check != NULL) {
        const char *cat = a24_screening_category(s, check, strlen(check), NULL);
        const char *why = a24_screening_match(s, check, strlen(check));
        printf("%s%s%s%s\n", cat != NULL ? cat : "none", why != NULL ? " [" : "",
               why != NULL ? why : "", why != NULL ? "]" : "");
        a24_screening_destroy(s);
        return 0;
    }
    printf("%zu patterns and rules loaded from %s/risk\n", a24_screening_size(s), dir);
    static const char *const parts[][2] = {{"screening_examples.tsv", "training"},
                                           {"screening_examples_heldout.tsv", "held-out"}};
    int rc = 0;
    for (size_t p = 0; p < 2; p++) {
        struct eval ev = {0};
        snprintf(path, sizeof path, "%s/%s", dir, parts[p][0]);
        FILE *show = p == 0 ? misses : NULL;
        if (show != NULL)
            printf("%s misses:\n", parts[p][1]);
        if (eval_file(s, path, &ev, show) != 0) {
            fprintf(stderr, "screening_report: cannot read %s\n", path);
            rc = 1;
            continue;
        }
        eval_print(stdout, parts[p][1], &ev);
    }
    a24_screening_destroy(s);
    return rc;
}
