"""A vocabulary column reads back its enum's member (looked up in the type's own table), and a value the enum does
not hold is refused as the enum refuses it."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from tracker.db import EnumString
from tracker.vocabulary import ResponseStatus


def test_each_stored_value_reads_back_as_its_member_and_none_as_none() -> None:
    column = EnumString(ResponseStatus)
    dialect = sa.create_engine("sqlite://").dialect
    for member in ResponseStatus:
        assert column.process_result_value(member.value, dialect) is member
    assert column.process_result_value(None, dialect) is None


def test_a_value_the_enum_does_not_hold_is_refused() -> None:
    with pytest.raises(ValueError, match="not a valid ResponseStatus"):
        EnumString(ResponseStatus).process_result_value("finished", sa.create_engine("sqlite://").dialect)


def test_a_vocabulary_column_reads_back_through_a_query() -> None:
    engine = sa.create_engine("sqlite://")
    table = sa.Table("t", sa.MetaData(), sa.Column("status", EnumString(ResponseStatus)))
    with engine.begin() as connection:
        table.create(connection)
        connection.execute(table.insert(), [{"status": ResponseStatus.BLOCKED}, {"status": None}])
        assert [row.status for row in connection.execute(sa.select(table))] == [ResponseStatus.BLOCKED, None]
