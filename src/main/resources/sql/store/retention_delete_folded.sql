-- ?1 node_id, [?2, ?3) the range just folded
DELETE FROM node_samples WHERE node_id = ?1 AND at >= ?2 AND at < ?3
