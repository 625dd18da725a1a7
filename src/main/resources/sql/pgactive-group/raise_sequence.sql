SELECT setval(s.seq, ?)
  FROM (SELECT to_regclass(?) AS seq) s
 WHERE s.seq IS NOT NULL
   AND coalesce((SELECT last_value FROM pg_sequences q
                  WHERE format('%I.%I', q.schemaname, q.sequencename) = ?), 0) < ?
