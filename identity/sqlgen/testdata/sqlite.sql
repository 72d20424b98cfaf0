DROP TABLE IF EXISTS idr_nodes;
CREATE TABLE idr_nodes AS
SELECT source, record_key, ROW_NUMBER() OVER (ORDER BY source, record_key) AS node FROM (SELECT DISTINCT source, record_key FROM records UNION SELECT DISTINCT source, record_key FROM identifiers) r;
DROP TABLE IF EXISTS idr_edges;
CREATE TABLE idr_edges AS
WITH r0 AS (SELECT DISTINCT i.value AS v, n.node FROM identifiers i JOIN idr_nodes n ON n.source = i.source AND n.record_key = i.record_key WHERE i.kind = 'CUSTOMER_ID' AND i.value IS NOT NULL AND i.value <> ''),
r0m AS (SELECT v, MIN(node) AS hub FROM r0 GROUP BY v HAVING COUNT(*) >= 2 AND COUNT(*) <= 6),
r1 AS (SELECT DISTINCT i.value AS v, n.node FROM identifiers i JOIN idr_nodes n ON n.source = i.source AND n.record_key = i.record_key WHERE i.kind = 'EMAIL' AND i.value IS NOT NULL AND i.value <> '' AND i.value NOT IN ('cef7fc13a38180936ffa2635489088778e059f07a5d1beda53f1719d35577631', '43700797e2f9d4ad38ccf1355df3233453396bfcc8db8e424486e37bae42a9ec')),
r1m AS (SELECT v, MIN(node) AS hub FROM r1 GROUP BY v HAVING COUNT(*) >= 2 AND COUNT(*) <= 6),
r2 AS (SELECT DISTINCT CAST(length(i0.value) AS TEXT) || ':' || i0.value || '|' || CAST(length(i1.value) AS TEXT) || ':' || i1.value || '|' || CAST(length(i2.value) AS TEXT) || ':' || i2.value AS v, n.node FROM identifiers i0 JOIN identifiers i1 ON i1.source = i0.source AND i1.record_key = i0.record_key JOIN identifiers i2 ON i2.source = i0.source AND i2.record_key = i0.record_key JOIN idr_nodes n ON n.source = i0.source AND n.record_key = i0.record_key WHERE i0.kind = 'PHONE' AND i0.value IS NOT NULL AND i0.value <> '' AND i0.value NOT IN ('f64551fcd6f07823cb87971cfb91446425da18286b3ab1ef935e0cbd7a69f68a') AND i1.kind = 'LAST' AND i1.value IS NOT NULL AND i1.value <> '' AND i2.kind = 'ZIP' AND i2.value IS NOT NULL AND i2.value <> ''),
r2m AS (SELECT v, MIN(node) AS hub FROM r2 GROUP BY v HAVING COUNT(*) >= 2 AND COUNT(*) <= 6),
r3 AS (SELECT DISTINCT i.value AS v, n.node FROM identifiers i JOIN idr_nodes n ON n.source = i.source AND n.record_key = i.record_key WHERE i.kind = 'PHONE' AND i.value IS NOT NULL AND i.value <> '' AND i.value NOT IN ('f64551fcd6f07823cb87971cfb91446425da18286b3ab1ef935e0cbd7a69f68a') AND i.source IN ('calls', 'crm')),
r3m AS (SELECT v, MIN(node) AS hub FROM r3 GROUP BY v HAVING COUNT(*) >= 2 AND COUNT(*) <= 4)
SELECT r0.node AS src, r0m.hub AS dst, 'customer' AS rule FROM r0 JOIN r0m ON r0.v = r0m.v WHERE r0.node <> r0m.hub
UNION ALL
SELECT r1.node AS src, r1m.hub AS dst, 'email' AS rule FROM r1 JOIN r1m ON r1.v = r1m.v WHERE r1.node <> r1m.hub
UNION ALL
SELECT r2.node AS src, r2m.hub AS dst, 'phone-last-zip' AS rule FROM r2 JOIN r2m ON r2.v = r2m.v WHERE r2.node <> r2m.hub
UNION ALL
SELECT r3.node AS src, r3m.hub AS dst, 'phone-crm' AS rule FROM r3 JOIN r3m ON r3.v = r3m.v WHERE r3.node <> r3m.hub;
DROP TABLE IF EXISTS idr_cc_0;
CREATE TABLE idr_cc_0 AS
SELECT node, node AS label FROM idr_nodes;
DROP TABLE IF EXISTS idr_cc_1;
CREATE TABLE idr_cc_1 AS
WITH nb AS (
  SELECT node, label FROM idr_cc_0
  UNION ALL SELECT e.src AS node, c.label FROM idr_edges e JOIN idr_cc_0 c ON c.node = e.dst
  UNION ALL SELECT e.dst AS node, c.label FROM idr_edges e JOIN idr_cc_0 c ON c.node = e.src
), m AS (SELECT node, MIN(label) AS label FROM nb GROUP BY node)
SELECT a.node, CASE WHEN b.label < a.label THEN b.label ELSE a.label END AS label FROM m a LEFT JOIN m b ON b.node = a.label;
-- converged when this is 0:
SELECT COUNT(*) FROM idr_cc_1 a JOIN idr_cc_0 b ON a.node = b.node WHERE a.label <> b.label;
DROP TABLE IF EXISTS idr_cc_2;
CREATE TABLE idr_cc_2 AS
WITH nb AS (
  SELECT node, label FROM idr_cc_1
  UNION ALL SELECT e.src AS node, c.label FROM idr_edges e JOIN idr_cc_1 c ON c.node = e.dst
  UNION ALL SELECT e.dst AS node, c.label FROM idr_edges e JOIN idr_cc_1 c ON c.node = e.src
), m AS (SELECT node, MIN(label) AS label FROM nb GROUP BY node)
SELECT a.node, CASE WHEN b.label < a.label THEN b.label ELSE a.label END AS label FROM m a LEFT JOIN m b ON b.node = a.label;
-- converged when this is 0:
SELECT COUNT(*) FROM idr_cc_2 a JOIN idr_cc_1 b ON a.node = b.node WHERE a.label <> b.label;
DROP TABLE IF EXISTS idr_cc_0;
DROP TABLE IF EXISTS resolved;
CREATE TABLE resolved AS
SELECT n.source, n.record_key, h.source AS cluster_source, h.record_key AS cluster_key FROM idr_nodes n JOIN idr_cc_2 c ON c.node = n.node JOIN idr_nodes h ON h.node = c.label;
DROP TABLE IF EXISTS idr_cc_2;
DROP TABLE IF EXISTS idr_cc_1;
DROP TABLE IF EXISTS idr_edges;
DROP TABLE IF EXISTS idr_nodes;
