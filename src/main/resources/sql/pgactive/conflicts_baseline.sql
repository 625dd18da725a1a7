-- On (re)connect: totals per conflict type, the newest id, and how many happened in the last minute.
-- Later cycles read only rows newer than that id (conflicts_since.sql): the history table has no retention.
SELECT conflict_type::text                                                         AS conflict_type,
       count(*)::bigint                                                            AS total,
       count(*) FILTER (WHERE local_conflict_time > now() - interval '1 minute')::bigint AS last_minute,
       max(conflict_id)                                                            AS max_id
  FROM pgactive.pgactive_conflict_history
 GROUP BY conflict_type
