set -e
mkdir -p tree/sub && echo content > tree/file && chmod 640 tree/file && echo s > tree/sub/s && ln -s file tree/link
tar --owner=1234 --group=4321 -cf archive.tar tree
gzip -c archive.tar > archive.tar.gz
bzip2 -c archive.tar > archive.tar.bz2
xz -c archive.tar > archive.tar.xz
gzip -c archive.tar > disguised
rm -rf tree
