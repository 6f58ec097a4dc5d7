/*
 * screening_eval: classifies a file of labelled examples with a screening object and
 * counts, per language, crisis messages caught and ordinary messages flagged. Shared by
 * test_screening (which asserts the targets) and screening_report (which prints them).
 */
#ifndef A24_SCREENING_EVAL_H
#define A24_SCREENING_EVAL_H

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "screening.h"

static const char *const eval_languages[] = {"ko", "zh", "en"};
#define EVAL_LANGS 3

struct eval_counts {
    int crisis, caught;   /* crisis examples; of them, flagged */
    int ordinary, alarms; /* ordinary examples; of them, flagged */
};

struct eval {
    struct eval_counts lang[EVAL_LANGS];
    int bad_lines;
};

/* Undoes the file's escapes (\n, \t, \\) in place. */
static void eval_unescape(char *s)
{
    char *o = s;
    for (char *p = s; *p != '\0'; p++) {
        if (p[0] == '\\' && (p[1] == 'n' || p[1] == 't' || p[1] == '\\')) {
            *o++ = p[1] == 'n' ? '\n' : p[1] == 't' ? '\t' : '\\';
            p++;
        } else {
            *o++ = *p;
        }
    }
    *o = '\0';
}

static int eval_lang_index(const char *lang)
{
    for (int k = 0; k < EVAL_LANGS; k++)
        if (strcmp(lang, eval_languages[k]) == 0)
            return k;
    return -1;
}

/* Counts one example; prints it to `misses` when screening got it wrong. */
static void eval_one(const a24_screening_t *s, struct eval *ev, int lang, int want, char *text,
                     FILE *misses)
{
    eval_unescape(text);
    a24_screening_result_t r = a24_screening_screen(s, text, strlen(text), NULL);
    int got = r.reason != A24_RISK_NONE;
    struct eval_counts *c = &ev->lang[lang];
    if (want) {
        c->crisis++;
        c->caught += got;
    } else {
        c->ordinary++;
        c->alarms += got;
    }
    if (misses != NULL && got != want)
        fprintf(misses, "  %s %s: %s%s%s%s\n", eval_languages[lang],
                want ? "missed" : "false alarm", text, got ? "  [" : "",
                got ? a24_screening_match(s, text, strlen(text)) : "", got ? "]" : "");
}

/* Classifies every example of `path` into `ev`; returns 0, or -1 if it cannot be read. */
static int eval_file(const a24_screening_t *s, const char *path, struct eval *ev, FILE *misses)
{
    FILE *f = fopen(path, "r");
    if (f == NULL)
        return -1;
    char *line = NULL;
    size_t cap = 0;
    while (getline(&line, &cap, f) != -1) {
        if (line[0] == '#' || line[0] == '\n')
            continue;
        line[strcspn(line, "\r\n")] = '\0';
        char *save = NULL, *lang = strtok_r(line, "\t", &save);
        char *want = strtok_r(NULL, "\t", &save), *text = strtok_r(NULL, "\t", &save);
        int k = lang != NULL ? eval_lang_index(lang) : -1;
        if (k < 0 || want == NULL || text == NULL ||
            (strcmp(want, "crisis") != 0 && strcmp(want, "none") != 0)) {
            ev->bad_lines++;
            continue;
        }
        eval_one(s, ev, k, strcmp(want, "crisis") == 0, text, misses);
    }
    free(line);
    fclose(f);
    return 0;
}

static double eval_recall(const struct eval_counts *c)
{
    return c->crisis > 0 ? (double)c->caught / c->crisis : 0.0;
}

static double eval_false_alarms(const struct eval_counts *c)
{
    return c->ordinary > 0 ? (double)c->alarms / c->ordinary : 1.0;
}

/* Prints one table line per language. */
static void eval_print(FILE *out, const char *title, const struct eval *ev)
{
    fprintf(out, "%s\n  lang  crisis  caught  recall  ordinary  flagged  false_alarms\n", title);
    for (int k = 0; k < EVAL_LANGS; k++) {
        const struct eval_counts *c = &ev->lang[k];
        fprintf(out, "  %-4s  %6d  %6d  %6.3f  %8d  %7d  %12.3f\n", eval_languages[k], c->crisis,
                c->caught, eval_recall(c), c->ordinary, c->alarms, eval_false_alarms(c));
    }
}

#endif
