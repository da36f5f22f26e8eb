#!/bin/sh
# PID 1 of the agent container. Runs the agent (its arguments are the agent's
# argv) and starts it again when it exits: the engines the agent spawned are
# reparented to this process and keep serving, and the new agent adopts them
# from its state directory. Were the agent PID 1 itself, its exit would end
# the container's PID namespace and every engine in it.
#
# On SIGTERM or SIGINT (the pod is stopping) the agent is stopped first, which
# leaves its engines running; then, as PID 1, this sends every other process
# of the container SIGTERM so the engines shut down cleanly, and waits for
# them (the kubelet's SIGKILL ends whatever outlives the pod's grace period).
#
# The agent exiting within 10 s of its start 5 times in a row (a bad flag or
# configuration) ends this with the agent's status, so the kubelet's
# CrashLoopBackOff shows it instead of a loop nobody sees.

stopping=0
agent=
trap 'stopping=1; if [ -n "$agent" ]; then kill -TERM "$agent" 2>/dev/null; fi' TERM INT

quick_exits=0
while :; do
  started=$(date +%s)
  "$@" &
  agent=$!
  # wait returns early when a trapped signal arrives, the agent still running.
  while :; do
    wait "$agent"
    status=$?
    kill -0 "$agent" 2>/dev/null || break
  done
  agent=
  [ "$stopping" = 1 ] && break
  if [ $(($(date +%s) - started)) -lt 10 ]; then
    quick_exits=$((quick_exits + 1))
  else
    quick_exits=0
  fi
  if [ "$quick_exits" -ge 5 ]; then
    echo "agent-watchdog: the agent exited with status $status within 10 s of starting, 5 times in a row; giving up" >&2
    exit "$status"
  fi
  echo "agent-watchdog: the agent exited with status $status; starting it again" >&2
  sleep 1
done

# kill -1 reaches every process but the caller: only as the PID namespace's
# init is that the container's processes and nothing else.
if [ "$$" = 1 ]; then
  kill -TERM -1 2>/dev/null
  while :; do
    others=
    for entry in /proc/[0-9]*; do
      [ "${entry#/proc/}" = 1 ] || others=1
    done
    [ -z "$others" ] && break
    # Each sleep also reaps the engines that exited meanwhile.
    sleep 1
  done
fi
exit 0
