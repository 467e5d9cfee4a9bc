#!/usr/bin/env python3
"""moto_server with DynamoDB's single-item atomicity.

moto 5.2.5 applies a conditional PutItem / UpdateItem / DeleteItem as get → check → write without a
lock, in a threaded server: two concurrent conditional writes to one item can both pass their
condition (measured: 50 concurrent conditional `ADD attempts 1 if attempts < 5` let 7 through).
DynamoDB evaluates the condition and applies the write atomically, and the lockout (and every
"exactly once" claim of the triggers) relies on that. Reads need the same lock: an UpdateItem of a
new item first stores the bare key and only then applies its update expression, so a GetItem in
between returned an item with nothing but its key (the likely cause of one CI run where one of
ten concurrent pre token generations answered without the profile claim and logged no failure);
DynamoDB shows a write whole or not at all. This wrapper serialises moto's DynamoDB item writes (and transactions) with one lock, and
holds the same lock over each read request (GetItem, BatchGetItem, Query, Scan, TransactGetItems)
until its answer is written out, so a read sees every write whole; then it runs moto_server
unchanged: every other service is untouched. Usage is that of moto_server (`-H 127.0.0.1 -p 4566`).
"""

from __future__ import annotations

import functools
import sys
import threading

from moto.dynamodb.models import DynamoDBBackend
from moto.dynamodb.responses import DynamoHandler
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

# The read handlers whole: the backend hands out the stored item, which the handler then writes out.
for _name in ("get_item", "batch_get_item", "query", "scan", "transact_get_items"):
    setattr(DynamoHandler, _name, _serialised(getattr(DynamoHandler, _name)))

if __name__ == "__main__":
    sys.exit(main())
