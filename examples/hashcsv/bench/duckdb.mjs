// Runs the DuckDB query that examples/hashcsv is compared with: read the
// customer CSV, normalize and SHA-256 eleven columns in SQL, write CSV.
// Usage: node duckdb.mjs IN.csv OUT.csv   (needs @duckdb/node-api installed
// next to it or on NODE_PATH; bench.sh installs it into a temporary folder).
import { DuckDBInstance } from '@duckdb/node-api';

const [input, output] = process.argv.slice(2);
const db = await DuckDBInstance.create(':memory:');
const c = await db.connect();
const h = (e) => `sha256(${e})`;
await c.run(`COPY (SELECT
  customer_id AS EXTERN_ID,
  ${h(`lower(trim(e_mail))`)} AS EMAIL,
  ${h(`regexp_replace(mobile,'[^0-9]','','g')`)} AS PHONE,
  ${h(`lower(trim(first_name))`)} AS FN,
  ${h(`lower(trim(last_name))`)} AS LN,
  ${h(`lower(regexp_replace(city,'[^A-Za-z]','','g'))`)} AS CT,
  ${h(`lower(trim(state))`)} AS ST,
  ${h(`left(regexp_replace(zip,'[^0-9A-Za-z]','','g'),5)`)} AS ZIP,
  ${h(`lower(trim(country))`)} AS COUNTRY,
  ${h(`strftime(try_strptime(dob,['%m/%d/%Y','%Y-%m-%d']),'%Y%m%d')`)} AS DOB,
  ${h(`lower(left(trim(gender),1))`)} AS GEN
FROM read_csv('${input}', all_varchar=true)) TO '${output}' (HEADER, DELIMITER ',')`);
