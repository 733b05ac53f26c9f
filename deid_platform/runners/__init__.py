"""Entry points besides the `deid` command: the in-process runner of the asset graph
(`pipeline`, for `deid demo`, tests and benchmarks), the summary the demo prints (`summary`) and
the Dagster Pipes entry of a training step run in another process or pod (`pipes_entry`).
Nothing is imported here: the Pipes entry must run with only dagster-pipes and `core`."""
