set -e
ln a.txt hard-a.txt
mkdir -p d && ln b.txt d/hard-b.txt
