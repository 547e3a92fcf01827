#!/bin/sh
# Fetches MNIST and Fashion-MNIST into data/mnist and data/fashion, verifying every file by the
# SHA-256 of its decompressed bytes (data/SHA256SUMS, the single source of the sums), so any
# faithful gzip of a file passes. Sources, in order: the file already in place, $DATA_MIRROR,
# Debian's dataset-fashion-mnist, the public URLs. Each candidate is copied or downloaded to a
# temporary name and moved into place only once verified: a failed or corrupt download never
# replaces a good file and never leaves anything under the final name.
#
# Environment (all optional):
#   DATA_DIR         where to put the files (default: data/ beside this script's parent;
#                    `make download-data DEST=DIR` sets it)
#   DATA_MIRROR      a folder holding mnist/ and fashion/ with NAME.gz or NAME files
#   SYSTEM_DATASETS  Debian's folder (default /usr/share/datasets/fashion-mnist)
#   FASHION_URLS, MNIST_URLS   space-separated base URLs to try, in order (empty: none)
#   DATASETS         which data sets (default "fashion mnist")
set -u

here=$(cd "$(dirname "$0")/.." && pwd)
sums="$here/data/SHA256SUMS"
data_dir=${DATA_DIR:-$here/data}
system_datasets=${SYSTEM_DATASETS:-/usr/share/datasets/fashion-mnist}
fashion_urls=${FASHION_URLS-"http://fashion-mnist.s3-website.eu-central-1.amazonaws.com https://raw.githubusercontent.com/zalandoresearch/fashion-mnist/master/data/fashion"}
mnist_urls=${MNIST_URLS-"https://ossci-datasets.s3.amazonaws.com/mnist http://yann.lecun.com/exdb/mnist"}
datasets=${DATASETS:-"fashion mnist"}

say() { printf '%s\n' "$*" >&2; }

[ -r "$sums" ] || { say "download-data: $sums is missing"; exit 2; }
for tool in sha256sum gzip; do
    command -v "$tool" >/dev/null 2>&1 || { say "download-data: $tool is required (apt-get install coreutils gzip)"; exit 2; }
done

# The SHA-256 of a file's decompressed bytes (plain files are hashed as they are).
content_sum() {
    case "$1" in
        *.gz) gzip -dc -- "$1" 2>/dev/null | sha256sum | cut -d' ' -f1
              # A truncated gzip makes gzip fail: report an impossible sum.
              gzip -t -- "$1" 2>/dev/null || echo "corrupt-gzip" ;;
        *)    sha256sum -- "$1" | cut -d' ' -f1 ;;
    esac | tail -n 1
}

expected_sum() { awk -v name="$1" '$2 == name { print $1 }' "$sums"; }

# verify FILE NAME: true when FILE's content matches NAME's sum.
verify() { [ "$(content_sum "$1")" = "$(expected_sum "$2")" ]; }

# install_candidate SOURCE_FILE NAME DEST LABEL: copies SOURCE (gz or plain) to a temporary file
# beside DEST, verifies it, and moves it into place.
install_candidate() {
    src=$1; name=$2; dest=$3; label=$4
    tmp="${dest%.gz}.part$$.gz"
    case "$src" in
        *.gz) cp -- "$src" "$tmp" 2>/dev/null ;;
        *)    gzip -9nc -- "$src" > "$tmp" 2>/dev/null ;;
    esac && chmod 644 "$tmp" || { rm -f -- "$tmp"; say "  $label: cannot read $src"; return 1; }
    if verify "$tmp" "$name"; then
        mv -f -- "$tmp" "$dest" && say "  $name: verified, from $label" && return 0
    fi
    rm -f -- "$tmp"
    say "  $name: $label copy $src fails the SHA-256 check; not used"
    return 1
}

# download URL NAME DEST: fetches URL to a temporary file, verifies, moves into place.
download() {
    url=$1; name=$2; dest=$3
    tmp="${dest%.gz}.part$$.gz"
    if command -v curl >/dev/null 2>&1; then
        if [ -t 2 ]; then progress=--progress-bar; else progress=--silent; fi
        curl --fail --location $progress --connect-timeout 15 --max-time 600 -o "$tmp" -- "$url"
    elif command -v wget >/dev/null 2>&1; then
        if [ -t 2 ]; then progress=--show-progress; else progress=--no-verbose; fi
        wget --quiet $progress --timeout=15 --tries=2 -O "$tmp" -- "$url"
    else
        say "  neither curl nor wget is installed (apt-get install curl)"; return 1
    fi
    status=$?
    if [ $status -ne 0 ] || [ ! -s "$tmp" ]; then
        rm -f -- "$tmp"; say "  $name: download from $url failed"; return 1
    fi
    if verify "$tmp" "$name"; then
        mv -f -- "$tmp" "$dest" && say "  $name: verified, downloaded from $url" && return 0
    fi
    rm -f -- "$tmp"
    say "  $name: $url gave a file that fails the SHA-256 check; not used"
    return 1
}

failed=0
for set in $datasets; do
    case "$set" in
        fashion) urls=$fashion_urls ;;
        mnist)   urls=$mnist_urls ;;
        *) say "download-data: unknown data set '$set' (fashion or mnist)"; exit 2 ;;
    esac
    mkdir -p -- "$data_dir/$set" || { say "download-data: cannot create $data_dir/$set"; exit 1; }
    say "$set → $data_dir/$set"
    for stem in train-images-idx3-ubyte train-labels-idx1-ubyte t10k-images-idx3-ubyte t10k-labels-idx1-ubyte; do
        name="$set/$stem"
        dest="$data_dir/$set/$stem.gz"
        if [ -f "$dest" ] && verify "$dest" "$name"; then
            say "  $name: already here and verified"
            continue
        fi
        [ -f "$dest" ] && say "  $name: the file in place fails the SHA-256 check; looking for a good copy"
        done_one=false
        if [ -n "${DATA_MIRROR:-}" ]; then
            for candidate in "$DATA_MIRROR/$set/$stem.gz" "$DATA_MIRROR/$set/$stem"; do
                if [ -f "$candidate" ] && install_candidate "$candidate" "$name" "$dest" "DATA_MIRROR"; then
                    done_one=true; break
                fi
            done
        fi
        if ! $done_one && [ "$set" = fashion ] && [ -f "$system_datasets/$stem.gz" ]; then
            install_candidate "$system_datasets/$stem.gz" "$name" "$dest" "dataset-fashion-mnist" && done_one=true
        fi
        if ! $done_one; then
            for base in $urls; do
                download "$base/$stem.gz" "$name" "$dest" && { done_one=true; break; }
            done
        fi
        if ! $done_one; then
            say "  $name: no verified copy found (set DATA_MIRROR to a folder with the files, or check the network)"
            failed=$((failed + 1))
        fi
    done
done
if [ $failed -ne 0 ]; then
    say "download-data: $failed file(s) missing or unverified"
    exit 1
fi
say "download-data: all files verified"
if [ "$data_dir" != "$here/data" ]; then
    absolute=$(cd "$data_dir" && pwd)
    say "download-data: to train on them from any folder: export ZALANDO_TRAIN_DATA=$absolute (or --data-dir $absolute/DATASET)"
fi
