-- New conflict rows since the last cycle, oldest first, bounded per cycle.
SELECT conflict_id,
       conflict_type::text                                                         AS conflict_type,
       local_conflict_time
  FROM pgactive.pgactive_conflict_history
 WHERE conflict_id > $1
 ORDER BY conflict_id
 LIMIT 5000
