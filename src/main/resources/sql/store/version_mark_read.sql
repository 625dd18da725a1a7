-- the highest version ever handed out: the reserved mark, or the newest stored snapshot when it is higher
SELECT max(coalesce((SELECT reserved_up_to FROM version_mark), 0), coalesce((SELECT max(version) FROM snapshots), 0))
