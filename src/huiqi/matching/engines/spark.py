"""`--engine spark`: the same compiled rules as Spark SQL, for a province that doesn't fit one box.

The compiler emits the Spark dialect (sqlglot); this module only runs it. Two inputs:

- a local file (CSV / XLSX / Parquet): read and checked by the same pipeline as every engine
  (DuckDB), handed to Spark as canonical Parquet (numbers as scaled integers), and the result
  written back as the one file the `huiqi match` contract names, in input order;
- a Parquet path with a scheme (`hdfs://`, `s3a://`, `file://`) or a directory: read by Spark
  itself, columns named as the field catalog in their natural units (money in yuan); the result
  is a Parquet directory at the output path, as Spark writes it (see docs/scale.md).

Every engine agrees with the reference evaluator to the fen (tests/matching/test_spark.py).
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from datetime import date
from pathlib import Path
from typing import TYPE_CHECKING

from sqlglot import exp

from huiqi.rules import Catalog, FieldType, Item, compile_items, select_all_sql

if TYPE_CHECKING:
    from pyspark.sql import DataFrame, SparkSession

SOURCE_VIEW = "src"


def session(master: str | None = None) -> SparkSession:
    """The SparkSession: `master` (e.g. `spark://host:7077`, `yarn`), else `HUIQI_SPARK_MASTER`,
    else what `spark-submit` set, else local on every core."""
    from pyspark.sql import SparkSession

    builder = SparkSession.builder.appName("huiqi-match")
    chosen = master or os.environ.get("HUIQI_SPARK_MASTER")
    if chosen:
        builder = builder.master(chosen)
    elif "SPARK_MASTER" not in os.environ and "spark.master" not in os.environ.get(
            "PYSPARK_SUBMIT_ARGS", ""):
        builder = builder.master("local[*]")
    # Exact arithmetic: ANSI mode raises on overflow instead of returning NULL or wrapping.
    return (builder.config("spark.sql.ansi.enabled", "true")
            .config("spark.ui.enabled", "false")
            .config("spark.sql.session.timeZone", "Asia/Shanghai")
            .getOrCreate())


def _lit(text: str) -> str:
    return exp.Literal.string(text).sql(dialect="spark")


def long_sql(items: Sequence[Item], as_of: date, *, columns: str, row_key: str) -> str:
    """One output row per (row, item): every item of a row computed in one pass over
    SOURCE_VIEW, then unnested with `inline`. Columns: row_key, uscc, item_ord, item,
    eligible (text), amount (DECIMAL(18,2) when eligible), failed, missing."""
    compiled = compile_items(items, as_of, "spark", table=SOURCE_VIEW, columns=columns)
    wide = select_all_sql(compiled, row_key, "uscc")
    structs = ", ".join(
        f"named_struct('item_ord', {k}, 'item', {_lit(item.id)}, 'eligible', `eligible_{k}`, "
        f"'amount_fen', `amount_fen_{k}`, 'failed', `failed_{k}`, 'missing', `missing_{k}`)"
        for k, item in enumerate(items))
    return f"""
SELECT `{row_key}`, uscc, item_ord, item,
       CASE eligible WHEN 1 THEN 'true' WHEN 0 THEN 'false' ELSE 'unknown' END AS eligible,
       CASE WHEN eligible = 1 THEN CAST(CAST(amount_fen AS DECIMAL(38,0)) / 100
            AS DECIMAL(18,2)) END AS amount,
       failed, missing
FROM (SELECT `{row_key}`, uscc, inline(array({structs})) FROM ({wide}) AS w) AS l
"""  # item ids are literals rendered by sqlglot; the rest is the compiler's checked output


def run(spark: SparkSession, source: DataFrame, items: Sequence[Item], as_of: date, *,
        columns: str, row_key: str) -> DataFrame:
    source.createOrReplaceTempView(SOURCE_VIEW)
    return spark.sql(long_sql(items, as_of, columns=columns, row_key=row_key))


def natural_source(spark: SparkSession, path: str, catalog: Catalog) -> DataFrame:
    """Catalog-named Parquet in natural units, every catalog field present and typed (absent
    fields are NULL: unknown, never a default), plus a row key in file order."""
    from pyspark.sql import functions as F

    df = spark.read.parquet(path)
    present = set(df.columns)
    if "uscc" not in present:
        raise ValueError(f"{path} 没有 uscc 列")
    cols = [F.monotonically_increasing_id().alias("__row"), F.col("uscc").cast("string")]
    for spec in catalog:
        if spec.name == "uscc":
            continue
        typed = _SPARK_TYPES[spec.type]
        value = F.col(spec.name).cast(typed) if spec.name in present else F.lit(None).cast(typed)
        cols.append(value.alias(spec.name))
    return df.select(*cols)


_SPARK_TYPES = {FieldType.BOOL: "boolean", FieldType.INTEGER: "bigint",
                FieldType.MONEY: "decimal(38,6)", FieldType.DECIMAL: "decimal(38,10)",
                FieldType.DATE: "date", FieldType.TEXT: "string", FieldType.ENUM: "string",
                FieldType.INDUSTRY_CODE: "string", FieldType.REGION: "string"}


def match_uri(input_uri: str, output_uri: str, items: Sequence[Item], catalog: Catalog,
              as_of: date, *, master: str | None = None) -> int:
    """Cluster mode: Parquet in, a Parquet directory out; returns the number of output rows
    counted by Spark after the write (one more pass, over the written result)."""
    spark = session(master)
    result = run(spark, natural_source(spark, input_uri, catalog), items, as_of,
                 columns="natural", row_key="__row")
    result.drop("__row", "item_ord").write.mode("overwrite").parquet(output_uri)
    return int(spark.read.parquet(output_uri).count())


def match_canonical(canonical_parquet: Path, items: Sequence[Item], as_of: date, out: Path,
                    *, master: str | None = None) -> Path:
    """Local mode: canonical Parquet (scaled integers, `__row`) in; the Parquet directory `out`
    of (__row, uscc, item_ord, item, eligible, amount, failed, missing), for the caller to
    write in input order."""
    spark = session(master)
    source = spark.read.parquet(str(canonical_parquet))
    run(spark, source, items, as_of, columns="scaled", row_key="__row") \
        .write.mode("overwrite").parquet(str(out))
    return out


def is_uri(path: str) -> bool:
    """A cluster path: anything with a scheme, or an existing directory of Parquet parts."""
    return "://" in path or Path(path).is_dir()
