"""The database cache's table (motcua_cache), made by migrate so every database has it.

The default cache is the database when no MOTCUA_CACHE_URL is set (settings.cache_config): rate-limit
counters shared by all processes. `createcachetable` would make it too, but a database set up by
`migrate` alone (benches, scratch copies, the test database) must not answer 500 for want of it.
"""

from django.core.management.commands.createcachetable import Command as CreateCacheTable
from django.db import migrations

TABLE = "motcua_cache"


def create(apps, schema_editor):
    command = CreateCacheTable()
    command.verbosity = 0
    command.create_table(schema_editor.connection.alias, TABLE, dry_run=False)


def drop(apps, schema_editor):
    connection = schema_editor.connection
    if TABLE in connection.introspection.table_names():
        schema_editor.execute(f"DROP TABLE {connection.ops.quote_name(TABLE)}")


class Migration(migrations.Migration):
    dependencies = [("core", "0003_job_state")]

    operations = [migrations.RunPython(create, drop)]
