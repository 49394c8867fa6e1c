"""The cloud side of the workspace: a snapshot of the facts cloud checks read.

A snapshot is collected live from AWS with boto3 (`readycheck.cloud.collect`, imported only when a
live collection is asked for) or loaded from a file. Checks read it through ``ctx.cloud`` and never
call AWS themselves, so a live audit and an offline audit of the same snapshot give the same report.
"""

from readycheck.cloud.snapshot import (
    SERVICES,
    CloudScope,
    CloudSnapshot,
    load_snapshot,
    snapshot_schema,
)

__all__ = ["SERVICES", "CloudScope", "CloudSnapshot", "load_snapshot", "snapshot_schema"]
