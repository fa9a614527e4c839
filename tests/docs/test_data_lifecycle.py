"""The relayer tables documented in the data-lifecycle spec are exactly what its migrations create."""

from __future__ import annotations

import ratdocs

LIFECYCLE = ratdocs.DOCS / "data" / "lifecycle.md"


def schema_differences(documented, migrated) -> list[str]:
    problems = []
    for table in sorted(set(migrated) - set(documented)):
        problems.append(f"table {table} is created by the migrations but not documented")
    for table in sorted(set(documented) - set(migrated)):
        problems.append(f"table {table} is documented but no migration creates it")
    for table in sorted(set(documented) & set(migrated)):
        doc, real = documented[table], migrated[table]
        for col in sorted(set(real) - set(doc)):
            problems.append(f"{table}.{col} exists ({real[col][0]}) but is not documented")
        for col in sorted(set(doc) - set(real)):
            problems.append(f"{table}.{col} is documented but does not exist")
        for col in sorted(set(doc) & set(real)):
            if doc[col] != real[col]:
                problems.append(f"{table}.{col}: documented (type, nullable, pk) {doc[col]} but migrated {real[col]}")
    return problems


def test_documented_relayer_schema_equals_the_migrated_sqlite_schema():
    problems = schema_differences(ratdocs.documented_schema(LIFECYCLE), ratdocs.migrated_sqlite_schema())
    assert not problems, "\n".join(problems)


def test_the_checker_catches_a_renamed_column():
    migrated = ratdocs.migrated_sqlite_schema()
    documented = {t: dict(c) for t, c in migrated.items()}
    documented["sagas"]["state"] = documented["sagas"].pop("step")
    problems = " ".join(schema_differences(documented, migrated))
    assert "sagas.step exists" in problems and "sagas.state is documented" in problems


def test_documented_mirror_schema_equals_the_indexers_migrated_sqlite_schema():
    documented = ratdocs.documented_schema(LIFECYCLE, heading="mirror table")
    problems = schema_differences(documented, ratdocs.migrated_sqlite_schema("indexer.migrations"))
    assert not problems, "\n".join(problems)
