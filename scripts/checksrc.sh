#!/bin/sh
# Refuse banned unsafe functions in the project's C sources (curl's checksrc idea).
set -u
banned='strcpy|strcat|sprintf|vsprintf|strtok|atoi|atol|sscanf|gets|system|popen|alloca|strncpy'
hits=$(grep -nE "(^|[^a-z_0-9.>])($banned)[[:space:]]*\(" src/*/*.c src/*.c include/edigate/*.h \
	tests/unit/*.c bench/*.c tests/fuzz/*.c 2>/dev/null)

if [ -n "$hits" ]; then
	echo "checksrc: banned functions used:" >&2
	echo "$hits" >&2
	exit 1
fi
echo "checksrc: ok"
