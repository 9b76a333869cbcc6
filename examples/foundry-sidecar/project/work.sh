#!/bin/sh
# The sidecar's work: replace the example below with your own program (any language the
# image has: add its packages with --apt-package or --pip-package, or COPY it in).
#
# Contract: read the files the transform put in $INPUT_DIR, write results to $OUTPUT_DIR;
# exit 0 on success. Output goes to the container log and to the shared log file.
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
