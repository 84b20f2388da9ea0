#!/bin/sh
# A plugin that hangs: the worker kills its process group at the job's timeout and says so.
echo "still checking..."
sleep 600
