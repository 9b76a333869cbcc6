#!/bin/sh
# Writes into a reserved folder at run time.
echo started >> /var/log/studio/helper.log
