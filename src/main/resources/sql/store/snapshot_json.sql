-- no row: never stored; a NULL json: recorded, its full snapshot thinned or retained away
SELECT j.json FROM snapshots s LEFT JOIN snapshot_json j USING (version) WHERE s.version = ?
