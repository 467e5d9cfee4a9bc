#!/usr/bin/env python3
"""moto_server with DynamoDB's single-item atomicity.

moto 5.2.5 applies a conditional PutItem / UpdateItem / DeleteItem as get → check → write without a
lock, in a threaded server: two concurrent conditional writes to one item can both pass their
condition (measured: 50 concurrent conditional `ADD attempts 1 if attempts < 5` let 7 through).
DynamoDB evaluates the condition and applies the write atomically, and the lockout (and every
"exactly once" claim of the triggers) relies on that. This wrapper serialises moto's DynamoDB
item writes (and transactions) with one lock, then runs moto_server unchanged: reads and every
other service are untouched. Usage is that of moto_server (`-H 127.0.0.1 -p 4566`).
"""

from __future__ import annotations

import functools
import sys
import threading

from moto.dynamodb.models import DynamoDBBackend
from moto.server import main

_WRITES = threading.RLock()


def _serialised(method):
    @functools.wraps(method)
    def wrapper(*args, **kwargs):
        with _WRITES:
            return method(*args, **kwargs)

    return wrapper


for _name in ("put_item", "update_item", "delete_item", "transact_write_items"):
    setattr(DynamoDBBackend, _name, _serialised(getattr(DynamoDBBackend, _name)))

if __name__ == "__main__":
    sys.exit(main())
