"""The exchange message log partitioned by month on PostgreSQL (issue 17 item 7, ADR 0039).

PostgreSQL only: the table is rebuilt as a declaratively partitioned table with the same columns,
defaults, identity, checks and indexes, primary key (id, created_at), one partition per month from
its oldest row to three months ahead and a default partition, then the rows are copied. SQLite keeps
its plain table. The reverse leaves the table partitioned: Django sees the same columns either way.
"""

from django.db import migrations

TABLE = "exchange_messagelog"

CONVERT_SQL = """
DO $$
DECLARE
    idx record;
    first_month date;
    m date;
    last_month date := (date_trunc('month', now() AT TIME ZONE 'UTC') + interval '3 months')::date;
BEGIN
    ALTER TABLE exchange_messagelog RENAME TO exchange_messagelog_unpartitioned;
    ALTER TABLE exchange_messagelog_unpartitioned
        RENAME CONSTRAINT exchange_messagelog_pkey TO exchange_messagelog_unpartitioned_pkey;
    CREATE TEMP TABLE _motcua_msg_indexes ON COMMIT DROP AS
        SELECT indexname, indexdef FROM pg_indexes
        WHERE tablename = 'exchange_messagelog_unpartitioned'
          AND indexname <> 'exchange_messagelog_unpartitioned_pkey';
    FOR idx IN SELECT * FROM _motcua_msg_indexes LOOP
        EXECUTE format('ALTER INDEX %I RENAME TO %I', idx.indexname, left(idx.indexname, 40) || '_old');
    END LOOP;
    CREATE TABLE exchange_messagelog (
        LIKE exchange_messagelog_unpartitioned INCLUDING DEFAULTS INCLUDING IDENTITY INCLUDING CONSTRAINTS
    ) PARTITION BY RANGE (created_at);
    ALTER TABLE exchange_messagelog ADD CONSTRAINT exchange_messagelog_pkey PRIMARY KEY (id, created_at);
    FOR idx IN SELECT * FROM _motcua_msg_indexes LOOP
        EXECUTE replace(idx.indexdef, 'exchange_messagelog_unpartitioned', 'exchange_messagelog');
    END LOOP;
    CREATE TABLE exchange_messagelog_default PARTITION OF exchange_messagelog DEFAULT;
    SELECT date_trunc('month', min(created_at) AT TIME ZONE 'UTC')::date INTO first_month
        FROM exchange_messagelog_unpartitioned;
    m := least(coalesce(first_month, last_month), date_trunc('month', now() AT TIME ZONE 'UTC')::date);
    WHILE m <= last_month LOOP
        EXECUTE format(
            'CREATE TABLE %I PARTITION OF exchange_messagelog FOR VALUES FROM (%L) TO (%L)',
            'exchange_messagelog_p' || to_char(m, 'YYYYMM'),
            (m::timestamp AT TIME ZONE 'UTC'), ((m + interval '1 month')::timestamp AT TIME ZONE 'UTC')
        );
        m := (m + interval '1 month')::date;
    END LOOP;
    INSERT INTO exchange_messagelog SELECT * FROM exchange_messagelog_unpartitioned;
    PERFORM setval(pg_get_serial_sequence('exchange_messagelog', 'id'),
                   coalesce((SELECT max(id) FROM exchange_messagelog), 0) + 1, false);
    DROP TABLE exchange_messagelog_unpartitioned;
END $$;
"""


def partition(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    with schema_editor.connection.cursor() as cursor:
        cursor.execute("SELECT relkind FROM pg_class WHERE relname = %s", [TABLE])
        row = cursor.fetchone()
        if row is None or row[0] == "p":
            return
        cursor.execute(CONVERT_SQL)


class Migration(migrations.Migration):
    dependencies = [
        ("privacy", "0001_initial"),
        ("exchange", "0001_initial"),
    ]

    operations = [migrations.RunPython(partition, migrations.RunPython.noop)]
