#!/bin/sh
cat /app/message.txt /app/shout.txt /app/build-info.txt
echo "running as $(id -un) in $(pwd)"
