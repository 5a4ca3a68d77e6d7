import {DuckDBInstance} from "@duckdb/node-api";

/** Run read-only queries over Parquet files with the Node DuckDB, returning JSON-friendly rows. */
export async function queryParquet<T = Record<string, unknown>>(sql: string): Promise<T[]> {
  const instance = await DuckDBInstance.create(":memory:");
  const connection = await instance.connect();
  try {
    const reader = await connection.runAndReadAll(sql);
    return reader.getRowObjectsJS() as T[];
  } finally {
    connection.closeSync();
    instance.closeSync();
  }
}
