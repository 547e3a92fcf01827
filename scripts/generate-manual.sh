#!/bin/sh
# Writes the man page zalando-train.1 into OUTDIR with swift-argument-parser's generate-manual
# tool (the tool behind its GenerateManual plugin, run directly so that the binary is not
# rebuilt with other flags): usage: generate-manual.sh GENERATE_MANUAL BINARY OUTDIR.
# generate-manual drops every non-ASCII character (γ, →, ⌊j/D⌋ …), so it reads the help
# through a filter that spells each one as a token, and the tokens become groff's \[uXXXX].
set -eu
tool=$1 binary=$2 outdir=$3
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cat > "$work/zalando-train" <<WRAP
#!/bin/sh
"$(cd "$(dirname "$binary")" && pwd)/$(basename "$binary")" "\$@" | perl -CS -pe 's/([^\\x00-\\x7F])/sprintf("UNICODEx%04XEND", ord(\$1))/ge'
WRAP
chmod +x "$work/zalando-train"
mkdir -p "$outdir"
"$tool" "$work/zalando-train" --output-directory "$work"
perl -pe 's/UNICODEx([0-9A-F]{4,6})END/\\[u$1]/g; s/^$/.Pp/' "$work/zalando-train.1" > "$outdir/zalando-train.1"
