/*
 * states_lua: writes the Lua state lists of the script library from the state table
 * (a24_ticket_lua in proto/ticket.c), at build time, so the scripts restate no list.
 *
 * Usage: states_lua <output file>. Exits non-zero if the file could not be written.
 */
#include <stdio.h>

#include "ticket.h"

int main(int argc, char **argv)
{
    if (argc != 2) {
        fprintf(stderr, "usage: states_lua <output file>\n");
        return 2;
    }
    FILE *out = fopen(argv[1], "w");
    if (out == NULL) {
        perror(argv[1]);
        return 1;
    }
    int rc = a24_ticket_lua(out);
    if (fclose(out) != 0 || rc != 0) {
        perror(argv[1]);
        return 1;
    }
    return 0;
}
