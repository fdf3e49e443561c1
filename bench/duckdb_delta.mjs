// bench/duckdb_delta.mjs - the nightly delta computed by DuckDB, for
// bench/csv.sh to print beside `edigate delta` (issue 16, point 8).
// Usage: node duckdb_delta.mjs OLD.csv NEW.csv KEY
// Reads both files as text columns with their header and compares them
// with EXCEPT both ways; prints "added changed deleted".  The package
// (@duckdb/node-api) is installed by bench/csv.sh, never by make deps.
import { DuckDBInstance } from '@duckdb/node-api';

const [oldf, newf, key] = process.argv.slice(2);
if (!oldf || !newf || !key) {
	console.error('usage: node duckdb_delta.mjs OLD.csv NEW.csv KEY');
	process.exit(2);
}
const q = (s) => "'" + s.replace(/'/g, "''") + "'";
const k = '"' + key.replace(/"/g, '""') + '"';
const rd = (f) => `read_csv(${q(f)}, header = true, all_varchar = true)`;
const sql = `
WITH o AS (SELECT * FROM ${rd(oldf)}),
     n AS (SELECT * FROM ${rd(newf)}),
     newer AS (SELECT * FROM n EXCEPT SELECT * FROM o),
     older AS (SELECT * FROM o EXCEPT SELECT * FROM n)
SELECT
  (SELECT count(*) FROM newer WHERE ${k} NOT IN (SELECT ${k} FROM older)),
  (SELECT count(*) FROM newer WHERE ${k} IN (SELECT ${k} FROM older)),
  (SELECT count(*) FROM older WHERE ${k} NOT IN (SELECT ${k} FROM newer))`;
const db = await DuckDBInstance.create(':memory:');
const con = await db.connect();
const res = await con.runAndReadAll(sql);
const r = res.getRows()[0];
console.log(`${r[0]} ${r[1]} ${r[2]}`);
