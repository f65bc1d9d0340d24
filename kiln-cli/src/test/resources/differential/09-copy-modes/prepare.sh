set -e
chmod 600 a.txt
chmod 4755 b.txt
chmod 700 src/sub
chmod 751 src
mkdir -m 1777 sticky
touch sticky/.keep
mkdir empty
