#!/bin/sh
# An editor for `edit` tests: keeps a copy of each file it is given in
# $EDLOG/<n> (n counting from 0), then applies the sed script $SEDX to it.
n=$(cat "$EDLOG/count" 2>/dev/null || echo 0)
cp "$1" "$EDLOG/$n"
echo $((n + 1)) > "$EDLOG/count"
sed -i "$SEDX" "$1"
