#!/usr/bin/env python3
"""Read the HParams records under a TensorBoard logdir with TensorBoard's own hparams plugin
backend and print what its dashboard gets, as JSON.

    python3 scripts/tensorboard-hparams-read.py LOGDIR

Prints
  {"experiment": {"hparam_infos": [{"name", "type", "differs", "domain_discrete" | "min"/"max"}],
                  "metric_infos": ["accuracy/test", ...]},
   "session_groups": [{"name", "hparams": {NAME: VALUE}, "sessions": [{"name", "status",
                       "start_time_secs", "end_time_secs", "metrics": {TAG: value}}]}],
   "runs": {RUN: {"start": {"hparams": {NAME: VALUE}, "group_name", "start_time_secs"} | null,
                  "end": {"status", "end_time_secs"} | null}}}
where VALUE is {"number": x}, {"string": s} or {"bool": b} (google.protobuf.Value's kind).
"experiment" and "session_groups" are the replies of the plugin's /experiment and
/session_groups routes (get_experiment.Handler, list_session_groups.Handler over the
MultiplexerDataProvider, as `tensorboard --logdir LOGDIR --load_fast=false` serves them);
"runs" is each run's hparams summary metadata as the plugin_event_multiplexer keeps it, parsed by
the plugin's metadata.parse_session_{start,end}_info_plugin_data.
Used by the tests (Tests/ToolTests/TensorBoardHParamsRunTests.swift).
"""
import json
import sys

from tensorboard import context as tb_context
from tensorboard.backend.event_processing import data_provider
from tensorboard.backend.event_processing import plugin_event_multiplexer
from tensorboard.plugins import base_plugin
from tensorboard.plugins.hparams import api_pb2
from tensorboard.plugins.hparams import get_experiment
from tensorboard.plugins.hparams import hparams_plugin
from tensorboard.plugins.hparams import list_session_groups
from tensorboard.plugins.hparams import metadata


def value(v):
    kind = v.WhichOneof("kind")
    if kind == "number_value":
        return {"number": v.number_value}
    if kind == "string_value":
        return {"string": v.string_value}
    if kind == "bool_value":
        return {"bool": v.bool_value}
    return {"other": str(v)}


def status(s):
    return api_pb2.Status.Name(s)


def main(logdir):
    multiplexer = plugin_event_multiplexer.EventMultiplexer()
    multiplexer.AddRunsFromDirectory(logdir)
    multiplexer.Reload()
    provider = data_provider.MultiplexerDataProvider(multiplexer, logdir)
    plugin = hparams_plugin.HParamsPlugin(
        base_plugin.TBContext(logdir=logdir, data_provider=provider, multiplexer=multiplexer))
    ctx = tb_context.RequestContext()

    experiment = get_experiment.Handler(
        ctx, plugin._context, "", api_pb2.GetExperimentRequest(include_metrics=True)).run()
    infos = []
    for info in experiment.hparam_infos:
        entry = {"name": info.name, "type": api_pb2.DataType.Name(info.type), "differs": info.differs}
        if info.HasField("domain_discrete"):
            entry["domain_discrete"] = sorted(v.string_value if v.WhichOneof("kind") == "string_value" else json.dumps(value(v))
                                              for v in info.domain_discrete.values)
        if info.HasField("domain_interval"):
            entry["min"] = info.domain_interval.min_value
            entry["max"] = info.domain_interval.max_value
        infos.append(entry)
    metrics = sorted(m.name.tag + (("@" + m.name.group) if m.name.group else "") for m in experiment.metric_infos)

    request = api_pb2.ListSessionGroupsRequest(
        start_index=0, slice_size=100000, include_metrics=True,
        allowed_statuses=[api_pb2.STATUS_UNKNOWN, api_pb2.STATUS_SUCCESS, api_pb2.STATUS_FAILURE, api_pb2.STATUS_RUNNING])
    groups = []
    for group in list_session_groups.Handler(ctx, plugin._context, "", request).run().session_groups:
        groups.append({
            "name": group.name,
            "hparams": {k: value(v) for k, v in group.hparams.items()},
            "sessions": [{"name": s.name, "status": status(s.status), "start_time_secs": s.start_time_secs,
                          "end_time_secs": s.end_time_secs,
                          "metrics": {m.name.tag: m.value for m in s.metric_values}} for s in group.sessions],
        })

    runs = {}
    for run, tags in multiplexer.PluginRunToTagToContent(metadata.PLUGIN_NAME).items():
        start = end = None
        if metadata.SESSION_START_INFO_TAG in tags:
            info = metadata.parse_session_start_info_plugin_data(tags[metadata.SESSION_START_INFO_TAG])
            start = {"hparams": {k: value(v) for k, v in info.hparams.items()}, "group_name": info.group_name,
                     "start_time_secs": info.start_time_secs}
        if metadata.SESSION_END_INFO_TAG in tags:
            info = metadata.parse_session_end_info_plugin_data(tags[metadata.SESSION_END_INFO_TAG])
            end = {"status": status(info.status), "end_time_secs": info.end_time_secs}
        runs[run] = {"start": start, "end": end}

    json.dump({"experiment": {"hparam_infos": infos, "metric_infos": metrics},
               "session_groups": groups, "runs": runs}, sys.stdout, indent=1, sort_keys=True)


if __name__ == "__main__":
    main(sys.argv[1])
