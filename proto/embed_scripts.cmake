# Turns every proto/scripts/*.lua into a C string in one generated file, so the
# programs carry their scripts and nobody edits Lua inside C strings.
#
# Every script is prefixed with
#   - a table K of every key name in proto/keys.h (A24_KEY_TICKET -> K.KEY_TICKET),
#     so the header stays the one list of keys for C and Lua alike;
#   - proto/scripts/_lib.lua, the helpers the transitions share (the ticket's
#     indexes, audit lines, live events).
# Files whose names start with "_" are such prefixes, not scripts.
file(READ ${KEYS} keys_h)
string(REGEX MATCHALL "#define A24_[A-Z_]+ \"[^\"]*\"" defines "${keys_h}")
set(prelude "local K = {\n")
foreach(d ${defines})
    string(REGEX REPLACE "#define A24_([A-Z_]+) \"([^\"]*)\"" "    \\1 = '\\2',\n" line "${d}")
    string(APPEND prelude "${line}")
endforeach()
string(APPEND prelude "}\n")
file(READ ${DIR}/_lib.lua lib)
string(APPEND prelude "${lib}")

file(GLOB scripts ${DIR}/*.lua)
list(SORT scripts)
set(body "/* Generated from the .lua files of proto/scripts at build time: do not edit. */\n#include \"script.h\"\n\n")
set(table "")
foreach(path ${scripts})
    get_filename_component(name ${path} NAME_WE)
    if(name MATCHES "^_")
        continue()
    endif()
    file(READ ${path} script)
    file(WRITE ${OUT}.lua "${prelude}${script}")
    file(READ ${OUT}.lua hex HEX)
    string(REGEX REPLACE "([0-9a-f][0-9a-f])" "0x\\1," hex "${hex}")
    string(APPEND body "static const char lua_${name}[] = {${hex} 0x00};\n")
    string(APPEND table "    {\"${name}\", lua_${name}, sizeof(lua_${name}) - 1},\n")
endforeach()
file(REMOVE ${OUT}.lua)
string(APPEND body "\nconst a24_script_source_t a24_script_sources[] = {\n${table}    {0, 0, 0},\n};\n")
file(WRITE ${OUT}.tmp "${body}")
file(COPY_FILE ${OUT}.tmp ${OUT} ONLY_IF_DIFFERENT)
