#!/usr/bin/env bash
# Builds cube's test and demo images from Debian's busybox-static.
#
#   scripts/images.sh --store DIR [--prefix REGISTRY/] [-o OUTDIR] [--cube BIN]
#
#   busybox:latest  /bin/busybox and its applet links, /etc/passwd, Cmd ["sh"]
#   web:v1, web:v2  busybox plus one layer: an HTTP server on port 8080
#                   (busybox httpd, one process per connection) whose GET /
#                   answers one line "web v1 pod=$POD_NAME node=$NODE_NAME"
#
# The web images are built FROM busybox, so all three share the busybox
# layer; v1 and v2 differ by their top layer only.  Builds are reproducible
# (same digests every time).  Images go into the store DIR; with -o each is
# also written as an OCI layout tarball OUTDIR/{busybox,web-v1,web-v2}.tar
# for `cube image load` / `cube image push --from`.  --prefix names them for
# a registry ("localhost:5000/" -> localhost:5000/web:v1).
set -euo pipefail

store= prefix= out= cube=
while [ $# -gt 0 ]; do
	case $1 in
	--store) store=$2; shift 2 ;;
	--prefix) prefix=$2; shift 2 ;;
	-o) out=$2; shift 2 ;;
	--cube) cube=$2; shift 2 ;;
	*) echo "images.sh: unknown argument $1" >&2; exit 2 ;;
	esac
done
[ -n "$store" ] || { echo "images.sh: --store DIR is required" >&2; exit 2; }
here=$(cd "$(dirname "$0")/.." && pwd)
cube=${cube:-$here/bin/cube}
busybox=/bin/busybox
[ -x "$busybox" ] || { echo "images.sh: $busybox missing (apt-get install busybox-static)" >&2; exit 1; }

work=$(mktemp -d "${TMPDIR:-/tmp}/cube-images.XXXXXX")
trap 'rm -rf "$work"' EXIT

# busybox: the binary, every applet as a symlink to it, a minimal /etc.
root=$work/busybox
mkdir -p "$root"/{bin,sbin,usr/bin,usr/sbin,etc,root,proc,sys,dev,var/www}
install -d -m 1777 "$root/tmp"
cp "$busybox" "$root/bin/busybox"
"$busybox" --list-full | while read -r applet; do
	[ -e "$root/$applet" ] || ln -s /bin/busybox "$root/$applet"
done
printf 'root:x:0:0:root:/root:/bin/sh\nnobody:x:65534:65534:nobody:/nonexistent:/bin/false\n' >"$root/etc/passwd"
printf 'root:x:0:\nnogroup:x:65534:\n' >"$root/etc/group"
"$cube" image build "$root" -t "${prefix}busybox:latest" --cmd sh --store "$store" \
	${out:+-o "$out/busybox.tar"}

# web:vN: a CGI behind busybox httpd (GET / runs cgi-bin/index.cgi).
for v in v1 v2; do
	w=$work/web-$v
	mkdir -p "$w/web/cgi-bin"
	echo "$v" >"$w/web/VERSION"
	cat >"$w/web/cgi-bin/index.cgi" <<'CGI'
#!/bin/sh
printf 'Content-Type: text/plain\r\n\r\n'
read -r version </web/VERSION
echo "web $version pod=$POD_NAME node=$NODE_NAME"
CGI
	chmod 0755 "$w/web/cgi-bin/index.cgi"
	"$cube" image build "$w" -t "${prefix}web:$v" --from "${prefix}busybox:latest" \
		--entrypoint '["/bin/busybox","httpd","-f","-p","8080","-h","/web"]' --cmd '' \
		--expose 8080 --store "$store" ${out:+-o "$out/web-$v.tar"}
done
