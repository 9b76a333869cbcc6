#!/bin/sh
# A tool the transform calls inside this image: replace the example below with your own
# program (any language: add its packages with --apt-package, or COPY a binary in).
#
# Contract with transform/byoc_transform.py: read the files in $INPUT_DIR, write results
# to $OUTPUT_DIR, exit 0 on success; output goes to the transform's log.
# The example counts the lines of every input file into $OUTPUT_DIR/line_counts.csv.
set -eu
: "${INPUT_DIR:?INPUT_DIR must name the folder of input files}"
: "${OUTPUT_DIR:?OUTPUT_DIR must name the folder for results}"
mkdir -p "$OUTPUT_DIR"

count=0
{
    echo "file,lines"
    for file in "$INPUT_DIR"/*; do
        [ -f "$file" ] || continue
        printf '%s,%s\n' "${file##*/}" "$(wc -l <"$file" | tr -d ' ')"
        count=$((count + 1))
    done
} >"$OUTPUT_DIR/line_counts.csv"
echo "counted the lines of $count file(s) into $OUTPUT_DIR/line_counts.csv"
