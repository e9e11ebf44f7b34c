#!/usr/bin/python3
"""Validates access packages against schema/export.schema.json: validate_export.py SCHEMA FILE..."""
import json
import sys

import jsonschema

schema = json.load(open(sys.argv[1]))
jsonschema.Draft202012Validator.check_schema(schema)
validator = jsonschema.Draft202012Validator(schema)
bad = 0
for path in sys.argv[2:]:
    doc = json.load(open(path))
    for err in validator.iter_errors(doc):
        bad += 1
        print(f"{path}: {'/'.join(map(str, err.path))}: {err.message}", file=sys.stderr)
sys.exit(1 if bad else 0)
