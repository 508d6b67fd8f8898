"""Every action on the data, once, one module per feature: the API's handlers and the CLI both call these.

Adding a read-only action (a new table of figures) touches three files:

1. `surveyapp/actions/<feature>.py`: `def <feature>(services, wave_id, *, by="lad", ...) -> Result`. Check the
   wave with `levels.response_wave`, parse `by` once with `levels.Breakdown.parse` (the error names `by`) and
   filters with `levels.parse_filters`; count through the store's functions (`store.frames.response_counts`,
   `answer_counts`, ... given `breakdown.by` and `breakdown.groups`), never SQL here; round every count through
   `services.disclosure`; return `levels.Result(kind, frame, parameters, notes)`, which
   `render.formats.serialise` writes as JSON, CSV, Parquet or XLSX with no change.
2. `surveyapp/api/analyst.py`: a `@get` handler calling it and serialising the result, added to
   `analyst_router`'s `route_handlers` (which declares the analyst token once).
3. `surveyapp/cli/commands.py`: its argparse entry (an `_add_<feature>` listed in `add_commands`) and a
   handler that asks the route for its file through `cli/client.open_client` (the running service, or the app
   in process): nothing else in the CLI knows the action.

A real example: the 2019 baseline's counts are `actions/data.baseline` (and `baseline_file`), the route
`GET /api/v1/export/baseline` in `api/analyst.py`, and `surveyapp baseline` in `cli/commands.py`.

A count the store cannot give yet is a fourth file: a function in `surveyapp/store/` (SQL lives only there).
"""
