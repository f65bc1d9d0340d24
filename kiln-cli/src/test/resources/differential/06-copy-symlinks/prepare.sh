set -e
ln -s a.txt link-to-file
ln -s src link-to-dir
ln -s /nonexistent dangling
