# Turns every proto/scripts/*.lua into one Redis 7 function library, embedded as a C
# string in one generated file, so the programs carry their scripts and nobody edits Lua
# inside C strings.
#
# The library ("#!lua name=answer24") starts, once, with
#   - a table K of every key name in proto/keys.h (A24_KEY_TICKET -> K.KEY_TICKET),
#     so the header stays the one list of keys for C and Lua alike;
#   - the state lists of proto/ticket.c's table (AWAITING), written by the build's
#     states_lua program (proto/gen/states_lua.c), so no script restates one;
#   - proto/scripts/_lib.lua, the helpers the transitions share (the ticket's
#     indexes, audit lines, live events).
# Then every script <name>.lua becomes the body of the function a24_<name>, called as
# callback(KEYS, ARGV): its locals stay its own, and the prelude is run once when Redis
# loads the library, not on every call. Files whose names start with "_" are such
# prefixes, not scripts.
#
# Limits that stay met: the library's top level declares only K and _lib's locals (Lua
# 5.1 allows 200 locals per function; each callback is an expression, adding none), and
# a callback sees K and the helpers it uses as upvalues (at most 60, far more than any
# script uses). Scripts share no globals: Redis refuses to create one in a library.
#
# The library ends with a24_version, which returns the SHA1 of everything above it: a
# program that finds another version in Redis loads its own (store.c, answer24ctl).
#
# Scripts that never write are registered with the flag no-writes and called with
# FCALL_RO (they may then run on a replica, and Redis refuses a write in them). Only
# scripts listed in READ_ONLY: a script that starts to write must leave the list.
set(READ_ONLY alert_list queue_summary stats_days stream_tails template_list ticket_list user_list)

file(READ ${KEYS} keys_h)
string(REGEX MATCHALL "#define A24_[A-Z_]+ \"[^\"]*\"" defines "${keys_h}")
set(lib "#!lua name=answer24\n-- Generated from proto/scripts at build time: do not edit.\nlocal K = {\n")
foreach(d ${defines})
    string(REGEX REPLACE "#define A24_([A-Z_]+) \"([^\"]*)\"" "    \\1 = '\\2',\n" line "${d}")
    string(APPEND lib "${line}")
endforeach()
string(APPEND lib "}\n")
file(READ ${STATES} states)
string(APPEND lib "${states}")
file(READ ${DIR}/_lib.lua prelude)
string(APPEND lib "${prelude}\n")

file(GLOB scripts ${DIR}/*.lua)
list(SORT scripts)
set(table "")
foreach(path ${scripts})
    get_filename_component(name ${path} NAME_WE)
    if(name MATCHES "^_")
        continue()
    endif()
    file(READ ${path} script)
    list(FIND READ_ONLY ${name} ro)
    if(ro GREATER -1)
        set(flags "{'no-writes'}")
        set(readonly 1)
    else()
        set(flags "{}")
        set(readonly 0)
    endif()
    string(APPEND lib "\nredis.register_function{function_name = 'a24_${name}', flags = ${flags},\n"
                      "callback = function(KEYS, ARGV)\n${script}\nend}\n")
    string(APPEND table "    {\"${name}\", \"a24_${name}\", ${readonly}},\n")
endforeach()
string(SHA1 version "${lib}")
string(APPEND lib "\nredis.register_function{function_name = 'a24_version', flags = {'no-writes'},\n"
                  "callback = function() return '${version}' end}\n")

file(WRITE ${OUT}.lua "${lib}")
file(READ ${OUT}.lua hex HEX)
file(REMOVE ${OUT}.lua)
string(REGEX REPLACE "([0-9a-f][0-9a-f])" "0x\\1," hex "${hex}")
set(body "/* Generated from the .lua files of proto/scripts at build time: do not edit. */\n#include \"script.h\"\n\n")
string(APPEND body "static const char library[] = {${hex} 0x00};\n")
string(APPEND body "const char *const a24_library_source = library;\n")
string(APPEND body "const size_t a24_library_len = sizeof library - 1;\n")
string(APPEND body "const char a24_library_version[] = \"${version}\";\n")
string(APPEND body "\nconst a24_script_source_t a24_script_sources[] = {\n${table}    {0, 0, 0},\n};\n")
file(WRITE ${OUT}.tmp "${body}")
file(COPY_FILE ${OUT}.tmp ${OUT} ONLY_IF_DIFFERENT)
