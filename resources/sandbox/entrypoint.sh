#!/bin/sh
# Starts the in-sandbox forwarder (127.0.0.1:3128 → the gateway socket), then runs the agent.
# Gatehouse itself sets the container's entrypoint to `node gate exec --`, which does the same;
# this script is for running the image by hand.
exec node /opt/gatehouse/gate/gate.mjs exec -- "$@"
