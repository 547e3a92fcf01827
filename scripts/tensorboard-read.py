#!/usr/bin/env python3
"""Read a `--tensorboard DIR` back with TensorBoard's own readers and print it as JSON.

    python3 scripts/tensorboard-read.py DIR

Prints {"runs": {RUN: {"scalars": {TAG: [[step, value], ...]}, "plugin_tags": [...],
"files": [{"name": ..., "first_file_version": ..., "first_step": ..., "events": N}]}}}:
the scalars as EventAccumulator (through EventMultiplexer, as `tensorboard --logdir DIR` finds
runs) reads them, the tags TensorBoard 2.x's scalars dashboard sees (plugin_event_multiplexer),
and for every event file the first event's file_version and the number of events in it.
Used by the tests (Tests/ToolTests/TensorBoardReaderTests.swift).
"""
import json
import os
import sys

from tensorboard.backend.event_processing import event_file_loader
from tensorboard.backend.event_processing import event_multiplexer
from tensorboard.backend.event_processing import plugin_event_multiplexer


def main(logdir):
    legacy = event_multiplexer.EventMultiplexer(size_guidance={"scalars": 0})
    legacy.AddRunsFromDirectory(logdir)
    legacy.Reload()
    plugin = plugin_event_multiplexer.EventMultiplexer()
    plugin.AddRunsFromDirectory(logdir)
    plugin.Reload()
    plugin_tags = plugin.PluginRunToTagToContent("scalars")
    runs = {}
    for run, tags in legacy.Runs().items():
        scalars = {tag: [[e.step, e.value] for e in legacy.Scalars(run, tag)] for tag in tags["scalars"]}
        files = []
        folder = os.path.join(logdir, run)
        for name in sorted(os.listdir(folder)):
            events = list(event_file_loader.EventFileLoader(os.path.join(folder, name)).Load())
            files.append({"name": name, "events": len(events),
                          "first_file_version": events[0].file_version if events else None,
                          "first_step": events[0].step if events else None})
        runs[run] = {"scalars": scalars, "plugin_tags": sorted(plugin_tags.get(run, {})), "files": files}
    json.dump({"runs": runs}, sys.stdout)


if __name__ == "__main__":
    main(sys.argv[1])
