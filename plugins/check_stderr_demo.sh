#!/bin/sh
# A plugin that reports on stdout and complains on stderr: the worker appends stderr as "[...]" (show_error_output).
echo "WARNING - disk almost full|used=91%;90;95"
echo "df: /mnt/slow: transport endpoint not connected" >&2
exit 1
