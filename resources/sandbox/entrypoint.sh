#!/bin/sh
# Starts the in-sandbox forwarder (127.0.0.1:3128 → the gateway socket), then runs the agent.
# Gatehouse itself sets the container's entrypoint (gate-launch, or `node gate exec --`); this
# script is for running the image by hand.
exec /opt/gatehouse/bin/gate-launch "$@"
