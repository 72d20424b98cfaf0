package sqlgen

// NodesBySource returns the node table with the numbers Nodes gives (by
// source, then record key), computed as one ROW_NUMBER per source plus the
// number of records of the sources before it. Nodes sorts every record in
// one window without PARTITION BY, which Athena (Trino) and Spark run on a
// single worker; here each source's window can run on its own worker, so
// a lake of many sources (tenants, systems) is numbered in parallel. One
// very large source is still sorted on one worker. The input is read
// twice (the WITH is inlined), for the counts and for the numbers.
func (p *Plan) NodesBySource() Table {
	q := "WITH r AS (SELECT source, record_key FROM " + p.cfg.Records + " UNION SELECT source, record_key FROM " + p.cfg.Identifiers + "),\n" +
		"c AS (SELECT source, COUNT(*) AS n FROM r GROUP BY source),\n" +
		"o AS (SELECT source, SUM(n) OVER (ORDER BY source) - n AS off FROM c)\n" +
		"SELECT r.source, r.record_key, o.off + ROW_NUMBER() OVER (PARTITION BY r.source ORDER BY r.record_key) AS node FROM r JOIN o ON o.source IS NOT DISTINCT FROM r.source"
	return Table{Name: p.nodes(), Query: q}
}
