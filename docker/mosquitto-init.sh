#!/bin/sh
# One-shot before Mosquitto starts: the dynamic-security file with the plugin's admin account, on the first start
# only, then the data folder handed to the broker's user (it rewrites the file on every change). Any failure fails
# the one-shot, so compose never starts a broker without its accounts.
set -eu
data="${MOSQUITTO_DATA:-/mosquitto/data}"
if [ ! -f "$data/dynamic-security.json" ]; then
  mosquitto_ctrl dynsec init "$data/dynamic-security.json" admin "$PLANTLINE_MQTT_ADMIN_PASSWORD"
fi
chown -R mosquitto:mosquitto "$data"
