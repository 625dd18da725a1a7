#!/usr/bin/env bash
# Makes a minimal JVM base image from this machine's JDK, for building the image where no registry is reachable:
# a jlink'ed Java runtime, the shared libraries it and sqlite-jdbc's native library load, a passwd entry for the
# unprivileged user 185 (the user of the standard base image), and nothing else (no shell, no package manager).
#
#   deploy/image/base.sh OUT.tar      writes a docker-archive OUT.tar, tagged localhost/pgactive-tools-base:local
#
# The build then uses it with -Dquarkus.jib.base-jvm-image=tar://OUT.tar (see deploy/image/smoke.sh). Released
# images use the standard base named in application.properties instead.
set -euo pipefail
out=$(realpath -m "${1:?usage: base.sh OUT.tar}")
tag=localhost/pgactive-tools-base:local

# What the service loads: the SQL, JMX and management modules (Micrometer's JVM binders), naming and DNS, TLS, and
# jdk.unsupported (Netty, gRPC and protobuf use sun.misc.Unsafe).
modules=java.base,java.logging,java.management,java.naming,java.net.http,java.security.jgss,java.security.sasl,java.sql,java.xml,java.instrument,jdk.unsupported,jdk.crypto.ec,jdk.management,jdk.naming.dns,jdk.zipfs

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
root=$work/rootfs
jlink --add-modules "$modules" --strip-debug --no-man-pages --no-header-files --compress=2 --output "$root/opt/java" >/dev/null

# the libraries the runtime links against, plus those loaded at run time by name: libpthread (sqlite-jdbc's
# native library), name service modules (host names in DSNs resolved through getaddrinfo)
libs=$( { find "$root/opt/java" -name '*.so' -exec ldd {} \; ; ldd "$root/opt/java/bin/java"; } 2>/dev/null | awk '/=> \//{print $3} /^\t\/lib/{print $1}')
multiarch=$(gcc -print-multiarch 2>/dev/null || echo x86_64-linux-gnu)
for lib in $libs /lib/$multiarch/libpthread.so.0 /lib/$multiarch/libnss_files.so.2 /lib/$multiarch/libnss_dns.so.2 \
  /lib/$multiarch/libresolv.so.2 /lib/$multiarch/libgcc_s.so.1 /lib/$multiarch/libstdc++.so.6; do
  [[ -e $lib ]] || continue
  mkdir -p "$root$(dirname "$lib")"
  cp -L "$lib" "$root$lib"
done
# the dynamic loader sits under /lib64 on x86_64; /lib64 links there as on Debian
if [[ -e /lib64/ld-linux-x86-64.so.2 ]]; then
  mkdir -p "$root/lib64"
  cp -L /lib64/ld-linux-x86-64.so.2 "$root/lib64/"
fi
# merged /usr: Debian's libraries resolve under /lib, which is /usr/lib
if [[ -d $root/lib ]]; then mkdir -p "$root/usr" && mv "$root/lib" "$root/usr/lib" && ln -s usr/lib "$root/lib"; fi

mkdir -p "$root/etc" "$root/tmp" "$root/home/jboss"
chmod 1777 "$root/tmp"
printf 'root:x:0:0:root:/root:/sbin/nologin\njboss:x:185:0:jboss:/home/jboss:/sbin/nologin\n' >"$root/etc/passwd"
printf 'root:x:0:\njboss:x:185:\n' >"$root/etc/group"
printf 'hosts: files dns\n' >"$root/etc/nsswitch.conf"
if [[ -f /etc/ssl/certs/java/cacerts ]]; then cp -L /etc/ssl/certs/java/cacerts "$root/opt/java/lib/security/cacerts"; fi

ctr=$(buildah from --quiet scratch)
trap 'buildah rm "$ctr" >/dev/null 2>&1 || true; rm -rf "$work"' EXIT
buildah copy --quiet "$ctr" "$root" / >/dev/null
buildah config --user 185 --workingdir /home/jboss --env JAVA_HOME=/opt/java --env PATH=/opt/java/bin:/usr/bin:/bin \
  --env LANG=C.UTF-8 "$ctr"
buildah commit --quiet --rm "$ctr" "$tag" >/dev/null
trap 'rm -rf "$work"' EXIT
rm -f "$out"
mkdir -p "$(dirname "$out")"
skopeo copy --quiet "containers-storage:$tag" "docker-archive:$out:$tag"
buildah rmi "$tag" >/dev/null 2>&1 || true
